import { spawnSync } from 'node:child_process';
import { chmod, chown, cp, mkdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runShotbox } from '../../helpers/cli';
import { demoPhotos, generatedDir } from '../../helpers/paths';

// A project file this user cannot write (chmod 444), and a writable one in a folder this user
// cannot write (chmod 555: SQLite cannot create the -wal/-shm files beside it). Root ignores
// both modes, so as root the commands run as the unprivileged user `nobody` instead.

const work = path.join(generatedDir, 'read-only-project');
const NOBODY = { uid: 65534, gid: 65534 };

/** Whom to run as so that file modes apply; a reason to skip when that is impossible. */
function modesApply(): { user?: { uid: number; gid: number } } | { skip: string } {
  if (process.getuid?.() !== 0) return {};
  const probe = spawnSync(process.execPath, ['-e', ''], NOBODY);
  return probe.status === 0
    ? { user: NOBODY }
    : { skip: 'running as root, and cannot switch to uid 65534 to make file modes apply' };
}

const as = modesApply();
const user = 'user' in as ? as.user : undefined;

describe.skipIf('skip' in as)(
  `a project this user may only read${'skip' in as ? ` — skipped: ${as.skip}` : ''}`,
  () => {
    const env = { HOME: os.tmpdir() };
    const dir = path.join(work, 'projects');
    const file = path.join(dir, 'p.shotbox');

    beforeAll(async () => {
      await rm(work, { recursive: true, force: true });
      await mkdir(path.join(work, 'photos'), { recursive: true });
      for (const p of demoPhotos.slice(0, 3))
        await cp(p, path.join(work, 'photos', path.basename(p)));
      const r = await runShotbox(['import', path.join(work, 'photos'), '--project', file]);
      expect(r.code, r.stderr).toBe(0);
      if (user) {
        for (const p of [dir, file]) await chown(p, user.uid, user.gid);
        await chmod(work, 0o777); // the export below writes here
      }
    });

    it('a read-only file: a writing command names the file and says what to do; reading works', async () => {
      await chmod(file, 0o444);
      try {
        const before = await readFile(file);
        const split = await runShotbox(['split', '--project', file], { env, user });
        expect(split.code).toBe(1);
        expect(split.stderr).toContain(
          `shotbox: project ${file} cannot be written: the file, or the folder ${dir}`,
        );
        expect(split.stderr).not.toMatch(/attempt to write a readonly database/);
        expect((await readFile(file)).equals(before)).toBe(true);
        const stats = await runShotbox(['stats', '--project', file], { env, user });
        expect(stats.code, stats.stderr).toBe(0);
      } finally {
        await chmod(file, 0o644);
      }
    }, 60_000);

    it('a read-only folder: stats, export and jobs read the project; a writing command says why it cannot', async () => {
      for (const f of [`${file}-wal`, `${file}-shm`]) await rm(f, { force: true });
      await chmod(dir, 0o555);
      try {
        const stats = await runShotbox(['stats', '--project', file], { env, user });
        expect(stats.code, stats.stderr).toBe(0);
        expect(stats.stdout).toMatch(/unreviewed\s+3/);
        const out = path.join(work, 'labels.json');
        const exported = await runShotbox(
          ['export', '--project', file, '--format', 'coco', '--out', out, '--include-unreviewed'],
          { env, user },
        );
        expect(exported.code, exported.stderr).toBe(0);
        const coco = JSON.parse(await readFile(out, 'utf8')) as { images: unknown[] };
        expect(coco.images).toHaveLength(3);
        const jobs = await runShotbox(['jobs', '--project', file], { env, user });
        expect(jobs.code, jobs.stderr).toBe(0);
        expect(jobs.stdout).toMatch(/import\s+done/);

        const split = await runShotbox(['split', '--project', file], { env, user });
        expect(split.code).toBe(1);
        expect(split.stderr).toContain(`shotbox: project ${file} cannot be written`);
      } finally {
        await chmod(dir, 0o755);
      }
    }, 60_000);
  },
);
