import type { Command } from 'commander';
import { appVersion } from '../../core/appVersion';
import { EXIT, UsageError } from '../exitCodes';
import { defaultRendererDir, ensureRendererBuilt } from '../rendererBuild';

export function registerServeCommand(program: Command, setExit: (code: number) => void): void {
  program
    .command('serve')
    .description('Browser mode: serve the UI and its API on 127.0.0.1 behind a per-launch token.')
    .option('--project <file.shotbox>', 'project to open')
    .option(
      '--demo',
      "open the demo project of face-api's sample photos (made on first use in the user data folder, or SHOTBOX_DEMO_DIR)",
    )
    .option('--port <n>', 'port (default: any free port)', '0')
    .option('--renderer <dir>', 'built renderer folder', defaultRendererDir())
    .action(async (opts: { project?: string; demo?: boolean; port: string; renderer: string }) => {
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new UsageError(`bad --port '${opts.port}'`);
      if (opts.project && opts.demo) throw new UsageError('give --project or --demo, not both');
      ensureRendererBuilt(opts.renderer, (line) => process.stderr.write(`${line}\n`));
      const [{ openExistingProject }, { startServer }, { openDemoProject }] = await Promise.all([
        import('./projectFiles'),
        import('../../server/server'),
        import('../../core/project/demoProject'),
      ]);
      const project = opts.project
        ? openExistingProject(opts.project)
        : opts.demo
          ? await openDemoProject()
          : null;
      const server = await startServer({
        rendererDir: opts.renderer,
        port,
        version: appVersion(),
        project,
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
