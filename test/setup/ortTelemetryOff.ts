// Test processes that create ONNX Runtime sessions directly keep its telemetry off too (the
// shells do it in src/core/detector/ortTelemetry.ts); tests that check that drop the variable.
process.env.ORT_DISABLE_TELEMETRY ??= '1';
