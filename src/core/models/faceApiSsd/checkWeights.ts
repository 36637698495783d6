import type { SsdModelSpec } from './modelSpec';
import { WeightsError, type WeightMap } from './tfjsWeights';

/** A float32 source tensor the spec needs, with its TF-layout shape. */
export interface ExpectedWeight {
  name: string;
  shape: readonly number[];
}

/**
 * Every float32 tensor a spec reads, with the shape it must have: conv filters HWIO
 * [k, k, in, out], depthwise filters [k, k, channels, 1], biases and batch-norm vectors
 * [channels], predictor filters [1, 1, channels, anchors·code], and the anchors
 * [1, priorCount, 4].
 */
export function expectedWeights(spec: SsdModelSpec): ExpectedWeight[] {
  const out: ExpectedWeight[] = [];
  for (const layer of spec.layers) {
    const w = layer.weights;
    const k = layer.kernel;
    if (w.kind === 'bias') {
      out.push({ name: w.filters, shape: [k, k, layer.inChannels, layer.outChannels] });
      out.push({ name: w.bias, shape: [layer.outChannels] });
    } else {
      out.push({ name: w.filters, shape: [k, k, layer.inChannels, 1] });
      for (const v of [w.gamma, w.beta, w.movingMean, w.movingVariance]) {
        out.push({ name: v, shape: [layer.inChannels] });
      }
    }
  }
  for (const p of spec.predictors) {
    const heads = [
      { names: p.boxEncoding, width: p.anchorsPerCell * spec.boxCodeSize },
      { names: p.classLogits, width: p.anchorsPerCell * spec.numClasses },
    ];
    for (const { names, width } of heads) {
      out.push({ name: names.filters, shape: [1, 1, p.channels, width] });
      out.push({ name: names.bias, shape: [width] });
    }
  }
  out.push({ name: spec.anchors, shape: [1, spec.priorCount, 4] });
  return out;
}

/** Typed read access to weights already checked against a spec. */
export interface CheckedWeights {
  /** Row-major values of a checked float32 tensor in its TF layout. */
  get(name: string): Float32Array;
}

/**
 * Checks that `weights` hold every tensor `spec` needs, as float32 with the expected shape.
 * All problems are reported at once, so a wrong model file shows what it is missing.
 *
 * @param source names the weights in the message (e.g. the manifest path).
 * @throws WeightsError listing the missing tensors and those with a wrong shape or type.
 */
export function checkWeights(
  weights: WeightMap,
  spec: SsdModelSpec,
  source: string,
): CheckedWeights {
  const expected = expectedWeights(spec);
  const missing: string[] = [];
  const wrong: string[] = [];
  for (const { name, shape } of expected) {
    const w = weights.get(name);
    if (!w) missing.push(name);
    else if (w.dtype !== 'float32') wrong.push(`${name} is ${w.dtype}, expected float32`);
    else if (!sameShape(w.shape, shape)) {
      wrong.push(`${name} has shape [${w.shape.join(', ')}], expected [${shape.join(', ')}]`);
    }
  }
  if (missing.length > 0 || wrong.length > 0) {
    const lines: string[] = [];
    if (missing.length > 0) {
      const shown = missing.slice(0, 8).join(', ');
      const more = missing.length > 8 ? ` and ${missing.length - 8} more` : '';
      lines.push(`missing ${missing.length} of ${expected.length} tensors: ${shown}${more}`);
    }
    lines.push(...wrong.slice(0, 8));
    if (wrong.length > 8) lines.push(`... and ${wrong.length - 8} more with a wrong shape`);
    throw new WeightsError(
      `${source} does not hold the ${spec.name} weights (wrong model file?):\n  ${lines.join('\n  ')}`,
    );
  }
  return {
    get(name: string): Float32Array {
      const w = weights.get(name);
      if (!w || !(w.data instanceof Float32Array))
        throw new Error(`weight ${name} was not checked`);
      return w.data;
    },
  };
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
