/**
 * A small, generic ONNX graph builder on top of onnx-proto: graph inputs/outputs, initializers (float32, int64),
 * nodes with typed attributes, and model assembly (default opset 17, IR version 8) serialised to bytes.
 *
 * Every value is named by a string; `op()` returns the name of a node's single output, so graphs read like
 * expressions:
 *
 *   const g = new GraphBuilder('example');
 *   const x = g.input('x', 'float32', ['N', 4]);
 *   const w = g.floatInit('w', new Float32Array(8), [4, 2]);
 *   g.output(g.op('Relu', [g.op('MatMul', [x, w])], {}, 'y'), 'float32', ['N', 2]);
 *   const bytes = g.toBytes();
 *
 * Attributes are tagged explicitly (`attr.int(1)`, `attr.float(1e-5)`, ...) so 1 and 1.0 never get confused.
 * The builder checks names (no value produced twice, no node reading an unknown value) when the model is assembled.
 */
import { onnx } from 'onnx-proto';

const DataType = onnx.TensorProto.DataType;
const AttrType = onnx.AttributeProto.AttributeType;

/** Element types the builder knows how to declare (inputs/outputs) and, for float32/int64, to store. */
export type ElemType = 'float32' | 'float16' | 'int64' | 'int32' | 'bool';

const ELEM_TYPES: Readonly<Record<ElemType, number>> = {
  float32: DataType.FLOAT,
  float16: DataType.FLOAT16,
  int64: DataType.INT64,
  int32: DataType.INT32,
  bool: DataType.BOOL,
};

/** A dimension: a fixed size, or a symbolic name (e.g. 'N') for a dynamic one. */
export type Dim = number | string;

/** A tagged attribute value. */
export type AttrValue =
  | { kind: 'int'; value: number }
  | { kind: 'float'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'ints'; value: readonly number[] }
  | { kind: 'floats'; value: readonly number[] };

/** Attribute constructors. */
export const attr = {
  int: (value: number): AttrValue => ({ kind: 'int', value }),
  float: (value: number): AttrValue => ({ kind: 'float', value }),
  string: (value: string): AttrValue => ({ kind: 'string', value }),
  ints: (value: readonly number[]): AttrValue => ({ kind: 'ints', value }),
  floats: (value: readonly number[]): AttrValue => ({ kind: 'floats', value }),
} as const;

export type Attrs = Readonly<Record<string, AttrValue>>;

export interface ModelOptions {
  /** Default-domain opset version. @default 17 */
  opset?: number;
  /** ONNX IR version. @default 8 (the IR version that goes with opset 17) */
  irVersion?: number;
  /** @default 'mova-cluster' */
  producerName?: string;
  /** Free text stored in the model's doc_string. */
  docString?: string;
  /** Extra key/value metadata stored in the model. */
  metadata?: Readonly<Record<string, string>>;
}

function bytesOf(view: ArrayBufferView): Uint8Array {
  // Copy: the model must not alias (and later observe changes to) the caller's arrays.
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength).slice();
}

function product(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

function toAttribute(name: string, v: AttrValue): onnx.IAttributeProto {
  switch (v.kind) {
    case 'int': return { name, type: AttrType.INT, i: v.value };
    case 'float': return { name, type: AttrType.FLOAT, f: v.value };
    case 'string': return { name, type: AttrType.STRING, s: new TextEncoder().encode(v.value) };
    case 'ints': return { name, type: AttrType.INTS, ints: [...v.value] };
    case 'floats': return { name, type: AttrType.FLOATS, floats: [...v.value] };
  }
}

function valueInfo(name: string, elem: ElemType, dims: readonly Dim[]): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: ELEM_TYPES[elem],
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

export class GraphBuilder {
  private readonly nodes: onnx.INodeProto[] = [];
  private readonly inputs: onnx.IValueInfoProto[] = [];
  private readonly outputs: onnx.IValueInfoProto[] = [];
  private readonly initializers: onnx.ITensorProto[] = [];
  private readonly names = new Set<string>();
  private readonly counters = new Map<string, number>();

  constructor(readonly graphName: string) {}

  /** A fresh value name starting with `prefix` (never returned before, never used by a named value). */
  fresh(prefix: string): string {
    let n = this.counters.get(prefix) ?? 0;
    let name: string;
    do name = `${prefix}_${n++}`; while (this.names.has(name));
    this.counters.set(prefix, n);
    return name;
  }

  private claim(name: string): string {
    if (this.names.has(name)) throw new Error(`ONNX builder: value "${name}" is defined twice`);
    this.names.add(name);
    return name;
  }

  /** Declare a graph input; returns its name. */
  input(name: string, elem: ElemType, dims: readonly Dim[]): string {
    this.inputs.push(valueInfo(this.claim(name), elem, dims));
    return name;
  }

  /** Declare an existing value as a graph output (with its element type and shape). */
  output(name: string, elem: ElemType, dims: readonly Dim[]): void {
    if (!this.names.has(name)) throw new Error(`ONNX builder: output "${name}" is not a value of the graph`);
    this.outputs.push(valueInfo(name, elem, dims));
  }

  /** A float32 initializer (stored as raw little-endian bytes); returns its name. */
  floatInit(name: string, data: Float32Array | readonly number[], dims: readonly number[]): string {
    const arr = data instanceof Float32Array ? data : Float32Array.from(data);
    if (arr.length !== product(dims)) {
      throw new Error(`ONNX builder: initializer "${name}" has ${arr.length} values for dims [${dims.join(',')}]`);
    }
    this.initializers.push({ name: this.claim(name), dataType: DataType.FLOAT, dims: [...dims], rawData: bytesOf(arr) });
    return name;
  }

  /** An int64 initializer; returns its name. */
  int64Init(name: string, data: readonly number[], dims: readonly number[] = [data.length]): string {
    if (data.length !== product(dims)) {
      throw new Error(`ONNX builder: initializer "${name}" has ${data.length} values for dims [${dims.join(',')}]`);
    }
    const arr = BigInt64Array.from(data, (v) => BigInt(v));
    this.initializers.push({ name: this.claim(name), dataType: DataType.INT64, dims: [...dims], rawData: bytesOf(arr) });
    return name;
  }

  /** An anonymous float32 constant (a scalar when dims is omitted and there is one value). */
  constFloat(values: readonly number[], dims: readonly number[] = values.length === 1 ? [] : [values.length]): string {
    return this.floatInit(this.fresh('const_f'), values, dims);
  }

  /** An anonymous int64 constant, 1-D by default (what Reshape, Slice, Unsqueeze, ReduceSum axes expect). */
  constInt64(values: readonly number[], dims: readonly number[] = [values.length]): string {
    return this.int64Init(this.fresh('const_i'), values, dims);
  }

  /**
   * Add a node. `outputs` is a count (fresh names are made) or explicit names. An empty string in `inputs`
   * marks an omitted optional input (ONNX convention). Returns the output names.
   */
  node(opType: string, inputs: readonly string[], options: { attrs?: Attrs; outputs?: number | readonly string[]; domain?: string } = {}): string[] {
    const spec = options.outputs ?? 1;
    const outs = typeof spec === 'number'
      ? Array.from({ length: spec }, () => this.fresh(opType.toLowerCase()))
      : [...spec];
    for (const o of outs) this.claim(o);
    const attrs = Object.entries(options.attrs ?? {}).map(([k, v]) => toAttribute(k, v));
    this.nodes.push({
      opType,
      name: `${opType}_${this.nodes.length}`,
      input: [...inputs],
      output: outs,
      attribute: attrs,
      ...(options.domain ? { domain: options.domain } : {}),
    });
    return outs;
  }

  /** Add a single-output node; returns its output name (`name` when given, else a fresh one). */
  op(opType: string, inputs: readonly string[], attrs: Attrs = {}, name?: string): string {
    const [out] = this.node(opType, inputs, { attrs, outputs: name === undefined ? 1 : [name] });
    return out as string;
  }

  /** Every node input must be a graph input, an initializer or an earlier node's output (topological order). */
  private check(): void {
    const known = new Set<string>([...this.inputs, ...this.initializers].map((v) => v.name as string));
    for (const n of this.nodes) {
      for (const i of n.input ?? []) {
        if (i !== '' && !known.has(i)) throw new Error(`ONNX builder: node ${n.name} (${n.opType}) reads unknown value "${i}"`);
      }
      for (const o of n.output ?? []) known.add(o);
    }
    if (this.outputs.length === 0) throw new Error('ONNX builder: the graph has no outputs');
  }

  toModel(options: ModelOptions = {}): onnx.ModelProto {
    this.check();
    return onnx.ModelProto.create({
      irVersion: options.irVersion ?? 8,
      producerName: options.producerName ?? 'mova-cluster',
      docString: options.docString ?? '',
      opsetImport: [{ domain: '', version: options.opset ?? 17 }],
      metadataProps: Object.entries(options.metadata ?? {}).map(([key, value]) => ({ key, value })),
      graph: {
        name: this.graphName,
        node: this.nodes,
        input: this.inputs,
        output: this.outputs,
        initializer: this.initializers,
      },
    });
  }

  /** The serialised model (ModelProto bytes), ready for `InferenceSession.create`. */
  toBytes(options: ModelOptions = {}): Uint8Array {
    return onnx.ModelProto.encode(this.toModel(options)).finish();
  }
}
