/** Options of `shotbox eval`, shared by its registration and its run. */
/** Score threshold of an evaluation run: AP needs the low-scoring tail (DESIGN.md §3). */
export const EVAL_SCORE_THRESHOLD = 0.01;

export interface EvalCliOptions {
  gt?: string;
  dt?: string;
  project?: string;
  model?: string;
  split?: string;
  threshold?: string;
  provider?: string;
  json?: boolean;
  report?: string;
  quiet?: boolean;
  /** With --project: keep the result in the project (as the app's Evaluation page does). */
  store?: boolean;
}
