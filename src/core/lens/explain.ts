/**
 * Detection provenance and hard negatives for one image, recomputed on demand from the model's
 * raw head outputs with the shared pipeline pieces (decode, activation, selectDetections) — a
 * read-only view, so nothing enters the project or its history.
 *
 * - Provenance: for each detection, the prior it came from, the raw offsets the head predicted
 *   for that prior, the decoded box and score, and the candidates NMS suppressed in its favour.
 * - Hard negatives: the image's labelled boxes matched to the model's priors (computeTargets),
 *   per-prior background loss from the model's scores, and the negatives the 3:1 rule keeps.
 */
import type { LensExplain, LensPriorInfo } from '../../shared/api/lensContract';
import { classColumnsOf, imageWindow, selectionInput } from '../../shared/detection/postprocess';
import { createBoxCoder } from '../../shared/ssd/boxCoder';
import { canvasToImageUnclipped } from '../../shared/ssd/canvasMapping';
import { backgroundConfidenceLoss, selectHardNegatives } from '../../shared/ssd/hardNegatives';
import { selectDetections } from '../../shared/ssd/nms';
import { suppressedBy } from '../../shared/ssd/nmsProvenance';
import { describePrior } from '../../shared/ssd/priorLookup';
import { generatePriors } from '../../shared/ssd/priors';
import { computeTargets } from '../../shared/ssd/targets';
import type { Detector } from '../detector/detector';
import { decodeImageFile } from '../image/decode';
import { boxesOnCanvas, priorSourceFromConfig } from './priorSource';

/** Hard negatives listed at most (the overlay draws them; the loss needs all). */
const NEGATIVES_SHOWN = 300;

export async function explainImage(
  detector: Detector,
  file: string,
  labelled: Array<[number, number, number, number]>,
  scoreThreshold?: number,
): Promise<LensExplain> {
  const m = detector.manifest;
  if (m.output.kind !== 'raw' || !m.priors || !m.boxCoder) {
    throw new Error(
      `model ${m.name} outputs decoded boxes: it has no per-prior outputs to trace detections to`,
    );
  }
  const out = m.output;
  const image = await decodeImageFile(file);
  const pre = detector.preprocess(image);
  const outputs = await detector.infer(pre);
  const offsetsT = outputs[out.boxes];
  const logitsT = outputs[out.scores];
  if (!offsetsT || !logitsT) throw new Error(`model ${m.name}: the run lacks its raw outputs`);
  const offsets = offsetsT.data as Float32Array;
  const logits = logitsT.data as Float32Array;
  const set = generatePriors(m.priors);
  const P = set.count;
  const C = logitsT.dims[logitsT.dims.length - 1]!;
  const coder = createBoxCoder(m.boxCoder);
  const columns = classColumnsOf(m, C);
  const spec = { ...m.postprocess, ...(scoreThreshold !== undefined ? { scoreThreshold } : {}) };
  // The detector's own selection input (decode, clip when the manifest says, activation).
  const input = selectionInput(
    { offsets, logits, numPriors: P, numColumns: C },
    {
      coder,
      priors: set.boxes,
      activation: out.scoreActivation,
      backgroundIndex: out.backgroundIndex,
      classColumns: columns,
      clipWindow: imageWindow(pre.canvas, image.width, image.height),
    },
    spec,
  );
  const decoded = input.boxes;
  const dets = selectDetections(input);
  const suppressed = suppressedBy(input, dets);
  const toPx = (i: number): [number, number, number, number] => {
    const b = canvasToImageUnclipped(decoded.subarray(4 * i, 4 * i + 4), pre.canvas);
    return [b[0]!, b[1]!, b[2]!, b[3]!];
  };
  const info = (i: number): LensPriorInfo => {
    const d = describePrior(set, i);
    return {
      index: i,
      layer: d.layer,
      layerName: d.layerName,
      row: d.row,
      col: d.col,
      box: d.box,
      widthPx: d.widthPx,
      heightPx: d.heightPx,
      aspectRatio: d.aspectRatio,
    };
  };

  // Hard negatives against the labelled boxes, on the model's own canvas.
  const source = priorSourceFromConfig(m.priors, `model ${m.name}`, m.input.resize, m.boxCoder);
  const gt = boxesOnCanvas(source, image.width, image.height, labelled.flat());
  const targets = computeTargets({
    priorsCxcywh: set.boxes64,
    gtXyxy: gt,
    gtClasses: labelled.map(() => columns[0] ?? 0),
    coder,
  });
  const loss = backgroundConfidenceLoss(
    logits,
    P,
    C,
    out.scoreActivation === 'sigmoid' ? 'sigmoid' : 'softmax',
    out.backgroundIndex,
  );
  const negatives = selectHardNegatives(loss, targets.positive);
  const positives: number[] = [];
  for (let i = 0; i < P; i++) if (targets.positive[i] === 1) positives.push(i);

  return {
    model: m.name,
    priorCount: P,
    detections: Array.from({ length: dets.count }, (_, k) => {
      const p = dets.priors[k]!;
      const col = dets.classes[k]!;
      return {
        prior: info(p),
        classIndex: columns.indexOf(col),
        label: m.classes[columns.indexOf(col)] ?? `class ${col}`,
        score: dets.scores[k]!,
        rawOffsets: [
          offsets[4 * p]!,
          offsets[4 * p + 1]!,
          offsets[4 * p + 2]!,
          offsets[4 * p + 3]!,
        ],
        decodedCanvas: [
          decoded[4 * p]!,
          decoded[4 * p + 1]!,
          decoded[4 * p + 2]!,
          decoded[4 * p + 3]!,
        ],
        box: toPx(p),
        suppressed: suppressed[k]!.map((s) => ({
          ...s,
          box: toPx(s.prior),
          layerName: describePrior(set, s.prior).layerName,
        })),
      };
    }),
    positives: positives.map((i) => ({ prior: info(i), loss: loss[i]! })),
    hardNegatives: Array.from(negatives.subarray(0, NEGATIVES_SHOWN), (i) => ({
      prior: info(i),
      loss: loss[i]!,
      box: (() => {
        const b = canvasToImageUnclipped(
          Float32Array.from([
            set.boxes[4 * i]! - set.boxes[4 * i + 2]! / 2,
            set.boxes[4 * i + 1]! - set.boxes[4 * i + 3]! / 2,
            set.boxes[4 * i]! + set.boxes[4 * i + 2]! / 2,
            set.boxes[4 * i + 1]! + set.boxes[4 * i + 3]! / 2,
          ]),
          pre.canvas,
        );
        return [b[0]!, b[1]!, b[2]!, b[3]!] as [number, number, number, number];
      })(),
    })),
    hardNegativeCount: negatives.length,
  };
}
