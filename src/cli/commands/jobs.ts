import type { Command } from 'commander';
import type { JobRunner } from '../../core/jobs/jobRunner';
import type { JobRecord } from '../../shared/jobs/types';
import { EXIT, UsageError } from '../exitCodes';
import { formatTable } from '../table';

interface JobsCliOptions {
  project: string;
  failed?: boolean;
  json?: boolean;
  pause?: string;
  cancel?: string;
}

/**
 * `shotbox jobs --project p`: the project's jobs (an 'interrupted' one was killed; the command
 * that started it resumes it), and with `--failed` the files that failed in them, by name.
 * `--pause N` / `--cancel N` stop a job another process runs (it stops after the image in
 * flight, within a heartbeat), or close one that was paused or killed, as the app's jobs panel
 * does: both go through JobRunner, the one place job states change.
 */
export function registerJobsCommand(program: Command, setExit: (code: number) => void): void {
  program
    .command('jobs')
    .description(
      "List a project's jobs (detect, import, evaluate, train) and the files that failed; pause or cancel one",
    )
    .requiredOption('--project <file.shotbox>', 'the project')
    .option('--failed', 'also list every failed file with its reason')
    .option('--json', 'print the jobs with their failures as JSON')
    .option(
      '--pause <job>',
      'ask the process running job <job> to pause it (the same command resumes it)',
    )
    .option(
      '--cancel <job>',
      'stop job <job> for good: running in another process, paused or interrupted (boxes stored so far stay)',
    )
    .action(async (opts: JobsCliOptions) => {
      // Loaded when the command runs, not for `shotbox --help`.
      const [{ JobRunner }, { openExistingProject }] = await Promise.all([
        import('../../core/jobs/jobRunner'),
        import('./projectFiles'),
      ]);
      if (!opts.project) throw new UsageError('--project is required');
      if (opts.pause !== undefined && opts.cancel !== undefined)
        throw new UsageError('give --pause or --cancel, not both');
      const stopAs =
        opts.pause !== undefined ? 'paused' : opts.cancel !== undefined ? 'cancelled' : undefined;
      const stopId = stopAs
        ? jobId(opts.pause ?? opts.cancel!, stopAs === 'paused' ? '--pause' : '--cancel')
        : undefined;
      // Listing writes nothing, so it works on a file or folder this user cannot write.
      const project = openExistingProject(opts.project, { readOnly: stopAs === undefined });
      try {
        // No detector: this command never runs a job.
        const runner = new JobRunner(project, {});
        if (stopAs && stopId !== undefined) {
          const { code, line } = stopJob(runner, stopId, stopAs);
          process.stderr.write(`${line}\n`);
          setExit(code);
          return;
        }
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
                j.runningElsewhere ? `running (pid ${j.runningElsewhere.pid})` : j.state,
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

function jobId(text: string, flag: string): number {
  const id = Number(text);
  if (!Number.isInteger(id) || id < 1)
    throw new UsageError(
      `${flag} needs a job number (see \`shotbox jobs --project …\`), not "${text}"`,
    );
  return id;
}

/** Pauses or cancels one job through the runner; the line says what happened, or why nothing. */
function stopJob(
  runner: JobRunner,
  id: number,
  as: 'paused' | 'cancelled',
): { code: number; line: string } {
  const job: JobRecord | undefined = runner.get(id);
  if (!job) return { code: EXIT.failed, line: `shotbox: the project has no job ${id}` };
  const verb = as === 'paused' ? 'pause' : 'cancel';
  const done = as === 'paused' ? runner.pause(id) : runner.cancel(id);
  if (done && job.runningElsewhere)
    return {
      code: EXIT.ok,
      line: `asked the shotbox process running job ${id} (pid ${job.runningElsewhere.pid}) to ${verb} it; it stops after the image in flight, within a few seconds`,
    };
  if (done)
    return {
      code: EXIT.ok,
      line: `job ${id} (${job.kind}, ${job.state}) cancelled: it will not resume`,
    };
  const why =
    as === 'paused' && (job.state === 'paused' || job.state === 'interrupted')
      ? `it is ${job.state}, not running (the command that started it resumes it; --cancel closes it)`
      : `it is ${job.state}`;
  return { code: EXIT.failed, line: `shotbox: cannot ${verb} job ${id}: ${why}` };
}
