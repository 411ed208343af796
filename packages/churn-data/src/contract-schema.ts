import { z } from 'zod';

/** Column names as the suite uses them after cleaning: request fields, metric labels, CSV headers. */
const columnName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be letters, digits and _ (not starting with a digit); rename it under cleaning.rename');

export const FEATURE_KINDS = ['numeric', 'integer', 'boolean', 'categorical', 'ordinal'] as const;
export type FeatureKind = (typeof FEATURE_KINDS)[number];

/** drop: the row is left out of training and a request without it is refused; impute: filled from the training split; category: its own level. */
export const MISSING_POLICIES = ['drop', 'impute', 'category'] as const;
export type MissingPolicy = (typeof MISSING_POLICIES)[number];

const featureSchema = z
  .object({
    name: columnName.describe('The column (after cleaning and renames); also the request field'),
    kind: z.enum(FEATURE_KINDS).describe('numeric, integer, boolean (0/1), categorical (one-hot), ordinal (coded by the order of levels)'),
    label: z.string().min(1).optional().describe('What people read in the form, /docs and reports'),
    description: z.string().optional(),
    min: z.number().optional().describe('Smallest valid value (numeric, integer)'),
    max: z.number().optional().describe('Largest valid value (numeric, integer)'),
    levels: z.array(z.string().min(1)).min(1).optional().describe('Valid values (categorical), or the order of an ordinal: index = code'),
    true_values: z.array(z.string()).min(1).optional().describe('Text meaning true (boolean); default true, 1, yes, y, t'),
    false_values: z.array(z.string()).min(1).optional().describe('Text meaning false (boolean); default false, 0, no, n, f'),
    missing: z.enum(MISSING_POLICIES).default('drop').describe('What a missing value does: drop the row, impute from the training split, or own category'),
    missing_tokens: z.array(z.string()).optional().describe('Overrides the dataset-wide missing tokens for this column'),
    example: z.union([z.number(), z.string()]).optional().describe('The value the form starts with'),
  })
  .strict();

export const contractFileSchema = z
  .object({
    version: z.literal(1).describe('Contract format version'),
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'must be lowercase letters, digits and -').describe('Names the dataset in S3 keys, runs and reports'),
    title: z.string().optional(),
    description: z.string().optional(),
    source: z.string().min(1).describe('The CSV: a path relative to this file, or an s3:// URI'),
    id: columnName.optional().describe('The customer id column: never a feature; echoed back as customer_id'),
    target: z
      .object({
        column: columnName,
        positive: z.array(z.string()).min(1).describe('Values that mean the customer left'),
        negative: z.array(z.string()).min(1).describe('Values that mean the customer stayed'),
      })
      .strict(),
    features: z.array(featureSchema).min(1),
    ignore: z.array(z.string()).default([]).describe('Columns present in the CSV that are not features'),
    missing_tokens: z.array(z.string()).default(['']).describe('Cell values meaning missing, compared after cleaning (blank is always missing)'),
    cleaning: z
      .object({
        trim: z.boolean().default(true),
        lowercase_names: z.boolean().default(true),
        lowercase_values: z.boolean().default(true),
        rename: z.record(z.string(), columnName).default({}).describe('Source column -> name, applied after lowercasing names'),
      })
      .strict()
      .default({ trim: true, lowercase_names: true, lowercase_values: true, rename: {} }),
    split: z
      .object({
        train: z.number().gt(0).lt(1),
        validation: z.number().gt(0).lt(1),
        test: z.number().gt(0).lt(1),
        seed: z.number().int().default(42),
      })
      .strict()
      .default({ train: 0.6, validation: 0.2, test: 0.2, seed: 42 }),
    max_rejected_share: z.number().min(0).max(1).default(0.05).describe('Refuse the CSV for training when more rows than this share are invalid'),
    response: z
      .object({
        chance_field: z.string().min(1).default('churn chance'),
        run_id_field: z.string().min(1).default('model_run_id'),
      })
      .strict()
      .default({ chance_field: 'churn chance', run_id_field: 'model_run_id' }),
  })
  .strict()
  .superRefine((contract, ctx) => {
    const split = contract.split.train + contract.split.validation + contract.split.test;
    if (Math.abs(split - 1) > 1e-9) ctx.addIssue({ code: 'custom', path: ['split'], message: `train + validation + test must be 1, got ${split}` });
    const seen = new Set<string>();
    contract.features.forEach((feature, i) => {
      const at = (key: string) => ['features', i, key];
      if (seen.has(feature.name)) ctx.addIssue({ code: 'custom', path: at('name'), message: `duplicate feature ${feature.name}` });
      seen.add(feature.name);
      if ([contract.target.column, contract.id, 'customer_id', 'churned'].includes(feature.name)) {
        ctx.addIssue({ code: 'custom', path: at('name'), message: `${feature.name} is the target, the id or a reserved name, not a feature` });
      }
      const needsLevels = feature.kind === 'categorical' || feature.kind === 'ordinal';
      if (needsLevels && !feature.levels) ctx.addIssue({ code: 'custom', path: at('levels'), message: `a ${feature.kind} feature needs levels` });
      if (!needsLevels && feature.levels) ctx.addIssue({ code: 'custom', path: at('levels'), message: `levels apply to categorical and ordinal features, not ${feature.kind}` });
      if (feature.levels && new Set(feature.levels).size !== feature.levels.length) ctx.addIssue({ code: 'custom', path: at('levels'), message: 'levels must be distinct' });
      if ((feature.min !== undefined || feature.max !== undefined) && feature.kind !== 'numeric' && feature.kind !== 'integer') {
        ctx.addIssue({ code: 'custom', path: at('min'), message: `min and max apply to numeric and integer features, not ${feature.kind}` });
      }
      if (feature.min !== undefined && feature.max !== undefined && feature.min > feature.max) ctx.addIssue({ code: 'custom', path: at('max'), message: 'max must be at least min' });
      if (feature.missing === 'category' && feature.kind !== 'categorical') {
        ctx.addIssue({ code: 'custom', path: at('missing'), message: `"category" applies to categorical features; use drop or impute for ${feature.kind}` });
      }
      if ((feature.true_values || feature.false_values) && feature.kind !== 'boolean') ctx.addIssue({ code: 'custom', path: at('true_values'), message: 'true_values and false_values apply to boolean features' });
    });
  });

/** The contract file as written (defaults applied). */
export type ContractFile = z.infer<typeof contractFileSchema>;
export type FeatureSpec = ContractFile['features'][number];

/** The JSON Schema editors validate contract files with (datasets/contract.schema.json). */
export function contractJsonSchema(): Record<string, unknown> {
  return {
    ...(z.toJSONSchema(contractFileSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>),
    $id: 'https://github.com/churn-mlops/churn-mlops/datasets/contract.schema.json',
    title: 'Churn suite dataset contract',
  };
}
