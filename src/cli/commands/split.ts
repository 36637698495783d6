import type { Command } from 'commander';
import { assignMissingSplits } from '../../core/project/splits';
import { EXIT, UsageError } from '../exitCodes';
import { openExistingProject } from './project';

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
    .action((opts: { project: string; seed: string; reassign?: boolean; json?: boolean }) => {
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
