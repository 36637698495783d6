import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';
import type ort from 'onnxruntime-node';
import type sharp from 'sharp';
import { keepOrtTelemetryOff } from './detector/ortTelemetry';

/**
 * The native CommonJS packages a batch loads at start, loaded with `require`. An ESM `import` of a
 * CommonJS package first has Node scan it for named exports (cjs-module-lexer, set up once per
 * thread), a cost paid on every start in each thread that loads one. Measured in fresh processes
 * here (3 each): sharp 153–206 → 89–106 ms, onnxruntime-node 44–46 → 23–28 ms, better-sqlite3
 * 16–20 → 11–14 ms. Each package is still loaded once per thread: `import` and `require` share
 * Node's CommonJS cache.
 */
const requirePackage = createRequire(import.meta.url);

export function requireSharp(): typeof sharp {
  return requirePackage('sharp') as typeof sharp;
}

export function requireOrt(): typeof ort {
  keepOrtTelemetryOff();
  return requirePackage('onnxruntime-node') as typeof ort;
}

export function requireBetterSqlite3(): typeof BetterSqlite3 {
  return requirePackage('better-sqlite3') as typeof BetterSqlite3;
}
