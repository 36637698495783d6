import { readFileSync } from 'node:fs';
import path from 'node:path';
import sharp, { type OverlayOptions } from 'sharp';
import { ensureSyntheticJpegs } from '../../src/core/bench/syntheticImages';
import { demoPhotos, repoRoot } from './paths';

export interface GeneratedFolderOptions {
  count: number;
  width?: number;
  height?: number;
  /** Every n-th image (index 0, n, 2n, …) gets one of face-api's photos pasted in; 0: none. */
  faceEvery?: number;
}

interface ReferenceFaces {
  images: { file: string; detections: { box: [number, number, number, number] }[] }[];
}

/** The clearest face of each of face-api's photos (from the reference fixture), x1,y1,x2,y2. */
function clearestFaces(): Map<string, [number, number, number, number]> {
  const reference = JSON.parse(
    readFileSync(path.join(repoRoot, 'test', 'fixtures', 'face-api-reference.json'), 'utf8'),
  ) as ReferenceFaces;
  return new Map(reference.images.map((i) => [i.file, i.detections[0]!.box]));
}

/** Face crops scaled to paste size, each made once per process. */
const faceCrops = new Map<string, Promise<Buffer>>();

/** A square crop around the photo's clearest face (face ≈ half the crop), `size` pixels wide. */
function faceCrop(photo: string, size: number): Promise<Buffer> {
  const key = `${photo}@${size}`;
  let crop = faceCrops.get(key);
  if (!crop) {
    const [x1, y1, x2, y2] = clearestFaces().get(path.basename(photo))!;
    const side = Math.round(2 * Math.max(x2 - x1, y2 - y1));
    const left = Math.max(0, Math.round((x1 + x2 - side) / 2));
    const top = Math.max(0, Math.round((y1 + y2 - side) / 2));
    crop = sharp(photo)
      .extract({ left, top, width: side, height: side })
      .resize(size, size)
      .jpeg({ quality: 90 })
      .toBuffer();
    faceCrops.set(key, crop);
  }
  return crop;
}

/**
 * A folder of generated JPEGs (varied content, distinct hashes), reused when it already exists.
 * With `faceEvery`, some images carry a real photo with faces, so a detector stores boxes for
 * them and not only "nothing found".
 */
export async function makeGeneratedImages(
  dir: string,
  options: GeneratedFolderOptions,
): Promise<string[]> {
  const width = options.width ?? 320;
  const height = options.height ?? 240;
  const faceEvery = options.faceEvery ?? 0;
  // Face about a third of the frame's height: large enough for the detector's smallest boxes.
  const cropSize = Math.round(Math.min(width, height) * 0.7);
  const overlay = async (index: number): Promise<OverlayOptions | undefined> => {
    if (faceEvery <= 0 || index % faceEvery !== 0) return undefined;
    const photo = demoPhotos[(index / faceEvery) % demoPhotos.length]!;
    return {
      input: await faceCrop(photo, cropSize),
      left: (index * 13) % (width - cropSize + 1),
      top: (index * 7) % (height - cropSize + 1),
    };
  };
  const folder = await ensureSyntheticJpegs(dir, options.count, { width, height, overlay });
  return folder.files;
}
