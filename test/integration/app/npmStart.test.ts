import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generatedDir, repoRoot } from '../../helpers/paths';

// `npm start` as a user runs it on a machine without the Electron binary (or, here, forced with
// SHOTBOX_BROWSER=1 so the test means the same wherever it runs): it must say why, build, and
// serve the UI on 127.0.0.1 behind a token.
describe('npm start without the Electron window', () => {
  let child: ChildProcess | undefined;
  afterAll(() => {
    child?.kill('SIGTERM');
  });

  it('says why, serves the built UI, and refuses requests without the token', async () => {
    child = spawn(process.execPath, [path.join(repoRoot, 'scripts', 'start.mjs')], {
      cwd: repoRoot,
      // The demo project it opens is made in a test folder, not in the user's data folder.
      env: {
        ...process.env,
        SHOTBOX_BROWSER: '1',
        SHOTBOX_DEMO_DIR: path.join(generatedDir, 'npm-start-demo'),
      },
    });
    let output = '';
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no URL printed:\n${output}`)), 90_000);
      const onData = (d: Buffer): void => {
        output += d.toString();
        const m = /open (http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/.exec(output);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      };
      child!.stdout!.on('data', onData);
      child!.stderr!.on('data', onData);
      child!.on('exit', (code) => reject(new Error(`exited with ${code}:\n${output}`)));
    });
    expect(output).toMatch(/not opening the desktop window: SHOTBOX_BROWSER=1 is set/);
    expect(output).toMatch(/serving the UI in browser mode/);

    const bare = url.split('?')[0]!;
    expect((await fetch(bare)).status).toBe(401);
    const login = await fetch(url, { redirect: 'manual' });
    expect(login.status).toBe(303);
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const page = await fetch(bare, { headers: { cookie } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<div id="root"></div>');
    const script = /src="(\.?\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script, 'built renderer bundle referenced').toBeDefined();
    expect((await fetch(new URL(script!, bare), { headers: { cookie } })).status).toBe(200);
  }, 120_000);
});
