import type { Command } from 'commander';
import { EXIT, UsageError } from '../exitCodes';
import { formatTable } from '../table';

/**
 * `shotbox jobs --project p`: the project's jobs (an 'interrupted' one was killed; the command
 * that started it resumes it), and with `--failed` the files that failed in them, by name.
 */
export function registerJobsCommand(program: Command, setExit: (code: number) => void): void {
  program
    .command('jobs')
    .description("List a project's jobs (detect, import, evaluate) and the files that failed")
    .requiredOption('--project <file.shotbox>', 'the project')
    .option('--failed', 'also list every failed file with its reason')
    .option('--json', 'print the jobs with their failures as JSON')
    .action(async (opts: { project: string; failed?: boolean; json?: boolean }) => {
      // Loaded when the command runs, not for `shotbox --help`.
      const [{ JobRunner }, { openExistingProject }] = await Promise.all([
        import('../../core/jobs/jobRunner'),
        import('./projectFiles'),
      ]);
      if (!opts.project) throw new UsageError('--project is required');
      // Read-only: listing writes nothing, so it works on a file or folder this user cannot write.
      const project = openExistingProject(opts.project, { readOnly: true });
      try {
        // No detector: listing never runs anything.
        const runner = new JobRunner(project, {});
        const jobs = runner.list().map((j) => runner.get(j.id)!);
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(jobs, null, 1)}\n`);
        } else {
          process.stdout.write(
            formatTable(
              ['job', 'kind', 'state', 'done', 'total', 'failed', 'updated', 'summary'],
              jobs.map((j) => [
                String(j.id),
                j.kind,
                j.state,
                String(j.done),
                String(j.total),
                String(j.failed),
                j.updatedAt,
                j.message ?? '',
              ]),
              ['right', 'left', 'left', 'right', 'right', 'right'],
            ),
          );
          if (opts.failed)
            for (const j of jobs)
              for (const f of j.failures)
                process.stdout.write(`job ${j.id} failed ${f.file}: ${f.reason}\n`);
        }
        setExit(EXIT.ok);
      } finally {
        project.close();
      }
    });
}
