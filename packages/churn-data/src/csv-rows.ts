/** A CSV that cannot be read: an unclosed quote, or a record whose cell count differs from the header's; `code` and message as csv-parse names them. */
export class CsvError extends Error {
  constructor(
    readonly code: 'CSV_QUOTE_NOT_CLOSED' | 'CSV_RECORD_INCONSISTENT_COLUMNS',
    message: string,
    /** The line the error is on. */
    readonly lines: number,
  ) {
    super(message);
  }
}

/** The cells of a plain row (no quote): split on commas and trimmed, as CsvRows reads it. */
export const plainCells = (line: string): string[] => line.split(',').map((cell) => cell.trim());

/**
 * Incremental CSV reader (batch uploads, dataset snapshots): text in, complete rows of cells out; a
 * row cut by a chunk boundary waits for the next chunk. RFC 4180 quoting (commas, quotes doubled,
 * line breaks inside quotes), CRLF or LF, a leading BOM, unquoted cells trimmed, blank lines
 * skipped. Written for speed: csv-parse with `columns` was the largest cost of scoring a 100,000-row
 * file, and rows without a quote, the common case, are split with one `split(',')`.
 */
export class CsvRows {
  private rest = '';
  private started = false;
  private line = 1;
  /** With `{ lines: true }`, the line each row returned so far starts on (1-based, the header's included); off for streams, where it would grow without bound. */
  readonly startLines: number[] | undefined;

  constructor(options: { lines?: boolean } = {}) {
    this.startLines = options.lines ? [] : undefined;
  }

  /** The rows completed by `text`. */
  push(text: string): string[][] {
    // Without `lines` every row is its cells.
    return this.read(text, false, false) as string[][];
  }

  /** The last rows, once the input has ended; throws CsvError on an unclosed quote. */
  end(text = ''): string[][] {
    return this.read(text, true, false) as string[][];
  }

  /**
   * As push(), but a plain row (no quote, no carriage return inside) comes as its line's text, not
   * split: batch scoring reads its cells in place and writes the line back, allocating no cell strings.
   * `plainCells(line)` is the row push() gives.
   */
  pushLines(text: string): (string | string[])[] {
    return this.read(text, false, true);
  }

  /** end() for pushLines(). */
  endLines(text = ''): (string | string[])[] {
    return this.read(text, true, true);
  }

  private read(chunk: string, final: boolean, lines: boolean): (string | string[])[] {
    let text = this.rest + chunk;
    if (!this.started && text.length > 0) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    const rows: (string | string[])[] = [];
    let i = 0;
    // Found once and again only when passed: searching afresh on every row would rescan the text.
    let quote = text.indexOf('"');
    let cr = text.indexOf('\r');
    while (i < text.length) {
      let newline = text.indexOf('\n', i);
      if (newline < 0 && !final) break;
      if (newline < 0) newline = text.length;
      if (quote >= 0 && quote < i) quote = text.indexOf('"', i);
      if (quote < 0 || quote > newline) {
        const end = newline > i && text.charCodeAt(newline - 1) === 13 ? newline - 1 : newline;
        if (end > i) {
          if (cr >= 0 && cr < i) cr = text.indexOf('\r', i);
          const line = text.slice(i, end);
          rows.push(lines && (cr < 0 || cr >= end) ? line : plainCells(line));
          this.startLines?.push(this.line);
        }
        i = newline + 1;
        this.line += 1;
        continue;
      }
      const startLine = this.line;
      const quoted = this.quotedRow(text, i, final);
      if (!quoted) break;
      rows.push(quoted.cells);
      this.startLines?.push(startLine);
      i = quoted.next;
    }
    this.rest = text.slice(i);
    return rows;
  }

  /** A row holding quotes, cell by cell; undefined when it continues past the text read so far. */
  private quotedRow(text: string, start: number, final: boolean): { cells: string[]; next: number } | undefined {
    const cells: string[] = [];
    let i = start;
    let lines = 0;
    for (;;) {
      let cell: string;
      while (text[i] === ' ' || text[i] === '\t') i += 1;
      if (text[i] === '"') {
        cell = '';
        let from = i + 1;
        for (;;) {
          const close = text.indexOf('"', from);
          if (close < 0) {
            if (final) throw new CsvError('CSV_QUOTE_NOT_CLOSED', `Quote Not Closed: the parsing is finished with an opening quote at line ${this.line}`, this.line);
            return undefined;
          }
          if (close + 1 >= text.length && !final) return undefined;
          cell += text.slice(from, close);
          if (text[close + 1] === '"') {
            cell += '"';
            from = close + 2;
            continue;
          }
          i = close + 1;
          break;
        }
        lines += cell.split('\n').length - 1;
        // Anything between the closing quote and the separator is kept, as a lenient reader would.
        const stop = nextSeparator(text, i);
        cell += text.slice(i, stop).trim();
        i = stop;
      } else {
        const stop = nextSeparator(text, i);
        cell = text.slice(i, stop).trim();
        i = stop;
      }
      cells.push(cell);
      if (text[i] === ',') {
        i += 1;
        continue;
      }
      if (i >= text.length && !final) return undefined;
      if (text[i] === '\r') i += 1;
      if (text[i] === '\n') i += 1;
      this.line += lines + 1;
      return { cells, next: i };
    }
  }
}

/** Index of the next `,`, CR or LF at or after `from` (text.length when none). */
function nextSeparator(text: string, from: number): number {
  for (let i = from; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code === 44 || code === 10 || code === 13) return i;
  }
  return text.length;
}
