import { keepOrtTelemetryOff } from '../../src/core/detector/ortTelemetry';

// Test processes that create ONNX Runtime sessions directly keep its telemetry off too, by the
// shells' own rule; tests that check the rule drop the variable for the processes they start.
keepOrtTelemetryOff();
