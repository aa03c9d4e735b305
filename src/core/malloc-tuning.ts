/**
 * glibc malloc settings for processes that move multi-MB tensors.
 *
 * Every gRPC hop allocates a few fresh buffers per call (protobuf encode, gRPC framing, the receiver's
 * reassembly). glibc serves allocations ≥ 128 KiB–32 MiB with mmap and returns freed memory to the kernel, so
 * each call writes into pages the kernel must fault in again. Measured on a 2-core VM (2026-11-30, a 4.9 MB
 * ppocr `pixel_values` call over loopback): ~800–1000 page faults per call in the client and 150–700 in the
 * server, ~12 µs each; with the settings below, under ~100 and ~10, and the call 108–128 ms → 85–100 ms.
 * The cost: a process keeps its peak heap instead of returning it to the kernel.
 *
 * The settings travel in `GLIBC_TUNABLES`, which glibc reads once at process start: `mova up` and every launcher
 * pass it to the services they spawn, the container image sets it, and `mova serve|up|bench|loadtest` re-execute
 * themselves once with it when started without it (see `reexecWithMallocTuning`). A GLIBC_TUNABLES you set
 * yourself is left alone; MOVA_MALLOC_TUNING=off turns all of this off. musl, macOS and Windows ignore it.
 */
import { spawn } from 'node:child_process';

/** mmap only above 256 MiB; trim the heap top only above 1 GiB (so freed tensor buffers are reused, not re-faulted). */
export const MALLOC_TUNABLES = 'glibc.malloc.mmap_threshold=268435456:glibc.malloc.trim_threshold=1073741824';

function runsOnGlibc(): boolean {
  if (process.platform !== 'linux') return false;
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
  return typeof header?.glibcVersionRuntime === 'string';
}

/** True when a process started with `env` would run without our malloc settings (and should get them). */
export function wantsMallocTuning(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.MOVA_MALLOC_TUNING !== 'off' && env.GLIBC_TUNABLES === undefined;
}

/** `env` plus GLIBC_TUNABLES for a child process (unchanged when the user set their own or turned tuning off). */
export function withMallocTuning(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return wantsMallocTuning(env) ? { ...env, GLIBC_TUNABLES: MALLOC_TUNABLES } : env;
}

/**
 * Re-executes this Node process once with the malloc settings when it lacks them (glibc only): same argv and
 * execArgv, inherited stdio, signals forwarded, and this process exits as the child does. Returns false (and does
 * nothing) when no re-exec is needed; the caller then runs normally.
 */
export function reexecWithMallocTuning(): boolean {
  if (!wantsMallocTuning() || !runsOnGlibc()) return false;
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit', env: withMallocTuning() });
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  const forward = (s: NodeJS.Signals): void => {
    child.kill(s);
  };
  for (const s of signals) process.on(s, forward);
  child.on('error', (err) => {
    process.stderr.write(`mova: could not re-execute with GLIBC_TUNABLES (${err.message}); set MOVA_MALLOC_TUNING=off\n`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    for (const s of signals) process.off(s, forward);
    if (signal) process.kill(process.pid, signal);
    else process.exit(code ?? 1);
  });
  return true;
}
