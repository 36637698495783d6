/** Width every run of digits is padded to in a sort key: numbers up to 20 digits order right. */
const DIGITS = 20;

/**
 * A key that orders paths as people read them: digit runs by value ("raccoon-2" before
 * "raccoon-10"), letters without regard to case. Compared as plain strings (SQLite BINARY,
 * `<` in JS); equal keys ("a.jpg", "A.jpg") fall back to the path itself.
 */
export function naturalSortKey(path: string): string {
  return path.toLowerCase().replace(/\d+/g, (run) => {
    const value = run.replace(/^0+(?=\d)/, '');
    // Leading zeros still count, last: "01" after "1" and before "2".
    return value.padStart(DIGITS, '0') + String.fromCharCode(0x20 + run.length - value.length);
  });
}

/** Comparator over naturalSortKey, then the path (for tests and in-memory lists). */
export function compareNatural(a: string, b: string): number {
  const ka = naturalSortKey(a);
  const kb = naturalSortKey(b);
  if (ka !== kb) return ka < kb ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}
