/** Memory settings (glibc malloc via GLIBC_TUNABLES): which environments get them, and that a user's own GLIBC_TUNABLES or opt-out wins. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { MALLOC_TUNABLES, tuneGarbageCollector, wantsMallocTuning, withMallocTuning } from '../../src/core/memory-tuning';
import { PROJECT_ROOT } from '../../src/core/registry';

describe('malloc tuning', () => {
  it('adds GLIBC_TUNABLES to an environment without it, keeping everything else', () => {
    const env = withMallocTuning({ PATH: '/bin', MOVA_LOG_LEVEL: 'warn' });
    assert.deepEqual(env, { PATH: '/bin', MOVA_LOG_LEVEL: 'warn', GLIBC_TUNABLES: MALLOC_TUNABLES });
    assert.equal(wantsMallocTuning(env), false, 'a tuned environment must not ask for a second re-exec');
  });
  it("leaves the user's own GLIBC_TUNABLES alone", () => {
    const mine = { GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' };
    assert.equal(wantsMallocTuning(mine), false);
    assert.deepEqual(withMallocTuning(mine), mine);
  });
  it('MOVA_MEMORY_TUNING=off turns both settings off', () => {
    const off = { MOVA_MEMORY_TUNING: 'off' };
    assert.equal(wantsMallocTuning(off), false);
    assert.deepEqual(withMallocTuning(off), off);
    assert.equal(tuneGarbageCollector(off), false);
  });
  it('MOVA_MEMORY_TUNING=malloc keeps the glibc settings only', () => {
    const malloc = { MOVA_MEMORY_TUNING: 'malloc' };
    assert.equal(wantsMallocTuning(malloc), true);
    assert.equal(tuneGarbageCollector(malloc), false);
  });
  it('names only malloc tunables glibc knows, with sizes in bytes', () => {
    for (const kv of MALLOC_TUNABLES.split(':')) assert.match(kv, /^glibc\.malloc\.(mmap_threshold|trim_threshold)=\d+$/);
  });
  it('the container image sets the same value (pods start without the re-exec)', () => {
    const dockerfile = readFileSync(path.join(PROJECT_ROOT, 'Dockerfile'), 'utf8');
    assert.ok(dockerfile.includes(`GLIBC_TUNABLES=${MALLOC_TUNABLES} `), 'Dockerfile runtime ENV lacks GLIBC_TUNABLES');
  });
});
