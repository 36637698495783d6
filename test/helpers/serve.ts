import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { repoRoot, shotboxBin } from './paths';

/** Builds the renderer once (electron-vite build, a few seconds). */
export function buildRenderer(): void {
  const r = spawnSync(
    process.execPath,
    [path.join(repoRoot, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'],
    {
      cwd: repoRoot,
      encoding: 'utf8',
    },
  );
  if (r.status !== 0) throw new Error(`electron-vite build failed:\n${r.stderr}${r.stdout}`);
}

export interface ServedApp {
  /** URL with the launch token. */
  openUrl: string;
  /** Base URL without the token. */
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Runs `shotbox serve --project …` as a real process and waits for its URL. */
export function serveProject(projectFile: string): Promise<ServedApp> {
  return serveWith(['--project', projectFile]);
}

/** Runs `shotbox serve <args>` as a real process and waits for its URL. */
export async function serveWith(args: string[]): Promise<ServedApp> {
  const child = spawn(process.execPath, [shotboxBin, 'serve', ...args], {
    cwd: repoRoot,
  });
  let output = '';
  const openUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`shotbox serve printed no URL:\n${output}`)),
      60_000,
    );
    const onData = (d: Buffer): void => {
      output += d.toString();
      const m = /open (http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`shotbox serve exited with ${code}:\n${output}`)));
  });
  return {
    openUrl,
    url: openUrl.split('?')[0]!,
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
