import { z } from 'zod';

// Field types as MLflow clients send them: JSON bodies carry int64s as numbers or strings
// (protobuf JSON allows both); GET query strings carry everything as strings, repeated keys as arrays.

export const int64 = z.union([z.number().int(), z.string().regex(/^-?\d{1,18}$/, 'must be an integer').transform(Number)]);

export const float = z.union([
  z.number(),
  z.enum(['NaN', 'Infinity', '-Infinity', 'nan', 'inf', '-inf']).transform((v) => (v.toLowerCase() === 'nan' ? NaN : v.startsWith('-') ? -Infinity : Infinity)),
  z.string().regex(/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/, 'must be a number').transform(Number),
]);

export const bool = z.union([z.boolean(), z.enum(['true', 'false', 'True', 'False']).transform((v) => v.toLowerCase() === 'true')]);

/** A repeated field: a single query value becomes a one-element list. */
export const repeated = <T extends z.ZodType>(item: T) =>
  z.preprocess((v) => (v === undefined || Array.isArray(v) ? v : [v]), z.array(item));

export const keyValue = z.object({ key: z.string(), value: z.string().nullish().transform((v) => v ?? '') });
export const tagList = repeated(keyValue).optional().transform((v) => v ?? []);

export const viewType = z
  .union([z.enum(['ACTIVE_ONLY', 'DELETED_ONLY', 'ALL']), z.union([z.literal(1), z.literal(2), z.literal(3), z.enum(['1', '2', '3'])]).transform((v) => (['ACTIVE_ONLY', 'DELETED_ONLY', 'ALL'] as const)[Number(v) - 1] as 'ACTIVE_ONLY')])
  .optional();

export const maxResults = (fallback: number, limit: number) =>
  int64.optional().transform((v, ctx) => {
    const value = v ?? fallback;
    if (value < 1 || value > limit) {
      ctx.addIssue({ code: 'custom', message: `must be between 1 and ${limit}` });
      return z.NEVER;
    }
    return value;
  });

export const nonEmpty = z.string().min(1, 'must not be empty');
