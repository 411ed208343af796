import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { parseCsvWithLines } from './csv.js';
import { CsvError, CsvRows } from './csv-rows.js';
import { cleanRecords } from './clean.js';
import { defaultContract } from './contract.js';
import { loadCleanDataset } from './load.js';

/** Feeds `text` in pieces of `size` characters, as an upload arrives. */
function readAll(text: string, size: number): string[][] {
  const reader = new CsvRows();
  const rows: string[][] = [];
  for (let i = 0; i < text.length; i += size) rows.push(...reader.push(text.slice(i, i + size)));
  rows.push(...reader.end());
  return rows;
}

/** csv-parse with the options the dataset reader used before CsvRows replaced it. */
const csvParse = (text: string) =>
  (parse(text, { columns: true, skip_empty_lines: true, trim: true, bom: true, info: true }) as { record: Record<string, string>; info: { lines: number } }[]).map((p) => ({
    record: p.record,
    line: p.info.lines,
  }));

describe('CsvRows', () => {
  const text = ['\uFEFFname , city,note', 'plain, a ,b', '"quoted, with comma","say ""hi""",x', '', '"two', 'lines",y,z\r', 'last,,'].join('\n');

  it.each([1, 2, 3, 7, 1000])("when the text arrives in pieces of %i characters, then the rows equal csv-parse's (trim, BOM, blank lines skipped)", (size) => {
    // Given csv-parse with the options the batch routes used
    const expected = parse(text, { bom: true, trim: true, skip_empty_lines: true, relax_column_count: true }) as string[][];
    // When read piece by piece, then the same cells come out
    expect(readAll(text, size)).toEqual(expected);
  });

  it('when lines are asked for, then each row carries the line it starts on, blank lines and line breaks in quotes counted', () => {
    const reader = new CsvRows({ lines: true });
    expect(reader.end(text)).toHaveLength(5);
    expect(reader.startLines).toEqual([1, 2, 3, 5, 7]);
  });

  it('when the input ends inside a quote, then end() throws a CSV error naming it', () => {
    const reader = new CsvRows();
    expect(reader.push('a,b\n"1,2\n')).toEqual([['a', 'b']]);
    expect(() => reader.end()).toThrow(CsvError);
  });

  it('when rows are read as lines, then plain rows come as their text and quoted rows or rows with a carriage return as cells', () => {
    expect(new CsvRows().endLines('a, b ,c\n"q",x,y\nd,e\rf,g\r\nh,i,j\r\n')).toEqual(['a, b ,c', ['q', 'x', 'y'], ['d', 'e\rf', 'g'], 'h,i,j']);
  });

  it('when any CSV arrives in any pieces, then its lines split and trimmed are the rows push() gives', () => {
    const cell = fc.oneof(fc.constantFrom('', ' x ', 'a"b', 'line\nbreak', 'cr\rhere', 'comma,here', '  '), fc.string({ maxLength: 6 }));
    const quoteCell = (value: string) => `"${value.replaceAll('"', '""')}"`;
    fc.assert(
      fc.property(fc.array(fc.array(cell, { minLength: 2, maxLength: 4 }), { minLength: 1, maxLength: 6 }), fc.boolean(), fc.integer({ min: 1, max: 20 }), (table, quoteAll, size) => {
        const text = table.map((row) => row.map((v) => (quoteAll || /[",\n]/.test(v) ? quoteCell(v) : v)).join(',')).join('\n');
        const reader = new CsvRows();
        const rows: (string | string[])[] = [];
        for (let i = 0; i < text.length; i += size) rows.push(...reader.pushLines(text.slice(i, i + size)));
        rows.push(...reader.endLines());
        expect(rows.map((row) => (typeof row === 'string' ? row.split(',').map((c) => c.trim()) : row))).toEqual(readAll(text, size));
      }),
    );
  });

  it('when the last row has no line break, then end() gives it', () => {
    const reader = new CsvRows();
    expect(reader.push('a,b\n1,2')).toEqual([['a', 'b']]);
    expect(reader.end()).toEqual([['1', '2']]);
  });
});

describe('parseCsvWithLines', () => {
  const cell = fc.oneof(fc.constantFrom('', ' x ', 'a"b', 'line\nbreak', 'comma,here', '  ', 'Unknown'), fc.string({ maxLength: 6 }));
  const quoteCell = (value: string) => (/[",\n\r]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value);

  it('when any CSV of quoted and plain cells is read, then the records and their lines equal csv-parse with columns (trim, BOM, blank lines)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.array(fc.array(cell, { minLength: 4, maxLength: 4 }), { maxLength: 8 }), fc.boolean(), fc.boolean(), (width, rows, crlf, blankLines) => {
        const eol = crlf ? '\r\n' : '\n';
        const header = Array.from({ length: width }, (_, i) => `c${i}`).join(',');
        // A cell csv-parse would read as an empty record or trims to a quote-led text stays out of the comparison.
        const lines = rows.map((r) => r.slice(0, width).map((v) => quoteCell(v.trim() === '' ? 'v' : v.trim())).join(','));
        const body = blankLines ? lines.flatMap((l) => [l, '']) : lines;
        const csv = `\uFEFF${[header, ...body].join(eol)}${eol}`;
        const ours = parseCsvWithLines(csv);
        const theirs = csvParse(csv);
        expect(ours.records).toEqual(theirs.map((t) => t.record));
        // csv-parse counts a record's lines to where it ends; ours names where it starts.
        const breaks = ours.records.map((r) => Object.values(r).join('').split('\n').length - 1);
        expect(ours.lines.map((line, i) => line + breaks[i]!)).toEqual(theirs.map((t) => t.line));
      }),
    );
  });

  it('when the shipped BankChurners CSV is read, then it equals csv-parse record for record', () => {
    const text = readFileSync(defaultContract().sourceLocation, 'utf8');
    const ours = parseCsvWithLines(text);
    expect(ours.records).toEqual(csvParse(text).map((t) => t.record));
    expect(ours.records.length).toBeGreaterThan(10_000);
  });

  it('when headers are named by a contract, then records are keyed by its names and clean to the same rows as renamed afterwards', () => {
    const contract = defaultContract();
    const text = readFileSync(contract.sourceLocation, 'utf8');
    const named = parseCsvWithLines(text, (header) => contract.normaliseColumn(header));
    expect(Object.keys(named.records[0]!)).toEqual(Object.keys(parseCsvWithLines(text).records[0]!).map((h) => contract.normaliseColumn(h)));
    expect(loadCleanDataset(contract)).toEqual(cleanRecords(contract, parseCsvWithLines(text).records, parseCsvWithLines(text).lines));
  });

  it('when a record has more cells than the header, then a CsvError names the counts and its line', () => {
    expect(() => parseCsvWithLines('a,b\n1,2\n1,2,3\n')).toThrow(new CsvError('CSV_RECORD_INCONSISTENT_COLUMNS', 'Invalid Record Length: columns length is 2, got 3 on line 3', 3));
    try {
      parseCsvWithLines('a,b\n1,2\n1,2,3\n');
    } catch (error) {
      expect((error as CsvError).lines).toBe(3);
    }
  });

  it('when the text is empty or only a header, then there are no records', () => {
    expect(parseCsvWithLines('')).toEqual({ records: [], lines: [] });
    expect(parseCsvWithLines('a,b\n')).toEqual({ records: [], lines: [] });
  });
});
