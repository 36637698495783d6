import { onnx, type OnnxTypes } from './onnxProto';

/** A node attribute with its ONNX type made explicit, so `1` (INT) and `1.0` (FLOAT) never mix. */
export type OnnxAttribute =
  | { readonly type: 'int'; readonly value: number }
  | { readonly type: 'ints'; readonly value: readonly number[] }
  | { readonly type: 'float'; readonly value: number }
  | { readonly type: 'floats'; readonly value: readonly number[] }
  | { readonly type: 'string'; readonly value: string };

/** Attribute constructors: `{ strides: attr.ints([2, 2]), group: attr.int(32) }`. */
export const attr = {
  int: (value: number): OnnxAttribute => ({ type: 'int', value: checkInt(value) }),
  ints: (value: readonly number[]): OnnxAttribute => ({ type: 'ints', value: value.map(checkInt) }),
  float: (value: number): OnnxAttribute => ({ type: 'float', value }),
  floats: (value: readonly number[]): OnnxAttribute => ({ type: 'floats', value: [...value] }),
  string: (value: string): OnnxAttribute => ({ type: 'string', value }),
};

const AttributeType = onnx.AttributeProto.AttributeType;

/** Encodes one named attribute as an `AttributeProto`. */
export function attributeProto(name: string, a: OnnxAttribute): OnnxTypes.IAttributeProto {
  switch (a.type) {
    case 'int':
      return { name, type: AttributeType.INT, i: a.value };
    case 'ints':
      return { name, type: AttributeType.INTS, ints: [...a.value] };
    case 'float':
      return { name, type: AttributeType.FLOAT, f: a.value };
    case 'floats':
      return { name, type: AttributeType.FLOATS, floats: [...a.value] };
    case 'string':
      return { name, type: AttributeType.STRING, s: new TextEncoder().encode(a.value) };
  }
}

function checkInt(value: number): number {
  if (!Number.isSafeInteger(value))
    throw new RangeError(`ONNX int attribute must be an integer, got ${value}`);
  return value;
}
