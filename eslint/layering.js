// Local ESLint plugin: the process/layer rule of DESIGN.md §2, checked on every import.
//
//   renderer → shared;  main/cli/server/worker → core → shared;  preload → shared.
//   src/shared imports no Node built-in and no native package; src/core never imports electron.
//
// A layer is the first folder under src/. Files outside src/ (tests, scripts, configs) are
// tools and may import anything.
import { builtinModules } from 'node:module';
import path from 'node:path';

/** Which layers each layer may import (itself included). */
export const ALLOWED_LAYERS = {
  shared: ['shared'],
  core: ['core', 'shared'],
  main: ['main', 'core', 'shared'],
  // `shotbox serve` starts browser mode, so the CLI may start the server.
  cli: ['cli', 'server', 'core', 'shared'],
  server: ['server', 'core', 'shared'],
  worker: ['worker', 'core', 'shared'],
  preload: ['preload', 'shared'],
  renderer: ['renderer', 'shared'],
};

/** Packages that need a particular process, and the layers allowed to import them. */
const PACKAGE_LAYERS = [
  { match: (p) => p === 'electron', layers: ['main', 'preload'] },
  {
    match: (p) =>
      ['better-sqlite3', 'onnxruntime-node', 'sharp'].includes(p) ||
      p.startsWith('@tensorflow/tfjs-node'),
    layers: ['core', 'main', 'cli', 'server', 'worker'],
  },
  {
    match: (p) =>
      ['react', 'react-dom', 'konva', 'react-konva'].includes(p) ||
      p.startsWith('@mui/') ||
      p.startsWith('@emotion/'),
    layers: ['renderer'],
  },
];

/** Layers that run without Node: no built-in module may be imported there. */
const NO_NODE_LAYERS = new Set(['shared', 'renderer', 'preload']);

const builtins = new Set(builtinModules);

function packageName(spec) {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function layerOf(absFile, srcRoot) {
  const rel = path.relative(srcRoot, absFile);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
  const first = rel.split(path.sep)[0];
  return Object.hasOwn(ALLOWED_LAYERS, first) ? first : undefined;
}

const codeLayering = {
  meta: {
    type: 'problem',
    docs: { description: 'Enforce the import direction between src/ layers (DESIGN.md §2).' },
    schema: [],
    messages: {
      layer: 'src/{{from}} may not import src/{{to}} (allowed: {{allowed}}).',
      builtin: "src/{{from}} runs without Node: it may not import the built-in '{{spec}}'.",
      pkg: "'{{pkg}}' may only be imported in src/{{{layers}}}, not in src/{{from}}.",
    },
  },
  create(context) {
    const filename = context.filename;
    const srcRoot = path.join(context.cwd, 'src');
    const from = layerOf(filename, srcRoot);
    if (!from) return {};

    function check(node, spec) {
      if (typeof spec !== 'string') return;
      if (spec.startsWith('.') || path.isAbsolute(spec)) {
        const to = layerOf(path.resolve(path.dirname(filename), spec), srcRoot);
        if (to && !ALLOWED_LAYERS[from].includes(to)) {
          context.report({
            node,
            messageId: 'layer',
            data: { from, to, allowed: ALLOWED_LAYERS[from].join(', ') },
          });
        }
        return;
      }
      if (spec.startsWith('node:') || builtins.has(packageName(spec))) {
        if (NO_NODE_LAYERS.has(from)) {
          context.report({ node, messageId: 'builtin', data: { from, spec } });
        }
        return;
      }
      const pkg = packageName(spec);
      for (const rule of PACKAGE_LAYERS) {
        if (rule.match(pkg) && !rule.layers.includes(from)) {
          context.report({
            node,
            messageId: 'pkg',
            data: { pkg, from, layers: rule.layers.join(',') },
          });
        }
      }
    }

    const fromSource = (node) => {
      if (node.source && node.source.type === 'Literal') check(node.source, node.source.value);
    };
    return {
      ImportDeclaration: fromSource,
      ExportNamedDeclaration: fromSource,
      ExportAllDeclaration: fromSource,
      ImportExpression(node) {
        if (node.source.type === 'Literal') check(node.source, node.source.value);
      },
      CallExpression(node) {
        const callee = node.callee;
        const arg = node.arguments[0];
        if (callee.type === 'Identifier' && callee.name === 'require' && arg?.type === 'Literal') {
          check(arg, arg.value);
        }
      },
    };
  },
};

export default { rules: { 'code-layering': codeLayering } };
