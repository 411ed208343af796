import { z } from 'zod';

const cell = z.union([z.string(), z.number(), z.boolean(), z.null()]);

const params = z.record(z.string(), z.unknown()).optional();
const records = z.array(z.record(z.string(), z.unknown()));
const positional = z.array(z.array(cell));

/** MLflow's scoring protocol (POST /invocations): four shapes of the same rows, by top-level key. */
export const invocationsFormats = {
  dataframe_split: z.object({
    dataframe_split: z.object({ columns: z.array(z.string()).min(1), data: positional, index: z.array(z.union([z.string(), z.number()])).optional() }),
    params,
  }),
  dataframe_records: z.object({ dataframe_records: records, params }),
  instances: z.object({ instances: z.union([records, positional]), params }),
  inputs: z.object({ inputs: z.union([records, positional, z.record(z.string(), z.array(cell))]), params }),
};

export const invocationsRequestSchema = z.union([
  invocationsFormats.dataframe_split,
  invocationsFormats.dataframe_records,
  invocationsFormats.instances,
  invocationsFormats.inputs,
]);

// Per-class probabilities per row for a multi-class model Python logged, as mlflow models serve answers.
export const invocationsResponseSchema = z.object({ predictions: z.array(z.union([z.number(), z.array(z.number())])) });

export const errorResponseSchema = z.object({
  error: z.string(),
  field: z.string().optional().describe('The request field at fault, e.g. credit_limit or inputs[3].gender'),
});

const check = z.object({ on: z.boolean(), why: z.string().optional().describe('Why the check cannot watch this model') });
export const healthResponseSchema = z.object({
  status: z.enum(['ok', 'loading']),
  model_run_id: z.string().optional(),
  monitoring: z.object({ drift: check, quality: check }).optional().describe('Which checks watch the served model: live drift needs its reference profile, quality a binary model'),
});
