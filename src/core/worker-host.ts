/** Entry point of every pool worker thread: loads the runner module, then serves run requests one at a time. */
import { parentPort, workerData } from 'node:worker_threads';
import { MovaError } from './errors';
import { preciseNow, type FromWorker, type Runner, type RunnerFactory, type SerializedError, type ToWorker, type WorkerBoot } from './worker-protocol';

function serialize(err: unknown): SerializedError {
  if (err instanceof MovaError) return { name: err.name, message: err.message, code: err.code, retryable: err.retryable };
  if (err instanceof Error) return { name: err.name, message: err.message };
  return { name: 'Error', message: String(err) };
}

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('worker-host must run in a worker thread');
  const boot = workerData as WorkerBoot;
  const post = (msg: FromWorker, transfer: ArrayBuffer[] = []): void => port.postMessage(msg, transfer);
  let runner: Runner<unknown, unknown, unknown>;
  try {
    const mod = (await import(boot.module)) as { createRunner?: RunnerFactory<unknown, unknown, unknown> };
    if (typeof mod.createRunner !== 'function') throw new Error(`${boot.module} does not export createRunner`);
    runner = await mod.createRunner(boot.options, { index: boot.index });
  } catch (err) {
    post({ type: 'init-error', error: serialize(err) });
    return;
  }
  port.on('message', (msg: ToWorker) => {
    if (msg.type === 'stop') {
      void (runner.dispose?.() ?? Promise.resolve()).finally(() => port.close());
      return;
    }
    const startedAt = preciseNow();
    runner.run(msg.request, { solo: msg.solo }).then(
      ({ result, transfer }) => post({ type: 'result', id: msg.id, result, startedAt, endedAt: preciseNow() }, transfer ?? []),
      (err: unknown) => post({ type: 'error', id: msg.id, error: serialize(err) }),
    );
  });
  post({ type: 'ready', info: runner.info });
}

void main();
