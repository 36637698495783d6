import { cp, mkdir, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProjectDb } from '../../../src/core/db/projectDb';
import { startServer, type RunningServer } from '../../../src/server/server';
import { demoPhotos, generatedDir } from '../../helpers/paths';
import { rawRequest, type RawResponse } from '../../helpers/rawHttp';

// Issue 7 item 6: browser mode opens folders and projects, but only under the folders given on
// the command line; a page naming any other path learns nothing and changes nothing.
describe('browser mode opens folders under --root only', () => {
  const work = path.join(generatedDir, 'open-folder');
  let root: string;
  let outside: string;
  let server: RunningServer;
  let cookie: string;

  const call = (method: string, body: unknown, s = server, c = cookie): Promise<RawResponse> =>
    rawRequest(`${s.url}api/${method}`, {
      method: 'POST',
      headers: { cookie: c, origin: s.url.slice(0, -1), 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const login = async (s: RunningServer): Promise<string> =>
    String((await rawRequest(s.openUrl, {})).headers['set-cookie']?.[0] ?? '').split(';')[0]!;

  beforeAll(async () => {
    await rm(work, { recursive: true, force: true });
    await mkdir(path.join(work, 'root', 'photos'), { recursive: true });
    await mkdir(path.join(work, 'outside', 'private'), { recursive: true });
    await mkdir(path.join(work, 'renderer'), { recursive: true });
    await writeFile(path.join(work, 'renderer', 'index.html'), '<!doctype html>');
    root = await realpath(path.join(work, 'root'));
    outside = await realpath(path.join(work, 'outside'));
    await cp(demoPhotos[0]!, path.join(root, 'photos', 'a.jpg'));
    await cp(demoPhotos[1]!, path.join(root, 'photos', 'b.jpg'));
    await writeFile(path.join(root, 'photos', 'broken.jpg'), 'not a JPEG at all');
    await cp(demoPhotos[2]!, path.join(outside, 'private', 'c.jpg'));
    ProjectDb.create(
      path.join(outside, 'private', 'private.shotbox'),
      path.join(outside, 'private'),
    ).close();
    await symlink(path.join(outside, 'private'), path.join(root, 'escape'));
    server = await startServer({
      rendererDir: path.join(work, 'renderer'),
      version: 'test',
      project: null,
      roots: [path.join(work, 'root')],
    });
    cookie = await login(server);
  });
  afterAll(async () => {
    await server.close();
    await rm(work, { recursive: true, force: true });
  });

  it('lists the roots and what lies under them, without links that leave them', async () => {
    const top = JSON.parse((await call('listFolder', {})).body) as { roots: string[] };
    expect(top.roots).toEqual([root]);
    const listing = JSON.parse((await call('listFolder', { path: root })).body) as {
      entries: { name: string; kind: string }[];
      parent: string | null;
    };
    expect(listing.entries).toEqual([
      { name: 'photos', path: path.join(root, 'photos'), kind: 'folder' },
    ]);
    expect(listing.parent).toBeNull();
  });

  it('refuses every path outside the roots with one answer, and opens nothing', async () => {
    const probes: [string, unknown][] = [
      ['listFolder', { path: '/' }],
      ['listFolder', { path: '/etc' }],
      ['listFolder', { path: outside }],
      ['listFolder', { path: `${root}/../outside` }],
      ['listFolder', { path: path.join(root, 'escape') }],
      ['listFolder', { path: path.join(root, 'missing') }],
      ['listFolder', { path: 'photos' }],
      ['openFolder', { folder: path.join(outside, 'private') }],
      ['openFolder', { folder: path.join(root, 'escape') }],
      ['openFolder', { folder: '/proc/self' }],
      ['openProject', { file: path.join(outside, 'private', 'private.shotbox') }],
      ['openProject', { file: path.join(root, 'escape', 'private.shotbox') }],
      ['openProject', { file: path.join(root, 'photos', 'a.jpg') }],
    ];
    const bodies = new Set<string>();
    for (const [method, body] of probes) {
      const res = await call(method, body);
      expect(res.status, JSON.stringify(body)).toBe(403);
      bodies.add(res.body);
    }
    expect(bodies.size).toBe(1);
    expect([...bodies][0]).toMatch(/--root/);
    expect(JSON.parse((await call('getProject', {})).body)).toBeNull();
  });

  it('opens a folder under a root as a project, imports it, and serves its images', async () => {
    const res = await call('openFolder', { folder: path.join(root, 'photos') });
    expect(res.status, res.body).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({
      added: 2,
      project: { name: 'photos', imageCount: 2 },
    });
    expect(JSON.parse(res.body)).toMatchObject({ problems: 1 });
    // The import ran as a job: listed, finished, its refused file named with the reason.
    const jobs = JSON.parse((await call('listJobs', {})).body) as {
      id: number;
      kind: string;
      state: string;
    }[];
    expect(jobs.map((j) => [j.kind, j.state])).toEqual([['import', 'done']]);
    const job = JSON.parse((await call('getJob', { jobId: String(jobs[0]!.id) })).body) as {
      failures: { file: string; reason: string }[];
    };
    expect(job.failures).toEqual([{ file: 'broken.jpg', reason: expect.any(String) }]);
    const page = JSON.parse((await call('listImages', {})).body) as { items: { id: number }[] };
    expect(page.items).toHaveLength(2);
    const image = await rawRequest(`${server.url}image/${page.items[0]!.id}`, {
      headers: { cookie },
    });
    expect(image.status).toBe(200);
    // Reopened through its project file: the same project, nothing imported twice.
    const again = await call('openProject', { file: path.join(root, 'photos', 'photos.shotbox') });
    expect(again.status).toBe(200);
    expect(JSON.parse(again.body)).toMatchObject({ imageCount: 2 });
  });

  it('opens nothing from the page when no --root was given', async () => {
    const bare = await startServer({
      rendererDir: path.join(work, 'renderer'),
      version: 'test',
      project: null,
    });
    try {
      const c = await login(bare);
      expect(JSON.parse((await call('listFolder', {}, bare, c)).body)).toMatchObject({ roots: [] });
      expect(
        (await call('openFolder', { folder: path.join(root, 'photos') }, bare, c)).status,
      ).toBe(403);
    } finally {
      await bare.close();
    }
  });
});
