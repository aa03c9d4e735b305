/** `mova serve <kind>`: run one service in the foreground until SIGINT/SIGTERM (what a pod runs). */
import { logger } from '../core/log';
import { int, parse, required, str, UsageError } from './args';

export interface StoppableService {
  address: string;
  stop(): Promise<void>;
}

type Starter = (o: { name?: string; port?: number; config?: string; host?: string }) => Promise<StoppableService>;

const STARTERS: Record<string, () => Promise<Starter>> = {
  expert: async () => {
    const { start } = await import('../../services/expert/main.js');
    return (o) => start({ name: required(o.name, 'name'), ...(o.port !== undefined ? { port: o.port } : {}), ...(o.config ? { registryPath: o.config } : {}), ...(o.host ? { host: o.host } : {}) });
  },
};

export async function serveCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, {
    name: { type: 'string' },
    port: { type: 'string' },
    host: { type: 'string' },
    config: { type: 'string' },
  });
  const kind = positionals[0];
  const load = kind ? STARTERS[kind] : undefined;
  if (!kind || !load) throw new UsageError(`mova serve <${Object.keys(STARTERS).join('|')}> [--name NAME] [--port N] [--config FILE]`);
  const starter = await load();
  const port = int(values.port, 'port');
  const name = str(values.name, 'name');
  const config = str(values.config, 'config') ?? process.env.MOVA_CONFIG;
  const host = str(values.host, 'host') ?? process.env.MOVA_HOST;
  const svc = await starter({ ...(name ? { name } : {}), ...(port !== undefined ? { port } : {}), ...(config ? { config } : {}), ...(host ? { host } : {}) });
  const log = logger('serve', { kind });
  // One machine-readable line for launchers; logs go to stderr.
  process.stdout.write(`${JSON.stringify({ ready: true, kind, name: name ?? kind, address: svc.address, pid: process.pid })}\n`);
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    svc.stop().then(() => process.exit(0), (err: unknown) => {
      log.error({ err: String(err) }, 'shutdown failed');
      process.exit(1);
    });
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}
