/**
 * `mova up` as a user runs it: one ready JSON line on stdout listing every service with its pid, a working
 * gateway (checked with `mova infer`), and SIGTERM stopping every process it started.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { alive, startedWithMallocTuning, waitGone } from '../helpers/processes';

const ROOT = path.join(__dirname, '..', '..', '..');
const CLI = path.join(ROOT, 'dist', 'src', 'cli', 'main.js');

interface Ready {
  ready: boolean;
  gateway: { grpc: string; http: string };
  services: { name: string; kind: string; address: string; pid: number }[];
}


describe('mova up', { timeout: 300_000 }, () => {
  it('starts the whole cluster, answers, and stops everything promptly on Ctrl-C', async () => {
    // detached: `mova up` leads its own process group, like a command started from a terminal.
    const child = spawn(process.execPath, [CLI, 'up', '--any-ports'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, MOVA_LOG_LEVEL: 'warn' }, detached: true });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        const rl = createInterface({ input: child.stdout });
        rl.once('line', resolve);
        child.once('exit', (code) => reject(new Error(`mova up exited with ${code} before it was ready`)));
      });
      const ready = JSON.parse(line) as Ready;
      assert.equal(ready.ready, true);
      assert.match(ready.gateway.grpc, /^127\.0\.0\.1:\d+$/);
      assert.match(ready.gateway.http, /^http:\/\/127\.0\.0\.1:\d+$/);
      const kinds = ready.services.map((s) => s.kind).sort();
      for (const k of ['expert', 'router', 'fusion', 'gateway']) assert.ok(kinds.includes(k), `no ${k} in ${kinds.join(',')}`);
      assert.deepEqual(ready.services.filter((s) => s.kind === 'expert').map((s) => s.name).sort(), ['fastestdet', 'mobilenetv2', 'ppocr', 'ultraface']);
      for (const s of ready.services) assert.ok(alive(s.pid), `${s.name} (pid ${s.pid}) is not running`);
      // Every service runs with the glibc malloc settings (src/core/memory-tuning.ts), even though this test
      // started `mova up` without them.
      for (const s of process.platform === 'linux' ? ready.services.filter((x) => x.kind !== 'redis') : []) {
        assert.ok(startedWithMallocTuning(s.pid), `${s.name} runs without GLIBC_TUNABLES`);
      }

      const { stdout } = await promisify(execFile)(process.execPath, [CLI, 'infer', '--gateway', ready.gateway.grpc, '--image', path.join(ROOT, 'test', 'fixtures', 'images', 'chelsea.png'), '--instruction', 'What animal is this?', '--json'], { cwd: ROOT });
      const res = JSON.parse(stdout) as { base_decoded: { labels: { label: string }[] }; routing: { policy: string } };
      assert.ok(res.base_decoded.labels.some((l) => /cat|tabby/i.test(l.label)));
      assert.equal(res.routing.policy, 'learned');

      // Ctrl-C: SIGINT to the whole foreground process group at once (every service, Redis excepted, gets it too).
      // Everything must be gone well within the launcher's 10 s SIGKILL grace: a gateway whose Redis died first
      // used to hang in its shutdown until that SIGKILL.
      const t0 = Date.now();
      process.kill(-child.pid!, 'SIGINT');
      await new Promise<void>((resolve) => child.once('exit', () => resolve()));
      const left = await waitGone(ready.services.map((s) => s.pid), 15_000 - (Date.now() - t0));
      assert.deepEqual(ready.services.filter((s) => left.includes(s.pid)).map((s) => s.name), [], 'processes left running');
      assert.ok(Date.now() - t0 < 8_000, `the cluster took ${Date.now() - t0} ms to stop`);
    } finally {
      if (child.exitCode === null) process.kill(-child.pid!, 'SIGKILL');
    }
  });
});
