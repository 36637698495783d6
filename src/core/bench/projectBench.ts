import { createHash } from 'node:crypto';
import { readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import {
  IMAGE_STATUSES,
  type ImageStatus,
  type Origin,
  type ReviewState,
} from '../../shared/project/types';
import { ProjectDb } from '../db/projectDb';
import { importFolder } from '../project/importFolder';
import { explainQueryPlan, planHints, recordPreparedSql, tableScans } from './queryPlan';
import { seededRandom } from './seededRandom';
import { ensureSyntheticJpegs } from './syntheticImages';

/** The targets: 10,000 images imported in a minute, a page or an image's boxes in 20 ms. */
export const IMPORT_SECONDS_PER_10K = 60;
export const QUERY_TARGET_MS = 20;
export const BENCH_IMAGE_SIZE = { width: 640, height: 480 } as const;
const PAGE_SIZE = 100;
const CLASS_NAMES = ['person', 'car', 'bicycle', 'dog', 'traffic light'];

export interface ProjectBenchOptions {
  /** Holds the generated images (kept for the next run) and the project (recreated each run). */
  workDir: string;
  images: number;
  annotations: number;
  /** Timed calls per query, after a warm-up. */
  samples: number;
  onProgress?: (message: string) => void;
}

export interface Latency {
  median: number;
  p95: number;
  samples: number;
}

export interface QueryMeasurement {
  key: string;
  label: string;
  /** target: has a limit to meet; baseline: what the targets are read against; info: no limit. */
  role: 'target' | 'baseline' | 'info';
  latency: Latency;
  targetMs?: number;
  pass?: boolean;
  /** The baseline this query is read against, and median ÷ the baseline's median. */
  versus?: { key: string; ratio: number };
  /** Rows the query returned on average. */
  rows: number;
  /** The SQL the call prepared, and SQLite's plan for each statement. */
  statements: { sql: string; plan: string[] }[];
  /** Plan lines that read a whole table (empty when every table is reached through an index). */
  tableScans: string[];
  /** What in the plans may be slow at scale, and the usual fix. */
  hints: string[];
}

export interface ProjectBenchReport {
  workDir: string;
  projectFile: string;
  imageSize: { width: number; height: number };
  generation: {
    dir: string;
    images: number;
    generated: number;
    seconds: number;
    averageKB: number;
  };
  import: {
    images: number;
    added: number;
    problems: number;
    seconds: number;
    targetSeconds: number;
    pass: boolean;
    imagesPerSecond: number;
    /** Reading and hashing every file, no decoding and no database: the floor under an import. */
    baselineReadAndHash: { seconds: number; ratio: number };
  };
  annotationInsert: { rows: number; seconds: number; rowsPerSecond: number; method: string };
  databaseBytes: number;
  queries: QueryMeasurement[];
  /** Every target met. */
  pass: boolean;
}

/**
 * Builds a project at the scale of the issue (10,000 generated JPEGs, 1,000,000 annotations) and
 * times what must stay fast at that scale: importing the folder, paging through images filtered
 * by review state, and loading one image's boxes. Each target is printed next to a baseline
 * measured in the same run, and every timed query with its SQLite plan.
 */
export async function runProjectBench(options: ProjectBenchOptions): Promise<ProjectBenchReport> {
  const say = options.onProgress ?? (() => {});
  const { width, height } = BENCH_IMAGE_SIZE;
  const imageDir = path.join(options.workDir, `images-${width}x${height}-${options.images}`);
  const projectFile = path.join(options.workDir, 'bench.shotbox');

  say(`generating ${options.images} JPEGs in ${imageDir} (reused when already there)`);
  let lastShown = 0;
  const generated = await ensureSyntheticJpegs(imageDir, options.images, {
    width,
    height,
    onProgress: (done, total) => {
      if (done - lastShown >= 1000 || done === total) {
        lastShown = done;
        say(`generating: ${done}/${total}`);
      }
    },
  });
  const sizes = await Promise.all(generated.files.map(async (f) => (await stat(f)).size));
  const averageKB = sizes.reduce((a, b) => a + b, 0) / sizes.length / 1024;

  for (const suffix of ['', '-wal', '-shm']) await rm(projectFile + suffix, { force: true });
  say(`importing ${options.images} images into a new project ${projectFile}`);
  const importStarted = performance.now();
  let project = ProjectDb.create(projectFile, imageDir);
  const imported = await importFolder(project, imageDir);
  const importSeconds = (performance.now() - importStarted) / 1000;
  // After the import, so the import is the one that pays for any file not in the page cache.
  say('baseline: reading and hashing every file');
  const hashStarted = performance.now();
  for (const file of generated.files)
    createHash('sha256')
      .update(await readFile(file))
      .digest();
  const hashSeconds = (performance.now() - hashStarted) / 1000;
  const targetSeconds = (IMPORT_SECONDS_PER_10K * options.images) / 10_000;

  say(`inserting ${options.annotations} annotations`);
  const insertStarted = performance.now();
  const rows = fillAnnotations(project, options.annotations);
  const insertSeconds = (performance.now() - insertStarted) / 1000;
  // Reopen: queries run on a fresh connection over a checkpointed file, as after a restart.
  project.close();
  project = ProjectDb.open(projectFile);
  const reader = new Database(projectFile, { readonly: true, fileMustExist: true });
  let queries: QueryMeasurement[];
  try {
    queries = measureQueries(project, reader, options.samples, say);
  } finally {
    reader.close();
    project.close();
  }
  const importPass = importSeconds < targetSeconds && imported.added === options.images;
  return {
    workDir: options.workDir,
    projectFile,
    imageSize: { width, height },
    generation: {
      dir: imageDir,
      images: options.images,
      generated: generated.generated,
      seconds: generated.seconds,
      averageKB,
    },
    import: {
      images: options.images,
      added: imported.added,
      problems: imported.problems.length,
      seconds: importSeconds,
      targetSeconds,
      pass: importPass,
      imagesPerSecond: options.images / importSeconds,
      baselineReadAndHash: { seconds: hashSeconds, ratio: importSeconds / hashSeconds },
    },
    annotationInsert: {
      rows,
      seconds: insertSeconds,
      rowsPerSecond: rows / insertSeconds,
      method: 'AnnotationRepo.insert per row, one ProjectDb.transaction',
    },
    databaseBytes: (await stat(projectFile)).size,
    queries,
    pass: importPass && queries.every((q) => q.pass !== false),
  };
}

/**
 * Spreads `total` annotations over the project's images (on average total ÷ images each, ±50%),
 * in one transaction, and gives images a status that fits their boxes: reviewed images have no
 * pending box left, predicted ones mostly pending model boxes, unreviewed ones pending boxes from
 * a model or an imported label file. Classes, origins and review states are mixed. Returns the
 * number of rows inserted.
 */
export function fillAnnotations(project: ProjectDb, total: number): number {
  const random = seededRandom(20_240_601);
  const pick = <T>(choices: readonly (readonly [T, number])[]): T => {
    let r = random();
    for (const [value, weight] of choices) {
      if ((r -= weight) < 0) return value;
    }
    return choices[choices.length - 1]![0];
  };
  const { width, height } = BENCH_IMAGE_SIZE;
  return project.transaction(() => {
    const classIds = CLASS_NAMES.map((name) => project.classes.ensure(name));
    const modelId = project.runs.ensureModel('bench-model', '0'.repeat(64), {
      name: 'bench-model',
    });
    const runId = project.runs.create(modelId, '{"bench":true}');
    project.runs.finish(runId);
    const images = project.images.all();
    const counts = spreadEvenly(total, images.length, random);
    let inserted = 0;
    images.forEach((image, i) => {
      const status = pick<ImageStatus>([
        ['unreviewed', 0.35],
        ['predicted', 0.4],
        ['reviewed', 0.25],
      ]);
      if (status !== 'unreviewed') project.images.setStatusForBenchmark(image.id, status);
      for (let k = 0; k < counts[i]!; k++) {
        const review =
          status === 'reviewed'
            ? pick<ReviewState>([
                ['accepted', 0.6],
                ['edited', 0.15],
                ['rejected', 0.25],
              ])
            : status === 'predicted'
              ? pick<ReviewState>([
                  ['pending', 0.8],
                  ['accepted', 0.1],
                  ['rejected', 0.05],
                  ['edited', 0.05],
                ])
              : 'pending';
        const origin: Origin =
          review === 'edited'
            ? 'model'
            : pick<Origin>([
                ['model', 0.7],
                ['imported', 0.2],
                ['manual', review === 'pending' ? 0 : 0.1],
              ]);
        const x1 = random() * (width - 20);
        const y1 = random() * (height - 20);
        const fromModel = origin === 'model';
        project.annotations.insert({
          imageId: image.id,
          classId: classIds[Math.floor(random() * classIds.length)]!,
          x1,
          y1,
          x2: x1 + 10 + random() * (width - x1 - 10),
          y2: y1 + 10 + random() * (height - y1 - 10),
          origin,
          review,
          modelId: fromModel ? modelId : null,
          runId: fromModel ? runId : null,
          score: fromModel ? 0.3 + 0.7 * random() : null,
        });
        inserted++;
      }
    });
    return inserted;
  });
}

/** `total` split over `parts` counts that vary ±50% around the mean and add up exactly. */
function spreadEvenly(total: number, parts: number, random: () => number): number[] {
  if (parts === 0) return [];
  const base = Math.floor(total / parts);
  const counts = Array.from({ length: parts }, (_, i) => base + (i < total % parts ? 1 : 0));
  // Move a random amount between neighbours: the sum stays exact, the counts vary.
  for (let i = 0; i + 1 < parts; i += 2) {
    const shift = Math.floor(random() * base * 0.5);
    counts[i]! += shift;
    counts[i + 1]! -= shift;
  }
  return counts;
}

interface QueryDefinition {
  key: string;
  label: string;
  role: QueryMeasurement['role'];
  versus?: string;
  samples?: number;
  /** One call with fresh random arguments; returns how many rows came back. */
  run: () => number;
}

function measureQueries(
  project: ProjectDb,
  reader: Database.Database,
  samples: number,
  say: (message: string) => void,
): QueryMeasurement[] {
  const random = seededRandom(7);
  const below = (n: number): number => Math.floor(random() * n);
  // A random page that exists: deep pages included, since OFFSET costs grow with depth.
  const randomPage = (rows: number): number =>
    below(Math.max(1, Math.ceil(rows / PAGE_SIZE))) * PAGE_SIZE;
  const imageIds = project.images.all().map((i) => i.id);
  const byStatus = new Map(IMAGE_STATUSES.map((s) => [s, project.images.count({ status: s })]));
  const withPending = project.images.count({ annotationReview: 'pending' });
  const tableRows = new Map<string, number>();
  const rowsOf = (table: string): number => {
    if (!tableRows.has(table)) {
      const exists = reader
        .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?")
        .get(table);
      tableRows.set(
        table,
        exists
          ? (reader.prepare(`SELECT count(*) AS n FROM "${table}"`).get() as { n: number }).n
          : 0,
      );
    }
    return tableRows.get(table)!;
  };

  const definitions: QueryDefinition[] = [
    {
      key: 'page-by-status',
      label: 'page of 100 images + counts, by status',
      role: 'target',
      versus: 'page-unfiltered',
      run: () => {
        const status = IMAGE_STATUSES[below(IMAGE_STATUSES.length)]!;
        return project.images.list({
          status,
          limit: PAGE_SIZE,
          offset: randomPage(byStatus.get(status)!),
        }).length;
      },
    },
    {
      key: 'page-pending',
      label: 'page of 100 images + counts, with pending boxes',
      role: 'target',
      versus: 'page-unfiltered',
      run: () =>
        project.images.list({
          annotationReview: 'pending',
          limit: PAGE_SIZE,
          offset: randomPage(withPending),
        }).length,
    },
    {
      key: 'page-pending-last',
      label: 'last page of images with pending boxes',
      role: 'target',
      versus: 'page-unfiltered',
      // The deepest OFFSET: every image before it is tested for a pending box first.
      run: () =>
        project.images.list({
          annotationReview: 'pending',
          limit: PAGE_SIZE,
          offset: Math.max(0, Math.ceil(withPending / PAGE_SIZE) - 1) * PAGE_SIZE,
        }).length,
    },
    {
      key: 'boxes-of-image',
      label: 'all boxes of one image',
      role: 'target',
      versus: 'boxes-without-index',
      run: () => project.annotations.ofImage(imageIds[below(imageIds.length)]!).length,
    },
    {
      key: 'page-unfiltered',
      label: 'page of 100 images + counts, no filter',
      role: 'baseline',
      run: () =>
        project.images.list({ limit: PAGE_SIZE, offset: randomPage(imageIds.length) }).length,
    },
    {
      key: 'boxes-without-index',
      label: 'all boxes of one image, index disabled (full scan)',
      role: 'baseline',
      samples: Math.min(samples, 10),
      // Unary + keeps SQLite from using any index on image_id: the cost the index saves.
      run: () =>
        reader
          .prepare('SELECT * FROM annotations WHERE +image_id = ? ORDER BY id')
          .all(imageIds[below(imageIds.length)]!).length,
    },
    {
      key: 'count-pending',
      label: 'count of images with pending boxes (pager)',
      role: 'info',
      samples: Math.min(samples, 20),
      run: () => project.images.count({ annotationReview: 'pending' }),
    },
    {
      key: 'count-by-status',
      label: 'count of images by status (pager)',
      role: 'info',
      run: () => project.images.count({ status: IMAGE_STATUSES[below(IMAGE_STATUSES.length)]! }),
    },
    {
      key: 'stats',
      label: 'project stats (overview)',
      role: 'info',
      samples: Math.min(samples, 5),
      run: () => project.stats().images,
    },
  ];

  const measured = definitions.map((q): QueryMeasurement => {
    say(`timing: ${q.label}`);
    const n = q.samples ?? samples;
    for (let i = 0; i < Math.min(10, Math.ceil(n / 5)); i++) q.run();
    const times: number[] = [];
    let rows = 0;
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      rows += q.run();
      times.push(performance.now() - t0);
    }
    const { statements } = recordPreparedSql(() => q.run());
    const explained = [...new Set(statements)].map((sql) => ({
      sql,
      plan: explainQueryPlan(reader, sql),
    }));
    const latency = { median: percentile(times, 0.5), p95: percentile(times, 0.95), samples: n };
    return {
      key: q.key,
      label: q.label,
      role: q.role,
      latency,
      ...(q.role === 'target'
        ? { targetMs: QUERY_TARGET_MS, pass: latency.p95 < QUERY_TARGET_MS }
        : {}),
      rows: rows / n,
      statements: explained,
      tableScans: explained.flatMap((s) => tableScans(s.plan)),
      hints: [...new Set(explained.flatMap((s) => planHints(s.sql, s.plan, rowsOf)))],
    };
  });
  for (const [i, q] of definitions.entries()) {
    const baseline = measured.find((m) => m.key === q.versus);
    if (baseline) {
      measured[i]!.versus = {
        key: baseline.key,
        ratio: measured[i]!.latency.median / baseline.latency.median,
      };
    }
  }
  return measured;
}

/** Nearest-rank percentile (p in 0..1) of milliseconds; the median of an even count is the mean of the middle two. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  if (p === 0.5 && sorted.length % 2 === 0) {
    return (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2;
  }
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}
