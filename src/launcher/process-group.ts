/**
 * Starts services as child processes (`mova serve ...`), waits for each one's ready line on stdout, and stops
 * them all together. Used by `mova up` and by the end-to-end tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { withMallocTuning } from '../core/memory-tuning';

export type ServiceKind = 'expert' | 'router' | 'fusion' | 'gateway' | 'redis';

export interface ServiceSpec {
  name: string;
  kind: ServiceKind;
  /** Command and arguments; for project services, `mova serve ...` arguments (see moVaServe). */
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** Parses one stdout line; returns the service's endpoints once ready, else undefined. */
  readyFrom: (line: string) => Endpoints | undefined;
}

export interface Endpoints {
  address: string;
  http?: string;
  /** Prometheus endpoint (`http://host:port/metrics`), when the service serves one. */
  metrics?: string;
}

export interface StartedService extends Endpoints {
  name: string;
  kind: ServiceKind;
  pid: number;
}

const CLI = path.join(__dirname, '..', 'cli', 'main.js');

/** A project service: `node dist/src/cli/main.js serve <kind> ...`, ready when it prints its JSON line. */
export function movaServe(kind: Exclude<ServiceKind, 'redis'>, name: string, args: string[], env?: NodeJS.ProcessEnv): ServiceSpec {
  return {
    name,
    kind,
    command: process.execPath,
    args: [CLI, 'serve', kind, ...args],
    ...(env ? { env } : {}),
    readyFrom: (line) => {
      try {
        const msg = JSON.parse(line) as { ready?: boolean; address?: string; http?: string; metrics?: string };
        return msg.ready && msg.address ? { address: msg.address, ...(msg.http ? { http: msg.http } : {}), ...(msg.metrics ? { metrics: msg.metrics } : {}) } : undefined;
      } catch {
        return undefined;
      }
    },
  };
}

interface Child {
  spec: ServiceSpec;
  child: ChildProcess;
  /** Set once the service printed its ready line. */
  started?: StartedService;
}

export class ProcessGroup {
  private readonly children: Child[] = [];
  private stopping = false;

  constructor(private readonly onUnexpectedExit: (name: string, code: number | null, signal: string | null) => void = () => {}) {}

  get pids(): number[] {
    return this.children.flatMap((c) => (c.child.pid ? [c.child.pid] : []));
  }

  async start(spec: ServiceSpec, timeoutMs = 180_000): Promise<StartedService> {
    // Redis gets its own process group: a terminal's Ctrl-C (SIGINT to the whole foreground group) must not stop it
    // before the gateways that drain their queues into it; stop() ends it last.
    const child = spawn(spec.command, spec.args, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...withMallocTuning(process.env), ...spec.env }, detached: spec.kind === 'redis' });
    const entry: Child = { spec, child };
    this.children.push(entry);
    const endpoints = await new Promise<Endpoints>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${spec.name} was not ready within ${timeoutMs} ms`)), timeoutMs);
      const rl = createInterface({ input: child.stdout! });
      rl.on('line', (line) => {
        const addr = spec.readyFrom(line);
        if (addr) {
          clearTimeout(timer);
          resolve(addr);
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${spec.name} exited before it was ready (code ${code}, signal ${signal})`));
      });
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
    child.on('exit', (code, signal) => {
      if (!this.stopping && !this.killed.has(child)) this.onUnexpectedExit(spec.name, code, signal);
    });
    entry.started = { name: spec.name, kind: spec.kind, ...endpoints, pid: child.pid ?? -1 };
    return entry.started;
  }

  private readonly killed = new WeakSet<ChildProcess>();

  private latest(name: string): Child {
    const entry = [...this.children].reverse().find((c) => c.spec.name === name);
    if (!entry) throw new Error(`no service "${name}" in this group`);
    return entry;
  }

  /** Sends `signal` to the named service (fault injection, rolling restarts) and waits for it to exit. */
  async kill(name: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const { child } = this.latest(name);
    if (child.exitCode !== null || child.signalCode !== null) return;
    this.killed.add(child);
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill(signal);
    });
  }

  /**
   * Starts the named service again from its spec, on the port it had (so clients reconnect to the same address),
   * with `env` added. The previous process must have exited (see kill).
   */
  async restart(name: string, env: NodeJS.ProcessEnv = {}, timeoutMs?: number): Promise<StartedService> {
    // The first spec (not the last restart's, which may carry fault-injection env) plus `env`.
    const spec = this.children.find((c) => c.spec.name === name)!.spec;
    const { started } = this.latest(name);
    const port = started ? /:(\d+)\/?$/.exec(started.address)?.[1] : undefined;
    const args = [...spec.args];
    const i = args.indexOf('--port');
    if (port !== undefined && i >= 0 && i + 1 < args.length) args[i + 1] = port;
    return this.start({ ...spec, args, env: { ...spec.env, ...env } }, timeoutMs);
  }

  /**
   * Stops every child: SIGTERM, then SIGKILL to those still alive after `graceMs`. Project services first (in
   * reverse start order, together), Redis only once they have exited: a gateway drains its queue into Redis while
   * it shuts down and would hang reconnecting if Redis went first.
   */
  async stop(graceMs = 10_000): Promise<void> {
    this.stopping = true;
    const alive = [...this.children].reverse().filter(({ child }) => child.exitCode === null && child.signalCode === null);
    const terminate = (list: Child[]): Promise<void[]> => Promise.all(list.map(({ child }) => new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
      }, graceMs);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGTERM');
    })));
    await terminate(alive.filter((c) => c.spec.kind !== 'redis'));
    await terminate(alive.filter((c) => c.spec.kind === 'redis'));
  }
}
