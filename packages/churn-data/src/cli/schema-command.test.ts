import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureIo } from '../testing/capture-io.js';
import { runSchema, SCHEMA_FILE, schemaText } from './schema-command.js';

describe('the published contract JSON Schema', () => {
  it('when generated from the zod schema, then it equals the committed datasets/contract.schema.json (run npm run dataset -- schema)', () => {
    expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(schemaText());
  });

  it('when the schema command runs, then it writes the file and says where', () => {
    const dir = mkdtempSync(join(tmpdir(), 'schema-'));
    try {
      const io = captureIo(dir);
      expect(runSchema(io, join(dir, 'contract.schema.json'))).toBe(0);
      expect(JSON.parse(readFileSync(join(dir, 'contract.schema.json'), 'utf8'))).toMatchObject({ title: 'Churn suite dataset contract', required: expect.arrayContaining(['version', 'name', 'source']) });
      expect(io.stdout).toBe('wrote contract.schema.json\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
