/** A private redis-server for the local cluster (AOF on, in a temporary directory), when one is on PATH. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { ServiceSpec } from './process-group';

export function redisServerPath(): string | undefined {
  try {
    return execFileSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

export function redisSpec(binary: string, port: number, dir = mkdtempSync(path.join(os.tmpdir(), 'mova-redis-'))): ServiceSpec {
  return {
    name: 'redis',
    kind: 'redis',
    command: binary,
    args: ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--dir', dir, '--protected-mode', 'yes'],
    readyFrom: (line) => (/Ready to accept connections/.test(line) ? { address: `redis://127.0.0.1:${port}` } : undefined),
  };
}
