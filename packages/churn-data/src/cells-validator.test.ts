import fc from 'fast-check';
import { CellsValidator, decimal } from './cells-validator.js';
import { DatasetContract, type Feature } from './contract.js';
import { parseRequest } from './values.js';

const gym = DatasetContract.parse(
  `version: 1
name: gym
title: Gym members
source: members.csv
id: member_id
target: { column: left, positive: ['yes'], negative: ['no'] }
missing_tokens: [N/A, '-1']
cleaning: { lowercase_values: false, trim: false }
features:
  - { name: monthly_fee, kind: numeric, min: 0, max: 500, missing: impute }
  - { name: visits, kind: integer, min: 0 }
  - { name: has_locker, kind: boolean, true_values: [si, 'yes'], false_values: ['no'] }
  - { name: plan, kind: categorical, levels: [Basic, Premium], missing: category }
  - { name: branch, kind: categorical, levels: ['1', '2', '10'] }
  - { name: satisfaction, kind: ordinal, levels: [low, medium, high], missing: impute }
`,
  'gym.yaml',
);

/** A small seeded generator, so a failure names a row that can be replayed. */
function random(seed: number) {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

const TRICKY = ['', ' ', '  7 ', 'NA', 'N/A', 'n/a', 'unknown', 'Unknown', '-1', '0', '-0', '1e3', '0x10', '1.5', 'abc', 'true', 'FALSE', ' yes', 'Infinity', 'NaN', '１'];

function cellOf(feature: Feature, next: () => number, tricky: number): string {
  if (next() < tricky) return TRICKY[Math.floor(next() * TRICKY.length)] as string;
  const levels = feature.levels;
  if (levels && next() < 0.9) {
    const level = levels[Math.floor(next() * levels.length)] as string;
    return next() < 0.2 ? level.toUpperCase() : next() < 0.1 ? ` ${level} ` : level;
  }
  if (feature.kind === 'boolean') return ['1', '0', 'yes', 'no', 'Y', 'si', 't'][Math.floor(next() * 7)] as string;
  const min = feature.min ?? -100;
  const max = feature.max ?? 10_000;
  const n = min + next() * (max - min);
  if (next() < tricky) return String(next() < 0.5 ? min - 1 : max + 1);
  return String(feature.kind === 'integer' ? Math.round(n) : n);
}

describe('CellsValidator', () => {
  const contracts = [DatasetContract.resolve('bankchurners'), DatasetContract.resolve('bankchurners-behaviour'), DatasetContract.resolve('telco'), gym];
  it.each(contracts.map((c) => [c.name, c] as const))(
    'when %s rows with valid, missing, tricky and bad cells are validated, then every answer equals parseRequest on the row as a record',
    (_, contract) => {
      const next = random(7);
      // Shuffled, with an unknown column, the id columns, and a feature twice (the record keeps the last).
      const names = [...contract.featureNames].sort(() => next() - 0.5);
      const header = [...names, 'extra', 'customer_id', contract.spec.id ?? 'id', names[0] as string];
      const validator = new CellsValidator(contract, header);
      let accepted = 0;
      let readInPlace = 0;
      for (let row = 0; row < 5000; row += 1) {
        // Clean rows, rows with one tricky cell (so that it alone decides), and rows with many.
        const kind = next();
        const one = kind < 0.7 ? Math.floor(next() * header.length) : -1;
        const cells = header.map((name, c) => {
          const feature = contract.feature(name);
          if (feature) return cellOf(feature, next, kind < 0.3 ? 0 : kind < 0.7 ? Number(c === one) : 0.3);
          return next() < 0.2 ? '' : next() < 0.05 ? 'x'.repeat(129) : `c-${row}`;
        });
        const length = next() < 0.03 ? Math.floor(next() * header.length) : header.length;
        const given = cells.slice(0, length);
        const record: Record<string, string> = {};
        given.forEach((cell, c) => (record[header[c] as string] = cell));
        const expected = parseRequest(contract, record, 'text');
        expect({ row, cells: given, answer: validator.parse(given) }).toEqual({ row, cells: given, answer: expected });
        if (expected.ok) accepted += 1;
        // The row as a line CsvRows.pushLines() gives: read in place, or left to its cells' path.
        // A cell padded on one side in some lines (the reader trims it), a cell more than the header in others.
        const padded = next() < 0.2 ? Math.floor(next() * given.length) : -1;
        const line = given.map((cell, c) => (c !== padded ? cell : next() < 0.5 ? ` ${cell}` : `${cell}\t`)).join(',') + (next() < 0.03 ? ',extra' : '');
        const cellsOfLine = line.split(',').map((cell) => cell.trim());
        const lineRecord: Record<string, string> = {};
        cellsOfLine.forEach((cell, c) => (lineRecord[header[c] as string] = cell));
        const inPlace = validator.parseLine(line);
        if (inPlace) readInPlace += 1;
        expect({ row, line, answer: inPlace ?? validator.parse(cellsOfLine) }).toEqual({ row, line, answer: parseRequest(contract, lineRecord, 'text') });
      }
      expect(readInPlace).toBeGreaterThan(500);
      // Both kinds of answer were compared many times.
      expect(accepted).toBeGreaterThan(300);
      expect(accepted).toBeLessThan(4900);
    },
  );

  it('when numbers are read in place, then each equals Number() of its text, or is left to Number() (NaN)', () => {
    const check = (text: string) => {
      const n = decimal(`x,${text},y`, 2, 2 + text.length);
      if (!Number.isNaN(n)) expect([text, n]).toEqual([text, Number(text)]);
      return n;
    };
    expect(['007', '-0', '0.10', '-12.50', '123456789012345', '4000'].map(check)).toEqual([7, -0, 0.1, -12.5, 123456789012345, 4000]);
    expect(['', '-', '1.', '.5', '+5', '1e5', '0x10', '1 ', '1234567890123456', '1.2.3', '--1'].map(check).every(Number.isNaN)).toBe(true);
    fc.assert(fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (value) => void check(String(value))));
    fc.assert(fc.property(fc.stringMatching(/^-?\d{1,7}(\.\d{1,8})?$/), (text) => expect(check(text)).toBe(Number(text))));
  });
});
