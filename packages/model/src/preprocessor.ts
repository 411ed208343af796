import type { DatasetContract, FeatureRow } from '@churn/churn-data';
import type { Matrix } from '@churn/xgboost';
import { z } from 'zod';

/** Thrown when a row cannot be encoded: an unknown category or a missing/non-numeric value. */
export class FeatureError extends Error {
  override readonly name = 'FeatureError';
  constructor(
    readonly field: string,
    message: string,
    readonly allowed?: readonly string[],
  ) {
    super(message);
  }
}

const preprocessorSchema = z.object({
  version: z.literal(1),
  featureNames: z.array(z.string()).min(1),
  numeric: z.array(z.string()),
  ordinal: z.record(z.string(), z.array(z.string())),
  oneHot: z.array(z.object({ field: z.string(), categories: z.array(z.string()).min(1) })),
  /** Values that stand in for a missing one (`missing: impute`), learnt from the training rows. */
  impute: z.record(z.string(), z.union([z.number(), z.string()])).optional(),
});

export type PreprocessorJson = z.infer<typeof preprocessorSchema>;

function median(values: number[]): number {
  const sorted = values.sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function mode(values: string[]): string {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts.entries()].reduce((best, entry) => (entry[1] > best[1] ? entry : best))[0];
}

/**
 * Turns cleaned rows into the model's dense float32 matrix in a fixed column order: the contract's
 * numeric, integer, boolean and ordinal features (ordinals as codes), then one column per level of
 * each categorical feature. The vocabularies are the contract's, not the training sample's, so a
 * category missing from one training split still has its column.
 */
export class Preprocessor {
  readonly featureNames: string[];
  private readonly numeric: string[];
  private readonly ordinal: Record<string, string[]>;
  private readonly oneHot: { field: string; categories: string[] }[];
  private readonly impute: Record<string, number | string>;

  private constructor(json: PreprocessorJson) {
    this.featureNames = json.featureNames;
    this.numeric = json.numeric;
    this.ordinal = json.ordinal;
    this.oneHot = json.oneHot;
    this.impute = json.impute ?? {};
  }

  /** The feature order is fixed by the contract; `rows` (the training split) give the imputed values and only have to be encodable. */
  static fit(contract: DatasetContract, rows: readonly FeatureRow[]): Preprocessor {
    const numeric = [...contract.numericNames];
    const oneHot = contract.categoricalNames.map((field) => ({ field, categories: [...(contract.feature(field)?.levels ?? [])] }));
    const ordinal = Object.fromEntries(contract.features.filter((f) => f.kind === 'ordinal').map((f) => [f.name, [...(f.levels ?? [])]]));
    const impute: Record<string, number | string> = {};
    for (const feature of contract.features.filter((f) => f.missing === 'impute')) {
      const present = rows.map((row) => row[feature.name]).filter((v) => v !== null && v !== undefined);
      if (present.length === 0) throw new FeatureError(feature.name, `${feature.name}: no training row has a value to impute from`);
      impute[feature.name] = feature.kind === 'categorical' ? mode(present as string[]) : feature.kind === 'numeric' ? median(present as number[]) : Math.round(median(present as number[]));
    }
    const featureNames = [...numeric, ...oneHot.flatMap(({ field, categories }) => categories.map((c) => `${field}_${c}`))];
    const preprocessor = new Preprocessor({ version: 1, featureNames, numeric, ordinal, oneHot, ...(Object.keys(impute).length > 0 ? { impute } : {}) });
    preprocessor.transform(rows);
    return preprocessor;
  }

  static fromJSON(json: unknown): Preprocessor {
    const parsed = preprocessorSchema.safeParse(typeof json === 'string' ? JSON.parse(json) : json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new FeatureError(issue?.path.join('.') ?? '', `invalid preprocessor.json: ${issue?.path.join('.')}: ${issue?.message}`);
    }
    const p = parsed.data;
    const expected = p.numeric.length + p.oneHot.reduce((n, o) => n + o.categories.length, 0);
    if (expected !== p.featureNames.length) {
      throw new FeatureError('featureNames', `invalid preprocessor.json: ${p.featureNames.length} feature names for ${expected} columns`);
    }
    return new Preprocessor(p);
  }

  toJSON(): PreprocessorJson {
    const json: PreprocessorJson = { version: 1, featureNames: this.featureNames, numeric: this.numeric, ordinal: this.ordinal, oneHot: this.oneHot };
    return Object.keys(this.impute).length > 0 ? { ...json, impute: this.impute } : json;
  }

  private numberOf(row: Record<string, unknown>, field: string): number {
    const value = row[field] ?? this.impute[field];
    if (typeof value === 'number' && Number.isFinite(value)) return value;
    const labels = this.ordinal[field];
    if (labels && typeof value === 'string') {
      const code = labels.indexOf(value.trim().toLowerCase());
      if (code >= 0) return code;
      throw new FeatureError(field, `${field}: unknown value "${value}"; allowed: ${labels.join(', ')} (or codes 0-${labels.length - 1})`, labels);
    }
    throw new FeatureError(field, `${field}: must be a finite number, got ${JSON.stringify(value)}`);
  }

  /** Encodes rows into a row-major float32 matrix; throws FeatureError naming the bad field. */
  transform(rows: readonly FeatureRow[]): Matrix {
    const cols = this.featureNames.length;
    const data = new Float32Array(rows.length * cols);
    rows.forEach((features, r) => {
      const row = features as unknown as Record<string, unknown>;
      let c = r * cols;
      for (const field of this.numeric) data[c++] = this.numberOf(row, field);
      for (const { field, categories } of this.oneHot) {
        const raw = row[field] ?? this.impute[field];
        // Rows from the contract's parser hold the level itself; hand-made rows may differ in case.
        let index = typeof raw === 'string' ? categories.indexOf(raw) : -1;
        if (index < 0 && typeof raw === 'string') index = categories.indexOf(raw.trim().toLowerCase());
        if (index < 0) {
          throw new FeatureError(field, `${field}: unknown category ${JSON.stringify(raw)}; allowed: ${categories.join(', ')}`, categories);
        }
        data[c + index] = 1;
        c += categories.length;
      }
    });
    return { data, rows: rows.length, cols };
  }
}
