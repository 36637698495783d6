/**
 * The epochs of a fine-tuning run, whatever trains (heads, extras, the whole network): the cosine
 * learning-rate schedule, a seeded shuffle per epoch, batches through the mode's own step, the
 * moving average of the weights (validated, kept and exported in place of the raw weights), val
 * AP@0.5 per epoch, the best epoch written, early stopping with patience, and a checkpoint after
 * every epoch that the same command resumes from.
 */
import * as tf from '@tensorflow/tfjs';
import { ParamAverage } from '../../shared/training/paramAverage';
import { seededRng, type Rng } from '../../shared/training/augment';
import { TRAIN_DEFAULTS } from '../../shared/training/defaults';
import { saveCheckpoint, type Checkpoint } from './checkpoint';
import type { StepLoss } from './fullModeStep';
import type { HeadParams } from './trainableHeads';
import type { EpochReport, TrainEvents, TrainOutcome, TrainSettings } from './trainRun';

export interface EpochLoop {
  settings: TrainSettings;
  events: TrainEvents;
  /** Where the checkpoint goes (checkpointDir). */
  dir: string;
  /** The checkpoint resumed from, or a fresh one; updated and saved after every epoch. */
  state: Checkpoint;
  /** Training samples; a step gets indices into them. */
  trainCount: number;
  /** Validation images (the best epoch is chosen on them). */
  valCount: number;
  /** The weights that train, read and written as named arrays. */
  params(): HeadParams;
  assign(params: HeadParams): void;
  /** One optimiser step on these samples (`rng` for anything the step draws, e.g. augmentation). */
  step(indices: readonly number[], optimizer: tf.Optimizer, rng: Rng): StepLoss;
  /** Val AP@0.5 of the weights as they are now. */
  valMap(): number;
  /** Writes the model of a new best epoch. */
  writeBest(params: HeadParams, epoch: number, map: number): Promise<void>;
}

/** Runs the remaining epochs of `loop.state`; says how the run ended. */
export async function runEpochs(loop: EpochLoop): Promise<TrainOutcome['status']> {
  const { settings, events, state } = loop;
  // Every file unreadable (moved, deleted): say so instead of running empty epochs.
  if (!events.cancelled()) {
    if (loop.trainCount === 0)
      throw new Error('none of the training images could be read (see the skipped files above)');
    if (loop.valCount === 0)
      throw new Error('none of the validation images could be read (see the skipped files above)');
  }
  const decay = settings.averageDecay ?? TRAIN_DEFAULTS.averageDecay;
  // The average goes on from the checkpoint's (a resumed run keeps its ramp).
  const average =
    decay > 0
      ? new ParamAverage(decay, state.average?.params ?? state.last, state.average?.steps ?? 0)
      : null;
  let status: TrainOutcome['status'] = events.cancelled() ? 'cancelled' : 'done';
  for (let epoch = state.epochsDone + 1; epoch <= settings.epochs; epoch++) {
    if (status === 'cancelled') break;
    if (epoch - state.bestEpoch > settings.patience && state.bestEpoch > 0) {
      status = 'early-stopped';
      break;
    }
    const t0 = performance.now();
    const lr =
      settings.learningRate * 0.5 * (1 + Math.cos((Math.PI * (epoch - 1)) / settings.epochs));
    const optimizer: tf.Optimizer = tf.train.adam(lr);
    const rng = seededRng(settings.seed * 1000 + epoch);
    const order = shuffle(loop.trainCount, rng);
    const steps = Math.ceil(order.length / settings.batchSize);
    let lossSum = 0;
    let counted = 0;
    try {
      for (let step = 0; step < steps; step++) {
        if (events.cancelled()) {
          status = 'cancelled';
          break;
        }
        const batch = order.slice(step * settings.batchSize, (step + 1) * settings.batchSize);
        const loss = loop.step(batch, optimizer, rng);
        average?.update(loop.params());
        lossSum += loss.loss * batch.length;
        counted += batch.length;
        events.step({ epoch, step: step + 1, steps, ...loss });
      }
    } finally {
      optimizer.dispose();
    }
    if (status === 'cancelled') break;

    // With an average, it is what is validated and kept; training goes on from the raw weights.
    const raw = loop.params();
    const kept = average ? average.value() : raw;
    if (average) loop.assign(kept);
    const map = loop.valMap();
    if (average) loop.assign(raw);
    state.epochsDone = epoch;
    state.last = raw;
    if (average) state.average = { params: kept, steps: average.count };
    if (map > state.bestMap) {
      state.bestMap = map;
      state.bestEpoch = epoch;
      state.best = kept;
      await loop.writeBest(kept, epoch, map);
    }
    const report: EpochReport = {
      epoch,
      epochs: settings.epochs,
      trainLoss: lossSum / Math.max(1, counted),
      valMap: map,
      bestEpoch: state.bestEpoch,
      bestMap: state.bestMap,
      seconds: (performance.now() - t0) / 1000,
    };
    state.history.push(report);
    await saveCheckpoint(loop.dir, state);
    events.epoch(report);
  }
  return status;
}

/** A seeded Fisher–Yates permutation of 0..n−1. */
export function shuffle(n: number, rng: () => number): number[] {
  const a = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}
