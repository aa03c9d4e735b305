/** Export the trained router MLP as one ONNX graph (inputs `text`, `image`; output `scores`) with src/onnx/builder. */
import { GraphBuilder } from '../../src/onnx/builder';
import type { MlpWeights } from './mlp';

export const ROUTER_INPUT_TEXT = 'text';
export const ROUTER_INPUT_IMAGE = 'image';
export const ROUTER_OUTPUT = 'scores';

export function exportRouterOnnx(w: MlpWeights, labels: readonly string[], metadata: Record<string, string>): Uint8Array {
  const g = new GraphBuilder('mova_router');
  const text = g.input(ROUTER_INPUT_TEXT, 'float32', ['N', w.textDim]);
  const image = g.input(ROUTER_INPUT_IMAGE, 'float32', ['N', w.imageDim]);
  const f32 = (a: Float64Array): Float32Array => Float32Array.from(a);
  const k = w.pca.k;
  const mean = g.floatInit('image_mean', f32(w.pca.mean), [w.imageDim]);
  const proj = g.floatInit('image_pca', f32(w.pca.components), [w.imageDim, k]);
  const imgN = g.op('Mul', [g.op('MatMul', [g.op('Sub', [image, mean]), proj]), g.floatInit('image_pca_scale', f32(w.pca.scale), [k])]);
  const zt = g.op('MatMul', [text, g.floatInit('w1_text', f32(w.w1t), [w.textDim, w.hidden])]);
  const zi = g.op('MatMul', [imgN, g.floatInit('w1_image', f32(w.w1i), [k, w.hidden])]);
  const h = g.op('Relu', [g.op('Add', [g.op('Add', [zt, zi]), g.floatInit('b1', f32(w.b1), [w.hidden])])]);
  const logits = g.op('Add', [g.op('MatMul', [h, g.floatInit('w2', f32(w.w2), [w.hidden, w.labels])]), g.floatInit('b2', f32(w.b2), [w.labels])]);
  g.output(g.op('Sigmoid', [logits], {}, ROUTER_OUTPUT), 'float32', ['N', w.labels]);
  return g.toBytes({
    docString: 'mova-cluster learned router: per-domain usefulness scores from instruction text features and the base pooled embedding',
    metadata: { labels: labels.join(','), text_dim: String(w.textDim), image_dim: String(w.imageDim), ...metadata },
  });
}
