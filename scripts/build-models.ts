/**
 * Converts the bundled models to ONNX under resources/models (DESIGN §4). Run at install time and
 * by `npm run models`.
 *
 *   tsx scripts/build-models.ts [--force] [--out-dir DIR]
 *
 * A model is skipped when its .onnx is newer than its inputs and the converter sources. Files are
 * written to a temporary name and renamed, so an interrupted run never leaves a half-written
 * model behind.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../src/core/fs/atomicWrite';
import {
  convertFaceApiSsd,
  locateFaceApiSsdFiles,
} from '../src/core/models/faceApiSsd/convertFaceApiSsd';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

interface ModelJob {
  /** File name under the output folder. */
  file: string;
  /** Files whose change makes the model stale (besides the converter sources). */
  inputs(): string[];
  build(): Promise<Uint8Array>;
}

/** Source files of the converter: editing any of them rebuilds every model. */
const CONVERTER_SOURCES = [
  fileURLToPath(import.meta.url),
  path.join(ROOT, 'src/core/onnx'),
  path.join(ROOT, 'src/core/models/faceApiSsd'),
];

const JOBS: ModelJob[] = [
  {
    file: 'ssd-mobilenetv1-face.onnx',
    inputs() {
      const { manifestPath } = locateFaceApiSsdFiles();
      return [manifestPath, manifestPath.replace(/-weights_manifest\.json$/, '.bin')];
    },
    build: () => convertFaceApiSsd({ convertedBy: 'shotbox scripts/build-models.ts' }),
  },
];

function parseArgs(argv: string[]): { force: boolean; outDir: string } {
  let force = false;
  let outDir = path.join(ROOT, 'resources/models');
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--force') force = true;
    else if (arg === '--out-dir' && argv[i + 1] !== undefined) outDir = path.resolve(argv[++i]!);
    else throw new Error(`unknown argument ${arg} (usage: build-models [--force] [--out-dir DIR])`);
  }
  return { force, outDir };
}

/** Newest modification time of the files (and the files inside folders) given. */
function newestMtime(paths: readonly string[]): number {
  let newest = 0;
  for (const p of paths) {
    const stat = statSync(p);
    if (stat.isDirectory()) {
      const children = readdirSync(p, { recursive: true, encoding: 'utf8' }).map((c) =>
        path.join(p, c),
      );
      newest = Math.max(newest, newestMtime(children.filter((c) => statSync(c).isFile())));
    } else {
      newest = Math.max(newest, stat.mtimeMs);
    }
  }
  return newest;
}

function formatSize(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

async function main(): Promise<void> {
  const { force, outDir } = parseArgs(process.argv.slice(2));
  let failed = 0;
  for (const job of JOBS) {
    const out = path.join(outDir, job.file);
    const label = path.relative(process.cwd(), out) || out;
    try {
      const inputs = job.inputs();
      const missing = inputs.filter((f) => !existsSync(f));
      if (missing.length > 0)
        throw new Error(`input not found: ${missing.join(', ')} (is npm install complete?)`);
      if (
        !force &&
        existsSync(out) &&
        statSync(out).mtimeMs > newestMtime([...inputs, ...CONVERTER_SOURCES])
      ) {
        console.log(`${label}: up to date (${formatSize(statSync(out).size)}), skipped`);
        continue;
      }
      const started = performance.now();
      const bytes = await job.build();
      await writeFileAtomic(out, bytes);
      const seconds = ((performance.now() - started) / 1000).toFixed(2);
      console.log(`${label}: ${formatSize(bytes.length)} in ${seconds} s`);
    } catch (err) {
      failed++;
      console.error(
        `build-models: cannot build ${label}: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }
  if (failed > 0) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(`build-models: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
