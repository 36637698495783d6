/**
 * The frozen feature extractor of `heads` training: the backbone graph the model spec emits
 * (`ssdGraphs.ts`), run by ONNX Runtime. Each image gives one matrix per box predictor,
 * [cells, channels] row-major (cells row-major, as the heads' 1×1 convolutions read them).
 */
import * as ort from 'onnxruntime-node';
import type { InputSpec } from '../../shared/models/manifest';
import { createSessionWithFallback, defaultProviderChain } from '../detector/executionProviders';
import { preprocess } from '../detector/preprocess';
import type { RgbImage } from '../image/decode';
import type { CheckedWeights } from '../models/faceApiSsd/checkWeights';
import type { SsdModelSpec } from '../models/faceApiSsd/modelSpec';
import { buildSsdBackbone, featureMapName } from '../models/faceApiSsd/ssdGraphs';
import type { Canvas } from '../../shared/ssd/canvasMapping';

export interface FeatureMaps {
  /** One per predictor: cells × channels. */
  maps: Float32Array[];
  /** Where the image sat on the network input (for normalising its boxes). */
  canvas: Canvas;
}

export class BackboneFeatures {
  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly spec: SsdModelSpec,
    private readonly input: InputSpec,
    readonly provider: string,
  ) {}

  static async create(
    spec: SsdModelSpec,
    weights: CheckedWeights,
    input: InputSpec,
  ): Promise<BackboneFeatures> {
    const bytes = buildSsdBackbone(spec, weights, {
      docString: 'frozen backbone for training',
    }).toBytes();
    const { session, provider } = await createSessionWithFallback(bytes, defaultProviderChain());
    return new BackboneFeatures(session, spec, input, provider);
  }

  async compute(image: RgbImage): Promise<FeatureMaps> {
    const pre = preprocess(image, this.input);
    const feeds = { [this.spec.input.name]: new ort.Tensor('float32', pre.data, pre.dims) };
    const out = await this.session.run(feeds);
    const maps = this.spec.predictors.map((p, k) => {
      const nchw = out[featureMapName(k)]!.data as Float32Array;
      return nchwToCellsByChannels(nchw, p.channels, p.featureSize * p.featureSize);
    });
    for (const t of Object.values(out)) t.dispose();
    return { maps, canvas: pre.canvas };
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}

/** [C, HW] → [HW, C]. */
function nchwToCellsByChannels(data: Float32Array, channels: number, cells: number): Float32Array {
  const out = new Float32Array(channels * cells);
  for (let c = 0; c < channels; c++) {
    const row = c * cells;
    for (let i = 0; i < cells; i++) out[i * channels + c] = data[row + i]!;
  }
  return out;
}
