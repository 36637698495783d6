import { onnx, type OnnxTypes } from './onnxProto';

/** Element types the writer emits: float32 for weights, int64 for shape operands (Reshape). */
export type OnnxElementType = 'float32' | 'int64';

/** Tensor contents; the array type decides the element type. */
export type OnnxTensorValues = Float32Array | BigInt64Array;

const DataType = onnx.TensorProto.DataType;

/** The `TensorProto.DataType` code of an element type. */
export function dataTypeCode(type: OnnxElementType): number {
  return type === 'float32' ? DataType.FLOAT : DataType.INT64;
}

/** The element type of a values array. */
export function elementTypeOf(values: OnnxTensorValues): OnnxElementType {
  return values instanceof Float32Array ? 'float32' : 'int64';
}

/**
 * Encodes an initializer. `dims` is the tensor shape (`[]` for a scalar); `values` is row-major
 * and must hold exactly prod(dims) elements. Data goes to `raw_data`, little-endian as the ONNX
 * spec requires regardless of the host's byte order.
 */
export function tensorProto(
  name: string,
  values: OnnxTensorValues,
  dims: readonly number[],
): OnnxTypes.ITensorProto {
  for (const d of dims) {
    if (!Number.isSafeInteger(d) || d < 0) {
      throw new RangeError(`initializer ${name}: bad dimension ${d} in [${dims.join(', ')}]`);
    }
  }
  const count = dims.reduce((a, b) => a * b, 1);
  if (count !== values.length) {
    throw new RangeError(
      `initializer ${name}: shape [${dims.join(', ')}] needs ${count} values, got ${values.length}`,
    );
  }
  return {
    name,
    dims: [...dims],
    dataType: dataTypeCode(elementTypeOf(values)),
    rawData: littleEndianBytes(values),
  };
}

function littleEndianBytes(values: OnnxTensorValues): Uint8Array {
  const out = new Uint8Array(values.byteLength);
  const view = new DataView(out.buffer);
  if (values instanceof Float32Array) {
    for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
  } else {
    for (let i = 0; i < values.length; i++) view.setBigInt64(i * 8, values[i]!, true);
  }
  return out;
}
