import { parse } from 'csv-parse/sync';
import { CsvError, CsvRows } from './csv-rows.js';

/** Feeds `text` in pieces of `size` characters, as an upload arrives. */
function readAll(text: string, size: number): string[][] {
  const reader = new CsvRows();
  const rows: string[][] = [];
  for (let i = 0; i < text.length; i += size) rows.push(...reader.push(text.slice(i, i + size)));
  rows.push(...reader.end());
  return rows;
}

describe('CsvRows', () => {
  const text = [
    '\uFEFFname , city,note',
    'plain, a ,b',
    '"quoted, with comma","say ""hi""",x',
    '',
    '"two',
    'lines",y,z\r',
    'last,,',
  ].join('\n');

  it.each([1, 2, 3, 7, 1000])('when the text arrives in pieces of %i characters, then the rows equal csv-parse\'s (trim, BOM, blank lines skipped)', (size) => {
    // Given csv-parse with the options the batch routes used
    const expected = parse(text, { bom: true, trim: true, skip_empty_lines: true, relax_column_count: true }) as string[][];
    // When read piece by piece, then the same cells come out
    expect(readAll(text, size)).toEqual(expected);
  });

  it('when the input ends inside a quote, then end() throws a CSV error naming it', () => {
    const reader = new CsvRows();
    expect(reader.push('a,b\n"1,2\n')).toEqual([['a', 'b']]);
    expect(() => reader.end()).toThrow(CsvError);
  });

  it('when the last row has no line break, then end() gives it', () => {
    const reader = new CsvRows();
    expect(reader.push('a,b\n1,2')).toEqual([['a', 'b']]);
    expect(reader.end()).toEqual([['1', '2']]);
  });
});
