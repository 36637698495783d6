/**
 * The one set of training defaults: `shotbox train`, the app's training page and its jobs all
 * start from these. Measured on the 2-core reference machine against held-out images (see
 * docs/ARCHITECTURE.md, fine-tuning).
 */
export const TRAIN_DEFAULTS = {
  epochs: 16,
  mode: 'heads',
  batchSize: 4,
  learningRate: 1e-3,
  patience: 4,
  valFraction: 0.2,
  seed: 1,
  /** SSD-augmented views per image besides the image and its mirror. */
  augmentedViews: 0,
  /** Per-step decay of the weight average that is validated and exported (0: raw weights). */
  averageDecay: 0.99,
} as const;
