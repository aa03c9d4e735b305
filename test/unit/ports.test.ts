/** `mova up`'s port check (src/launcher/ports.ts): free, listened on, or held by a closing connection (TIME_WAIT). */
import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import { PortInUseError, portState, waitForPorts } from '../../src/launcher/ports';

const HOST = '127.0.0.1';

function listen(port = 0): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const s = net.createServer((c) => c.on('error', () => {}));
    s.once('error', reject);
    s.listen({ host: HOST, port }, () => resolve(s));
  });
}

const portOf = (s: net.Server): number => (s.address() as net.AddressInfo).port;
const close = (s: net.Server): Promise<void> => new Promise((r) => s.close(() => r()));

/**
 * A port left in TIME_WAIT by an outgoing connection that had it as its (kernel-chosen, ephemeral) local port and
 * closed first — what an earlier run's clients leave behind.
 */
async function timeWaitPort(): Promise<number> {
  const server = await listen();
  const local = await new Promise<number>((resolve, reject) => {
    const c = net.connect({ host: HOST, port: portOf(server) });
    let port = 0;
    c.once('error', reject);
    c.once('connect', () => {
      port = c.localPort ?? 0;
      c.end();
    });
    c.once('close', () => resolve(port));
  });
  await close(server);
  return local;
}

describe('mova up port check', () => {
  it('tells a free port, a listened-on port and one held by a closing connection apart', async () => {
    const s = await listen();
    const busy = portOf(s);
    assert.equal(await portState(HOST, busy), 'listening');
    await close(s);
    assert.equal(await portState(HOST, busy), 'free');
    const held = await timeWaitPort();
    assert.equal(await portState(HOST, held), 'closing');
  });

  it('fails at once on a port another process listens on, and waits (here: up to its timeout) on a closing one', async () => {
    const s = await listen();
    const t0 = Date.now();
    await assert.rejects(waitForPorts(HOST, [portOf(s)], { timeoutMs: 10_000 }), (e: unknown) => e instanceof PortInUseError && /in use by another process/.test(e.message));
    assert.ok(Date.now() - t0 < 2000, 'no waiting for a listener');
    await close(s);
    const held = await timeWaitPort();
    const waited: number[] = [];
    await assert.rejects(waitForPorts(HOST, [held], { timeoutMs: 600, pollMs: 100, onWait: (p) => waited.push(p) }), /held by a closing connection/);
    assert.deepEqual(waited, [held]);
    const free = await listen();
    const p = portOf(free);
    await close(free);
    await waitForPorts(HOST, [p, 0]);
  });
});
