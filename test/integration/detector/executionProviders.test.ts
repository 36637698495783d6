import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import {
  createSessionWithFallback,
  defaultProviderChain,
  ModelLoadError,
  parseProviderList,
  providerUnavailableReason,
} from '../../../src/core/detector/executionProviders';
import { resolveModel } from '../../../src/core/models/registry';

// The real ONNX Runtime on the real model: this machine has no CUDA provider library and is not
// Windows, so the chain must fall back to CPU and say why.
describe('execution provider fallback chain', () => {
  it('orders CUDA → DirectML → CPU on Windows, CUDA → CPU on Linux, CPU elsewhere', () => {
    expect(defaultProviderChain('win32')).toEqual(['cuda', 'dml', 'cpu']);
    expect(defaultProviderChain('linux')).toEqual(['cuda', 'cpu']);
    expect(defaultProviderChain('darwin')).toEqual(['cpu']);
  });

  it('falls back to CPU, recording why CUDA and DirectML were not used', async () => {
    const bytes = await readFile(resolveModel().onnxPath);
    const made = await createSessionWithFallback(bytes, ['cuda', 'dml', 'cpu']);
    try {
      expect(made.provider).toBe('cpu');
      expect(made.attempts.map((a) => [a.provider, a.ok])).toEqual([
        ['cuda', false],
        ['dml', false],
        ['cpu', true],
      ]);
      expect(made.attempts[0]!.reason).toMatch(/CUDA provider not installed.*setup:gpu/);
      expect(made.attempts[1]!.reason).toMatch(/only on Windows/);
      expect(made.session.inputNames).toEqual(['image']);
    } finally {
      await made.session.release();
    }
  });

  it('fails with every reason when no provider in the chain works', async () => {
    const bytes = await readFile(resolveModel().onnxPath);
    await expect(createSessionWithFallback(bytes, ['cuda', 'dml'])).rejects.toThrow(
      /cuda: CUDA provider not installed.*dml: DirectML/,
    );
  });

  it('reports an invalid model once, not as a provider problem', async () => {
    const err = await createSessionWithFallback(new TextEncoder().encode('not an onnx file'), [
      'cpu',
    ]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelLoadError);
    expect((err as Error).message).toMatch(/not a valid ONNX model/);
  });

  it('parses provider lists and rejects unknown names', () => {
    expect(parseProviderList('CUDA, cpu')).toEqual(['cuda', 'cpu']);
    expect(() => parseProviderList('tpu')).toThrow(/unknown execution provider 'tpu'/);
    expect(providerUnavailableReason('cpu')).toBeUndefined();
  });
});
