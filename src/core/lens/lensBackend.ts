/**
 * The lens methods of the contract (lensContract.ts), over src/core/lens and the shared SSD
 * code: the same matcher, coder and coverage code as `shotbox match` / `coverage` /
 * `suggest-priors`.
 */
import type {
  LensCoverage,
  LensImageMatch,
  LensSource,
  PriorSourceRequest,
} from '../../shared/api/lensContract';
import { isLabel } from '../../shared/project/reviewRule';
import { createBoxCoder } from '../../shared/ssd/boxCoder';
import { parsePriorConfig } from '../../shared/ssd/priorConfig';
import { matchSparse } from '../../shared/ssd/priorIndex';
import { describePrior } from '../../shared/ssd/priorLookup';
import type { ProjectDb } from '../db/projectDb';
import type { Detector } from '../detector/detector';
import { explainImage } from './explain';
import { coverageReport, suggestPriors, type CoverageReport } from './datasetLens';
import { labelledFromProject, type LabelledSet } from './labelledSet';
import {
  boxesOnCanvas,
  loadPriorSource,
  priorSourceFromConfig,
  type PriorSource,
} from './priorSource';

/** Most boxes the coverage page's scatter gets (an even subsample beyond). */
const SCATTER_LIMIT = 5000;

export interface LensBackendDeps {
  needProject(): ProjectDb;
  /** The backend's loaded model (shared with detection). */
  detector(name?: string): Promise<Detector>;
  /** Turns a bad request into the shell's 400 error. */
  invalid(message: string): Error;
}

export function createLensMethods(deps: LensBackendDeps) {
  // Generating and indexing SSD512's priors takes a moment: keep the named sources.
  const named = new Map<string, PriorSource>();
  const resolve = (req: PriorSourceRequest): PriorSource => {
    if (req.kind === 'config') {
      let config;
      try {
        config = parsePriorConfig(req.config);
      } catch (err) {
        throw deps.invalid((err as Error).message);
      }
      return priorSourceFromConfig(config, req.label ?? 'prior config', req.resize);
    }
    const key = `${req.kind}:${req.name}`;
    let s = named.get(key);
    if (!s) {
      try {
        s = loadPriorSource(req);
      } catch (err) {
        throw deps.invalid((err as Error).message);
      }
      named.set(key, s);
    }
    return s;
  };

  const withSizes = (
    report: CoverageReport,
    set: LabelledSet,
    source: PriorSource,
  ): LensCoverage => {
    const sizes: Array<[number, number]> = [];
    const { width: inW, height: inH } = source.config.image;
    for (const img of set.images) {
      const n = boxesOnCanvas(
        source,
        img.width,
        img.height,
        img.gts.flatMap((g) => g.box),
      );
      for (let i = 0; i < n.length; i += 4) {
        sizes.push([(n[i + 2]! - n[i]!) * inW, (n[i + 3]! - n[i + 1]!) * inH]);
      }
    }
    const step = Math.max(1, sizes.length / SCATTER_LIMIT);
    const picked: Array<[number, number]> = [];
    for (let k = 0; k < sizes.length; k += step) picked.push(sizes[Math.floor(k)]!);
    return { ...report, sizes: picked };
  };

  return {
    async getLensSource({ source }: { source: PriorSourceRequest }): Promise<LensSource> {
      const s = resolve(source);
      return {
        label: s.label,
        config: s.config,
        resize: s.resize,
        coder: s.coder,
        priorCount: s.set.count,
      };
    },

    async lensMatchImage(req: {
      imageId: number;
      source: PriorSourceRequest;
      threshold: number;
    }): Promise<LensImageMatch> {
      const project = deps.needProject();
      const image = project.images.get(req.imageId);
      if (!image) throw deps.invalid(`image ${req.imageId} does not exist`);
      const source = resolve(req.source);
      // The labels: what exports and training read (accepted, edited; imported and drawn boxes
      // are accepted), in id order as `shotbox match --project` lists them.
      const gts = project.annotations
        .ofImage(req.imageId)
        .filter(isLabel)
        .sort((a, b) => a.id - b.id);
      const flat = gts.flatMap((a) => [a.x1, a.y1, a.x2, a.y2]);
      const norm = boxesOnCanvas(source, image.width, image.height, flat);
      const match = matchSparse(source.index, norm, { threshold: req.threshold });
      const coder = createBoxCoder(source.coder);
      return {
        source: source.label,
        threshold: req.threshold,
        priorCount: source.set.count,
        gts: gts.map((a, gi) => {
          const m = match.gts[gi]!;
          const priors = m.priors.map((p, k) => {
            const info = describePrior(source.set, p);
            const off = coder.encode(
              Float32Array.from(norm.subarray(4 * gi, 4 * gi + 4)),
              Float32Array.from(source.set.boxes64.subarray(4 * p, 4 * p + 4)),
            );
            return {
              index: p,
              layer: info.layer,
              layerName: info.layerName,
              row: info.row,
              col: info.col,
              box: info.box,
              widthPx: info.widthPx,
              heightPx: info.heightPx,
              aspectRatio: info.aspectRatio,
              iou: m.ious[k]!,
              forced: m.forced === p,
              offsets: [off[0]!, off[1]!, off[2]!, off[3]!] as [number, number, number, number],
            };
          });
          return {
            annotationId: a.id,
            classId: a.classId,
            trains: m.ious.some((v) => v >= req.threshold),
            bestIou: m.bestIou,
            bestPrior: m.bestPrior,
            priors,
          };
        }),
      };
    },

    async lensCoverage(req: {
      source: PriorSourceRequest;
      threshold: number;
    }): Promise<LensCoverage> {
      const set = labelledFromProject(deps.needProject());
      const source = resolve(req.source);
      return withSizes(coverageReport(set, source, req.threshold), set, source);
    },

    async lensExplain(req: {
      imageId: number;
      model?: string | undefined;
      scoreThreshold?: number | undefined;
    }) {
      const project = deps.needProject();
      const image = project.images.get(req.imageId);
      if (!image) throw deps.invalid(`image ${req.imageId} does not exist`);
      const labelled = project.annotations
        .ofImage(req.imageId)
        .filter(isLabel)
        .sort((a, b) => a.id - b.id)
        .map((a) => [a.x1, a.y1, a.x2, a.y2] as [number, number, number, number]);
      const d = await deps.detector(req.model);
      try {
        return await explainImage(d, project.imagePath(image.path), labelled, req.scoreThreshold);
      } catch (err) {
        if (err instanceof Error && /decoded boxes/.test(err.message))
          throw deps.invalid(err.message);
        throw err;
      }
    },

    async lensSuggestPriors(req: {
      source: PriorSourceRequest;
      threshold: number;
      budget?: number | undefined;
    }) {
      const set = labelledFromProject(deps.needProject());
      const source = resolve(req.source);
      const r = suggestPriors(set, source, req.threshold, req.budget);
      const after = priorSourceFromConfig(
        r.config,
        'suggested priors',
        source.resize,
        source.coder,
      );
      return {
        before: withSizes(r.before, set, source),
        after: withSizes(r.after, set, after),
        config: r.config,
      };
    },
  };
}
