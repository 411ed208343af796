import { writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { contractJsonSchema } from '../contract-schema.js';
import { DATASETS_DIR } from '../contract.js';
import type { Io } from './io.js';

/** The published JSON Schema; contracts point editors at it from their first line. */
export const SCHEMA_FILE = join(DATASETS_DIR, 'contract.schema.json');

/** The schema file's text, generated from the zod schema so the two cannot drift apart. */
export const schemaText = (): string => `${JSON.stringify(contractJsonSchema(), null, 2)}\n`;

export function runSchema(io: Io, file = SCHEMA_FILE): number {
  writeFileSync(file, schemaText());
  io.out(`wrote ${relative(io.cwd, file)}\n`);
  return 0;
}
