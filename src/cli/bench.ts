/**
 * `mova bench <figure|all>`: the benchmark suite (DESIGN.md, "Performance model"). Every figure is a ratio measured
 * in one run against its baseline, written as JSON + Markdown under bench/ with bench/README.md summarising them.
 * Figures live in src/bench/ (one file each). Everything runs on loopback and stops by itself.
 */
import { BENCH_INPUTS, type BenchInput } from '../bench/common';
import { DEFAULT_REGISTRY_PATH } from '../core/registry';
import { int, parse, str, UsageError } from './args';

const FIGURES = ['overhead', 'batching', 'sparsity', 'transport', 'scaling', 'expert'] as const;
type FigureName = (typeof FIGURES)[number];

const USAGE = `mova bench <${FIGURES.join('|')}|all> [--reps N] [--duration S] [--concurrency C] [--out DIR]
  expert: [--experts a,b] [--batches 1,4,8] [--iterations N] [--inputs pixel_values,pixel_values_shm,pixel_values_stream,pixel_values_shm_stream,image] [--provider cpu|webgpu] [--config FILE] [--name STEM] [--note TEXT]`;

export async function benchCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, {
    experts: { type: 'string' },
    inputs: { type: 'string' },
    iterations: { type: 'string' },
    batches: { type: 'string' },
    config: { type: 'string' },
    out: { type: 'string' },
    provider: { type: 'string' },
    name: { type: 'string' },
    note: { type: 'string' },
    reps: { type: 'string' },
    duration: { type: 'string' },
    concurrency: { type: 'string' },
  });
  const which = positionals[0];
  if (!which || !(which === 'all' || (FIGURES as readonly string[]).includes(which))) throw new UsageError(USAGE);
  const out = str(values.out, 'out');
  const reps = int(values.reps, 'reps') ?? 3;
  if (reps < 1 || reps > 50) throw new UsageError('--reps must be 1..50');
  const durationS = int(values.duration, 'duration') ?? 10;
  if (durationS < 1 || durationS > 600) throw new UsageError('--duration must be 1..600 seconds');
  const concurrency = int(values.concurrency, 'concurrency') ?? 16;
  if (concurrency < 1 || concurrency > 256) throw new UsageError('--concurrency must be 1..256');
  const provider = str(values.provider, 'provider');
  if (provider !== undefined && provider !== 'cpu' && provider !== 'webgpu') throw new UsageError('--provider must be cpu or webgpu');
  const common = { reps, ...(out ? { out } : {}) };
  const run: Record<FigureName, () => Promise<unknown>> = {
    overhead: async () => (await import('../bench/overhead.js')).overheadFigure({ ...common, iterations: int(values.iterations, 'iterations') ?? 10 }),
    batching: async () => (await import('../bench/batching.js')).batchingFigure({ ...common, durationS, concurrency }),
    sparsity: async () => (await import('../bench/sparsity.js')).sparsityFigure({ ...common, durationS, concurrency }),
    transport: async () => (await import('../bench/transport.js')).transportFigure({ ...common, reps: Math.max(reps, 5), calls: int(values.iterations, 'iterations') ?? 20 }),
    scaling: async () => (await import('../bench/scaling.js')).scalingFigure({ ...common, durationS, concurrency }),
    expert: async () => {
      const name = str(values.name, 'name');
      const note = str(values.note, 'note');
      const batches = (str(values.batches, 'batches') ?? '1,4,8').split(',').map(Number);
      if (batches.some((b) => !Number.isInteger(b) || b < 1 || b > 256)) throw new UsageError('--batches must be integers 1..256');
      const inputs = (str(values.inputs, 'inputs') ?? BENCH_INPUTS.join(',')).split(',');
      if (inputs.some((i) => !(BENCH_INPUTS as readonly string[]).includes(i))) throw new UsageError(`--inputs must be among ${BENCH_INPUTS.join(', ')}`);
      return (await import('../bench/expert.js')).expertBench({
        registryPath: str(values.config, 'config') ?? DEFAULT_REGISTRY_PATH,
        batches,
        iterations: int(values.iterations, 'iterations') ?? 20,
        inputs: inputs as BenchInput[],
        ...(str(values.experts, 'experts') ? { experts: str(values.experts, 'experts')!.split(',') } : {}),
        ...(provider ? { provider, ignoreMaxBatch: true } : {}),
        ...(name ? { name } : {}),
        ...(note ? { note } : {}),
        ...(out ? { out } : {}),
      });
    },
  };
  const todo: FigureName[] = which === 'all' ? [...FIGURES] : [which as FigureName];
  const failed: string[] = [];
  for (const f of todo) {
    try {
      await run[f]();
    } catch (err) {
      // One broken figure must not lose the others' results in `bench all`.
      if (todo.length === 1) throw err;
      failed.push(f);
      process.stderr.write(`[bench] ${f} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    }
  }
  const { writeBenchReadme } = await import('../bench/readme.js');
  writeBenchReadme(out);
  if (failed.length > 0) throw new Error(`figures failed: ${failed.join(', ')}`);
}
