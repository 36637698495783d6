import { describe, expect, it } from 'vitest';
import { iouMatrix, nms, selectDetections } from '../../../src/shared/ssd';

const f = (...v: number[]): Float32Array => new Float32Array(v);

// A and B overlap with IoU 0.225/0.275 ≈ 0.82; C is disjoint from both.
const A = [0, 0, 0.5, 0.5];
const B = [0.05, 0, 0.55, 0.5];
const C = [0.6, 0.6, 0.9, 0.9];
// D inside A with IoU exactly 0.125/0.25 = 0.5.
const D = [0, 0, 0.5, 0.25];

/** n disjoint 0.05-wide boxes on a 0.1 grid, ten per row. */
function disjointBoxes(n: number): Float32Array {
  const b = new Float32Array(4 * n);
  for (let i = 0; i < n; i++) {
    const x = (i % 10) * 0.1;
    const y = Math.floor(i / 10) * 0.1;
    b.set([x, y, x + 0.05, y + 0.05], 4 * i);
  }
  return b;
}

describe('nms', () => {
  it('keeps the higher-scoring of two overlapping boxes', () => {
    expect(Array.from(nms(f(...A, ...B, ...C), f(0.9, 0.8, 0.7), 0.45))).toEqual([0, 2]);
    expect(Array.from(nms(f(...A, ...B, ...C), f(0.8, 0.9, 0.95), 0.45))).toEqual([2, 1]);
  });

  it('suppresses only when IoU > threshold: exactly at it is kept', () => {
    expect(Array.from(nms(f(...A, ...D), f(0.9, 0.8), 0.5))).toEqual([0, 1]);
    expect(Array.from(nms(f(...A, ...D), f(0.9, 0.8), 0.4999))).toEqual([0]);
  });

  it('breaks score ties by lower index and considers only the given candidates', () => {
    expect(Array.from(nms(f(...B, ...A), f(0.5, 0.5), 0.45))).toEqual([0]);
    expect(
      Array.from(nms(f(...A, ...B, ...C), f(0.9, 0.8, 0.7), 0.45, new Int32Array([1, 2]))),
    ).toEqual([1, 2]);
    expect(() => nms(f(...A), f(0.9), 0.45, new Int32Array([3]))).toThrow(
      /candidate 0 is box index 3/,
    );
    expect(() => nms(f(...A), f(0.9, 0.1), 0.45)).toThrow(/2 scores for 1 boxes/);
  });

  it('ranks NaN scores last and honours maxKept', () => {
    expect(Array.from(nms(f(...C, ...A), f(NaN, 0.1), 0.45))).toEqual([1, 0]);
    expect(
      Array.from(nms(disjointBoxes(5), f(0.1, 0.5, 0.3, 0.4, 0.2), 0.45, undefined, 2)),
    ).toEqual([1, 3]);
  });
});

describe('selectDetections', () => {
  it('keeps overlapping boxes of different classes per class, one in class-agnostic mode', () => {
    // Columns: background, cat, dog. Prior 0 says cat, prior 1 says dog.
    const input = { boxes: f(...A, ...B), scores: f(0.1, 0.9, 0.0, 0.1, 0.0, 0.8), numClasses: 3 };
    const d = selectDetections(input);
    expect(d.count).toBe(2);
    expect(Array.from(d.classes)).toEqual([1, 2]);
    expect(Array.from(d.priors)).toEqual([0, 1]);
    expect(Array.from(d.scores)).toEqual([f(0.9)[0], f(0.8)[0]]);
    expect(Array.from(d.boxes)).toEqual(Array.from(f(...A, ...B)));

    const ag = selectDetections({ ...input, classAgnostic: true });
    expect(ag.count).toBe(1);
    expect(Array.from(ag.classes)).toEqual([1]);
    expect(Array.from(ag.priors)).toEqual([0]);
  });

  it('suppresses the lower of two overlapping boxes of the same class', () => {
    const d = selectDetections({
      boxes: f(...A, ...B, ...C),
      scores: f(0.2, 0.7, 0.1, 0.8, 0.3, 0.6),
      numClasses: 2,
    });
    expect(Array.from(d.priors)).toEqual([1, 2]);
    expect(Array.from(d.classes)).toEqual([1, 1]);
  });

  it('needs a score strictly above scoreThreshold and skips the background column', () => {
    const d = selectDetections({
      boxes: f(...A, ...C),
      scores: f(0.99, 0.25, 0.5, 0.5),
      numClasses: 2,
      scoreThreshold: 0.25,
    });
    expect(Array.from(d.priors)).toEqual([1]);
    expect(Array.from(d.classes)).toEqual([1]);
    const withBg = selectDetections({
      boxes: f(...A, ...C),
      scores: f(0.99, 0.25, 0.5, 0.5),
      numClasses: 2,
      scoreThreshold: 0.25,
      backgroundIndex: null,
    });
    expect(Array.from(withBg.classes)).toEqual([0, 0, 1]);
    expect(Array.from(withBg.priors)).toEqual([0, 1, 1]);
  });

  it('restricts to the given classes', () => {
    const d = selectDetections({
      boxes: f(...A, ...C),
      scores: f(0, 0.9, 0.8, 0, 0.7, 0.6),
      numClasses: 3,
      classes: [2],
    });
    expect(Array.from(d.classes)).toEqual([2, 2]);
    expect(Array.from(d.priors)).toEqual([0, 1]);
  });

  it('keeps topK overall, sorted by descending score', () => {
    const n = 20;
    const scores = new Float32Array(2 * n);
    for (let i = 0; i < n; i++) scores[2 * i + 1] = 0.02 + ((i * 7) % n) / n; // distinct
    const d = selectDetections({ boxes: disjointBoxes(n), scores, numClasses: 2, topK: 3 });
    expect(d.count).toBe(3);
    const want = Array.from({ length: n }, (_, i) => i).sort(
      (a, b) => scores[2 * b + 1]! - scores[2 * a + 1]!,
    );
    expect(Array.from(d.priors)).toEqual(want.slice(0, 3));
    expect(d.scores[0]).toBeGreaterThan(d.scores[1]!);
    expect(d.scores[1]).toBeGreaterThan(d.scores[2]!);
  });

  it('sends at most perClassCandidates per class to NMS', () => {
    const n = 10;
    const scores = new Float32Array(3 * n);
    for (let i = 0; i < n; i++) scores.set([0, 0.9 - i * 0.01, 0.5 - i * 0.01], 3 * i);
    const d = selectDetections({
      boxes: disjointBoxes(n),
      scores,
      numClasses: 3,
      perClassCandidates: 2,
    });
    expect(d.count).toBe(4);
    expect(Array.from(d.priors)).toEqual([0, 1, 0, 1]);
    expect(Array.from(d.classes)).toEqual([1, 1, 2, 2]);
    const ag = selectDetections({
      boxes: disjointBoxes(n),
      scores,
      numClasses: 3,
      perClassCandidates: 2,
      classAgnostic: true,
    });
    expect(ag.count).toBe(2);
  });

  it('rejects mismatched shapes and bad columns', () => {
    expect(() => selectDetections({ boxes: f(...A), scores: f(0.1, 0.2), numClasses: 3 })).toThrow(
      /expected 1 boxes × 3 classes/,
    );
    expect(() =>
      selectDetections({ boxes: f(...A), scores: f(0.1, 0.2), numClasses: 2, classes: [2] }),
    ).toThrow(/classes\[0\] = 2/);
    expect(() =>
      selectDetections({ boxes: f(...A), scores: f(0.1, 0.2), numClasses: 2, topK: -1 }),
    ).toThrow(/topK/);
  });

  it('handles 24564 priors × 21 classes in a few milliseconds', () => {
    const n = 24564;
    const c = 21;
    let seed = 3;
    const rand = (): number => (seed = (seed * 16807) % 2147483647) / 2147483647;
    const boxes = new Float32Array(4 * n);
    for (let i = 0; i < n; i++) {
      const x = rand() * 0.9;
      const y = rand() * 0.9;
      boxes.set([x, y, x + 0.01 + rand() * 0.1, y + 0.01 + rand() * 0.1], 4 * i);
    }
    // Trained-model-like: background dominant, a few confident priors.
    const scores = new Float32Array(n * c);
    for (let i = 0; i < n; i++) {
      let rest = 1;
      for (let k = 1; k < c; k++) {
        const s = rand() < 0.02 ? rand() * 0.5 : rand() * 0.012;
        scores[i * c + k] = s;
        rest -= s;
      }
      scores[i * c] = Math.max(0, rest);
    }
    selectDetections({ boxes, scores, numClasses: c }); // warm-up
    const t0 = performance.now();
    const d = selectDetections({ boxes, scores, numClasses: c });
    const ms = performance.now() - t0;
    expect(d.count).toBe(200);
    for (let r = 1; r < d.count; r++) expect(d.scores[r]).toBeLessThanOrEqual(d.scores[r - 1]!);
    expect(ms).toBeLessThan(250); // a few ms locally; loose for slow CI machines
  });
});

describe('against a straightforward reference', () => {
  let seed = 5;
  const rand = (): number => (seed = (seed * 16807) % 2147483647) / 2147483647;

  function randomBoxes(n: number): Float32Array {
    const b = new Float32Array(4 * n);
    for (let i = 0; i < n; i++) {
      const x = rand() * 0.8;
      const y = rand() * 0.8;
      b.set([x, y, x + 0.02 + rand() * 0.2, y + 0.02 + rand() * 0.2], 4 * i);
    }
    return b;
  }

  /** Textbook greedy NMS on a full IoU matrix. */
  function referenceNms(
    boxes: Float32Array,
    scores: number[],
    ids: number[],
    thr: number,
  ): number[] {
    const iou = iouMatrix(boxes, boxes);
    const n = boxes.length / 4;
    const order = [...ids].sort((a, b) => scores[b]! - scores[a]! || a - b);
    const kept: number[] = [];
    for (const i of order) if (kept.every((k) => iou[k * n + i]! <= thr)) kept.push(i);
    return kept;
  }

  it('nms agrees on random overlapping boxes', () => {
    for (let trial = 0; trial < 20; trial++) {
      const n = 300;
      const boxes = randomBoxes(n);
      // Quantised scores make ties common.
      const scores = Float32Array.from({ length: n }, () => Math.round(rand() * 50) / 50);
      const all = Array.from({ length: n }, (_, i) => i);
      const thr = 0.3 + rand() * 0.4;
      expect(Array.from(nms(boxes, scores, thr))).toEqual(
        referenceNms(boxes, Array.from(scores), all, thr),
      );
    }
  });

  it('selectDetections agrees per class and class-agnostic', () => {
    const n = 500;
    const c = 4;
    const boxes = randomBoxes(n);
    const scores = Float32Array.from({ length: n * c }, () => rand() * 0.3);
    const s = Array.from(scores);
    const opts = { scoreThreshold: 0.1, iouThreshold: 0.4, perClassCandidates: 60, topK: 50 };

    const want: Array<{ p: number; k: number; v: number }> = [];
    for (let k = 1; k < c; k++) {
      const col = Array.from({ length: n }, (_, i) => s[i * c + k]!);
      const cands = Array.from({ length: n }, (_, i) => i)
        .filter((i) => col[i]! > opts.scoreThreshold)
        .sort((a, b) => col[b]! - col[a]! || a - b)
        .slice(0, opts.perClassCandidates);
      for (const p of referenceNms(boxes, col, cands, opts.iouThreshold)) {
        want.push({ p, k, v: col[p]! });
      }
    }
    want.sort((a, b) => b.v - a.v || a.p - b.p || a.k - b.k);
    const d = selectDetections({ boxes, scores, numClasses: c, ...opts });
    expect(Array.from(d.priors)).toEqual(want.slice(0, 50).map((w) => w.p));
    expect(Array.from(d.classes)).toEqual(want.slice(0, 50).map((w) => w.k));

    const bestK = Array.from({ length: n }, (_, i) => {
      let bk = 1;
      for (let k = 2; k < c; k++) if (s[i * c + k]! > s[i * c + bk]!) bk = k;
      return bk;
    });
    const best = bestK.map((k, i) => s[i * c + k]!);
    const agCands = Array.from({ length: n }, (_, i) => i)
      .filter((i) => best[i]! > opts.scoreThreshold)
      .sort((a, b) => best[b]! - best[a]! || a - b)
      .slice(0, opts.perClassCandidates);
    const agWant = referenceNms(boxes, best, agCands, opts.iouThreshold).slice(0, 50);
    const ag = selectDetections({ boxes, scores, numClasses: c, ...opts, classAgnostic: true });
    expect(Array.from(ag.priors)).toEqual(agWant);
    expect(Array.from(ag.classes)).toEqual(agWant.map((p) => bestK[p]));
  });

  it('class-agnostic mode skips a NaN score when picking the best class', () => {
    const d = selectDetections({
      boxes: f(...A),
      scores: f(0, NaN, 0.3, 0.6),
      numClasses: 4,
      classAgnostic: true,
    });
    expect(Array.from(d.classes)).toEqual([3]);
    expect(d.scores[0]).toBeCloseTo(0.6, 6);
  });
});
