/**
 * Pooled base-expert embeddings of every catalogue image, computed in process with the base expert's pipeline
 * (services/expert/runner.ts; scripts may import it, the router service never does) and cached under
 * .cache/router/ keyed by the image ids and the base model's sha256.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { decodeImage } from '../../src/core/image';
import { DEFAULT_REGISTRY_PATH, findExpert, loadRegistry, PROJECT_ROOT } from '../../src/core/registry';
import { createExpertPipeline } from '../../services/expert/runner';
import { renderImage } from './images';

export interface Embeddings {
  width: number;
  byId: Map<string, Float32Array>;
}

export async function computeEmbeddings(ids: readonly string[], registryPath = DEFAULT_REGISTRY_PATH, log: (m: string) => void = () => {}): Promise<Embeddings> {
  const registry = loadRegistry(registryPath);
  const base = findExpert(registry, registry.base);
  const key = createHash('sha256').update(JSON.stringify({ ids, base: base.files, v: 1 })).digest('hex').slice(0, 16);
  const dir = path.join(PROJECT_ROOT, '.cache', 'router');
  const file = path.join(dir, `embeddings-${key}.bin`);
  let width = 0;
  let data: Float32Array;
  if (existsSync(file)) {
    const buf = readFileSync(file);
    data = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
    width = data.length / ids.length;
    log(`embeddings: cached ${file}`);
  } else {
    const pipeline = await createExpertPipeline({ registryPath, modelsDir: registry.modelsDir, expert: registry.base, intraOpThreads: 2 });
    width = pipeline.pooledWidth;
    data = new Float32Array(ids.length * width);
    const t0 = performance.now();
    for (let i = 0; i < ids.length; i += 8) {
      const chunk = ids.slice(i, i + 8);
      const rgb = await Promise.all(chunk.map(async (id) => decodeImage(await renderImage(id))));
      const out = await pipeline.runImages(rgb);
      data.set(out.pooled.data.subarray(0, chunk.length * width), i * width);
    }
    log(`embeddings: ${ids.length} images in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  }
  const byId = new Map<string, Float32Array>();
  ids.forEach((id, i) => byId.set(id, data.subarray(i * width, (i + 1) * width)));
  return { width, byId };
}
