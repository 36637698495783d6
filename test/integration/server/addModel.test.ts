import { mkdir, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../../src/server/server';
import { generatedDir } from '../../helpers/paths';
import { rawRequest, type RawResponse } from '../../helpers/rawHttp';
import { writeRawSsd } from '../../helpers/ssdGraphs';

// Issue 12 item 3 over the contract: browser mode adds a model from a file under --root only,
// through the same inspection, test run and registration as `shotbox models add`; the model is
// listed by a new server on the same user models folder.
describe('"Add model…" over browser mode\'s API', () => {
  const work = path.join(generatedDir, 'add-model-api');
  let root: string;
  let outsideFile: string;
  let server: RunningServer;
  let cookie: string;

  const login = async (s: RunningServer): Promise<string> =>
    String((await rawRequest(s.openUrl, {})).headers['set-cookie']?.[0] ?? '').split(';')[0]!;
  const call = (method: string, body: unknown, s = server, c = cookie): Promise<RawResponse> =>
    rawRequest(`${s.url}api/${method}`, {
      method: 'POST',
      headers: { cookie: c, origin: s.url.slice(0, -1), 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const start = (): Promise<RunningServer> =>
    startServer({
      rendererDir: path.join(work, 'renderer'),
      version: 'test',
      project: null,
      roots: [root],
    });

  beforeAll(async () => {
    await rm(work, { recursive: true, force: true });
    await mkdir(path.join(work, 'root', 'models'), { recursive: true });
    await mkdir(path.join(work, 'outside'), { recursive: true });
    await mkdir(path.join(work, 'renderer'), { recursive: true });
    await writeFile(path.join(work, 'renderer', 'index.html'), '<!doctype html>');
    root = await realpath(path.join(work, 'root'));
    const spec = { layout: 'nchw', width: 300, height: 300, priors: 8732, columns: 3 } as const;
    writeRawSsd({ ...spec, file: path.join(root, 'models', 'pets.onnx') });
    outsideFile = writeRawSsd({ ...spec, file: path.join(work, 'outside', 'secret.onnx') });
    await symlink(outsideFile, path.join(root, 'models', 'link.onnx'));
    server = await start();
    cookie = await login(server);
  });
  afterAll(async () => {
    await server.close();
    await rm(work, { recursive: true, force: true });
  });

  it('lists the .onnx files under the roots (not links out of them)', async () => {
    const listing = JSON.parse(
      (await call('listFolder', { path: path.join(root, 'models'), models: true })).body,
    ) as { entries: { name: string; kind: string }[] };
    expect(listing.entries.map((e) => [e.name, e.kind])).toEqual([['pets.onnx', 'model']]);
  });

  it('refuses model files outside the roots with the one answer', async () => {
    for (const file of [outsideFile, path.join(root, 'models', 'link.onnx'), '/etc/passwd']) {
      const res = await call('inspectModel', { file });
      expect(res.status, file).toBe(403);
      expect(res.body).toMatch(/--root/);
    }
  });

  it('inspects, says what it needs, adds with a preset, lists it after a restart, removes it', async () => {
    const file = path.join(root, 'models', 'pets.onnx');
    const bare = JSON.parse((await call('inspectModel', { file })).body) as {
      input: { width: number; layout: string };
      output: { priors: number; columns: number };
      needs: { field: string }[];
      testRun: unknown;
    };
    expect(bare.input).toMatchObject({ width: 300, layout: 'nchw' });
    expect(bare.output).toMatchObject({ priors: 8732, columns: 3 });
    expect(bare.needs.map((n) => n.field)).toContain('classes');
    expect(bare.testRun).toBeNull();

    const fields = { file, preset: 'torchvision-ssd300', classes: ['cat', 'dog'] };
    const tested = JSON.parse((await call('inspectModel', fields)).body) as {
      testRun: { ok: boolean };
      name: string;
    };
    expect(tested.testRun.ok).toBe(true);
    expect(tested.name).toBe('pets');
    const info = (): Promise<{ models: { name: string; source: string }[] }> =>
      call('getAppInfo', {}).then(
        (r) => JSON.parse(r.body) as { models: { name: string; source: string }[] },
      );
    expect((await info()).models.map((m) => m.name)).not.toContain('pets');

    const added = JSON.parse((await call('addModel', fields)).body) as { registered: string };
    expect(added.registered).toBe('pets');
    expect((await info()).models.find((m) => m.name === 'pets')?.source).toBe('user');

    const second = await start();
    try {
      const c = await login(second);
      const listed = JSON.parse((await call('getAppInfo', {}, second, c)).body) as {
        models: { name: string; source: string }[];
      };
      expect(listed.models.find((m) => m.name === 'pets')).toMatchObject({ source: 'user' });
    } finally {
      await second.close();
    }

    expect((await call('removeModel', { name: 'ssd-mobilenetv1-face' })).status).toBe(404);
    expect(JSON.parse((await call('removeModel', { name: 'pets' })).body)).toEqual({
      removed: 'pets',
    });
    expect((await info()).models.map((m) => m.name)).not.toContain('pets');
  });

  it('answers a file that is not a model with a clear 400', async () => {
    const junk = path.join(root, 'models', 'junk.onnx');
    await writeFile(junk, 'not a model');
    const res = await call('inspectModel', { file: junk });
    expect(res.status).toBe(400);
    expect(res.body).toMatch(/not an ONNX model/);
    expect((await call('chooseModelFile', {})).status).toBe(400);
  });
});
