/**
 * An expert pipeline in a second Node process, for `mova bench expert`'s control measurement: the same pipeline, the
 * same threads and the same preprocessed tensor as the benchmark's in-process pipeline, in a process started the way
 * `mova serve` processes are (the malloc settings in its environment, the collector setting at start-up), timed
 * inside that process so nothing but the run counts. Two identical pipelines in two processes need not run equally
 * fast on a shared VM; their paired difference is the noise a server-versus-in-process comparison carries before
 * any serving cost.
 *
 * The child is this module run as a script (`node pipeline-process.js`), driven over Node's IPC channel with the
 * advanced serialisation (typed arrays travel as such): one `init` message, then one `run` message per timed run.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { tuneGarbageCollector, withMallocTuning } from '../core/memory-tuning';
import { errorMessage } from '../core/errors';
import type { Float32Tensor } from '../../services/expert/pipeline';
import { createExpertPipeline, type ExpertRunnerOptions } from '../../services/expert/runner';

type PipelineOptions = Omit<ExpertRunnerOptions, 'maxPixels'>;

type ToChild = { type: 'init'; options: PipelineOptions; pixels: Float32Tensor } | { type: 'run' };
type FromChild = { type: 'ready' } | { type: 'ran'; ms: number } | { type: 'error'; message: string };

/** The parent's handle on a pipeline running in a child process. */
export class PipelineProcess {
  private constructor(private readonly child: ChildProcess) {}

  /** Starts the child, builds the pipeline there and hands it the tensor every `run` will use. */
  static async start(options: PipelineOptions, pixels: Float32Tensor): Promise<PipelineProcess> {
    const child = fork(__filename, [], { serialization: 'advanced', env: withMallocTuning(), stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const p = new PipelineProcess(child);
    try {
      await p.request({ type: 'init', options, pixels }, 'ready');
    } catch (err) {
      child.kill();
      throw err;
    }
    return p;
  }

  private request(msg: ToChild, want: FromChild['type']): Promise<FromChild> {
    return new Promise((resolve, reject) => {
      if (!this.child.connected) return reject(new Error('pipeline process has exited'));
      const onExit = (code: number | null): void => reject(new Error(`pipeline process exited (code ${code})`));
      this.child.once('exit', onExit);
      this.child.once('message', (m: FromChild) => {
        this.child.off('exit', onExit);
        if (m.type === want) resolve(m);
        else reject(new Error(m.type === 'error' ? m.message : `pipeline process answered ${m.type}, expected ${want}`));
      });
      this.child.send(msg, (err) => {
        if (err) reject(err);
      });
    });
  }

  /** One run of the pipeline on the tensor; resolves with the ms it took inside the child. */
  async run(): Promise<number> {
    const m = await this.request({ type: 'run' }, 'ran');
    return m.type === 'ran' ? m.ms : Number.NaN;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill();
    await exited;
  }
}

/** The child's side: build the pipeline on `init`, time one run per `run`. */
function serveParent(): void {
  tuneGarbageCollector();
  let pipeline: Awaited<ReturnType<typeof createExpertPipeline>> | undefined;
  let pixels: Float32Tensor | undefined;
  const send = (m: FromChild): void => void process.send?.(m);
  process.on('message', (msg: ToChild) => {
    void (async () => {
      try {
        if (msg.type === 'init') {
          pipeline = await createExpertPipeline(msg.options);
          pixels = msg.pixels;
          send({ type: 'ready' });
        } else {
          if (!pipeline || !pixels) throw new Error('run before init');
          const t0 = performance.now();
          await pipeline.runPixels(pixels);
          send({ type: 'ran', ms: performance.now() - t0 });
        }
      } catch (err) {
        send({ type: 'error', message: errorMessage(err) });
      }
    })();
  });
  process.on('disconnect', () => process.exit(0));
}

if (require.main === module) serveParent();
