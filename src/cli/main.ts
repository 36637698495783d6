import { Command, CommanderError } from 'commander';
import { appVersion } from '../core/appVersion';
import { keepOrtTelemetryOff } from '../core/detector/ortTelemetry';
import { registerBenchCommand } from './commands/bench';
import { registerBenchBatchCommand } from './commands/benchBatch';
import { registerBenchProjectCommand } from './commands/benchProject';
import { registerDetectCommand } from './commands/detect';
import { registerEvalCommand } from './commands/eval';
import { registerLensCommands } from './commands/lens';
import { registerJobsCommand } from './commands/jobs';
import { registerModelsCommand } from './commands/models';
import { registerPriorsCommand } from './commands/priors';
import { registerProjectCommands } from './commands/project';
import { registerRecoverCommand } from './commands/recover';
import { registerServeCommand } from './commands/serve';
import { registerTrainCommand } from './commands/train';
import { registerSplitCommand } from './commands/split';
import { EXIT, UsageError } from './exitCodes';
import { escapeControls as safe } from '../shared/text/unsafeChars';

/** Builds the `shotbox` program; each command sets `process.exitCode` through its return value. */
export function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command('shotbox')
    .description(
      'SSD object detection workbench: default boxes, batch detection, evaluation, benchmarks.',
    )
    .version(appVersion())
    .showHelpAfterError('(run with --help for usage)')
    // Lets a command's options mean that command's own (`models --json` vs `models add --json`).
    .enablePositionalOptions()
    .exitOverride();
  registerPriorsCommand(program, setExit);
  registerDetectCommand(program, setExit);
  registerEvalCommand(program, setExit);
  registerJobsCommand(program, setExit);
  registerModelsCommand(program, setExit);
  registerBenchCommand(program, setExit);
  registerBenchBatchCommand(program, setExit);
  registerBenchProjectCommand(program, setExit);
  registerServeCommand(program, setExit);
  registerSplitCommand(program, setExit);
  registerProjectCommands(program, setExit);
  registerRecoverCommand(program, setExit);
  registerLensCommands(program, setExit);
  registerTrainCommand(program, setExit);
  return program;
}

/** Runs the CLI and returns the exit code (0 ok, 1 nothing could run, 2 usage, 3 some failed). */
export async function main(argv: string[]): Promise<number> {
  quietOnClosedPipe();
  keepOrtTelemetryOff();
  let code: number = EXIT.ok;
  const program = buildProgram((c) => {
    code = c;
  });
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end through here with exit code 0.
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (err instanceof UsageError) {
      process.stderr.write(`shotbox: ${safe(err.message, { keepNewlines: true })}\n`);
      return EXIT.usage;
    }
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`shotbox: ${safe(message, { keepNewlines: true })}\n`);
    if (process.env.SHOTBOX_DEBUG && err instanceof Error && err.stack)
      process.stderr.write(`${err.stack}\n`);
    return EXIT.failed;
  }
  return code;
}

/**
 * `shotbox stats | head`: when the reader closes the pipe, stop quietly with 0 as Unix tools do,
 * instead of an EPIPE stack trace.
 */
function quietOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(EXIT.ok);
      throw err;
    });
  }
}
