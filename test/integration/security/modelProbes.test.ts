import { execFileSync } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listModels, resolveModel } from '../../../src/core/models/registry';
import { generatedDir, repoRoot } from '../../helpers/paths';
import { startProjectServer, type ProjectServer } from '../../helpers/projectServer';

// Issue 8.1: the API's `model` field names a registered model, never a file. A page that probes
// paths learns nothing: every probe gets the same 400 at once and the server keeps answering.
describe('model field probes', () => {
  const work = path.join(generatedDir, 'model-probes');
  let s: ProjectServer;
  const fifo = path.join(work, 'models', 'pipe.json');
  const secret = path.join(work, 'secret.json');

  beforeAll(async () => {
    s = await startProjectServer(work);
    await mkdir(path.join(work, 'models'), { recursive: true });
    await writeFile(secret, 'TOP-SECRET-CONTENT {"name": "x"}');
    execFileSync('mkfifo', [fifo]);
  });
  afterAll(async () => {
    await s.close();
    await rm(work, { recursive: true, force: true });
  });

  const probes = [
    '../../../../etc/shadow',
    '/etc/passwd',
    '/proc/self/environ',
    '/dev/zero',
    fifo,
    secret,
    path.join(work, 'missing.json'),
    path.join(repoRoot, 'resources/models/ssd-mobilenetv1-face.json'),
    'ssd-mobilenetv1-face/../../etc/passwd',
    '..\\..\\windows\\win.ini',
    '.hidden',
  ];

  it('refuses every path with the same 400, quoting nothing, and keeps answering', async () => {
    const imageId = s.project.images.all()[0]!.id;
    const bodies = new Set<string>();
    for (const model of probes) {
      for (const method of ['detectImage', 'detectImages'] as const) {
        const request =
          method === 'detectImage' ? { imageId, model } : { imageIds: [imageId], model };
        // A hang (FIFO) or an unbounded read (/dev/zero) fails here through the timeout.
        const res = await s.call(method, request);
        expect(res.status, model).toBe(400);
        expect(res.body).not.toMatch(/TOP-SECRET|root:|PATH=/);
        expect(res.body).not.toContain(String.fromCharCode(0));
        expect(res.body).not.toContain(model);
        bodies.add(res.body.replace(method, 'M'));
      }
    }
    // Present, missing and special files answer alike: nothing to tell them apart.
    expect(bodies.size).toBe(1);
    expect([...bodies][0]).toMatch(/registered model/);
    expect((await s.call('getAppInfo', {})).status).toBe(200);
  });

  it('refuses a name that is not registered without repeating it', async () => {
    const imageId = s.project.images.all()[0]!.id;
    const res = await s.call('detectImage', { imageId, model: 'no-such-model' });
    // A well-formed name that is not registered: not-found (paths never get this far).
    expect(res.status).toBe(404);
    expect(res.body).toMatch(/unknown model \(registered: ssd-mobilenetv1-face/);
    expect(res.body).not.toContain('no-such-model');
  });

  it('reads manifests only as small regular files (CLI paths too), quoting no contents', () => {
    expect(() => resolveModel('/dev/zero')).toThrow(/not a regular file/);
    expect(() => resolveModel(fifo)).toThrow(/not a regular file/);
    let message = '';
    try {
      resolveModel(secret);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/not valid JSON/);
    expect(message).not.toContain('TOP-SECRET');
    // A FIFO among the manifests is reported, and listing does not hang.
    const { models, errors } = listModels(path.join(work, 'models'));
    expect(models).toEqual([]);
    expect(errors.join('\n')).toMatch(/pipe\.json is not a regular file/);
  });
});
