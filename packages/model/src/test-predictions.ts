import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describeIssue } from '@churn/churn-data';
import { z } from 'zod';

/**
 * The model's churn chance for each row of its test split beside the observed label: what quality
 * estimation (CBPE) calibrates on, as NannyML calibrates on the reference (test) period.
 */
export const TEST_PREDICTIONS_FILE = 'test-predictions.json';

export interface TestPredictions {
  chances: number[];
  /** 1 when the customer left. */
  labels: (0 | 1)[];
}

/** Thrown when test-predictions.json is there but not the shape written by writeModelDir. */
export class TestPredictionsError extends Error {
  override readonly name = 'TestPredictionsError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

const schema = z
  .object({
    chances: z.array(z.number().min(0).max(1)).min(1),
    labels: z.array(z.union([z.literal(0), z.literal(1)])).min(1),
  })
  .strict()
  .refine((t) => t.chances.length === t.labels.length, { path: ['labels'], message: 'must have one label per chance' });

/** The test split's chances (in split order) and labels, checked to pair up. */
export function testPredictionsOf(chances: ArrayLike<number>, rows: readonly { churned: 0 | 1 }[]): TestPredictions {
  if (chances.length !== rows.length) throw new RangeError(`testPredictionsOf: ${chances.length} chances for ${rows.length} test rows`);
  return { chances: Array.from(chances), labels: rows.map((r) => r.churned) };
}

/** Validates a parsed test-predictions.json; `source` names the file in the error. */
export function parseTestPredictions(value: unknown, source = TEST_PREDICTIONS_FILE): TestPredictions {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new TestPredictionsError(`${source}: ${describeIssue(parsed.error).message}`);
}

/** The directory's test predictions; undefined when it has none (written before they existed, or logged by Python). */
export async function readTestPredictions(dir: string): Promise<TestPredictions | undefined> {
  const file = join(dir, TEST_PREDICTIONS_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new TestPredictionsError(`${file} is not readable`, { cause: e });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new TestPredictionsError(`${file} is not valid JSON`, { cause: e });
  }
  return parseTestPredictions(value, file);
}
