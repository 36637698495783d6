import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { appVersion } from '../../core/appVersion';
import type { ProjectDb } from '../../core/db/projectDb';
import { EXIT, UsageError } from '../exitCodes';
import { defaultRendererDir, ensureRendererBuilt } from '../rendererBuild';

interface ServeOptions {
  project?: string;
  demo?: boolean;
  port: string;
  renderer: string;
  root: string[];
}

/**
 * `shotbox serve <folder>` (and `npm start -- <folder>`): the folder's project, its images
 * imported as an import job (as the app's "Open folder" does: listed, resumable after a kill).
 */
async function openFolder(folder: string): Promise<ProjectDb> {
  const [{ openFolderProject }, { JobRunner }] = await Promise.all([
    import('../../core/project/openFolderProject'),
    import('../../core/jobs/jobRunner'),
  ]);
  const { project } = openFolderProject(folder);
  const runner = new JobRunner(project, {});
  try {
    const outcome = await runner.startImport({ inputs: [''] }).finished;
    const failed = outcome.failures.length;
    process.stdout.write(
      `imported ${outcome.imported} new image(s) from ${project.imageRoot}` +
        (failed ? ` (${failed} file(s) skipped)` : '') +
        '\n',
    );
  } finally {
    await runner.dispose();
  }
  return project;
}

export function registerServeCommand(program: Command, setExit: (code: number) => void): void {
  program
    .command('serve')
    .description('Browser mode: serve the UI and its API on 127.0.0.1 behind a per-launch token.')
    .argument(
      '[folder]',
      'a folder of images to open as a project (made and imported on first use)',
    )
    .option('--project <file.shotbox>', 'project to open')
    .option(
      '--root <dir>',
      'a folder under which the page may open projects and folders (repeatable; [folder] is one)',
      (dir: string, dirs: string[]) => [...dirs, dir],
      [] as string[],
    )
    .option(
      '--demo',
      "open the demo project of face-api's sample photos (made on first use in the user data folder, or SHOTBOX_DEMO_DIR)",
    )
    .option('--port <n>', 'port (default: any free port)', '0')
    .option('--renderer <dir>', 'built renderer folder', defaultRendererDir())
    .action(async (folder: string | undefined, opts: ServeOptions) => {
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new UsageError(`bad --port '${opts.port}'`);
      if ([opts.project, opts.demo, folder].filter(Boolean).length > 1)
        throw new UsageError('give one of [folder], --project and --demo');
      if (folder && !(existsSync(folder) && statSync(folder).isDirectory()))
        throw new UsageError(`folder not found: ${path.resolve(folder)}`);
      ensureRendererBuilt(opts.renderer, (line) => process.stderr.write(`${line}\n`));
      const [{ openExistingProject }, { startServer }, { openDemoProject }] = await Promise.all([
        import('./projectFiles'),
        import('../../server/server'),
        import('../../core/project/demoProject'),
      ]);
      const project = opts.project
        ? openExistingProject(opts.project, { onDamage: 'read-only' })
        : opts.demo
          ? await openDemoProject()
          : folder
            ? await openFolder(folder)
            : null;
      const server = await startServer({
        rendererDir: opts.renderer,
        port,
        version: appVersion(),
        project,
        roots: [...(folder ? [folder] : []), ...opts.root],
      });
      process.stdout.write(`Shotbox browser mode: open ${server.openUrl}\n`);
      if (project)
        process.stdout.write(`project ${project.file} (${project.images.count()} images)\n`);
      process.stdout.write('(listening on 127.0.0.1 only; press Ctrl+C to stop)\n');
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          void server.close().then(resolve);
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      project?.close();
      setExit(EXIT.ok);
    });
}
