import { describe, expect, it } from 'vitest';
import { trainValSplit } from '../../../src/core/training/trainValSplit';
import { suggestTrainedName } from '../../../src/core/training/trainingBackend';
import type { SettledImage } from '../../../src/core/project/settledLabels';
import type { Split } from '../../../src/shared/project/splits';

function settled(id: number): SettledImage {
  return {
    image: {
      id,
      path: `img-${id}.jpg`,
      sha256: `h${id}`,
      bytes: 1,
      width: 10,
      height: 10,
      format: 'jpeg',
      status: 'reviewed',
      addedAt: '',
      split: null,
    },
    boxes: [{ classId: 1, x1: 1, y1: 1, x2: 5, y2: 5 }],
  };
}

describe('training reads the stored splits', () => {
  it('train trains, val validates, test is never seen; images without a split fall back to the seeded hash', () => {
    const images = [1, 2, 3, 4, 5, 6, 7, 8].map(settled);
    const splits = new Map<number, Split | null>([
      [1, 'train'],
      [2, 'train'],
      [3, 'val'],
      [4, 'test'],
      [5, 'test'],
      [6, 'train'],
      [7, null],
      [8, null],
    ]);
    const r = trainValSplit(images, { valFraction: 0.5, seed: 1, splits });
    const ids = (xs: SettledImage[]): number[] => xs.map((s) => s.image.id).sort();
    expect(ids(r.train).filter((i) => i <= 6)).toEqual([1, 2, 6]);
    expect(ids(r.val).filter((i) => i <= 6)).toEqual([3]);
    expect([...ids(r.train), ...ids(r.val)]).not.toContain(4);
    expect([...ids(r.train), ...ids(r.val)]).not.toContain(5);
    // The fallback is deterministic: the same call gives the same sides.
    const again = trainValSplit(images, { valFraction: 0.5, seed: 1, splits });
    expect(ids(again.train)).toEqual(ids(r.train));
    expect(ids(r.train).length + ids(r.val).length).toBe(6);
  });

  it('an empty val split borrows one training image', () => {
    const images = [1, 2, 3].map(settled);
    const splits = new Map<number, Split | null>([
      [1, 'train'],
      [2, 'train'],
      [3, 'train'],
    ]);
    const r = trainValSplit(images, { valFraction: 0.2, seed: 1, splits });
    expect(r.train.length).toBe(2);
    expect(r.val.length).toBe(1);
  });
});

describe('the default name of a trained model', () => {
  it('is <project>-<base>-<n> with the first free n, in model-name characters', () => {
    expect(suggestTrainedName('My Raccoons', 'ssd-mobilenetv1-face', new Set())).toBe(
      'my-raccoons-ssd-mobilenetv1-face-1',
    );
    expect(suggestTrainedName('p', 'base', new Set(['p-base-1', 'p-base-2']))).toBe('p-base-3');
    expect(suggestTrainedName('..', 'x', new Set())).toBe('project-x-1');
  });
});
