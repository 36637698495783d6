import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../helpers/browser';
import { generatedDir } from '../../helpers/paths';
import { startProjectServer, type ProjectServer } from '../../helpers/projectServer';

/**
 * The attacker: another local server (a dev server, a notebook) on another port of 127.0.0.1,
 * whose page forges requests to Shotbox. Cookies ignore ports, so Chromium sends Shotbox's
 * SameSite=Strict cookie along (another port is the same site).
 */
function forgeryPage(target: string, imageId: number): string {
  return `<!doctype html><title>innocent</title>
<form id="f" method="POST" action="${target}api/createClass" enctype="text/plain">
  <input name='{"name":"forged-form","x":"' value='"}'>
</form>
<script>
  const post = (method, body, type, mode) =>
    fetch('${target}api/' + method, {
      method: 'POST', credentials: 'include', mode, headers: { 'Content-Type': type }, body,
    }).then(() => 'sent', (e) => 'failed: ' + e.message);
  Promise.all([
    post('setImageStatus', JSON.stringify({ imageId: ${imageId}, status: 'reviewed' }), 'text/plain', 'no-cors'),
    post('createClass', JSON.stringify({ name: 'forged-fetch' }), 'text/plain', 'no-cors'),
    post('createClass', JSON.stringify({ name: 'forged-json' }), 'application/json', 'cors'),
  ]).then((r) => { window.fetchResults = r; document.getElementById('f').submit(); });
</script>`;
}

// Issue 8.2 in a real browser: a page from another port tries a text/plain form and three
// fetches with the shared cookie; the project must not change.
describe('cross-port request forgery in Chromium', () => {
  const work = path.join(generatedDir, 'e2e-forgery');
  let s: ProjectServer;
  let evil: http.Server;
  let browser: Browser;

  beforeAll(async () => {
    s = await startProjectServer(work);
    const imageId = s.project.images.all()[0]!.id;
    evil = http.createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end(forgeryPage(s.server.url, imageId));
    });
    await new Promise<void>((r) => evil.listen(0, '127.0.0.1', () => r()));
    ({ browser } = await launchChromium());
  });
  afterAll(async () => {
    await browser?.close();
    evil?.close();
    await s?.close();
  });

  it('changes nothing, while the real page (same cookie jar) still can', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(s.server.openUrl);
    // Control: Shotbox's own page, logged in, can change the project through the same API.
    const own = await page.evaluate(async () => {
      const res = await fetch('/api/createClass', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ name: 'made-by-the-page' }),
      });
      return res.status;
    });
    expect(own).toBe(200);
    const before = s.snapshot();
    expect(before).toContain('made-by-the-page');
    expect((await context.cookies(s.server.url)).length).toBe(1);

    const port = (evil.address() as AddressInfo).port;
    const attacker = await context.newPage();
    const submitted = attacker.waitForURL(`${s.server.url}api/createClass`);
    await attacker.goto(`http://127.0.0.1:${port}/`);
    await submitted;
    expect(await attacker.content()).toMatch(/refused/);

    expect(s.snapshot()).toBe(before);
    expect(s.project.classes.list().map((c) => c.name)).toEqual(['made-by-the-page']);
    expect(s.project.images.all().every((i) => i.status !== 'reviewed')).toBe(true);
    await context.close();
  });
});
