import { open } from 'node:fs/promises';
import path from 'node:path';
import type { AnnotationFormat } from './annotationSet';
import { listFiles, pathKind, stripBom } from './formatUtils';
import { sniffEncoding } from './textDecoding';
import { isDatasetTextFile } from './yolo';

/** What a label path holds, judged by its content (files) or the files inside it (folders). */
export type SniffResult = { format: AnnotationFormat } | { unknown: string };

export const FORMAT_NAMES: Record<AnnotationFormat, string> = {
  coco: 'COCO JSON',
  voc: 'Pascal VOC XML',
  yolo: 'YOLO txt labels',
};

const SNIFF_BYTES = 4096;

/**
 * Guesses the annotation format of `source`: a file starting with `{` is COCO, with `<` VOC; a
 * folder of `.xml` files is VOC, of `.txt` label files YOLO. The parsers still check everything;
 * this only picks one, so `--format` can be left out and a wrong one gets a plain message.
 */
export async function sniffFormat(source: string): Promise<SniffResult> {
  const kind = await pathKind(source);
  if (kind === 'missing') return { unknown: 'it does not exist' };
  if (kind === 'file') return sniffFile(source);
  if (kind !== 'directory') return { unknown: 'it is neither a file nor a folder' };
  const xml = await listFiles(source, '.xml');
  // Class lists, read-me files and VOC's ImageSets lists and labelmap.txt are no YOLO labels.
  const txt = (await listFiles(source, '.txt')).filter(
    (f) => !isDatasetTextFile(path.relative(source, f)),
  );
  if (xml.length > 0 && txt.length === 0) return { format: 'voc' };
  if (txt.length > 0 && xml.length === 0) return { format: 'yolo' };
  if (xml.length > 0)
    return { unknown: `the folder holds both .xml (${xml.length}) and .txt (${txt.length}) files` };
  const json = await listFiles(source, '.json');
  if (json.length > 0)
    return { unknown: 'the folder holds .json files: give the COCO file itself, not its folder' };
  return { unknown: 'the folder holds no .xml or .txt label files' };
}

async function sniffFile(file: string): Promise<SniffResult> {
  const handle = await open(file, 'r');
  let head: string;
  try {
    const buffer = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, SNIFF_BYTES, 0);
    const bytes = buffer.subarray(0, bytesRead);
    // A UTF-16 XML file (its BOM says so) starts with "<" too.
    head = stripBom(new TextDecoder(sniffEncoding(bytes) ?? 'utf-8').decode(bytes)).trimStart();
  } finally {
    await handle.close();
  }
  if (head.startsWith('{')) return { format: 'coco' };
  if (head.startsWith('<')) return { format: 'voc' };
  if (file.toLowerCase().endsWith('.txt'))
    return { unknown: 'YOLO labels are read from a folder: give the labels folder' };
  return { unknown: 'it is neither JSON nor XML' };
}
