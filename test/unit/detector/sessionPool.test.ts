import { describe, expect, it } from 'vitest';
import { batchSessionPlan, MAX_POOLED_MODEL_BYTES } from '../../../src/core/detector/sessionPool';

const MB = 1024 * 1024;

describe('the session plan of a batch', () => {
  it('on the CPU: two sessions, each on half the cores', () => {
    expect(batchSessionPlan('cpu', 22 * MB, 2, undefined)).toEqual({
      sessions: 2,
      threadsPerSession: 1,
    });
    expect(batchSessionPlan('cpu', 22 * MB, 16, undefined)).toEqual({
      sessions: 2,
      threadsPerSession: 8,
    });
    // An odd core count leaves one core to the image preparation.
    expect(batchSessionPlan('cpu', 22 * MB, 3, undefined)).toEqual({
      sessions: 2,
      threadsPerSession: 1,
    });
  });

  it('one session with ONNX Runtime’s own thread count on a GPU, on one core, or for a model too big to hold twice', () => {
    const single = { sessions: 1, threadsPerSession: undefined };
    expect(batchSessionPlan('cuda', 22 * MB, 16, undefined)).toEqual(single);
    expect(batchSessionPlan('dml', 22 * MB, 16, undefined)).toEqual(single);
    expect(batchSessionPlan('cpu', 22 * MB, 1, undefined)).toEqual(single);
    expect(batchSessionPlan('cpu', MAX_POOLED_MODEL_BYTES + 1, 16, undefined)).toEqual(single);
  });

  it('SHOTBOX_BATCH_SESSIONS sets the count (never more than the cores); nonsense keeps the default', () => {
    expect(batchSessionPlan('cpu', 22 * MB, 8, '1')).toEqual({
      sessions: 1,
      threadsPerSession: undefined,
    });
    expect(batchSessionPlan('cpu', 22 * MB, 8, '4')).toEqual({
      sessions: 4,
      threadsPerSession: 2,
    });
    expect(batchSessionPlan('cpu', 22 * MB, 2, '8')).toEqual({
      sessions: 2,
      threadsPerSession: 1,
    });
    for (const bad of ['0', '-1', '1.5', 'many', ''])
      expect(batchSessionPlan('cpu', 22 * MB, 8, bad)).toEqual({
        sessions: 2,
        threadsPerSession: 4,
      });
  });
});
