/**
 * `mova prepare-models`: build (or find in the cache) the model variant each registry expert's execution
 * provider wants (`variants: { cpu: folded, webgpu: float32 }`), keyed by the source sha256 and the variant.
 * The Dockerfile runs it for the CPU variants so pods start without converting; experts also prepare on demand
 * (under the temp directory when the cache directory is read-only). The CPU default `folded` is prepared for both
 * kinds of x86 CPU (int8 weights as shipped, and shifted to u8 for CPUs without VNNI: src/onnx/u8-weights.ts), since
 * an image is often built on another machine than the nodes it runs on.
 */
import { ConfigError } from '../core/errors';
import type { ExecutionProvider } from '../core/ort-session';
import { exposedFloatValues, preparedModelPath, preparedModelsDir } from '../core/prepared-models';
import { DEFAULT_REGISTRY_PATH, loadRegistry, resolveExpertFiles, resolveModelsDir } from '../core/registry';
import { parse, str, UsageError } from './args';

const PROVIDERS: readonly ExecutionProvider[] = ['cpu', 'webgpu'];

export async function prepareModelsCommand(argv: string[]): Promise<void> {
  const { values } = parse(argv, { config: { type: 'string' }, dir: { type: 'string' }, cache: { type: 'string' }, provider: { type: 'string' } });
  const provider = str(values.provider, 'provider');
  if (provider !== undefined && !PROVIDERS.includes(provider as ExecutionProvider)) throw new UsageError(`--provider must be one of ${PROVIDERS.join(', ')}`);
  const providers = provider ? [provider as ExecutionProvider] : PROVIDERS;
  const cacheDir = str(values.cache, 'cache') ?? preparedModelsDir();
  const registry = loadRegistry(str(values.config, 'config') ?? DEFAULT_REGISTRY_PATH, str(values.dir, 'dir') ?? resolveModelsDir());
  let failures = 0;
  for (const expert of registry.experts) {
    let files: Record<string, string>;
    try {
      files = resolveExpertFiles(registry, expert);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      process.stderr.write(`failed   ${expert.name}: ${err.message}\n`);
      failures++;
      continue;
    }
    for (const [role, source] of Object.entries(files)) {
      if (!source.endsWith('.onnx')) continue;
      for (const p of providers) {
        const variant = expert.variants[p];
        for (const shiftInt8Weights of variant === 'folded' ? [false, true] : [undefined]) {
          const label = `${expert.name}.${role} ${p}/${variant}${shiftInt8Weights ? ' (int8 weights as u8, for CPUs without VNNI)' : ''}`;
          const started = Date.now();
          try {
            const out = preparedModelPath({ source, variant, keepFloat32: exposedFloatValues(expert), cacheDir, ...(shiftInt8Weights === undefined ? {} : { shiftInt8Weights }) });
            if (shiftInt8Weights && !out.int8WeightsAsU8) continue; // no int8 weights: the same file as above
            process.stderr.write(`${out.status.padEnd(8)} ${label}: ${out.path}${out.status === 'built' ? ` (${Date.now() - started} ms)` : ''}\n`);
          } catch (err) {
            process.stderr.write(`failed   ${label}: ${(err as Error).message}\n`);
            failures++;
          }
        }
      }
    }
  }
  if (failures > 0) {
    process.exitCode = 1;
    process.stderr.write(`${failures} variant(s) could not be prepared; cache: ${cacheDir}\n`);
  }
}
