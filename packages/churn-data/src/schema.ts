import { z } from 'zod';
import { CARD_CATEGORIES, EDUCATION_LEVELS, GENDERS, INCOME_CATEGORIES, MARITAL_STATUSES } from './categories.js';

/** One customer's features as the model sees them: cleaned, ordinals as codes. */
export interface ChurnFeatures {
  customer_age: number;
  gender: (typeof GENDERS)[number];
  dependent_count: number;
  education_level: number;
  marital_status: (typeof MARITAL_STATUSES)[number];
  income_category: number;
  card_category: (typeof CARD_CATEGORIES)[number];
  months_on_book: number;
  total_relationship_count: number;
  credit_limit: number;
  total_revolving_bal: number;
}

/** A cleaned training row: the features and the label (1 = the customer left). */
export interface ChurnRow extends ChurnFeatures {
  churned: 0 | 1;
}

export const FEATURE_NAMES = [
  'customer_age',
  'gender',
  'dependent_count',
  'education_level',
  'marital_status',
  'income_category',
  'card_category',
  'months_on_book',
  'total_relationship_count',
  'credit_limit',
  'total_revolving_bal',
] as const satisfies readonly (keyof ChurnFeatures)[];

export type FeatureName = (typeof FEATURE_NAMES)[number];

export const NUMERIC_FEATURES = [
  'customer_age',
  'dependent_count',
  'education_level',
  'income_category',
  'months_on_book',
  'total_relationship_count',
  'credit_limit',
  'total_revolving_bal',
] as const satisfies readonly FeatureName[];

export const CATEGORICAL_FEATURES = ['gender', 'marital_status', 'card_category'] as const satisfies readonly FeatureName[];

const lower = (v: unknown) => (typeof v === 'string' ? v.trim().toLowerCase() : v);

const category = <T extends readonly [string, ...string[]]>(values: T) =>
  z.preprocess(lower, z.enum(values, { message: `must be one of ${values.join(', ')}` }));

/** An ordinal given either as its code or as its label (any case). */
const ordinal = (labels: readonly string[]) =>
  z.union([z.number(), z.string()]).transform((value, ctx) => {
    const asLabel = typeof value === 'string' ? labels.indexOf(value.trim().toLowerCase()) : -1;
    if (asLabel >= 0) return asLabel;
    const code = typeof value === 'number' ? value : value.trim() === '' ? Number.NaN : Number(value);
    if (Number.isInteger(code) && code >= 0 && code < labels.length) return code;
    ctx.addIssue({ code: 'custom', message: `must be a code 0-${labels.length - 1} or one of ${labels.join(', ')}` });
    return z.NEVER;
  });

const count = (max: number) => z.coerce.number({ message: 'must be a number' }).int('must be an integer').min(0).max(max);

/** Field validators shared by the request schema and the CSV row schema. */
export const featureFields = {
  customer_age: z.coerce.number({ message: 'must be a number' }).int('must be an integer').min(18).max(120),
  gender: category(GENDERS),
  dependent_count: count(20),
  education_level: ordinal(EDUCATION_LEVELS),
  marital_status: category(MARITAL_STATUSES),
  income_category: ordinal(INCOME_CATEGORIES),
  card_category: category(CARD_CATEGORIES),
  months_on_book: count(1200),
  total_relationship_count: count(100),
  credit_limit: z.coerce.number({ message: 'must be a number' }).min(0).max(10_000_000),
  total_revolving_bal: count(10_000_000),
};

/**
 * The prediction request of ARCHITECTURE's data contract (HTTP body, Kinesis record). Numbers must be
 * JSON numbers here: coercion is only for CSV, where everything is text.
 */
export const predictionRequestSchema = z.object({
  customer_id: z.union([z.string().max(128), z.number()]).optional(),
  customer_age: z.number({ message: 'must be a number' }).int('must be an integer').min(18).max(120),
  gender: featureFields.gender,
  dependent_count: z.number({ message: 'must be a number' }).int('must be an integer').min(0).max(20),
  education_level: featureFields.education_level,
  marital_status: featureFields.marital_status,
  income_category: featureFields.income_category,
  card_category: featureFields.card_category,
  months_on_book: z.number({ message: 'must be a number' }).int('must be an integer').min(0).max(1200),
  total_relationship_count: z.number({ message: 'must be a number' }).int('must be an integer').min(0).max(100),
  credit_limit: z.number({ message: 'must be a number' }).min(0).max(10_000_000),
  total_revolving_bal: z.number({ message: 'must be a number' }).int('must be an integer').min(0).max(10_000_000),
});

export type PredictionRequest = z.infer<typeof predictionRequestSchema>;

/** The same fields from text (CSV cells, query strings): numbers are coerced. */
export const featureRowSchema = z.object({ customer_id: z.string().optional(), ...featureFields });

/** Formats the first zod issue as `field: message`, the shape every boundary error uses. */
export function describeIssue(error: z.ZodError): { field: string; message: string } {
  const issue = error.issues[0];
  const field = issue?.path.join('.') || '(body)';
  return { field, message: `${field}: ${issue?.message ?? 'invalid'}` };
}

/** Strips the optional id and returns the model's features in contract order. */
export function toFeatures(request: PredictionRequest | z.infer<typeof featureRowSchema>): ChurnFeatures {
  const features = {} as Record<FeatureName, unknown>;
  for (const name of FEATURE_NAMES) features[name] = request[name];
  return features as unknown as ChurnFeatures;
}
