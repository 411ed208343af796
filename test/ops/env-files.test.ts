import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { envFileKeys, repoRoot, serviceVariables, variablesOf } from './service-variables.js';

const ENV_FILES = ['.env.local', '.env.cloud'];
let variables: Map<string, string[]>;

beforeAll(async () => {
  variables = await serviceVariables();
}, 60_000);

describe('variablesOf', () => {
  it('when given a zod object, a transformed object or a shape, then it returns their UPPER_SNAKE keys', () => {
    const shape = { RUN_ID: z.string().optional(), LOG_LEVEL: z.string() };
    expect(variablesOf(z.object(shape))).toEqual(['RUN_ID', 'LOG_LEVEL']);
    expect(variablesOf(z.object(shape).transform((c) => c))).toEqual(['RUN_ID', 'LOG_LEVEL']);
    expect(variablesOf(shape)).toEqual(['RUN_ID', 'LOG_LEVEL']);
  });

  it('when given something else, then it returns nothing', () => {
    expect(variablesOf(z.string())).toEqual([]);
    expect(variablesOf({ port: 1 })).toEqual([]);
    expect(variablesOf(() => 1)).toEqual([]);
  });
});

describe('env files', () => {
  it('when the config modules are scanned, then the variables every deployment needs are found', () => {
    expect([...variables.keys()]).toEqual(expect.arrayContaining(['RUN_ID', 'MLFLOW_TRACKING_URI', 'MONGODB_URI', 'AWS_REGION']));
  });

  it.each(ENV_FILES)('when %s is read, then every variable a service reads is in it', (file) => {
    const keys = new Set(envFileKeys(join(repoRoot, file)));
    const missing = [...variables].filter(([name]) => !keys.has(name)).map(([name, where]) => `${name} (read in ${where.join(', ')})`);
    expect(missing).toEqual([]);
  });

  it.each(ENV_FILES)('when %s is read, then it holds no variable that no service reads', (file) => {
    const unknown = envFileKeys(join(repoRoot, file)).filter((name) => !variables.has(name));
    expect(unknown).toEqual([]);
  });

  it.each(ENV_FILES)('when %s is read, then no variable is assigned twice', (file) => {
    const keys = envFileKeys(join(repoRoot, file));
    expect(keys.filter((name, i) => keys.indexOf(name) !== i)).toEqual([]);
  });

  it('when compose overrides variables for containers, then each is read by a service and none selects the model', () => {
    const dir = join(repoRoot, 'compose', 'env');
    const files = readdirSync(dir).filter((f) => f.endsWith('.env'));
    expect(files.sort()).toEqual(['cloud.env', 'local.env']);
    for (const file of files) {
      const keys = envFileKeys(join(dir, file));
      expect({ file, unknown: keys.filter((name) => !variables.has(name)) }).toEqual({ file, unknown: [] });
      // The predictors must see RUN_ID changes in the watched env file; the environment would win.
      expect({ file, modelKeys: keys.filter((name) => name === 'RUN_ID' || name === 'MODEL_URI') }).toEqual({ file, modelKeys: [] });
    }
  });
});
