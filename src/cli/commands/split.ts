import type { Command } from 'commander';
import { EXIT, UsageError } from '../exitCodes';

/**
 * `shotbox split --project p`: gives every image without a split one (seeded, stratified by
 * class, identical files together); `--reassign` draws every split again.
 */
export function registerSplitCommand(program: Command, setExit: (code: number) => void): void {
  program
    .command('split')
    .description('Assign train/val/test splits (seeded, stratified, identical files together)')
    .requiredOption('--project <file.shotbox>', 'the project')
    .option('--seed <n>', 'seed of the assignment', '0')
    .option('--reassign', 'assign every image again, not only those without a split')
    .option('--json', 'print the counts per split as JSON')
    .action(async (opts: { project: string; seed: string; reassign?: boolean; json?: boolean }) => {
      // Loaded when the command runs, not for `shotbox --help`.
      const [{ assignMissingSplits }, { openExistingProject }] = await Promise.all([
        import('../../core/project/splits'),
        import('./projectFiles'),
      ]);
      const seed = Number(opts.seed);
      if (!Number.isSafeInteger(seed))
        throw new UsageError(`--seed must be an integer, got '${opts.seed}'`);
      const project = openExistingProject(opts.project);
      try {
        const r = assignMissingSplits(project, {
          seed,
          ...(opts.reassign ? { reassign: true } : {}),
        });
        if (opts.json) process.stdout.write(`${JSON.stringify(r)}\n`);
        process.stderr.write(
          `split: ${r.assigned} images assigned; train ${r.counts.train}, val ${r.counts.val}, test ${r.counts.test}\n`,
        );
        setExit(EXIT.ok);
      } finally {
        project.close();
      }
    });
}
