import { rm } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { demoProjectDir, openDemoProject } from '../../../src/core/project/demoProject';
import { generatedDir, repoRoot } from '../../helpers/paths';

// Issue 7 item 8: the demo project holds face-api's photos only and keeps its labels outside
// out/ (which every build empties).

describe('the demo project', () => {
  it("holds face-api's six photos only, and its labels survive reopening", async () => {
    const dir = path.join(generatedDir, 'demo-project');
    await rm(dir, { recursive: true, force: true });
    let project = await openDemoProject(dir);
    try {
      expect(project.images.all().map((i) => i.path)).toEqual(
        [1, 2, 3, 4, 5, 6].map((i) => `sample${i}.jpg`),
      );
      expect(project.imageRoot).toBe(path.join(dir, 'images'));
      const face = project.classes.ensure('face');
      const image = project.images.all()[0]!;
      project.history.create({
        imageId: image.id,
        classId: face,
        x1: 1,
        y1: 1,
        x2: 20,
        y2: 20,
        origin: 'manual',
        review: 'accepted',
      });
    } finally {
      project.close();
    }
    project = await openDemoProject(dir);
    try {
      expect(project.images.count()).toBe(6);
      expect(project.stats().byOrigin.manual).toBe(1);
    } finally {
      project.close();
    }
  });

  it('lives in the user data folder (or SHOTBOX_DEMO_DIR), never under out/', () => {
    const out = path.join(repoRoot, 'out');
    const defaultDir = demoProjectDir({ HOME: process.env.HOME });
    expect(path.relative(out, defaultDir).startsWith('..')).toBe(true);
    expect(demoProjectDir({ SHOTBOX_DEMO_DIR: '/tmp/x' })).toBe('/tmp/x');
  });
});
