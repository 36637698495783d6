import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, openSync, readFileSync, statSync, writeSync, closeSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProjectDb } from '../../../src/core/db/projectDb';
import { runShotbox } from '../../helpers/cli';
import { generatedDir } from '../../helpers/paths';
import { serveOpenProject, startProjectServer } from '../../helpers/projectServer';

const BOXES = 4000;
const sha = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

/** Overwrites pages in the middle of the file with noise, as a bad disk sector would. */
function damageMiddlePages(file: string): void {
  const size = statSync(file).size;
  const page = 4096;
  const pages = Math.floor(size / page);
  const fd = openSync(file, 'r+');
  for (let p = Math.floor(pages * 0.4); p < Math.floor(pages * 0.5); p++)
    writeSync(fd, randomBytes(page), 0, page, p * page);
  closeSync(fd);
}

// Issue 8.4: a damaged project is found on open, never written into, named in every message
// with what to do; `shotbox recover` copies what can be read; read-only commands never write.
describe('damaged and empty project files', () => {
  const work = path.join(generatedDir, 'damaged-project');
  const good = path.join(work, 'p.shotbox');
  const damaged = path.join(work, 'damaged.shotbox');
  const imageDir = path.join(work, 'images');

  beforeAll(async () => {
    const s = await startProjectServer(work);
    const p = s.project;
    const classId = p.transaction(() => p.classes.ensure('face'));
    const imageId = p.images.all()[0]!.id;
    p.transaction(() => {
      for (let i = 0; i < BOXES; i++)
        p.annotations.insert({
          imageId,
          classId,
          x1: i % 100,
          y1: 1,
          x2: (i % 100) + 10,
          y2: 20,
          origin: 'manual',
          review: 'accepted',
        });
    });
    await s.close(); // checkpoints the WAL into the file
    copyFileSync(good, damaged);
    damageMiddlePages(damaged);
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('refuses to write into a damaged file, naming it and saying what to do', async () => {
    const before = sha(damaged);
    expect(() => ProjectDb.open(damaged)).toThrow(/damaged\.shotbox is damaged .*shotbox recover/s);
    const run = await runShotbox(['import', imageDir, '--project', damaged]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain(damaged);
    expect(run.stderr).toMatch(/shotbox recover/);
    // A read-only command reads what it can, says the file is damaged, and writes nothing.
    const stats = await runShotbox(['stats', '--project', damaged]);
    expect(stats.stderr).toMatch(/warning: .*damaged\.shotbox is damaged/);
    expect(sha(damaged)).toBe(before);
  });

  it('serves a damaged file read-only: the UI is told why, edits are refused by name', async () => {
    const before = sha(damaged);
    const project = ProjectDb.open(damaged, { onDamage: 'read-only' });
    expect(project.writable).toBe(false);
    const s = await serveOpenProject(project, path.join(work, 'renderer'));
    try {
      const info = JSON.parse((await s.call('getProject', {})).body) as { readOnlyReason?: string };
      expect(info.readOnlyReason).toContain(damaged);
      expect(info.readOnlyReason).toMatch(/shotbox recover/);
      const res = await s.call('createClass', { name: 'forbidden' });
      expect(res.status).toBe(409);
      const { error } = JSON.parse(res.body) as { error: { code: string; message: string } };
      expect(error.code).toBe('read-only');
      expect(error.message).toContain(damaged);
    } finally {
      await s.close();
    }
    expect(sha(damaged)).toBe(before);
  });

  it('recovers what can be read into a new, sound project', async () => {
    const out = path.join(work, 'recovered.shotbox');
    const run = await runShotbox(['recover', damaged, out]);
    expect([0, 3], run.stderr).toContain(run.code);
    expect(run.stderr).toMatch(/recover: annotations: \d+ rows/);
    const p = ProjectDb.open(out);
    try {
      expect(p.integrityCheck()).toBe('ok');
      expect(p.foreignKeyViolations()).toBe(0);
      const boxes = p.stats().annotations;
      // A tenth of the pages is noise: one bad page costs the rows on it, not the rest.
      expect(boxes).toBeGreaterThan(BOXES / 2);
      expect(boxes).toBeLessThanOrEqual(BOXES);
      expect(p.images.count()).toBeGreaterThan(0);
    } finally {
      p.close();
    }
    // The good file recovers whole.
    const whole = path.join(work, 'whole.shotbox');
    expect((await runShotbox(['recover', good, whole])).code).toBe(0);
    const w = ProjectDb.open(whole);
    expect(w.stats().annotations).toBe(BOXES);
    w.close();
  });

  it('never writes into a file a read-only command opened (stats on a 0-byte file)', async () => {
    const empty = path.join(work, 'empty.shotbox');
    await writeFile(empty, '');
    const run = await runShotbox(['stats', '--project', empty]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(empty);
    expect(run.stderr).toMatch(/empty: not a Shotbox project/);
    expect(statSync(empty).size).toBe(0);
    // Opening (not creating) an empty file writes nothing either.
    expect(() => ProjectDb.open(empty)).toThrow(/empty: not a Shotbox project/);
    expect(statSync(empty).size).toBe(0);
  });
});
