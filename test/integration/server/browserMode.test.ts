import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../../src/server/server';
import { generatedDir } from '../../helpers/paths';

// A real server on 127.0.0.1 over a small renderer folder (the built UI is tested end to end
// elsewhere); what matters here is the door: token, paths, request validation.
describe('browser mode server', () => {
  let server: RunningServer;
  const rendererDir = path.join(generatedDir, 'renderer-stub');

  beforeAll(async () => {
    await mkdir(path.join(rendererDir, 'assets'), { recursive: true });
    await writeFile(path.join(rendererDir, 'index.html'), '<!doctype html><title>Shotbox</title>');
    await writeFile(path.join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
    await writeFile(path.join(generatedDir, 'secret.txt'), 'TOP-SECRET-CONTENT');
    server = await startServer({ rendererDir, version: 'test', project: null });
  });
  afterAll(async () => {
    await server.close();
  });

  const cookieFor = async (): Promise<string> => {
    const res = await fetch(server.openUrl, { redirect: 'manual' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/');
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    return cookie.split(';')[0]!;
  };

  it('binds to 127.0.0.1 only', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  });

  it('refuses every request without the token (401), and with a wrong one', async () => {
    expect((await fetch(server.url)).status).toBe(401);
    expect((await fetch(`${server.url}assets/app.js`)).status).toBe(401);
    expect(
      (await fetch(`${server.url}api/getAppInfo`, { method: 'POST', body: '{}' })).status,
    ).toBe(401);
    const wrong = await fetch(`${server.url}?token=nope`, { redirect: 'manual' });
    expect(wrong.status).toBe(401);
  });

  it('moves the URL token into a cookie, then serves the page with a CSP', async () => {
    const cookie = await cookieFor();
    const page = await fetch(server.url, { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>Shotbox</title>');
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
  });

  it('answers the API contract and validates requests', async () => {
    const cookie = await cookieFor();
    const post = (method: string, body: string): Promise<Response> =>
      fetch(`${server.url}api/${method}`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json', origin: server.url.slice(0, -1) },
        body,
      });
    const info = await post('getAppInfo', '{}');
    expect(info.status).toBe(200);
    const json = (await info.json()) as { shell: string; models: { name: string }[] };
    expect(json.shell).toBe('browser');
    expect(json.models.map((m) => m.name)).toContain('ssd-mobilenetv1-face');

    expect((await post('getAppInfo', '{"unexpected":1}')).status).toBe(400);
    expect((await post('getAppInfo', 'not json')).status).toBe(400);
    expect((await post('deleteEverything', '{}')).status).toBe(400);
  });

  it('never serves files outside the renderer folder', async () => {
    const cookie = await cookieFor();
    for (const p of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt']) {
      const res = await fetch(`${server.url.slice(0, -1)}${p}`, { headers: { cookie } });
      expect([403, 404], p).toContain(res.status);
      expect(await res.text()).not.toContain('TOP-SECRET-CONTENT');
    }
  });
});
