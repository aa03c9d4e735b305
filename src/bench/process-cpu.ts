/**
 * CPU time of the cluster's processes (all their threads: onnxruntime's, libvips', the event loop), read from Linux's
 * /proc/<pid>/stat, so a figure can say where a run's CPU went and how much of it each answered request cost.
 * Elsewhere (no /proc) every reading is undefined and figures leave the CPU table out.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface WatchedProcess {
  name: string;
  pid: number;
}

let ticksPerSecond: number | undefined;

/** The kernel's clock ticks per second (USER_HZ, almost always 100), from getconf. */
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** User + system CPU seconds a process has used so far, or undefined when it cannot be read (no /proc, gone). */
export function processCpuSeconds(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // Fields after the command name (which may hold spaces, so split after its closing parenthesis): state is field 3,
  // utime and stime are fields 14 and 15.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(rest[11]) + Number(rest[12]);
  return Number.isFinite(ticks) ? ticks / clockTicks() : undefined;
}

/** CPU seconds per process name now; this process (the load generator) under `self`. */
export function cpuSnapshot(processes: readonly WatchedProcess[], self = 'load generator (bench process)'): Map<string, number | undefined> {
  const out = new Map<string, number | undefined>(processes.map((p) => [p.name, processCpuSeconds(p.pid)]));
  const own = process.cpuUsage();
  out.set(self, (own.user + own.system) / 1e6);
  return out;
}

/** CPU seconds each process used between two snapshots; undefined when either reading is missing. */
export function cpuBetween(before: Map<string, number | undefined>, after: Map<string, number | undefined>): Record<string, number | undefined> {
  const out: Record<string, number | undefined> = {};
  for (const [name, a] of after) {
    const b = before.get(name);
    out[name] = a === undefined || b === undefined ? undefined : a - b;
  }
  return out;
}
