import { cp, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnnotationRecord, ImageListItem } from '../../../src/shared/project/types';
import { ProjectDb } from '../../../src/core/db/projectDb';
import { importFolder } from '../../../src/core/project/importFolder';
import { startServer, type RunningServer } from '../../../src/server/server';
import { demoPhotos, generatedDir } from '../../helpers/paths';

// The API contract over HTTP against a real project: what a page (trusted or not) can do.
describe('browser mode API on a real project', () => {
  const work = path.join(generatedDir, 'project-api');
  let project: ProjectDb;
  let server: RunningServer;
  let cookie: string;

  beforeAll(async () => {
    await rm(work, { recursive: true, force: true });
    await mkdir(path.join(work, 'images', 'sub'), { recursive: true });
    await mkdir(path.join(work, 'renderer'), { recursive: true });
    await sharp({ create: { width: 2, height: 2, channels: 3, background: '#fff' } })
      .png()
      .toFile(path.join(work, 'renderer', 'index.html'));
    await cp(demoPhotos[0]!, path.join(work, 'images', 'a.jpg'));
    await cp(demoPhotos[1]!, path.join(work, 'images', 'sub', 'b.jpg'));
    // EXIF orientation 6: served upright.
    const turned = await sharp(demoPhotos[2]!).resize(400).rotate(-90).jpeg().toBuffer();
    await sharp(turned)
      .withMetadata({ orientation: 6 })
      .jpeg()
      .toFile(path.join(work, 'images', 'c-rotated.jpg'));
    project = ProjectDb.create(path.join(work, 'p.shotbox'), path.join(work, 'images'));
    await importFolder(project, path.join(work, 'images'));
    server = await startServer({
      rendererDir: path.join(work, 'renderer'),
      version: 'test',
      project,
    });
    const login = await fetch(server.openUrl, { redirect: 'manual' });
    cookie = login.headers.get('set-cookie')!.split(';')[0]!;
  });
  afterAll(async () => {
    await server.close();
    project.close();
  });

  const call = async <T>(method: string, body: unknown): Promise<{ status: number; json: T }> => {
    const res = await fetch(`${server.url}api/${method}`, {
      method: 'POST',
      // What the server's own page sends (a page of another origin is refused: serverGuard test).
      headers: { cookie, 'content-type': 'application/json', origin: server.url.slice(0, -1) },
      body: JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as T };
  };
  const snapshot = (): string =>
    JSON.stringify([
      project.classes.list(),
      project.images.all().map((i) => [i, project.annotations.ofImage(i.id)]),
    ]);

  it('pages images, then creates, edits, undoes and redoes a box', async () => {
    const page = await call<{ total: number; items: ImageListItem[] }>('listImages', { limit: 2 });
    expect(page.status).toBe(200);
    expect(page.json.total).toBe(3);
    expect(page.json.items.map((i) => i.path)).toEqual(['a.jpg', 'c-rotated.jpg']);
    const face = await call<{ id: number }>('createClass', { name: 'face' });
    const res = await call<{ annotations: AnnotationRecord[]; images: ImageListItem[] }>(
      'createAnnotation',
      {
        imageId: page.json.items[0]!.id,
        classId: face.json.id,
        box: { x1: 10, y1: 10, x2: 50000, y2: 60 }, // clipped to the 1920-wide image
      },
    );
    expect(res.status).toBe(200);
    const created = res.json.annotations[0]!;
    expect(created).toMatchObject({ origin: 'manual', review: 'accepted', x2: 1920 });
    // The backend answers with the image's new state (a drawn box is a person's label).
    expect(res.json.images).toMatchObject([
      { id: page.json.items[0]!.id, status: 'reviewed', annotationCount: 1, pendingCount: 0 },
    ]);
    const moved = await call<{ annotations: AnnotationRecord[] }>('updateAnnotations', {
      ids: [created.id],
      patch: { box: { x1: 20, y1: 20, x2: 80, y2: 90 } },
    });
    expect(moved.json.annotations[0]).toMatchObject({ x1: 20, y2: 90 });
    const undo = await call<{ label: string; imageId: number }>('undo', {});
    expect(undo.json).toMatchObject({ label: 'move box', imageId: page.json.items[0]!.id });
    expect(project.annotations.get(created.id)).toMatchObject({ x1: 10 });
    await call('redo', {});
    expect(project.annotations.get(created.id)).toMatchObject({ x1: 20 });
  });

  it('refuses malformed requests with 400 and changes nothing', async () => {
    const before = snapshot();
    const img = project.images.all()[0]!;
    const bad: [string, unknown][] = [
      ['createAnnotation', { imageId: img.id, classId: 1, box: { x1: 10, y1: 10, x2: 5, y2: 20 } }], // inverted
      ['createAnnotation', { imageId: img.id, classId: 1, box: { x1: 'a', y1: 0, x2: 1, y2: 1 } }],
      ['createAnnotation', { imageId: img.id, classId: 1, box: { x1: 0, y1: 0, x2: 1e9, y2: 1 } }],
      ['createAnnotation', { imageId: -1, classId: 1, box: { x1: 0, y1: 0, x2: 1, y2: 1 } }],
      [
        'createAnnotation',
        { imageId: img.id, classId: 1, box: { x1: 5000, y1: 5000, x2: 6000, y2: 6000 } },
      ], // outside
      [
        'createAnnotation',
        {
          imageId: img.id,
          classId: 1,
          box: { x1: 0, y1: 0, x2: 1, y2: 1 },
          path: '../../etc/passwd',
        },
      ],
      ['updateAnnotations', { ids: [], patch: { review: 'accepted' } }],
      ['updateAnnotations', { ids: [1], patch: {} }],
      ['updateAnnotations', { ids: [1], patch: { review: 'approved' } }],
      ['createClass', { name: 'a\nb' }],
      ['recolorClass', { classId: 1, color: 'red; background: url(x)' }],
      ['listImages', { limit: 100000 }],
      ['listImages', { search: 'x'.repeat(1000) }],
      ['mergeClasses', { fromId: 1, intoId: 1 }],
      ['deleteClass', { classId: 1, reassignTo: 1 }],
      ['markReviewed', { imageId: 'x' }],
      ['detectImages', { imageIds: [img.id], includeReviewed: 'yes' }],
    ];
    type Failure = { error: { name: string; code: string; message: string } };
    for (const [method, body] of bad) {
      const res = await call<Failure>(method, body);
      expect(res.status, `${method} ${JSON.stringify(body)}`).toBe(400);
      // The one error shape: name, code (what the UI reads), message (what a person reads).
      expect(res.json.error).toEqual({
        name: 'ValidationError',
        code: 'invalid-request',
        message: expect.stringMatching(/.{6}/),
      });
    }
    const taken = await call<Failure>('createClass', { name: 'face' });
    expect([taken.status, taken.json.error.code]).toEqual([409, 'conflict']);
    for (const [method, body] of [
      ['getImage', { imageId: 987654 }],
      ['deleteAnnotations', { ids: [987654] }],
      ['markReviewed', { imageId: 987654 }],
      ['deleteClass', { classId: 999 }],
      ['deleteClass', { classId: 1, reassignTo: 999 }],
      ['detectImage', { imageId: 1, model: 'no-such-model' }],
      [
        'createAnnotation',
        { imageId: img.id, classId: 999, box: { x1: 0, y1: 0, x2: 10, y2: 10 } },
      ],
    ] as const) {
      const missing = await call<Failure>(method, body);
      expect([missing.status, missing.json.error.code], method).toEqual([404, 'not-found']);
    }
    const unknown = await call<Failure>('dropAllTables', {});
    expect([unknown.status, unknown.json.error.code]).toEqual([400, 'invalid-request']);
    expect(snapshot()).toBe(before);
  });

  it('serves pixels by id only: upright, thumbnails, 404 for anything else', async () => {
    const rotated = project.images.byPath('c-rotated.jpg')!;
    expect([rotated.width, rotated.height]).toEqual([400, Math.round((1350 * 400) / 1920)]); // sample3 is 1920×1350
    const full = await fetch(`${server.url}image/${rotated.id}`, { headers: { cookie } });
    expect(full.status).toBe(200);
    const meta = await sharp(Buffer.from(await full.arrayBuffer())).metadata();
    expect([meta.width, meta.height]).toEqual([rotated.width, rotated.height]);
    const thumb = await fetch(`${server.url}thumb/${rotated.id}`, { headers: { cookie } });
    expect(thumb.headers.get('content-type')).toBe('image/webp');
    const etag = full.headers.get('etag')!;
    expect(
      (
        await fetch(`${server.url}image/${rotated.id}`, {
          headers: { cookie, 'if-none-match': etag },
        })
      ).status,
    ).toBe(304);
    for (const p of [
      'image/0',
      'image/999999',
      'image/../p.shotbox',
      'image/1%2f..%2f..%2fp.shotbox',
      'image/abc',
    ]) {
      const res = await fetch(`${server.url}${p}`, { headers: { cookie } });
      expect([403, 404], p).toContain(res.status);
    }
    expect((await fetch(`${server.url}image/${rotated.id}`)).status).toBe(401);
  });

  it('pushes job progress as server-sent events', async () => {
    const events: string[] = [];
    const controller = new AbortController();
    const stream = fetch(`${server.url}api/events`, {
      headers: { cookie, 'sec-fetch-site': 'same-origin' },
      signal: controller.signal,
    }).then(async (res) => {
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        events.push(decoder.decode(value));
        if (events.join('').includes('job-done')) break;
      }
    });
    await new Promise((r) => setTimeout(r, 100));
    const ids = project.images.all().map((i) => i.id);
    // a.jpg holds a drawn box (reviewed): included on request.
    const started = await call<{ jobId: string }>('detectImages', {
      imageIds: ids,
      includeReviewed: true,
    });
    expect(started.status).toBe(200);
    await Promise.race([stream, new Promise((r) => setTimeout(r, 30_000))]);
    controller.abort();
    const text = events.join('');
    expect(text).toContain(`"jobId":"${started.json.jobId}"`);
    expect(text).toMatch(/"type":"job-done".*"processed":3/);
    expect(
      project.annotations
        .ofImage(project.images.byPath('a.jpg')!.id)
        .some((a) => a.origin === 'model'),
    ).toBe(true);
  });
});
