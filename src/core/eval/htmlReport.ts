/**
 * A self-contained HTML evaluation report: summary tables, per-class AP, the error breakdown and
 * per-class precision–recall curves as inline SVG. No script, no external resource (the page
 * declares a CSP that forbids both), so it opens offline and from any mail or file share.
 */
import type { ClassResult, ErrorExample, EvaluationResult } from '../../shared/eval/evaluate';

const CHART = { width: 320, height: 240, pad: 36 };
const COLOURS = { coco50: '#1f77b4', coco75: '#ff7f0e', voc: '#2ca02c' };

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

const num = (v: number): string => (v < 0 ? '—' : v.toFixed(3));

function table(header: string[], rows: (string | number)[][]): string {
  const th = header.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const body = rows
    .map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(String(c))}</td>`).join('')}</tr>`)
    .join('\n');
  return `<table><thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

/** One polyline in chart coordinates (recall on x, precision on y, both 0..1). */
function polyline(recall: readonly number[], precision: readonly number[], colour: string): string {
  const { width, height, pad } = CHART;
  const x = (r: number): string => (pad + r * (width - 2 * pad)).toFixed(1);
  const y = (p: number): string => (height - pad - p * (height - 2 * pad)).toFixed(1);
  const points = recall.map((r, i) => `${x(r)},${y(Math.max(0, precision[i]!))}`).join(' ');
  return points
    ? `<polyline fill="none" stroke="${colour}" stroke-width="1.5" points="${points}"/>`
    : '';
}

function prChart(c: ClassResult, recallThresholds: readonly number[]): string {
  const { width, height, pad } = CHART;
  const axis =
    `<rect x="${pad}" y="${pad}" width="${width - 2 * pad}" height="${height - 2 * pad}" fill="none" stroke="#999"/>` +
    [0, 0.5, 1]
      .map((v) => {
        const gx = pad + v * (width - 2 * pad);
        const gy = height - pad - v * (height - 2 * pad);
        return (
          `<text x="${gx}" y="${height - pad + 14}" text-anchor="middle">${v}</text>` +
          `<text x="${pad - 6}" y="${gy + 4}" text-anchor="end">${v}</text>`
        );
      })
      .join('') +
    `<text x="${width / 2}" y="${height - 4}" text-anchor="middle">recall</text>` +
    `<text x="10" y="${height / 2}" transform="rotate(-90 10 ${height / 2})" text-anchor="middle">precision</text>`;
  const curves =
    c.npos > 0
      ? polyline(recallThresholds, c.cocoCurve50, COLOURS.coco50) +
        polyline(recallThresholds, c.cocoCurve75, COLOURS.coco75) +
        polyline(c.vocRecall, c.vocPrecision, COLOURS.voc)
      : `<text x="${width / 2}" y="${height / 2}" text-anchor="middle">no ground truth</text>`;
  return (
    `<figure><svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
    `viewBox="0 0 ${width} ${height}" role="img" aria-label="precision-recall curve of ${escapeHtml(c.name)}">` +
    `${axis}${curves}</svg><figcaption>${escapeHtml(c.name)}: COCO AP ${num(c.cocoAP)}, ` +
    `VOC AP ${num(c.apAll)}</figcaption></figure>`
  );
}

const KIND_NAMES: Record<ErrorExample['kind'], string> = {
  duplicate: 'duplicate',
  wrongClass: 'wrong class',
  localisation: 'localisation',
  background: 'background',
  missed: 'missed',
};

function exampleTable(examples: readonly ErrorExample[], detections: boolean): string {
  if (examples.length === 0) return '<p>None.</p>';
  const box = (b: readonly number[]): string => b.map((v) => Math.round(v)).join(', ');
  return detections
    ? table(
        ['image', 'class', 'score', 'kind', 'IoU', 'box [x, y, w, h]'],
        examples.map((e) => [
          e.image,
          e.className,
          num(e.score ?? 0),
          KIND_NAMES[e.kind],
          num(e.iou ?? 0),
          box(e.bbox),
        ]),
      )
    : table(
        ['image', 'class', 'box [x, y, w, h]'],
        examples.map((e) => [e.image, e.className, box(e.bbox)]),
      );
}

export function renderEvalReport(result: EvaluationResult, about: { title: string }): string {
  const c = result.coco;
  const e = result.errors.counts;
  const perClassErrors = result.classes.flatMap((k) => {
    const n = result.errors.perCategory.get(k.categoryId);
    return n
      ? [
          [
            k.name,
            n.correct,
            n.localisation,
            n.duplicate,
            n.wrongClass,
            n.background,
            n.ignored,
            n.missed,
          ],
        ]
      : [];
  });
  const legend = Object.entries({
    'COCO IoU .50 (interpolated)': COLOURS.coco50,
    'COCO IoU .75 (interpolated)': COLOURS.coco75,
    'VOC IoU .50 (raw)': COLOURS.voc,
  })
    .map(([label, colour]) => `<span class="key" style="border-color:${colour}">${label}</span>`)
    .join(' ');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Shotbox evaluation</title>
<style>
body{font:14px system-ui,sans-serif;margin:24px;color:#222}
table{border-collapse:collapse;margin:8px 0 20px}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}
td:first-child,th:first-child{text-align:left}figure{display:inline-block;margin:8px}
svg text{font-size:11px;fill:#444}.key{border-left:14px solid;padding-left:6px;margin-right:12px}
</style></head><body>
<h1>Shotbox evaluation</h1>
<p>${escapeHtml(about.title)}<br>${result.images} images, ${result.groundTruth} ground-truth boxes, ${result.detections} detections.</p>
<h2>COCO (pycocotools)</h2>
${table(
  ['metric', 'value'],
  [
    ['AP @[.50:.95]', num(c.AP)],
    ['AP @.50', num(c.AP50)],
    ['AP @.75', num(c.AP75)],
    ['AP small', num(c.APs)],
    ['AP medium', num(c.APm)],
    ['AP large', num(c.APl)],
    ['AR 1', num(c.AR1)],
    ['AR 10', num(c.AR10)],
    ['AR 100', num(c.AR100)],
    ['AR small', num(c.ARs)],
    ['AR medium', num(c.ARm)],
    ['AR large', num(c.ARl)],
  ],
)}
<h2>Pascal VOC @.50</h2>
${table(
  ['metric', 'value'],
  [
    ['mAP 2007 (11-point)', num(result.voc.mAP11)],
    ['mAP 2010+ (all points)', num(result.voc.mAPAll)],
  ],
)}
<h2>Per class</h2>
${table(
  ['class', 'COCO AP', 'VOC07 AP', 'VOC AP', 'ground truth', 'detections'],
  result.classes.map((k) => [k.name, num(k.cocoAP), num(k.ap11), num(k.apAll), k.npos, k.ndet]),
)}
<h2>Errors</h2>
<p>Each detection in score order: correct (IoU ≥ .5, first on its box), localisation (same class, .1 ≤ IoU &lt; .5), duplicate (box already found), wrong class (IoU ≥ .5 with another class), background (no such overlap); missed: boxes no detection found.</p>
${table(
  [
    'class',
    'correct',
    'localisation',
    'duplicate',
    'wrong class',
    'background',
    'on crowd/difficult',
    'missed',
  ],
  [
    ...perClassErrors,
    [
      'all',
      e.correct,
      e.localisation,
      e.duplicate,
      e.wrongClass,
      e.background,
      e.ignored,
      e.missed,
    ],
  ],
)}
<h2>Highest-scoring false positives</h2>
${exampleTable(result.falsePositives, true)}
<h2>Missed boxes</h2>
${exampleTable(result.misses, false)}
<h2>Precision–recall curves</h2>
<p>${legend}</p>
${result.classes.map((k) => prChart(k, result.recallThresholds)).join('\n')}
</body></html>
`;
}
