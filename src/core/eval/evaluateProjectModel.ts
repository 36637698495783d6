import type { Split } from '../../shared/project/splits';
import type {
  EvalCategory,
  EvalDataset,
  EvalDetection,
  EvalGroundTruth,
} from '../../shared/eval/dataset';
import type { ProjectDb } from '../db/projectDb';
import { detectFiles, type FileProblem } from '../detector/batch';
import type { Detector } from '../detector/detector';
import { settledLabels } from '../project/settledLabels';

export interface ProjectEvalOptions {
  /** Minimum score kept; AP wants the low-scoring tail too (DESIGN.md §3: 0.01). */
  scoreThreshold: number;
  iouThreshold?: number;
  /** Only the settled images of this split. */
  split?: Split;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number, failed: number) => void;
}

export interface ProjectEvalInput {
  dataset: EvalDataset;
  /** Settled images the model ran on. */
  images: number;
  failures: FileProblem[];
  /** The model's classes that the project has no label for (scored as classes without ground truth). */
  unlabelledClasses: string[];
  interrupted: boolean;
}

/**
 * Runs a model over the project's settled images and pairs its detections with their labels,
 * ready for the evaluator. Nothing is written to the project: an evaluation is not a labelling
 * pass. Model classes are matched to project classes by name; a model class the project lacks is
 * kept as a category without ground truth, so its detections are counted (and shown as errors)
 * but left out of the mean AP.
 */
export async function evaluationInputFromProject(
  project: ProjectDb,
  detector: Detector,
  options: ProjectEvalOptions,
): Promise<ProjectEvalInput> {
  const { classes, images } = settledLabels(project, options.split);
  const categories: EvalCategory[] = classes.map((c) => ({ id: c.id, name: c.name }));
  const byName = new Map(classes.map((c) => [c.name, c.id]));
  let nextId = Math.max(0, ...classes.map((c) => c.id)) + 1;
  const unlabelledClasses: string[] = [];
  const modelClassIds = detector.manifest.classes.map((name) => {
    let id = byName.get(name);
    if (id === undefined) {
      id = nextId++;
      byName.set(name, id);
      categories.push({ id, name });
      unlabelledClasses.push(name);
    }
    return id;
  });

  let annotationId = 1;
  const groundTruth: EvalGroundTruth[] = images.flatMap(({ image, boxes }) =>
    boxes.map((b) => {
      const w = b.x2 - b.x1;
      const h = b.y2 - b.y1;
      return {
        id: annotationId++,
        imageId: image.id,
        categoryId: b.classId,
        bbox: [b.x1, b.y1, w, h] as const,
        area: w * h,
        iscrowd: false,
        difficult: false,
      };
    }),
  );

  const byFile = new Map(images.map(({ image }) => [project.imagePath(image.path), image]));
  const detections: EvalDetection[] = [];
  const failures: FileProblem[] = [];
  const evaluated = new Set<number>();
  let done = 0;
  for await (const item of detectFiles(detector, [...byFile.keys()], {
    scoreThreshold: options.scoreThreshold,
    ...(options.iouThreshold !== undefined ? { iouThreshold: options.iouThreshold } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  })) {
    done++;
    const image = byFile.get(item.file)!;
    if (!item.ok) failures.push({ file: item.file, reason: item.reason });
    else {
      evaluated.add(image.id);
      for (const d of item.result.detections) {
        const [x1, y1, x2, y2] = d.box;
        detections.push({
          imageId: image.id,
          categoryId: modelClassIds[d.classIndex]!,
          bbox: [x1, y1, x2 - x1, y2 - y1],
          score: d.score,
        });
      }
    }
    options.onProgress?.(done, byFile.size, failures.length);
  }

  return {
    // Only images the model saw are scored: a file that failed to decode is reported, not a miss.
    dataset: {
      imageIds: [...evaluated].sort((a, b) => a - b),
      categories,
      groundTruth: groundTruth.filter((g) => evaluated.has(g.imageId as number)),
      detections,
      imageNames: new Map(images.map(({ image }) => [image.id, image.path])),
    },
    images: evaluated.size,
    failures,
    unlabelledClasses,
    interrupted: options.signal?.aborted === true && done < byFile.size,
  };
}
