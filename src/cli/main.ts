#!/usr/bin/env node
/** `mova`: the command line every issue builds on (see DESIGN.md, "Command line"). */
import { ConfigError, MovaError } from '../core/errors';
import { reexecWithMemoryTuning, stopWithReexecParent, tuneGarbageCollector } from '../core/memory-tuning';
import { UsageError } from './args';
import { describeCliError } from './errors';

const COMMANDS: Record<string, { summary: string; run: () => Promise<(argv: string[]) => Promise<void>> }> = {
  up: { summary: 'up [--config FILE] [--no-redis] [--port N] [--any-ports] [--no-metrics]: start the whole cluster locally; prints one ready JSON line', run: async () => (await import('./up.js')).upCommand },
  serve: { summary: 'serve expert|router|fusion|gateway [--name NAME] [--port N] [--host H] [--config FILE] [--metrics-port N|any]\n      expert/fusion: [--no-worker]; gateway: [--http-port N] [--redis URL] [--max-batch-size N] [--max-batch-delay-ms T]; router: [--routing-policy P]', run: async () => (await import('./serve.js')).serveCommand },
  infer: { summary: 'infer --image FILE --instruction TEXT [--gateway ADDR] [--json] [--max-experts K] [--require a,b] [--exclude a,b] [--features] [--fp16] [--deadline-ms T]', run: async () => (await import('./infer.js')).inferCommand },
  loadtest: { summary: 'loadtest --concurrency C --duration S [--rate R] [--mix FILE] [--gateway ADDR] [--out DIR] [--deadline-ms T]', run: async () => (await import('./loadtest.js')).loadtestCommand },
  route: { summary: 'route --local (--image FILE --instruction TEXT | --batch FILE.jsonl) [--json] [--policy P] [--max-experts K] [--config FILE]: routing without a cluster', run: async () => (await import('./route.js')).routeCommand },
  'fetch-models': { summary: 'fetch-models [--config FILE] [--dir DIR]: download missing model files and check sha256', run: async () => (await import('./fetch-models.js')).fetchModelsCommand },
  'prepare-models': { summary: 'prepare-models [--config FILE] [--dir DIR] [--cache DIR] [--provider cpu|webgpu]: build and cache each expert\'s model variant', run: async () => (await import('./prepare-models.js')).prepareModelsCommand },
  bench: { summary: 'bench overhead|batching|sparsity|transport|scaling|expert|all [--reps N] [--duration S] [--concurrency C] [--out DIR]: ratio benchmarks → bench/\n      expert: [--experts a,b] [--batches 1,4,8] [--iterations N] [--inputs pixel_values,image] [--provider cpu|webgpu] [--config FILE] [--name STEM] [--note TEXT]', run: async () => (await import('./bench.js')).benchCommand },
};

function usage(): string {
  return ['usage: mova <command> [options]', '', ...Object.entries(COMMANDS).map(([, c]) => `  mova ${c.summary}`)].join('\n');
}

async function main(argv: string[]): Promise<void> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    process.stdout.write(`${usage()}\n`);
    return;
  }
  const c = COMMANDS[cmd];
  if (!c) throw new UsageError(`unknown command "${cmd}"\n${usage()}`);
  const own = rest.indexOf('--');
  if ((own < 0 ? rest : rest.slice(0, own)).some((a) => a === '--help' || a === '-h')) {
    process.stdout.write(`usage: mova ${c.summary}\n`);
    return;
  }
  try {
    await (await c.run())(rest);
  } catch (err) {
    // A bad option or argument: say what the command takes.
    if (err instanceof UsageError && !err.message.includes('usage:')) throw new UsageError(`${err.message}\nusage: mova ${c.summary}`);
    throw err;
  }
}

/** Commands that move tensors for a long time: they run with the memory settings of src/core/memory-tuning.ts. */
const TUNED = new Set(['serve', 'up', 'bench', 'loadtest']);
const tuned = TUNED.has(process.argv[2] ?? '');

if (!(tuned && reexecWithMemoryTuning())) {
  if (tuned) tuneGarbageCollector();
  stopWithReexecParent();
  main(process.argv.slice(2)).catch((err: unknown) => {
    if (err instanceof UsageError) process.stderr.write(`mova: ${err.message}\n`);
    else if (err instanceof ConfigError || err instanceof MovaError) process.stderr.write(`mova: ${err.message}\n`);
    else process.stderr.write(`mova: ${describeCliError(err, process.argv[2])}\n`);
    process.exitCode = err instanceof UsageError ? 2 : 1;
  });
}
