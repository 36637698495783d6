import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { appVersion } from '../../core/appVersion';
import { startServer } from '../../server/server';
import { EXIT, UsageError } from '../exitCodes';

/** The built renderer of this checkout (`npm run build` / `npm start` make it). */
export function defaultRendererDir(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../out/renderer');
}

export function registerServeCommand(program: Command, setExit: (code: number) => void): void {
  program
    .command('serve')
    .description('Browser mode: serve the UI and its API on 127.0.0.1 behind a per-launch token.')
    .option('--port <n>', 'port (default: any free port)', '0')
    .option('--renderer <dir>', 'built renderer folder', defaultRendererDir())
    .action(async (opts: { port: string; renderer: string }) => {
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new UsageError(`bad --port '${opts.port}'`);
      const server = await startServer({ rendererDir: opts.renderer, port, version: appVersion() });
      process.stdout.write(`Shotbox browser mode: open ${server.openUrl}\n`);
      process.stdout.write('(listening on 127.0.0.1 only; press Ctrl+C to stop)\n');
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          void server.close().then(resolve);
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      setExit(EXIT.ok);
    });
}
