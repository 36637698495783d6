import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatedDir } from '../../helpers/paths';
import { rawRequest } from '../../helpers/rawHttp';
import { startProjectServer, type ProjectServer } from '../../helpers/projectServer';

// Issue 8.2: another page on this machine (any port of 127.0.0.1 shares our cookie) or a
// rebinding DNS name must not change the project, however the request is dressed up.
describe('forged requests against browser mode', () => {
  const work = path.join(generatedDir, 'forged-requests');
  let s: ProjectServer;
  let before: string;

  beforeAll(async () => {
    s = await startProjectServer(work);
    before = s.snapshot();
  });
  afterAll(async () => {
    await s.close();
  });

  const host = (): string => new URL(s.server.url).host;
  const imageId = (): number => s.project.images.all()[0]!.id;
  // Duplicate keys: what a text/plain form can smuggle into a JSON body.
  const formBody = (): string =>
    `{"imageId":${imageId()},"status":"reviewed","x":"=","status":"reviewed"}`;

  const forgeries: [string, () => Record<string, string>, () => string, number][] = [
    [
      'another port of 127.0.0.1 (fetch with the shared cookie)',
      () => ({
        cookie: s.cookie,
        origin: 'http://127.0.0.1:5173',
        'content-type': 'application/json',
      }),
      () => JSON.stringify({ name: 'forged' }),
      403,
    ],
    [
      'a foreign site',
      () => ({
        cookie: s.cookie,
        origin: 'https://evil.example',
        'content-type': 'application/json',
      }),
      () => JSON.stringify({ name: 'forged' }),
      403,
    ],
    [
      'a text/plain form from another port',
      () => ({
        cookie: s.cookie,
        origin: 'http://127.0.0.1:8888',
        'content-type': 'text/plain',
        'sec-fetch-site': 'same-site',
      }),
      formBody,
      403,
    ],
    [
      'a text/plain form whose browser sent no Origin',
      () => ({ cookie: s.cookie, 'content-type': 'text/plain' }),
      formBody,
      403,
    ],
    [
      'a same-origin text/plain body',
      () => ({ cookie: s.cookie, origin: s.origin, 'content-type': 'text/plain' }),
      () => JSON.stringify({ name: 'forged' }),
      415,
    ],
    [
      'a cookie request without Origin or fetch metadata',
      () => ({ cookie: s.cookie, 'content-type': 'application/json' }),
      () => JSON.stringify({ name: 'forged' }),
      403,
    ],
    [
      'fetch metadata saying another site of this machine',
      () => ({
        cookie: s.cookie,
        'content-type': 'application/json',
        'sec-fetch-site': 'same-site',
      }),
      () => JSON.stringify({ name: 'forged' }),
      403,
    ],
    [
      'a rebinding Host (evil.example resolving to 127.0.0.1), even with the token',
      () => ({
        host: `evil.example:${new URL(s.server.url).port}`,
        authorization: `Bearer ${s.server.token}`,
        'content-type': 'application/json',
      }),
      () => JSON.stringify({ name: 'forged' }),
      421,
    ],
  ];

  it.each(forgeries)('refuses %s and changes nothing', async (_what, headers, body, status) => {
    for (const method of ['createClass', 'setImageStatus']) {
      const res = await rawRequest(`${s.server.url}api/${method}`, {
        method: 'POST',
        headers: headers(),
        body: method === 'createClass' ? body() : formBody(),
      });
      expect(res.status).toBe(status);
      expect(res.body).toMatch(/"error"/);
    }
    expect(s.snapshot()).toBe(before);
  });

  it('still serves its own page and scripts holding the bearer token', async () => {
    const own = await s.call('listClasses', {});
    expect(own.status).toBe(200);
    const script = await rawRequest(`${s.server.url}api/getProject`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${s.server.token}`,
        'content-type': 'application/json',
        host: `localhost:${new URL(s.server.url).port}`,
      },
      body: '{}',
    });
    expect(script.status).toBe(200);
    expect(JSON.parse(script.body)).toMatchObject({ imageCount: 2 });
  });

  it('gives nothing to other pages that embed its images or read its events', async () => {
    const image = await rawRequest(`${s.server.url}image/${imageId()}`, {
      headers: { cookie: s.cookie, 'sec-fetch-site': 'cross-site' },
    });
    expect(image.status).toBe(403);
    const events = await rawRequest(`${s.server.url}api/events`, {
      headers: { cookie: s.cookie, origin: 'http://127.0.0.1:3000' },
    });
    expect(events.status).toBe(403);
    const page = await rawRequest(s.server.url, { headers: { cookie: s.cookie, host: host() } });
    expect(page.status).toBe(200);
  });

  it('redirects the token URL only to its own root (no open redirect)', async () => {
    for (const p of ['/.//evil.example/', '//evil.example/', '/\\evil.example/', '/a/../']) {
      const res = await rawRequest(`${s.server.url.slice(0, -1)}${p}?token=${s.server.token}`, {});
      expect(res.status, p).toBe(303);
      expect(res.headers.location, p).toBe('/');
    }
    // The rest of the query survives (the UI's ?testhooks), still on this server's root.
    const kept = await rawRequest(
      `${s.server.url}.//evil.example/?testhooks&token=${s.server.token}`,
      {},
    );
    expect(kept.headers.location).toBe('/?testhooks=');
  });

  it('gives each instance its own cookie, so a second one does not log the first out', async () => {
    const other = await startProjectServer(path.join(work, 'second'));
    try {
      const name = (cookie: string): string => cookie.split('=')[0]!;
      expect(name(other.cookie)).not.toBe(name(s.cookie));
      // Both cookies in one jar (cookies ignore ports): each server still accepts its page.
      const jar = `${s.cookie}; ${other.cookie}`;
      for (const x of [s, other]) {
        const res = await rawRequest(`${x.server.url}api/getProject`, {
          method: 'POST',
          headers: { cookie: jar, origin: x.origin, 'content-type': 'application/json' },
          body: '{}',
        });
        expect(res.status).toBe(200);
      }
    } finally {
      await other.close();
    }
  });
});
