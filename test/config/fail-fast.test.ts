import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '../..');

// Each main parses its environment once at start: a bad or missing variable must end the process
// with exit code 1 and one line naming the variable, before it opens any connection.
// value undefined = the variable is missing from both the env file and the environment.
const cases: { main: string; variable: string; value: string | undefined }[] = [
  { main: 'services/registry/src/main.ts', variable: 'REGISTRY_DATABASE_URL', value: 'not a url' },
  { main: 'services/registry/src/main.ts', variable: 'REGISTRY_PORT', value: 'eighty' },
  { main: 'services/predictor-api/src/main.ts', variable: 'PREDICTOR_API_PORT', value: '70000' },
  { main: 'services/predictor-api/src/main.ts', variable: 'MONGODB_URI', value: 'mysql://nope' },
  { main: 'services/predictor-stream/src/main.ts', variable: 'AWS_ENDPOINT_URL_KINESIS', value: 'localhost 4566' },
  { main: 'services/simulator/src/main.ts', variable: 'SIMULATOR_RATE_PER_SEC', value: 'fast' },
  { main: 'workflows/src/worker.ts', variable: 'AWS_SECRET_ACCESS_KEY', value: undefined },
  { main: 'services/predictor-stream/src/main.ts', variable: 'AWS_ACCESS_KEY_ID', value: undefined },
  { main: 'workflows/src/worker.ts', variable: 'WORKER_METRICS_PORT', value: '-1' },
  { main: 'workflows/src/cli.ts', variable: 'TUNING_TRIALS', value: '-3' },
];

/** .env.local without the variable's line, so the test controls whether it is set. */
function envFileWithout(variable: string): string {
  const lines = readFileSync(join(root, '.env.local'), 'utf8').split('\n').filter((line) => !line.startsWith(`${variable}=`));
  const path = join(mkdtempSync(join(tmpdir(), 'fail-fast-')), '.env');
  writeFileSync(path, lines.join('\n'));
  return path;
}

describe('configuration is validated once at start', () => {
  it.each(cases)('when $variable is $value in $main, then it exits 1 naming the variable', ({ main, variable, value }) => {
    const env: Record<string, string | undefined> = { ...process.env, ENV_FILE: envFileWithout(variable) };
    delete env[variable];
    if (value !== undefined) env[variable] = value;
    // One process (node --import tsx), so the timeout's SIGKILL leaves nothing behind if a case starts.
    const run = spawnSync(process.execPath, ['--import', 'tsx', join(root, main)], { cwd: root, env, encoding: 'utf8', timeout: 60_000, killSignal: 'SIGKILL' });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(variable);
  }, 90_000);
});
