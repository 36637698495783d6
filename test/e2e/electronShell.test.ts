import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { _electron as electron } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { electronBinary } from '../helpers/electronBinary';
import { repoRoot } from '../helpers/paths';

// The desktop shell itself. It needs the Electron binary, which the offline machines of this
// project cannot download; there the suite is skipped and says why (browser mode is tested in
// full by the other e2e tests).
const binary = electronBinary();
const hasDisplay =
  process.platform !== 'linux' || Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
const why =
  'missing' in binary
    ? binary.missing
    : !hasDisplay
      ? 'no display (set DISPLAY, e.g. under xvfb-run)'
      : '';

describe.skipIf(why !== '')(`Electron shell${why ? ` — skipped: ${why}` : ''}`, () => {
  it('opens a sandboxed, isolated window that talks to the backend only through window.api', async () => {
    const build = spawnSync(
      process.execPath,
      [path.join(repoRoot, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'],
      { cwd: repoRoot },
    );
    expect(build.status).toBe(0);
    const userData = await mkdtemp(path.join(tmpdir(), 'shotbox-electron-'));
    const app = await electron.launch({
      executablePath: (binary as { path: string }).path,
      args: [repoRoot, `--user-data-dir=${userData}`],
      cwd: repoRoot,
    });
    try {
      const page = await app.firstWindow();
      await page.waitForLoadState('domcontentloaded');
      expect(await page.title()).toMatch(/Shotbox/);
      // No Node in the page (sandbox, no node integration); the bridge exposes exactly the contract.
      const page_ = await page.evaluate(() => {
        const g = globalThis as unknown as {
          require?: unknown;
          process?: unknown;
          api?: Record<string, unknown>;
        };
        return {
          require: typeof g.require,
          process: typeof g.process,
          api: Object.keys(g.api ?? {}).sort(),
        };
      });
      expect(page_.require).toBe('undefined');
      expect(page_.process).toBe('undefined');
      expect(page_.api).toContain('getAppInfo');
      expect(page_.api).not.toContain('invoke');
      const info = await page.evaluate(() =>
        (
          globalThis as unknown as { api: { getAppInfo(r: object): Promise<{ shell: string }> } }
        ).api.getAppInfo({}),
      );
      expect(info.shell).toBe('electron');
      // Navigation away and new windows are refused.
      await page.evaluate(() =>
        (globalThis as unknown as { open(u: string): unknown }).open('https://example.com'),
      );
      expect(app.windows()).toHaveLength(1);
    } finally {
      await app.close();
      await rm(userData, { recursive: true, force: true });
    }
  }, 120_000);
});
