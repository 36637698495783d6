import { Command, CommanderError } from 'commander';
import { appVersion } from '../core/appVersion';
import { registerBenchCommand } from './commands/bench';
import { registerBenchProjectCommand } from './commands/benchProject';
import { registerDetectCommand } from './commands/detect';
import { registerEvalCommand } from './commands/eval';
import { registerJobsCommand } from './commands/jobs';
import { registerModelsCommand } from './commands/models';
import { registerPriorsCommand } from './commands/priors';
import { registerProjectCommands } from './commands/project';
import { registerServeCommand } from './commands/serve';
import { registerSplitCommand } from './commands/split';
import { EXIT, UsageError } from './exitCodes';

/** Builds the `shotbox` program; each command sets `process.exitCode` through its return value. */
export function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command('shotbox')
    .description(
      'SSD object detection workbench: default boxes, batch detection, evaluation, benchmarks.',
    )
    .version(appVersion())
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerPriorsCommand(program, setExit);
  registerDetectCommand(program, setExit);
  registerEvalCommand(program, setExit);
  registerJobsCommand(program, setExit);
  registerModelsCommand(program, setExit);
  registerBenchCommand(program, setExit);
  registerBenchProjectCommand(program, setExit);
  registerServeCommand(program, setExit);
  registerSplitCommand(program, setExit);
  registerProjectCommands(program, setExit);
  return program;
}

/** Runs the CLI and returns the exit code (0 ok, 1 nothing could run, 2 usage, 3 some failed). */
export async function main(argv: string[]): Promise<number> {
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
      process.stderr.write(`shotbox: ${err.message}\n`);
      return EXIT.usage;
    }
    process.stderr.write(`shotbox: ${err instanceof Error ? err.message : String(err)}\n`);
    if (process.env.SHOTBOX_DEBUG && err instanceof Error && err.stack)
      process.stderr.write(`${err.stack}\n`);
    return EXIT.failed;
  }
  return code;
}
