/**
 * Turns zod issues into one readable message that names each offending field, e.g.
 * `invalid prior config: layers[2].minSize: Too small: expected number to be >0`.
 */
import type { z } from 'zod';

/** Renders a zod issue path as `a.b[2].c`; the root is `(root)`. */
export function formatIssuePath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? '(root)' : out;
}

/** One line per issue, prefixed with what was being parsed. */
export function formatSchemaError(what: string, error: z.ZodError): string {
  const lines = error.issues.map((issue) => `${formatIssuePath(issue.path)}: ${issue.message}`);
  return `invalid ${what}: ${lines.join('; ')}`;
}
