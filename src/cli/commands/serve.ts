import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { appVersion } from '../../core/appVersion';
import { ProjectDb } from '../../core/db/projectDb';
import { importFolder } from '../../core/project/importFolder';
import { openFolderProject } from '../../core/project/openFolderProject';
import { startServer } from '../../server/server';
import { EXIT, UsageError } from '../exitCodes';
import { openExistingProject } from './project';

const here = path.dirname(fileURLToPath(import.meta.url));

/** The built renderer of this checkout (`npm run build` / `npm start` make it). */
export function defaultRendererDir(): string {
  return path.resolve(here, '../../../out/renderer');
}

/**
 * The demo project `npm start` opens: face-api's sample photos (shipped with the package the
 * embedded model comes from), made on first use under out/demo/.
 */
async function openDemoProject(): Promise<ProjectDb> {
  const require = createRequire(import.meta.url);
  const photos = path.join(
    path.dirname(require.resolve('@vladmandic/face-api/package.json')),
    'demo',
  );
  const file = path.resolve(here, '../../../out/demo/faces.shotbox');
  const { project, created } = ProjectDb.openOrCreate(file, photos);
  if (created) await importFolder(project, photos);
  return project;
}

interface ServeOptions {
  project?: string;
  demo?: boolean;
  port: string;
  renderer: string;
  root: string[];
}

/** `shotbox serve <folder>` (and `npm start -- <folder>`): the folder's project, imported. */
async function openFolder(folder: string): Promise<ProjectDb> {
  const { project } = openFolderProject(folder);
  const report = await importFolder(project, project.imageRoot);
  process.stdout.write(
    `imported ${report.added} new image(s) from ${project.imageRoot}` +
      (report.problems.length ? ` (${report.problems.length} file(s) skipped)` : '') +
      '\n',
  );
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
    .option('--demo', "open a demo project of face-api's sample photos (made on first use)")
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
