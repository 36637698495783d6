/**
 * Synthetic test material for the harness: large JPEGs drawn on a canvas and reproducible box
 * sets (seeded), so the harness runs with no backend and no files.
 */
import type { CanvasBox } from '../types';

/** mulberry32: a tiny seeded PRNG, so every run sees the same boxes. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A photo-sized JPEG (blob: URL) with enough structure to see zoom and pan. */
export async function generateImage(width: number, height: number, index: number): Promise<string> {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('2D canvas unavailable');
  const rand = seededRandom(1000 + index);
  const hue = (index * 67) % 360;
  const bg = ctx.createLinearGradient(0, 0, width, height);
  bg.addColorStop(0, `hsl(${hue} 35% 32%)`);
  bg.addColorStop(1, `hsl(${(hue + 60) % 360} 30% 58%)`);
  ctx.fillStyle = bg;
  ctx.fillRect(0, 0, width, height);
  for (let i = 0; i < 160; i++) {
    ctx.fillStyle = `hsla(${Math.floor(rand() * 360)} 45% ${30 + rand() * 45}% / 0.55)`;
    ctx.beginPath();
    ctx.ellipse(
      rand() * width,
      rand() * height,
      20 + rand() * width * 0.08,
      20 + rand() * height * 0.08,
      rand() * Math.PI,
      0,
      2 * Math.PI,
    );
    ctx.fill();
  }
  ctx.strokeStyle = 'rgba(255,255,255,0.18)';
  ctx.lineWidth = 2;
  for (let x = 0; x <= width; x += 100) ctx.strokeRect(x, 0, 0, height);
  for (let y = 0; y <= height; y += 100) ctx.strokeRect(0, y, width, 0);
  ctx.fillStyle = 'rgba(255,255,255,0.85)';
  ctx.font = `bold ${Math.round(height / 8)}px sans-serif`;
  ctx.fillText(`image ${index + 1}`, width * 0.05, height * 0.95);
  const blob = await new Promise<Blob | null>((resolve) =>
    canvas.toBlob(resolve, 'image/jpeg', 0.85),
  );
  if (!blob) throw new Error('JPEG encoding failed');
  return URL.createObjectURL(blob);
}

const CLASSES = [
  { label: 'face', color: '#1f77b4' },
  { label: 'person', color: '#ff7f0e' },
  { label: 'car', color: '#2ca02c' },
  { label: 'dog', color: '#d62728' },
  { label: 'cat', color: '#9467bd' },
  { label: 'bicycle', color: '#17becf' },
  { label: 'sign', color: '#e6c229' },
] as const;

/**
 * A region no generated box touches, holding the probe box (id `probeId`): tests grab it there
 * without another box stealing the click.
 */
export const PROBE_BOX = { x1: 300, y1: 300, x2: 700, y2: 600 } as const;
const CLEAR_REGION = { x1: 0, y1: 0, x2: 1000, y2: 900 } as const;

/** `count` boxes (the last is the probe), ids from `firstId`; a third are predictions. */
export function generateBoxes(
  count: number,
  width: number,
  height: number,
  seed: number,
  firstId: number,
): CanvasBox[] {
  const rand = seededRandom(seed);
  const boxes: CanvasBox[] = [];
  while (boxes.length < count - 1) {
    const w = 40 + rand() * width * 0.12;
    const h = 40 + rand() * height * 0.12;
    const x1 = Math.round(rand() * (width - w));
    const y1 = Math.round(rand() * (height - h));
    const box = { x1, y1, x2: Math.round(x1 + w), y2: Math.round(y1 + h) };
    const overlapsClear = box.x1 < CLEAR_REGION.x2 && box.y1 < CLEAR_REGION.y2;
    if (overlapsClear) continue;
    const cls = CLASSES[Math.floor(rand() * CLASSES.length)] ?? CLASSES[0];
    const prediction = rand() < 0.35;
    const rejected = prediction && rand() < 0.15;
    boxes.push({
      ...box,
      id: firstId + boxes.length,
      label: cls.label,
      color: cls.color,
      kind: prediction ? 'prediction' : 'label',
      score: prediction ? 0.3 + rand() * 0.69 : null,
      review: rejected ? 'rejected' : prediction ? 'pending' : 'accepted',
    });
  }
  if (count > 0) {
    boxes.push({
      ...PROBE_BOX,
      id: firstId + boxes.length,
      label: 'face',
      color: CLASSES[0].color,
      kind: 'label',
      score: null,
      review: 'accepted',
    });
  }
  return boxes;
}
