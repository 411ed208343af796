import type { DatasetContract, Feature } from './contract.js';
import { Invalid, MISSING, missingValue, parseRequest, parseValue, type FeatureRow, type FeatureValue, type RequestResult } from './values.js';

/** Distinct cells remembered per non-numeric feature: a column of free text cannot grow the memo without bound. */
const MEMO_LIMIT = 1024;

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
  /** parseValue's answer per cell text seen (text mode): the levels, booleans and ordinals of a column repeat. */
  readonly memo: Map<string, FeatureValue | Invalid | typeof MISSING>;
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

  /** `names`: the header's columns as the contract names them (normaliseColumn). */
  constructor(
    private readonly contract: DatasetContract,
    names: readonly string[],
  ) {
    this.names = names;
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
        memo: new Map(),
      };
    });
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
    const features: FeatureRow = {};
    for (const column of this.columns) {
      const cell = column.index >= 0 ? cells[column.index] : undefined;
      let value: FeatureValue | Invalid | typeof MISSING;
      if (cell === undefined) value = MISSING;
      else if (column.numeric) {
        const n = Number(cell);
        // Number('') and Number('  ') are 0: a blank cell is a missing token, which parseValue knows.
        if (!Number.isFinite(n) || (n === 0 && cell.trim() === '')) value = parseValue(this.contract, column.feature, cell, 'text');
        else if (n < column.min || n > column.max || (column.integer && !Number.isInteger(n))) return this.refused(cells);
        else value = n;
      } else {
        const known = column.memo.get(cell);
        if (known !== undefined) value = known;
        else {
          value = parseValue(this.contract, column.feature, cell, 'text');
          if (column.memo.size < MEMO_LIMIT) column.memo.set(cell, value);
        }
      }
      if (value === MISSING) value = column.missing;
      if (value instanceof Invalid) return this.refused(cells);
      features[column.name] = value;
    }
    return customerId === undefined ? { ok: true, features } : { ok: true, features, customerId };
  }

  /** A refused (or short) row's answer, worded by parseRequest on the record the row makes. */
  private refused(cells: readonly string[]): RequestResult {
    const record: Record<string, string> = {};
    for (let c = 0; c < this.names.length && c < cells.length; c += 1) record[this.names[c] as string] = cells[c] as string;
    return parseRequest(this.contract, record, 'text');
  }
}
