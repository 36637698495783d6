import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { demoPhotos } from './paths';

/** What a generated folder holds and what a correct tool must say about each file. */
export interface MixedFolder {
  dir: string;
  /** Valid images (absolute paths) that must be detected. */
  valid: string[];
  /** Bad files (absolute paths) that must be reported, each with a phrase its reason contains. */
  bad: { file: string; reason: RegExp }[];
  /** The EXIF-rotated file and the upright photo it was made from. */
  rotated: { file: string; source: string };
}

/**
 * Builds a folder like a real user's: face-api's photos plus broken and unusual files (truncated
 * JPEG, 0-byte .jpg, text named .png, CMYK JPEG, 16-bit PNG with alpha, an EXIF-rotated JPEG, a
 * file under a non-ASCII folder name).
 */
export async function makeMixedFolder(dir: string): Promise<MixedFolder> {
  await rm(dir, { recursive: true, force: true });
  const unicodeDir = path.join(dir, 'Fotos für Zoë', '写真');
  await mkdir(unicodeDir, { recursive: true });
  const valid: string[] = [];

  for (const photo of demoPhotos.slice(0, 4)) {
    const to = path.join(dir, path.basename(photo));
    await writeFile(to, await readFile(photo));
    valid.push(to);
  }
  const unicodeFile = path.join(unicodeDir, 'échantillon 5.jpg');
  await writeFile(unicodeFile, await readFile(demoPhotos[4]!));
  valid.push(unicodeFile);

  const cmyk = path.join(dir, 'cmyk.jpg');
  await sharp(demoPhotos[5]!).toColourspace('cmyk').jpeg({ quality: 95 }).toFile(cmyk);
  valid.push(cmyk);

  const png16 = path.join(dir, 'deep-alpha.png');
  await sharp(demoPhotos[1]!).ensureAlpha(0.8).toColourspace('rgb16').png().toFile(png16);
  valid.push(png16);

  // Stored pixels turned 90° counter-clockwise, EXIF orientation 6 says "turn 90° clockwise to
  // display": a correct reader shows the upright photo.
  const rotated = path.join(dir, 'rotated-exif6.jpg');
  const turned = await sharp(demoPhotos[0]!).rotate(-90).jpeg({ quality: 95 }).toBuffer();
  await sharp(turned).withMetadata({ orientation: 6 }).jpeg({ quality: 95 }).toFile(rotated);
  valid.push(rotated);

  const jpegBytes = await readFile(demoPhotos[2]!);
  const truncated = path.join(dir, 'truncated.jpg');
  await writeFile(truncated, jpegBytes.subarray(0, Math.floor(jpegBytes.length / 3)));
  const empty = path.join(dir, 'empty.jpg');
  await writeFile(empty, '');
  const text = path.join(dir, 'notes.png');
  await writeFile(text, 'this is a text file, not a PNG\n');

  return {
    dir,
    valid,
    bad: [
      { file: truncated, reason: /corrupt or truncated/ },
      { file: empty, reason: /empty/ },
      { file: text, reason: /not a supported image/ },
    ],
    rotated: { file: rotated, source: demoPhotos[0]! },
  };
}
