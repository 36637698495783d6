import { iou } from './boxes';

export interface LabelledBox {
  box: readonly number[];
  score: number;
  label: string;
}

/**
 * Matches a framework's reference detections one to one against ours: same label, IoU ≥ 0.99
 * (boxes clipped to nothing — zero area on an image edge — match by corners within 0.05 px)
 * and |Δscore| ≤ 1e-3. Returns the reference detections nothing matched and our detections at
 * or above `extraFrom` that matched nothing.
 */
export function unmatchedAgainst(
  expected: readonly LabelledBox[],
  ours: readonly LabelledBox[],
  extraFrom: number,
): { missing: string[]; extra: string[] } {
  const left = [...ours];
  const missing: string[] = [];
  for (const want of expected) {
    const i = left.findIndex(
      (d) =>
        d.label === want.label &&
        Math.abs(d.score - want.score) <= 1e-3 &&
        sameBox(d.box, want.box),
    );
    if (i < 0) missing.push(describe(want));
    else left.splice(i, 1);
  }
  return { missing, extra: left.filter((d) => d.score >= extraFrom).map(describe) };
}

function sameBox(a: readonly number[], b: readonly number[]): boolean {
  if (iou(a, b) >= 0.99) return true;
  const degenerate = (x: readonly number[]): boolean => x[2]! <= x[0]! || x[3]! <= x[1]!;
  return degenerate(a) && degenerate(b) && a.every((v, k) => Math.abs(v - b[k]!) <= 0.05);
}

function describe(d: LabelledBox): string {
  return `${d.label} ${d.score.toFixed(4)} at ${d.box.map((v) => v.toFixed(1)).join(',')}`;
}
