import { attributeProto, type OnnxAttribute } from './attributes';
import { onnx, type OnnxTypes } from './onnxProto';
import {
  dataTypeCode,
  tensorProto,
  type OnnxElementType,
  type OnnxTensorValues,
} from './tensorData';

/** A graph input/output dimension: a fixed size, or a symbolic name such as `"N"`. */
export type OnnxDim = number | string;

/** IR version 8 is the newest the bundled onnx-proto schema (onnx v1.10) describes. */
export const ONNX_IR_VERSION = 8;
/** Default-domain opset the writer targets (ONNX Runtime 1.14+ reads it). */
export const ONNX_OPSET = 17;

export interface OnnxModelOptions {
  /** Graph name. */
  graphName: string;
  /** Defaults to "shotbox". */
  producerName?: string;
  producerVersion?: string;
  /** Model-level description. */
  docString?: string;
  /** `metadata_props`: provenance such as source, licence, converted-by. */
  metadata?: Readonly<Record<string, string>>;
  /** Defaults to {@link ONNX_OPSET}. */
  opset?: number;
}

/** A graph that is not well formed (undefined tensor, duplicate name, ...). */
export class OnnxGraphError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OnnxGraphError';
  }
}

interface ValueInfo {
  name: string;
  type: OnnxElementType;
  shape: readonly OnnxDim[];
  docString: string | undefined;
}

interface NodeRecord {
  proto: OnnxTypes.INodeProto;
  inputs: readonly string[];
  outputs: readonly string[];
}

/**
 * Builds one ONNX model (a single graph, default domain) node by node. Nodes must be added in
 * topological order; every tensor name is checked when the model is assembled, so a wiring
 * mistake fails here with the tensor's name rather than later inside a runtime.
 */
export class OnnxModelBuilder {
  private readonly inputs: ValueInfo[] = [];
  private readonly outputs: ValueInfo[] = [];
  private readonly initializers: OnnxTypes.ITensorProto[] = [];
  private readonly nodes: NodeRecord[] = [];
  private readonly nodeNames = new Set<string>();

  constructor(private readonly options: OnnxModelOptions) {}

  /** Declares a graph input, e.g. `addInput('image', 'float32', ['N', 3, 512, 512])`. */
  addInput(
    name: string,
    type: OnnxElementType,
    shape: readonly OnnxDim[],
    docString?: string,
  ): string {
    this.inputs.push({ name, type, shape: [...shape], docString });
    return name;
  }

  /** Declares a graph output; `name` must be produced by a node (or be an input/initializer). */
  addOutput(
    name: string,
    type: OnnxElementType,
    shape: readonly OnnxDim[],
    docString?: string,
  ): string {
    this.outputs.push({ name, type, shape: [...shape], docString });
    return name;
  }

  /**
   * Adds a constant tensor. `values` is row-major with prod(dims) elements (`dims = []` for a
   * scalar); the array type sets the element type (Float32Array → float32, BigInt64Array → int64).
   * Returns `name` for wiring.
   */
  addInitializer(name: string, values: OnnxTensorValues, dims: readonly number[]): string {
    this.initializers.push(tensorProto(name, values, dims));
    return name;
  }

  /**
   * Adds a node. `inputs` may contain `''` for an omitted optional input. The node name defaults
   * to the first output's name. Returns the output names.
   */
  addNode(
    opType: string,
    inputs: readonly string[],
    outputs: readonly string[],
    attributes: Readonly<Record<string, OnnxAttribute>> = {},
    name: string = outputs[0] ?? opType,
  ): readonly string[] {
    if (this.nodeNames.has(name)) throw new OnnxGraphError(`duplicate node name "${name}"`);
    this.nodeNames.add(name);
    const proto: OnnxTypes.INodeProto = {
      name,
      opType,
      input: [...inputs],
      output: [...outputs],
      attribute: Object.entries(attributes).map(([key, value]) => attributeProto(key, value)),
    };
    this.nodes.push({ proto, inputs, outputs });
    return outputs;
  }

  /** Checks the wiring and assembles the `ModelProto`. */
  toModel(): OnnxTypes.ModelProto {
    this.checkWiring();
    const o = this.options;
    return onnx.ModelProto.create({
      irVersion: ONNX_IR_VERSION,
      opsetImport: [{ domain: '', version: o.opset ?? ONNX_OPSET }],
      producerName: o.producerName ?? 'shotbox',
      producerVersion: o.producerVersion ?? '',
      docString: o.docString ?? '',
      metadataProps: Object.entries(o.metadata ?? {}).map(([key, value]) => ({ key, value })),
      graph: {
        name: o.graphName,
        node: this.nodes.map((n) => n.proto),
        initializer: this.initializers,
        input: this.inputs.map(valueInfoProto),
        output: this.outputs.map(valueInfoProto),
      },
    });
  }

  /** The serialised model (protobuf bytes of a `.onnx` file). */
  toBytes(): Uint8Array {
    return onnx.ModelProto.encode(this.toModel()).finish();
  }

  private checkWiring(): void {
    const defined = new Set<string>();
    const define = (name: string, what: string): void => {
      if (name === '') throw new OnnxGraphError(`${what} has an empty name`);
      if (defined.has(name))
        throw new OnnxGraphError(`tensor "${name}" is defined twice (${what})`);
      defined.add(name);
    };
    for (const i of this.inputs) define(i.name, 'graph input');
    for (const t of this.initializers) define(t.name ?? '', 'initializer');
    for (const { proto, inputs, outputs } of this.nodes) {
      for (const input of inputs) {
        if (input !== '' && !defined.has(input)) {
          throw new OnnxGraphError(
            `node "${proto.name}" (${proto.opType}) reads "${input}" before anything defines it`,
          );
        }
      }
      for (const output of outputs) define(output, `output of node "${proto.name}"`);
    }
    for (const out of this.outputs) {
      if (!defined.has(out.name))
        throw new OnnxGraphError(`graph output "${out.name}" is never produced`);
    }
  }
}

function valueInfoProto(v: ValueInfo): OnnxTypes.IValueInfoProto {
  return {
    name: v.name,
    docString: v.docString ?? '',
    type: {
      tensorType: {
        elemType: dataTypeCode(v.type),
        shape: {
          dim: v.shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })),
        },
      },
    },
  };
}
