import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProjectDb } from '../../../src/core/db/projectDb';
import { launchChromium } from '../../helpers/browser';
import { generatedDir, repoRoot } from '../../helpers/paths';
import {
  serveOpenProject,
  startProjectServer,
  type ProjectServer,
} from '../../helpers/projectServer';
import { buildRenderer } from '../../helpers/serve';

// Issue 8.4: a project that cannot be changed says so in the UI, with the reason.
describe('read-only project in the UI', () => {
  const work = path.join(generatedDir, 'e2e-read-only');
  let s: ProjectServer;
  let browser: Browser;

  beforeAll(async () => {
    buildRenderer();
    const made = await startProjectServer(work);
    await made.close();
    s = await serveOpenProject(
      ProjectDb.open(made.projectFile, { readOnly: true }),
      path.join(repoRoot, 'out', 'renderer'),
    );
    ({ browser } = await launchChromium());
  });
  afterAll(async () => {
    await browser?.close();
    await s?.close();
  });

  it('shows a banner naming the file and why', async () => {
    const page = await browser.newPage();
    await page.goto(s.server.openUrl);
    const banner = page.getByTestId('read-only-banner');
    await banner.waitFor();
    expect(await banner.textContent()).toContain(s.projectFile);
    expect(await banner.textContent()).toMatch(/read-only/);
    await page.screenshot({ path: path.join(repoRoot, 'test-results', 'read-only-banner.png') });
  });
});
