/**
 * Fixed ports of a local cluster (`mova up`: 50050/50051 and the registry's 5006x/5007x) lie inside Linux's
 * ephemeral range (32768–60999), so an outgoing connection of an earlier run (a client, a health check) may have had
 * one of them as its local port; after it closes, that port sits in TIME_WAIT for up to 60 s and a server cannot
 * bind it (EADDRINUSE), though nothing listens there. Before starting the services, `mova up` checks every fixed
 * port: a port another process listens on fails at once with a clear message; a port held only by a closing
 * connection is waited for.
 */
import net from 'node:net';

export type PortState = 'free' | 'listening' | 'closing';

function tryBind(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.setTimeout(1000, () => done(false));
  });
}

/** Whether a server could bind `port` now, and if not, whether something listens there or a closing connection holds it. */
export async function portState(host: string, port: number): Promise<PortState> {
  if (await tryBind(host, port)) return 'free';
  return (await accepts(host, port)) ? 'listening' : 'closing';
}

export class PortInUseError extends Error {}

/**
 * Resolves when every port can be bound. A port something listens on rejects at once (PortInUseError); one held by a
 * closing connection is retried every `pollMs` until `timeoutMs` (TIME_WAIT lasts 60 s on Linux).
 */
export async function waitForPorts(host: string, ports: readonly number[], opts: { timeoutMs?: number; pollMs?: number; onWait?: (port: number) => void } = {}): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 75_000);
  const waited = new Set<number>();
  for (const port of [...new Set(ports)].filter((p) => p > 0)) {
    for (;;) {
      const state = await portState(host, port);
      if (state === 'free') break;
      if (state === 'listening') throw new PortInUseError(`port ${port} on ${host} is in use by another process (is a cluster already running?); stop it or choose other ports (--port, the registry's ports, or --any-ports)`);
      if (Date.now() >= deadline) throw new PortInUseError(`port ${port} on ${host} stayed unavailable (held by a closing connection) for ${opts.timeoutMs ?? 75_000} ms; try --any-ports`);
      if (!waited.has(port)) {
        waited.add(port);
        opts.onWait?.(port);
      }
      await new Promise((r) => setTimeout(r, opts.pollMs ?? 1000));
    }
  }
}
