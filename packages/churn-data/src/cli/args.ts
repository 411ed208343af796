import { parseArgs } from 'node:util';
import { z } from 'zod';

export const USAGE = `usage: npm run dataset -- infer <file.csv> --target COLUMN [--out contract.yaml] [--name NAME] [--force]
       npm run dataset -- check <contract.yaml> [--csv other.csv]
       npm run dataset -- schema
  infer   writes a starting contract from the data (to stdout, or to --out) for you to review
  check   lists every row the contract rejects and why, and a data quality summary;
          exits 1 when the rejected share passes the contract's max_rejected_share
  schema  writes datasets/contract.schema.json, the JSON Schema editors check contracts with`;

const inferSchema = z.object({
  target: z.string({ error: 'is required: the column that says whether the customer left' }).min(1),
  out: z.string().min(1).optional(),
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'must be lowercase letters, digits and -').optional(),
  force: z.boolean(),
});
const checkSchema = z.object({ csv: z.string().min(1).optional() });

export type InferArgs = z.infer<typeof inferSchema> & { csv: string };
export type CheckArgs = z.infer<typeof checkSchema> & { contract: string };
export type DatasetArgs = ({ command: 'infer' } & InferArgs) | ({ command: 'check' } & CheckArgs) | { command: 'schema' };

/** Wrong command line: the CLI prints it with the usage and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  constructor(message: string) {
    super(`${message}\n${USAGE}`);
  }
}

const OPTIONS = {
  infer: { target: { type: 'string' }, out: { type: 'string' }, name: { type: 'string' }, force: { type: 'boolean', default: false } },
  check: { csv: { type: 'string' } },
  schema: {},
} as const;

const FILE_ARGUMENT = { infer: 'the CSV file', check: 'the contract file' } as const;

function validated<T>(schema: z.ZodType<T>, values: unknown): T {
  const parsed = schema.safeParse(values);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new UsageError(`--${issue?.path.join('.')}: ${issue?.message}`);
}

/** `<command> [file] [--flags]` -> the command and its arguments. */
export function parseDatasetArgs(argv: readonly string[]): DatasetArgs {
  const [command, ...rest] = argv;
  if (command !== 'infer' && command !== 'check' && command !== 'schema') throw new UsageError(command ? `unknown command ${command}` : 'a command is required');
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: OPTIONS[command], strict: true, allowPositionals: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (command === 'schema') {
    if (positionals.length > 0) throw new UsageError(`schema takes no arguments, got ${positionals.join(' ')}`);
    return { command };
  }
  if (positionals.length !== 1) throw new UsageError(`${command} takes one argument, ${FILE_ARGUMENT[command]}; got ${positionals.length}`);
  const file = positionals[0] as string;
  return command === 'infer' ? { command, csv: file, ...validated(inferSchema, values) } : { command, contract: file, ...validated(checkSchema, values) };
}
