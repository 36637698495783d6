/**
 * `shotbox match`, `shotbox coverage`, `shotbox suggest-priors`: the SSD lens on the command
 * line, over a project's labels or annotation files alone, for a preset, config or model. Only
 * the options live here; what runs is loaded from lensRun.ts when a command runs.
 */
import type { Command } from 'commander';

/** The paper's positive-match threshold (shared/ssd/matching.ts DEFAULT_MATCH_THRESHOLD). */
const DEFAULT_THRESHOLD = '0.5';

export interface LensOptions {
  project?: string;
  annotations?: string;
  format?: string;
  images?: string;
  preset?: string;
  config?: string;
  model?: string;
  threshold: string;
  json?: boolean;
  out?: string;
  budget?: string;
}

function withInputs(cmd: Command): Command {
  return cmd
    .option('--project <file.shotbox>', "a project's settled labels")
    .option('--annotations <file-or-dir>', 'annotation files alone (image sizes from the files)')
    .option('--format <voc|coco|yolo>', 'format of --annotations')
    .option('--images <dir>', 'images giving sizes the labels lack (needed for yolo)')
    .option('--preset <name>', 'built-in priors: ssd300 or ssd512')
    .option('--config <file.json>', 'a prior configuration file (docs/priors.md)')
    .option('--model <name>', "a model's own priors and resize mode")
    .option('--threshold <t>', 'positive-match IoU threshold', DEFAULT_THRESHOLD);
}

export function registerLensCommands(program: Command, setExit: (code: number) => void): void {
  withInputs(
    program
      .command('match')
      .description('Match each labelled box to the default boxes, as SSD training does.'),
  )
    .option('--json', 'print the match as JSON')
    .option('--out <file.json>', 'write the JSON to a file')
    .action(async (opts: LensOptions) => (await import('./lensRun')).runMatch(opts, setExit));

  withInputs(
    program
      .command('coverage')
      .description('How well the default boxes cover the labelled boxes of a dataset.'),
  )
    .option('--json', 'print the statistics as JSON')
    .action(async (opts: LensOptions) => (await import('./lensRun')).runCoverage(opts, setExit));

  withInputs(
    program
      .command('suggest-priors')
      .description('Search prior sizes and aspect ratios that cover the labelled boxes better.'),
  )
    .option('--budget <n>', 'most default boxes the suggestion may have (default: as many as now)')
    .requiredOption('--out <cfg.json>', 'where to write the suggested prior configuration')
    .option('--json', 'print before/after as JSON')
    .action(async (opts: LensOptions) =>
      (await import('./lensRun')).runSuggestPriors(opts, setExit),
    );
}
