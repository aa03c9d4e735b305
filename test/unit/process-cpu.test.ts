/** CPU time read from /proc for the cluster figures (src/bench/process-cpu.ts). */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { cpuBetween, cpuSnapshot, processCpuSeconds } from '../../src/bench/process-cpu';

const linux = process.platform === 'linux';

function burn(ms: number): void {
  const end = performance.now() + ms;
  let x = 0;
  while (performance.now() < end) x += Math.sqrt(x + 1);
  if (x < 0) throw new Error('unreachable');
}

describe('process CPU time', { skip: linux ? false : 'reads /proc (Linux only)' }, () => {
  it('counts the CPU a process burns, not the time it sleeps', async () => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => { const end = Date.now() + 400; while (Date.now() < end); setTimeout(() => {}, 300); }, 300)'], { stdio: 'ignore' });
    try {
      const t0 = processCpuSeconds(child.pid!);
      assert.ok(t0 !== undefined && t0 < 0.3, `start-up: ${t0}`);
      await new Promise((r) => setTimeout(r, 900));
      const t1 = processCpuSeconds(child.pid!);
      assert.ok(t1 !== undefined, 'still readable');
      const used = t1 - t0;
      // 400 ms of spinning within 900 ms of wall time (clock ticks are 10 ms).
      assert.ok(used >= 0.3 && used <= 0.8, `used ${used} s`);
    } finally {
      child.kill();
      await once(child, 'exit');
    }
    assert.equal(processCpuSeconds(child.pid!), undefined, 'an exited process reads as undefined');
  });

  it('gives each watched process its difference and this process as the load generator', () => {
    const before = cpuSnapshot([{ name: 'me', pid: process.pid }, { name: 'gone', pid: 2 ** 22 + 1 }]);
    burn(150);
    const d = cpuBetween(before, cpuSnapshot([{ name: 'me', pid: process.pid }, { name: 'gone', pid: 2 ** 22 + 1 }]));
    assert.deepEqual(Object.keys(d).sort(), ['gone', 'load generator (bench process)', 'me']);
    assert.equal(d.gone, undefined);
    assert.ok((d.me ?? 0) >= 0.1 && (d.me ?? 0) <= 0.4, `me ${d.me}`);
    assert.ok(Math.abs((d['load generator (bench process)'] ?? 0) - (d.me ?? 0)) < 0.05, JSON.stringify(d));
  });
});
