import { spawn } from 'node:child_process';
import { repoRoot, shotboxBin } from './paths';

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real `shotbox` command as a separate process, as a user would. */
export function runShotbox(
  args: string[],
  options: {
    cwd?: string;
    env?: NodeJS.ProcessEnv;
    /** Run as this user (the test must be root to switch). */
    user?: { uid: number; gid: number };
  } = {},
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [shotboxBin, ...args], {
      cwd: options.cwd ?? repoRoot,
      env: { ...process.env, ...options.env },
      ...(options.user ? options.user : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A `shotbox` process started in the background (stdout ignored), for tests that act meanwhile. */
export interface BackgroundShotbox {
  pid: number;
  /** What it has written to stderr so far. */
  stderr(): string;
  /** True once it has exited. */
  ended(): boolean;
  finished: Promise<{ code: number | null; stderr: string }>;
}

export function startShotbox(
  args: string[],
  options: { env?: NodeJS.ProcessEnv } = {},
): BackgroundShotbox {
  const child = spawn(process.execPath, [shotboxBin, ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  let ended = false;
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const finished = new Promise<{ code: number | null; stderr: string }>((resolve) =>
    child.on('close', (code) => {
      ended = true;
      resolve({ code, stderr });
    }),
  );
  return { pid: child.pid!, stderr: () => stderr, ended: () => ended, finished };
}
