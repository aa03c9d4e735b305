/**
 * `mova route --local`: routing without a cluster — the base encoder and the router run in this process.
 *   mova route --local --image FILE --instruction TEXT [--json] [--policy P] [--max-experts K] [--config FILE]
 *   mova route --local --batch FILE.jsonl --json   (input lines {"image":PATH,"instruction":TEXT}; one output line
 *                                                   per input, in order; a bad line yields {"error":...} and exit 1)
 */
import { readFileSync } from 'node:fs';
import { DEFAULT_REGISTRY_PATH } from '../core/registry';
import { decodeImage } from '../core/image';
import { errorMessage } from '../core/errors';
import { createExpertPipeline } from '../../services/expert/runner';
import { buildRouter } from '../../services/router/build';
import { compileRouterConfig } from '../../services/router/config';
import { isPolicyName } from '../../services/router/policy';
import type { Decision } from '../../services/router/router';
import { decodeInstruction } from '../../services/router/validate';
import { int, parse, str, UsageError } from './args';

interface Job { image: string; instruction: string }

const CHUNK = 16;

function readBatch(file: string): (Job | Error)[] {
  return readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').map((line, i) => {
    try {
      const j = JSON.parse(line) as Partial<Job>;
      if (typeof j.image !== 'string' || typeof j.instruction !== 'string') throw new Error('needs "image" and "instruction" strings');
      return { image: j.image, instruction: j.instruction };
    } catch (err) {
      return new Error(`${file}:${i + 1}: ${errorMessage(err)}`);
    }
  });
}

function toJson(d: Decision): Record<string, unknown> {
  const byName = new Map(d.scores.map((s) => [s.name, s]));
  return {
    chosen: d.chosen.map((n) => ({ name: n, domains: byName.get(n)?.domains ?? [], score: byName.get(n)?.score ?? 0 })),
    scores: d.scores,
    policy: d.policy,
    reason: d.reason,
  };
}

export async function routeCommand(argv: string[]): Promise<void> {
  const { values } = parse(argv, {
    local: { type: 'boolean' }, image: { type: 'string' }, instruction: { type: 'string' }, batch: { type: 'string' },
    json: { type: 'boolean' }, policy: { type: 'string' }, 'max-experts': { type: 'string' }, config: { type: 'string' },
  });
  if (!values.local) throw new UsageError('route needs --local (routing through a running cluster is `mova infer`)');
  const batchFile = str(values.batch, 'batch');
  const jobs: (Job | Error)[] = batchFile !== undefined
    ? readBatch(batchFile)
    : [{ image: str(values.image, 'image') ?? '', instruction: str(values.instruction, 'instruction') ?? '' }];
  if (batchFile === undefined && (values.image === undefined || values.instruction === undefined)) {
    throw new UsageError('route --local needs --image FILE --instruction TEXT, or --batch FILE.jsonl');
  }
  const policy = str(values.policy, 'policy');
  if (policy !== undefined && !isPolicyName(policy)) throw new UsageError(`--policy must be one of learned, llm, rules, all, none`);
  const maxExperts = int(values['max-experts'], 'max-experts');
  const registryPath = str(values.config, 'config') ?? DEFAULT_REGISTRY_PATH;
  const cfg = compileRouterConfig({ registryPath });
  const { router } = await buildRouter(cfg);
  const base = await createExpertPipeline({ registryPath, modelsDir: cfg.registry.modelsDir, expert: cfg.registry.base, intraOpThreads: 2 });
  let failed = false;
  for (let start = 0; start < jobs.length; start += CHUNK) {
    const chunk = jobs.slice(start, start + CHUNK);
    // Decode each input on its own, so one bad line only fails itself.
    const prepared = await Promise.all(chunk.map(async (j) => {
      if (j instanceof Error) return j;
      try {
        return { instruction: decodeInstruction(Buffer.from(j.instruction, 'utf8'), 'instruction'), rgb: await decodeImage(readFileSync(j.image)) };
      } catch (err) {
        return new Error(`${j.image}: ${errorMessage(err)}`);
      }
    }));
    const ok = prepared.filter((p): p is Exclude<typeof p, Error> => !(p instanceof Error));
    const pooled = ok.length > 0 ? (await base.runImages(ok.map((p) => p.rgb))).pooled.data : new Float32Array(0);
    const w = base.pooledWidth;
    const decisions = await router.route(ok.map((p, i) => ({
      instruction: p.instruction, pooled: pooled.slice(i * w, (i + 1) * w), required: [], excluded: [],
      ...(policy !== undefined ? { policy } : {}), ...(maxExperts !== undefined ? { maxExperts } : {}),
    })));
    let k = 0;
    for (const p of prepared) {
      if (p instanceof Error) {
        failed = true;
        process.stdout.write(values.json ? `${JSON.stringify({ error: p.message })}\n` : `error: ${p.message}\n`);
        continue;
      }
      const d = decisions[k++] as Decision;
      process.stdout.write(values.json ? `${JSON.stringify(toJson(d))}\n`
        : `${d.chosen.length > 0 ? d.chosen.join(', ') : '(base only)'} — ${d.reason}\n`);
    }
  }
  if (failed) process.exitCode = 1;
}
