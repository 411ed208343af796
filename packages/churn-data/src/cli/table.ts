const NUMBER_CELL = /^[-+]?[\d.,]+%?$/;

/** Rows as fixed-width columns under a header and a rule; columns of numbers are right-aligned. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const right = header.map((_, c) => rows.length > 0 && rows.every((r) => (r[c] ?? '') === '' || NUMBER_CELL.test(r[c] ?? '')));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, c) => (right[c] ? cell.padStart(widths[c] ?? 0) : cell.padEnd(widths[c] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** 0.1234 -> "12.3%". */
export const percent = (share: number): string => `${(share * 100).toFixed(1)}%`;
