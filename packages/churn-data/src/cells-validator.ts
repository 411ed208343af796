import type { DatasetContract, Feature } from './contract.js';
import { plainCells } from './csv-rows.js';
import { Invalid, MISSING, missingValue, parseRequest, parseValue, type FeatureRow, type FeatureValue, type RequestResult } from './values.js';

/** Distinct cells remembered per non-numeric feature (levels are few; free text cannot grow the memo without bound). */
const MEMO_LIMIT = 64;

interface Column {
  readonly feature: Feature;
  readonly name: string;
  /** The cell holding it (the header's last column of that name, as a record built from the row keeps it), or -1. */
  readonly index: number;
  /** Numbers parsed inline; false for kinds read through the memo, and for features whose missing tokens read as numbers. */
  readonly numeric: boolean;
  readonly integer: boolean;
  readonly min: number;
  readonly max: number;
  /** What an absent or missing cell becomes (Invalid under `missing: drop`). */
  readonly missing: FeatureValue | Invalid;
  /**
   * The first distinct cells seen and their values (missing ones resolved): the levels, booleans and
   * ordinals of a column repeat. A list, so parseLine finds a cell in the line without slicing it.
   */
  readonly seen: string[];
  readonly values: (FeatureValue | Invalid)[];
}

/**
 * Validates CSV rows (cells in a header's order) exactly as parseRequest in 'text' mode validates the
 * record the row makes, without building that record: per feature the header's cell is read once,
 * numbers are parsed inline and the other kinds looked up in a memo of parseValue's answers. A row
 * it refuses goes through parseRequest itself, so messages and fields are parseRequest's; a row
 * shorter than the header does too, and a numeric cell that is blank or not a number, or any cell of
 * a feature whose missing tokens read as numbers, takes parseValue's path.
 */
export class CellsValidator {
  private readonly columns: Column[];
  private readonly customerIdIndex: number;
  private readonly idIndex: number;
  private readonly names: readonly string[];
  /** parseLine's cell bounds, start and end per column: reused, so reading a line allocates nothing. */
  private readonly bounds: Int32Array;
  /** Every feature null, in contract order: a row copied from it has its final shape at once, instead of growing one property at a time. */
  private readonly template: FeatureRow = {};

  /** `names`: the header's columns as the contract names them (normaliseColumn). */
  constructor(
    private readonly contract: DatasetContract,
    names: readonly string[],
  ) {
    this.names = names;
    this.bounds = new Int32Array(names.length * 2);
    const last = (name: string) => names.lastIndexOf(name);
    this.columns = contract.features.map((feature) => {
      const numeric = (feature.kind === 'numeric' || feature.kind === 'integer') && ![...feature.missingTokens].some((t) => t.trim() !== '' && Number.isFinite(Number(t)));
      return {
        feature,
        name: feature.name,
        index: last(feature.name),
        numeric,
        integer: feature.kind === 'integer',
        min: feature.min ?? -Infinity,
        max: feature.max ?? Infinity,
        missing: missingValue(feature),
        seen: [],
        values: [],
      };
    });
    for (const feature of contract.features) this.template[feature.name] = null;
    this.customerIdIndex = last('customer_id');
    this.idIndex = contract.spec.id ? last(contract.spec.id) : -1;
  }

  /** One row: parseRequest(contract, record of the row, 'text')'s answer. */
  parse(cells: readonly string[]): RequestResult {
    // A short row's record misses its last columns, which may change which of two same-named columns counts.
    if (cells.length < this.names.length) return this.refused(cells);
    let customerId: string | undefined;
    const idCell = this.customerIdIndex >= 0 ? cells[this.customerIdIndex] : this.idIndex >= 0 ? cells[this.idIndex] : undefined;
    if (idCell !== undefined && idCell !== '') {
      if (idCell.length > 128) return this.refused(cells);
      customerId = idCell;
    }
    const features: FeatureRow = { ...this.template };
    for (const column of this.columns) {
      const cell = column.index >= 0 ? cells[column.index] : undefined;
      const value = cell === undefined ? column.missing : this.valueOf(column, cell);
      if (value instanceof Invalid) return this.refused(cells);
      features[column.name] = value;
    }
    return customerId === undefined ? { ok: true, features } : { ok: true, features, customerId };
  }

  /**
   * parse() for a row CsvRows.pushLines() gave as its line, read in place: only the cells of
   * non-numeric features become strings. Undefined when the line is not `names.length` cells without
   * spaces around them; parse its cells then.
   */
  parseLine(line: string): RequestResult | undefined {
    const width = this.names.length;
    const bounds = this.bounds;
    let from = 0;
    for (let c = 0; c < width; c += 1) {
      let end = line.indexOf(',', from);
      if (c === width - 1) {
        if (end >= 0) return undefined;
        end = line.length;
      } else if (end < 0) return undefined;
      if (end > from && (padding(line.charCodeAt(from)) || padding(line.charCodeAt(end - 1)))) return undefined;
      bounds[2 * c] = from;
      bounds[2 * c + 1] = end;
      from = end + 1;
    }
    let customerId: string | undefined;
    const idAt = this.customerIdIndex >= 0 ? this.customerIdIndex : this.idIndex;
    if (idAt >= 0 && (bounds[2 * idAt + 1] as number) > (bounds[2 * idAt] as number)) {
      if ((bounds[2 * idAt + 1] as number) - (bounds[2 * idAt] as number) > 128) return this.refused(plainCells(line));
      customerId = line.slice(bounds[2 * idAt], bounds[2 * idAt + 1]);
    }
    const features: FeatureRow = { ...this.template };
    for (const column of this.columns) {
      let value: FeatureValue | Invalid;
      if (column.index < 0) value = column.missing;
      else {
        const start = bounds[2 * column.index] as number;
        const end = bounds[2 * column.index + 1] as number;
        const n = column.numeric ? decimal(line, start, end) : Number.NaN;
        if (!Number.isNaN(n)) value = numberIn(column, n);
        else {
          const at = seenAt(column.seen, line, start, end);
          value = at >= 0 ? (column.values[at] as FeatureValue | Invalid) : this.valueOf(column, line.slice(start, end));
        }
      }
      if (value instanceof Invalid) return this.refused(plainCells(line));
      features[column.name] = value;
    }
    return customerId === undefined ? { ok: true, features } : { ok: true, features, customerId };
  }

  /** A present cell's value (a missing one's per the feature's policy), or Invalid: then parseRequest words it. */
  private valueOf(column: Column, cell: string): FeatureValue | Invalid {
    if (column.numeric) {
      const n = Number(cell);
      // Number('') and Number('  ') are 0: a blank cell is a missing token, which parseValue knows.
      if (Number.isFinite(n) && !(n === 0 && cell.trim() === '')) return numberIn(column, n);
    }
    const at = column.seen.indexOf(cell);
    if (at >= 0) return column.values[at] as FeatureValue | Invalid;
    const parsed = parseValue(this.contract, column.feature, cell, 'text');
    const value = parsed === MISSING ? column.missing : parsed;
    // Numbers are not remembered: a numeric column's cells rarely repeat.
    if (!column.numeric && column.seen.length < MEMO_LIMIT) {
      column.seen.push(cell);
      column.values.push(value);
    }
    return value;
  }

  /** A refused (or short) row's answer, worded by parseRequest on the record the row makes. */
  private refused(cells: readonly string[]): RequestResult {
    const record: Record<string, string> = {};
    for (let c = 0; c < this.names.length && c < cells.length; c += 1) record[this.names[c] as string] = cells[c] as string;
    return parseRequest(this.contract, record, 'text');
  }
}

/** Where line[start, end) is among `seen`, or -1: compared in place, no string made. */
function seenAt(seen: readonly string[], line: string, start: number, end: number): number {
  for (let k = 0; k < seen.length; k += 1) {
    const text = seen[k] as string;
    if (text.length === end - start && line.startsWith(text, start)) return k;
  }
  return -1;
}

/** Stands for any refusal inside the validator: parseRequest gives the words. */
const REFUSED = new Invalid('refused');

/** A finite number checked as parseValue checks it (integer, range). */
function numberIn(column: Column, n: number): number | Invalid {
  return n < column.min || n > column.max || (column.integer && !Number.isInteger(n)) ? REFUSED : n;
}

/** What String.prototype.trim may remove lies among these: a cell starting or ending with one is not read in place. */
const padding = (code: number) => code <= 32 || code >= 127;

/** Powers of ten up to 10^15, each exact in a double. */
const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/**
 * line[start, end) as Number() reads it when it is `-?digits(.digits)?` of at most 15 digits, else
 * NaN: the digits make an exact integer and the power of ten is exact, so the one rounding of the
 * division is Number()'s (Clinger's fast path). No string is made.
 */
export function decimal(line: string, start: number, end: number): number {
  let i = start;
  const negative = line.charCodeAt(i) === 45;
  if (negative) i += 1;
  let mantissa = 0;
  let digits = 0;
  let decimals = -1;
  for (; i < end; i += 1) {
    const code = line.charCodeAt(i);
    if (code >= 48 && code <= 57) {
      mantissa = mantissa * 10 + (code - 48);
      digits += 1;
      if (decimals >= 0) decimals += 1;
    } else if (code === 46 && decimals < 0 && digits > 0) decimals = 0;
    else return Number.NaN;
  }
  if (digits === 0 || decimals === 0 || digits > 15) return Number.NaN;
  const value = decimals > 0 ? mantissa / (POW10[decimals] as number) : mantissa;
  return negative ? -value : value;
}
