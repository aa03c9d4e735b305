/**
 * `mova fetch-models` against a local HTTP server standing in for the upstream hosts: downloads what is missing,
 * checks the pinned sha256 before installing, skips files already present, and fails on a digest mismatch.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import YAML from 'yaml';
import { DEFAULT_REGISTRY_PATH, resolveModelsDir } from '../../src/core/registry';

const CLI = path.join(__dirname, '..', '..', 'src', 'cli', 'main.js');
const run = promisify(execFile);

describe('mova fetch-models', () => {
  let server: http.Server;
  let base: string;
  const served = new Map<string, Buffer>();
  let hits = 0;

  before(async () => {
    server = http.createServer((req, res) => {
      hits++;
      const body = served.get(req.url ?? '');
      if (!body) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-length': body.length }).end(body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  /** A registry copy whose non-npm files are fetched from the local server into a fresh models dir. */
  function setup(corrupt: string | undefined): { config: string; dir: string; names: string[] } {
    const raw = YAML.parse(readFileSync(DEFAULT_REGISTRY_PATH, 'utf8')) as { experts: { files: Record<string, { file: string; url?: string }> }[] };
    const names: string[] = [];
    for (const e of raw.experts) {
      for (const f of Object.values(e.files)) {
        if (f.file.startsWith('npm:')) continue;
        const bytes = readFileSync(path.join(resolveModelsDir(), f.file));
        served.set(`/${f.file}`, f.file === corrupt ? Buffer.concat([bytes, Buffer.from('x')]) : bytes);
        f.url = `${base}/${f.file}`;
        names.push(f.file);
      }
    }
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'mova-fetch-'));
    const config = path.join(tmp, 'registry.yaml');
    writeFileSync(config, YAML.stringify(raw));
    return { config, dir: path.join(tmp, 'models'), names };
  }

  it('downloads every missing model, verifies sha256, and skips what is present', async () => {
    const { config, dir, names } = setup(undefined);
    assert.ok(names.length >= 3);
    await run(process.execPath, [CLI, 'fetch-models', '--config', config, '--dir', dir]);
    for (const n of names) {
      const got = createHash('sha256').update(readFileSync(path.join(dir, n))).digest('hex');
      const want = createHash('sha256').update(readFileSync(path.join(resolveModelsDir(), n))).digest('hex');
      assert.equal(got, want, n);
    }
    const before = hits;
    await run(process.execPath, [CLI, 'fetch-models', '--config', config, '--dir', dir]);
    assert.equal(hits, before, 'present files are not downloaded again');
  });

  it('refuses a file whose sha256 does not match and exits non-zero', async () => {
    const { config, dir } = setup('fastestdet.onnx');
    await assert.rejects(run(process.execPath, [CLI, 'fetch-models', '--config', config, '--dir', dir]), (err: { code: number; stderr: string }) => {
      assert.equal(err.code, 1);
      assert.match(err.stderr, /failed +fastestdet\.model: sha256 [0-9a-f]{64} is not one of the pinned digests/);
      return true;
    });
    assert.equal(existsSync(path.join(dir, 'fastestdet.onnx')), false, 'a mismatching file is not installed');
    assert.equal(existsSync(path.join(dir, 'ultraface-rfb-320.onnx')), true, 'the others are');
  });
});
