import {
  CARD_CATEGORIES,
  EDUCATION_LEVELS,
  GENDERS,
  INCOME_CATEGORIES,
  MARITAL_STATUSES,
  NUMERIC_FEATURES,
  type ChurnFeatures,
} from '@churn/churn-data';
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
});

export type PreprocessorJson = z.infer<typeof preprocessorSchema>;

const DEFAULT_ONE_HOT = [
  { field: 'gender', categories: [...GENDERS] },
  { field: 'marital_status', categories: [...MARITAL_STATUSES] },
  { field: 'card_category', categories: [...CARD_CATEGORIES] },
];
const DEFAULT_ORDINAL = { education_level: [...EDUCATION_LEVELS], income_category: [...INCOME_CATEGORIES] };

/**
 * Turns cleaned rows into the model's dense float32 matrix in a fixed column order: the numeric
 * features (income and education as their ordinal codes), then one column per category of gender,
 * marital status and card category. The vocabularies are the data contract's, not the training
 * sample's, so a category missing from one training split still has its column.
 */
export class Preprocessor {
  readonly featureNames: string[];
  private readonly numeric: string[];
  private readonly ordinal: Record<string, string[]>;
  private readonly oneHot: { field: string; categories: string[] }[];

  private constructor(json: PreprocessorJson) {
    this.featureNames = json.featureNames;
    this.numeric = json.numeric;
    this.ordinal = json.ordinal;
    this.oneHot = json.oneHot;
  }

  /** The feature order is fixed by the contract; `rows` only has to be encodable. */
  static fit(rows: readonly ChurnFeatures[]): Preprocessor {
    const numeric = [...NUMERIC_FEATURES];
    const featureNames = [...numeric, ...DEFAULT_ONE_HOT.flatMap(({ field, categories }) => categories.map((c) => `${field}_${c}`))];
    const preprocessor = new Preprocessor({ version: 1, featureNames, numeric, ordinal: DEFAULT_ORDINAL, oneHot: DEFAULT_ONE_HOT });
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
    return { version: 1, featureNames: this.featureNames, numeric: this.numeric, ordinal: this.ordinal, oneHot: this.oneHot };
  }

  private numberOf(row: Record<string, unknown>, field: string): number {
    const value = row[field];
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
  transform(rows: readonly ChurnFeatures[]): Matrix {
    const cols = this.featureNames.length;
    const data = new Float32Array(rows.length * cols);
    rows.forEach((features, r) => {
      const row = features as unknown as Record<string, unknown>;
      let c = r * cols;
      for (const field of this.numeric) data[c++] = this.numberOf(row, field);
      for (const { field, categories } of this.oneHot) {
        const raw = row[field];
        const value = typeof raw === 'string' ? raw.trim().toLowerCase() : raw;
        const index = typeof value === 'string' ? categories.indexOf(value) : -1;
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
