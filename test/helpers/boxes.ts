/** IoU of two x1,y1,x2,y2 boxes (test-side, deliberately independent of src/shared/ssd). */
export function iou(a: readonly number[], b: readonly number[]): number {
  const ix = Math.max(0, Math.min(a[2]!, b[2]!) - Math.max(a[0]!, b[0]!));
  const iy = Math.max(0, Math.min(a[3]!, b[3]!) - Math.max(a[1]!, b[1]!));
  const inter = ix * iy;
  const union = (a[2]! - a[0]!) * (a[3]! - a[1]!) + (b[2]! - b[0]!) * (b[3]! - b[1]!) - inter;
  return union > 0 ? inter / union : 0;
}

/** COCO [x,y,w,h] → [x1,y1,x2,y2]. */
export function fromCoco(b: readonly number[]): [number, number, number, number] {
  return [b[0]!, b[1]!, b[0]! + b[2]!, b[1]! + b[3]!];
}
