// onnx-proto ships CommonJS (`module.exports = $root`), so Node's ESM loader exposes it only as a
// default export; this module is the single place that unwraps it.
import onnxProtoModule from 'onnx-proto';

/** The protobufjs static classes and enums of the ONNX schema (onnx v1.10 proto, IR version 8). */
export const onnx = onnxProtoModule.onnx;
export type { onnx as OnnxTypes } from 'onnx-proto';
