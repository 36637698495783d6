import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runShotbox } from '../../helpers/cli';

interface PriorsJson {
  total: number;
  layers: { name: string; count: number; boxesPerCell: number }[];
}

describe('shotbox priors', () => {
  it('SSD300: layer counts 5776, 2166, 600, 150, 36, 4; total 8732', async () => {
    const run = await runShotbox(['priors', '--preset', 'ssd300', '--json']);
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout) as PriorsJson;
    expect(out.layers.map((l) => l.count)).toEqual([5776, 2166, 600, 150, 36, 4]);
    expect(out.total).toBe(8732);
  });

  it('SSD512: total 24564', async () => {
    const run = await runShotbox(['priors', '--preset', 'ssd512', '--json']);
    expect((JSON.parse(run.stdout) as PriorsJson).total).toBe(24564);
  });

  it("the embedded model's priors: 5118 (3 per cell on the 32×32 map, 6 elsewhere)", async () => {
    const run = await runShotbox(['priors', '--model', 'ssd-mobilenetv1-face', '--json']);
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout) as PriorsJson;
    expect(out.total).toBe(5118);
    expect(out.layers.map((l) => l.boxesPerCell)).toEqual([3, 6, 6, 6, 6, 6]);
  });

  it('--out writes every default box as [cx,cy,w,h] in order; the table shows the total', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'shotbox-priors-'));
    const file = path.join(dir, 'priors.json');
    const run = await runShotbox(['priors', '--preset', 'ssd300', '--out', file]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/conv4_3\s+38×38/);
    expect(run.stdout).toMatch(/total 8732 default boxes/);
    const boxes = JSON.parse(await readFile(file, 'utf8')) as number[][];
    expect(boxes).toHaveLength(8732);
    // First box of conv4_3: centre of cell (0,0) at 4/300, side 30/300.
    expect(boxes[0]![0]).toBeCloseTo(4 / 300, 6);
    expect(boxes[0]![2]).toBeCloseTo(0.1, 6);
  });

  it('rejects an unknown preset and a broken config with a clear message (exit 2)', async () => {
    const bad = await runShotbox(['priors', '--preset', 'ssd999']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown preset 'ssd999'.*ssd300/);
    const dir = await mkdtemp(path.join(tmpdir(), 'shotbox-priors-'));
    const cfg = path.join(dir, 'bad.json');
    await import('node:fs/promises').then((fs) =>
      fs.writeFile(cfg, '{"image":{"width":300},"layers":[]}'),
    );
    const broken = await runShotbox(['priors', '--config', cfg]);
    expect(broken.code).not.toBe(0);
    expect(broken.stderr).toMatch(/image|layers/);
  });
});
