/** The benchmark's second-process pipeline (src/bench/pipeline-process.ts), with a real model in a real child process. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PipelineProcess } from '../../src/bench/pipeline-process';
import { DEFAULT_REGISTRY_PATH, loadRegistry } from '../../src/core/registry';
import { createExpertPipeline } from '../../services/expert/runner';
import type { ExpertPipeline, Float32Tensor } from '../../services/expert/pipeline';

describe('PipelineProcess', () => {
  const registry = loadRegistry(DEFAULT_REGISTRY_PATH);
  const options = { registryPath: DEFAULT_REGISTRY_PATH, modelsDir: registry.modelsDir, expert: 'mobilenetv2', intraOpThreads: 1 };
  let local: ExpertPipeline;
  let pixels: Float32Tensor;

  before(async () => {
    local = await createExpertPipeline(options);
    const [c, h, w] = local.inputShape;
    const data = new Float32Array(c * h * w);
    for (let i = 0; i < data.length; i++) data[i] = Math.sin(i / 97);
    pixels = { data, dims: [1, c, h, w] };
  });
  after(async () => {
    await local.dispose();
  });

  it('runs the pipeline in another process and reports the time of each run, measured there', async () => {
    const other = await PipelineProcess.start(options, pixels);
    try {
      const t0 = performance.now();
      const ms = [await other.run(), await other.run(), await other.run()];
      const wall = performance.now() - t0;
      for (const m of ms) assert.ok(Number.isFinite(m) && m > 0, `run took ${m} ms`);
      // Timed inside the child: the three runs fit in the parent's wall time around them.
      assert.ok(ms.reduce((a, b) => a + b, 0) <= wall, `${ms.join(' + ')} ms > ${wall} ms`);
    } finally {
      await other.stop();
    }
  });

  it('fails to start, naming the problem, when the pipeline cannot be built; a stopped one refuses to run', async () => {
    await assert.rejects(PipelineProcess.start({ ...options, expert: 'no-such-expert' }, pixels), /no-such-expert/);
    const other = await PipelineProcess.start(options, pixels);
    await other.stop();
    await assert.rejects(other.run(), /exited|channel closed|ERR_IPC/i);
  });
});
