import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatedDir } from '../../helpers/paths';
import { holdWriteLock } from '../../helpers/writeLock';
import { startProjectServer, type ProjectServer } from '../../helpers/projectServer';

// Issue 8.3: the driver is synchronous, so a write waiting on another program's lock used to
// freeze every request for the 5 s busy timeout. Now: a quick 503 naming the cause, reads go on.
describe('a project locked by another program', () => {
  const work = path.join(generatedDir, 'locked-project');
  let s: ProjectServer;
  let holder: ChildProcess | undefined;

  beforeAll(async () => {
    s = await startProjectServer(work);
  });
  afterAll(async () => {
    holder?.kill('SIGKILL');
    await s.close();
  });

  it('answers edits with a prompt 503 while reads keep going', async () => {
    const imageId = s.project.images.all()[0]!.id;
    const before = s.snapshot();
    holder = await holdWriteLock(s.projectFile);

    for (const [method, body] of [
      ['createClass', { name: 'face' }],
      ['setImageStatus', { imageId, status: 'reviewed' }],
    ] as const) {
      const started = performance.now();
      const res = await s.call(method, body);
      const ms = performance.now() - started;
      expect(res.status, method).toBe(503);
      const { error } = JSON.parse(res.body) as { error: { code: string; message: string } };
      expect(error.code, method).toBe('locked');
      expect(error.message).toMatch(
        /project .*locked-project.* is busy: another shotbox process \(or another program\) is writing to it/,
      );
      // The acceptance bound of issue 8 (the old behaviour waited 5 s per edit).
      expect(ms, method).toBeLessThan(1000);
    }
    const page = await s.call('listImages', {});
    expect(page.status).toBe(200);
    expect(JSON.parse(page.body).total).toBe(2);
    expect((await s.call('getImage', { imageId })).status).toBe(200);
    expect(s.snapshot()).toBe(before);

    holder.kill('SIGKILL');
    await new Promise((r) => holder!.once('exit', r));
    const res = await s.call('createClass', { name: 'face' });
    expect(res.status).toBe(200);
  });
});
