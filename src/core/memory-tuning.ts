/**
 * Memory settings for processes that move multi-MB tensors: glibc malloc and V8's garbage collector.
 *
 * Every gRPC hop allocates a few fresh buffers per call (protobuf encode, gRPC framing, the receiver's reassembly).
 *
 * 1. glibc serves allocations ≥ 128 KiB–32 MiB with mmap and returns freed memory to the kernel, so each call
 *    writes into pages the kernel must fault in again. Measured on a 2-core VM (2026-11-30, a 4.9 MB ppocr
 *    `pixel_values` call over loopback): ~800–1000 page faults per call in the client and 150–700 in the server,
 *    ~12 µs each; with MALLOC_TUNABLES, under ~100 and ~10, and the call 108–128 ms → 85–100 ms. The cost: a
 *    process keeps its peak heap instead of returning it to the kernel. These settings travel in
 *    `GLIBC_TUNABLES`, which glibc reads once at process start: every launcher passes it to the services it
 *    spawns, the container image sets it, and `mova serve|up|bench|loadtest` re-execute themselves once with it
 *    when started without it (`reexecWithMemoryTuning`). A GLIBC_TUNABLES you set yourself is left alone.
 *    musl, macOS and Windows ignore it.
 * 2. Those buffers count as V8 "external" memory; with incremental marking V8 answers the growth with a
 *    mark-compact every ~3 calls, run in steps between the tensor's network reads. Atomic marking
 *    (`--no-incremental-marking`, set at start-up by `tuneGarbageCollector`) halves the collector's time per 4 MiB
 *    gRPC call here (client: 818–1078 → 492–497 ms over 260 calls): fewer, longer pauses — a 4 MiB-per-call client
 *    (12 MB heap) ran 19 mark-compacts in 260 calls, median pause 12.5 ms (max 18), instead of one every ~3 calls;
 *    the fusion benchmark's process (client and service in one, 8 MB per call) 120 instead of 273–318, ~21–27 ms
 *    each, total collector time 4.1–5.1 → 2.9–3.0 s.
 *
 * MOVA_MEMORY_TUNING=off turns both off; MOVA_MEMORY_TUNING=malloc keeps only the glibc settings.
 */
import { spawn } from 'node:child_process';
import v8 from 'node:v8';

/** mmap only above 256 MiB; trim the heap top only above 1 GiB (so freed tensor buffers are reused, not re-faulted). */
export const MALLOC_TUNABLES = 'glibc.malloc.mmap_threshold=268435456:glibc.malloc.trim_threshold=1073741824';

/** The V8 flag `tuneGarbageCollector` sets. */
export const GC_FLAG = '--no-incremental-marking';

/** Set in the environment of a process that `reexecWithMemoryTuning` started. */
const REEXEC_ENV = 'MOVA_REEXEC_CHILD';

function enabled(env: NodeJS.ProcessEnv): boolean {
  return env.MOVA_MEMORY_TUNING !== 'off';
}

/** Whether `tuneGarbageCollector` applies under `env` (MOVA_MEMORY_TUNING=malloc keeps only the glibc settings). */
export function gcTuningEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return enabled(env) && env.MOVA_MEMORY_TUNING !== 'malloc';
}

/** Whether this process runs on glibc (Linux), where GLIBC_TUNABLES means anything. */
export function runsOnGlibc(): boolean {
  if (process.platform !== 'linux') return false;
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
  return typeof header?.glibcVersionRuntime === 'string';
}

/** True when a process started with `env` would run without our malloc settings (and should get them). */
export function wantsMallocTuning(env: NodeJS.ProcessEnv = process.env): boolean {
  return enabled(env) && env.GLIBC_TUNABLES === undefined;
}

/** `env` plus GLIBC_TUNABLES for a child process (unchanged when the user set their own or turned tuning off). */
export function withMallocTuning(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return wantsMallocTuning(env) ? { ...env, GLIBC_TUNABLES: MALLOC_TUNABLES } : env;
}

/** Switches this process's V8 to atomic marking (see above); returns whether it did. Call once, early. */
export function tuneGarbageCollector(env: NodeJS.ProcessEnv = process.env): boolean {
  if (!gcTuningEnabled(env)) return false;
  v8.setFlagsFromString(GC_FLAG);
  return true;
}

/**
 * Re-executes this Node process once with the malloc settings when it lacks them (glibc only): same argv and
 * execArgv, inherited stdio, signals forwarded, and this process exits as the child does. The child is connected
 * by an IPC channel and stops itself (SIGTERM) when this process dies, even by SIGKILL (`stopWithReexecParent`).
 * Returns false (and does nothing) when no re-exec is needed; the caller then runs normally.
 */
export function reexecWithMemoryTuning(): boolean {
  if (!wantsMallocTuning() || !runsOnGlibc()) return false;
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    env: { ...withMallocTuning(), [REEXEC_ENV]: '1' },
  });
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  const forward = (s: NodeJS.Signals): void => {
    child.kill(s);
  };
  for (const s of signals) process.on(s, forward);
  child.on('error', (err) => {
    process.stderr.write(`mova: could not re-execute with GLIBC_TUNABLES (${err.message}); set MOVA_MEMORY_TUNING=off\n`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    for (const s of signals) process.off(s, forward);
    if (signal) process.kill(process.pid, signal);
    else process.exit(code ?? 1);
  });
  return true;
}

/**
 * In a process started by `reexecWithMemoryTuning`: shut down gracefully (SIGTERM to itself) when the parent's IPC
 * channel closes, i.e. the parent died. The channel does not keep this process alive. No-op elsewhere.
 */
export function stopWithReexecParent(): void {
  if (process.env[REEXEC_ENV] !== '1' || !process.channel) return;
  delete process.env[REEXEC_ENV]; // not inherited by the services this process starts
  process.channel.unref();
  process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
}
