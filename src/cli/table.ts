/** Formats rows as an aligned plain-text table (no colours: output is often piped or logged). */
export function formatTable(
  header: string[],
  rows: string[][],
  align: ('left' | 'right')[] = [],
): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, c) =>
        align[c] === 'right' ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!),
      )
      .join('  ')
      .trimEnd();
  return (
    [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n') + '\n'
  );
}
