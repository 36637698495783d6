// Builds the `shotbox` command line once (esbuild: src/cli → out/cli/shotbox.mjs), so a start
// costs a plain `node` load instead of compiling TypeScript every time (issue 7).
// Packages stay external: native modules (better-sqlite3, onnxruntime-node, sharp) and everything
// else load from node_modules as they are.
import {
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const builtCli = path.join(root, 'out', 'cli', 'shotbox.mjs');
/** The source files of the last build (esbuild's metafile inputs), for the staleness check. */
const inputsFile = path.join(root, 'out', 'cli', 'inputs.json');

/** Packages loaded from node_modules at run time: native code, or large and loaded by few commands. */
const EXTERNAL = [
  'better-sqlite3',
  'onnxruntime-node',
  'sharp',
  '@tensorflow/*',
  '@vladmandic/face-api',
  'electron',
  'esbuild',
  'tsx',
  'tsx/*',
  'onnx-proto',
  'playwright-core',
];

/**
 * Why the built CLI cannot be used as it is, or undefined when it is current: missing, or older
 * than one of the sources it was built from (a checkout or an edit since).
 */
export function staleReason() {
  let builtAt;
  let inputs;
  try {
    builtAt = statSync(builtCli).mtimeMs;
    inputs = JSON.parse(readFileSync(inputsFile, 'utf8'));
  } catch {
    return 'the CLI is not built yet';
  }
  for (const rel of inputs) {
    const at = statSync(path.join(root, rel), { throwIfNoEntry: false })?.mtimeMs;
    if (at === undefined || at > builtAt) return `${rel} changed since the CLI was built`;
  }
  return undefined;
}

/**
 * Bundles src/cli/main.ts. Code splitting keeps each command's heavy modules (ONNX Runtime,
 * sharp, SQLite, zod) in chunks loaded by its action, so `--help` loads little more than
 * commander. Chunks are content-named; every file is written under a temporary name and
 * renamed, the entry last, so a concurrent start never sees a half-written build.
 */
export async function buildCli() {
  const { build } = await import('esbuild');
  const result = await build({
    absWorkingDir: root,
    // The detector's worker threads (src/core/detector/workerThreads.ts loads them by name).
    entryPoints: {
      shotbox: 'src/cli/main.ts',
      prepareWorker: 'src/core/detector/prepareWorker.ts',
      inferenceWorker: 'src/core/detector/inferenceWorker.ts',
    },
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // Native packages (and the heavy ones only some commands load) stay in node_modules; the
    // pure-JavaScript ones are bundled: Node's ESM loader pays per module file at every start
    // (a one-image `detect --project`: ~1.27 → ~1.14 s, alternating runs).
    external: EXTERNAL,
    // Bundled CommonJS packages call require() for Node built-ins.
    banner: {
      js: "import { createRequire as __shotboxCreateRequire } from 'node:module'; const require = __shotboxCreateRequire(import.meta.url);",
    },
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunks/[name]-[hash]',
    write: false,
    metafile: true,
    logLevel: 'warning',
    outdir: path.dirname(builtCli),
    plugins: [englishZodOnly],
  });
  const tmp = `.${process.pid}.tmp`;
  const put = (file, text) => {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(`${file}${tmp}`, text);
    renameSync(`${file}${tmp}`, file);
  };
  const entry = result.outputFiles.find((f) => f.path === builtCli);
  if (!entry) throw new Error(`esbuild wrote no ${builtCli}`);
  for (const f of result.outputFiles) if (f !== entry) put(f.path, f.text);
  put(
    inputsFile,
    // Our sources only: a changed package comes with an `npm install`, whose postinstall rebuilds;
    // nor the plugin's virtual modules (named `namespace:path`).
    JSON.stringify([
      ...Object.keys(result.metafile.inputs).filter(
        (f) => !f.startsWith('node_modules/') && !/^[\w-]+:/.test(f),
      ),
      'scripts/build-cli.mjs',
    ]),
  );
  put(builtCli, entry.text);
  pruneOldChunks(new Set(result.outputFiles.map((f) => f.path)));
}

/**
 * zod's error messages are in English for us; its other ~40 locales are ~360 KB that every start
 * would parse (about half of zod's chunk, which takes ~50 ms to load). Its locale index resolves
 * to English alone; `z.locales.en` still works, and nothing here uses another.
 */
const englishZodOnly = {
  name: 'english-zod-only',
  setup(b) {
    b.onResolve({ filter: /[/\\]locales[/\\]index\.js$/ }, (args) =>
      /[/\\]node_modules[/\\]zod[/\\]/.test(args.importer)
        ? { path: path.join(path.dirname(args.importer), args.path), namespace: 'zod-locales' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'zod-locales' }, (args) => ({
      contents: "export { default as en } from './en.js';",
      resolveDir: path.dirname(args.path),
      loader: 'js',
    }));
  },
};

/**
 * Chunks of earlier builds are content-named, so each build leaves its old ones behind. Those not
 * in this build go once they are a day old: a CLI started before the rebuild may still import one.
 */
function pruneOldChunks(current) {
  const dir = path.join(path.dirname(builtCli), 'chunks');
  const dayAgo = Date.now() - 24 * 3600_000;
  for (const name of readdirSync(dir)) {
    const file = path.join(dir, name);
    if (current.has(file)) continue;
    const s = statSync(file, { throwIfNoEntry: false });
    if (s?.isFile() && s.mtimeMs < dayAgo) rmSync(file, { force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const started = performance.now();
  await buildCli();
  console.log(
    `shotbox: CLI built → ${path.relative(root, builtCli)} in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
}
