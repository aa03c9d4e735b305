/**
 * `mova serve` started without GLIBC_TUNABLES re-executes itself once with it (src/core/memory-tuning.ts): the
 * service runs in the child with the settings, SIGTERM to the wrapper stops both, and a wrapper killed outright
 * (SIGKILL, no chance to forward anything) still takes its child down.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import { runsOnGlibc } from '../../src/core/memory-tuning';
import { PROJECT_ROOT } from '../../src/core/registry';
import { alive, startedWithMallocTuning, waitGone } from '../helpers/processes';

const CLI = path.join(PROJECT_ROOT, 'dist', 'src', 'cli', 'main.js');
const onGlibc = runsOnGlibc();

async function gone(pid: number, ms: number): Promise<boolean> {
  return (await waitGone([pid], ms)).length === 0;
}

/** `mova serve router` without GLIBC_TUNABLES; resolves with the wrapper and the service's own pid. */
async function serveRouter(): Promise<{ wrapper: ChildProcess; servicePid: number }> {
  const env: NodeJS.ProcessEnv = { ...process.env, MOVA_LOG_LEVEL: 'warn' };
  delete env.GLIBC_TUNABLES;
  delete env.MOVA_MEMORY_TUNING;
  const wrapper = spawn(process.execPath, [CLI, 'serve', 'router', '--port', '0'], { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: wrapper.stdout! }).once('line', resolve);
    wrapper.once('exit', (code) => reject(new Error(`mova serve router exited with ${code} before it was ready`)));
  });
  return { wrapper, servicePid: (JSON.parse(line) as { pid: number }).pid };
}

describe('memory settings: the re-executed service', { skip: onGlibc ? false : 'glibc (Linux) only', timeout: 120_000 }, () => {
  it('runs with GLIBC_TUNABLES in a child, and SIGTERM to the wrapper stops both', async () => {
    const { wrapper, servicePid } = await serveRouter();
    try {
      assert.notEqual(servicePid, wrapper.pid, 'the service should run in a re-executed child');
      assert.ok(startedWithMallocTuning(servicePid), 'the service runs without GLIBC_TUNABLES');
      const exited = new Promise<number | null>((resolve) => wrapper.once('exit', (code) => resolve(code)));
      wrapper.kill('SIGTERM');
      assert.equal(await exited, 0, 'the wrapper exits as the service does (0 after a graceful stop)');
      assert.ok(await gone(servicePid, 10_000), 'the service outlived its wrapper');
    } finally {
      if (alive(servicePid)) process.kill(servicePid, 'SIGKILL');
    }
  });

  it('stops when its wrapper is killed with SIGKILL', async () => {
    const { wrapper, servicePid } = await serveRouter();
    try {
      wrapper.kill('SIGKILL');
      assert.ok(await gone(servicePid, 15_000), 'the service outlived a SIGKILLed wrapper');
    } finally {
      if (alive(servicePid)) process.kill(servicePid, 'SIGKILL');
    }
  });
});
