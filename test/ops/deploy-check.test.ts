import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './service-variables.js';

// `make deploy-check env=cloud` and the script it runs (scripts/ops/deploy-check.sh), in a folder of
// its own with the settings given in the environment, an env file or .env.secrets.
const SECRETS = ['POSTGRES_PASSWORD', 'MLFLOW_TRACKING_USERNAME', 'MLFLOW_TRACKING_PASSWORD', 'PREDICTOR_API_KEY', 'GRAFANA_ADMIN_PASSWORD', 'NGINX_AUTH_USERNAME', 'NGINX_AUTH_PASSWORD'];
const SCRIPT = join(repoRoot, 'scripts', 'ops', 'deploy-check.sh');

function deployment(): { dir: string; settings: Record<string, string> } {
  const dir = mkdtempSync(join(tmpdir(), 'deploy-check-'));
  writeFileSync(join(dir, 'cert.pem'), 'cert');
  writeFileSync(join(dir, 'key.pem'), 'key');
  // An env file as committed: the secrets' names with empty values.
  writeFileSync(join(dir, '.env.cloud'), 'CHURN_PROFILE=cloud\nPREDICTOR_API_KEY=\nMLFLOW_TRACKING_USERNAME=\nMLFLOW_TRACKING_PASSWORD=\n');
  const settings = Object.fromEntries(SECRETS.map((name, i) => [name, `${name.toLowerCase()}-${i}-q8Zr4t`]));
  return { dir, settings: { ...settings, TLS_CERT_FILE: join(dir, 'cert.pem'), TLS_KEY_FILE: join(dir, 'key.pem') } };
}

const check = (dir: string, env: Record<string, string>, envName = 'cloud') =>
  spawnSync('bash', [SCRIPT, envName], { cwd: dir, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', ...env } });

const exampleValue = (name: string) => new RegExp(`^${name}=(.*)$`, 'm').exec(readFileSync(join(repoRoot, '.env.secrets.example'), 'utf8'))?.[1] ?? '';

describe('deploy-check (scripts/ops/deploy-check.sh)', () => {
  it('given every secret and TLS file, when it runs for cloud, then it exits 0', () => {
    const { dir, settings } = deployment();
    const result = check(dir, settings);
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
    expect(result.stdout).toContain('7 secrets and 2 TLS files set');
  });

  it.each([...SECRETS, 'TLS_CERT_FILE', 'TLS_KEY_FILE'])('given %s is missing, when it runs for cloud, then it exits 1 naming it', (name) => {
    const { dir, settings } = deployment();
    const { [name]: _missing, ...rest } = settings;
    const result = check(dir, rest);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`^deploy-check: ${name} is missing or empty`, 'm'));
    expect(result.stderr).toContain('refused: 1 problem(s)');
  });

  it.each(SECRETS)('given %s is empty, when it runs for cloud, then it exits 1 naming it', (name) => {
    const { dir, settings } = deployment();
    const result = check(dir, { ...settings, [name]: '' });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`^deploy-check: ${name} is missing or empty`, 'm'));
  });

  it.each(SECRETS.flatMap((name) => [[name, 'changeme'], [name, 'Admin'], [name, 'churn-local'], [name, exampleValue(name)]]))(
    'given %s is the default %p, when it runs for cloud, then it exits 1 naming it without printing the value',
    (name, value) => {
      const { dir, settings } = deployment();
      const result = check(dir, { ...settings, [name]: value });
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(new RegExp(`^deploy-check: ${name} has a default or example value`, 'm'));
      expect(result.stderr).not.toContain(value);
    },
  );

  it('given a TLS path that does not exist, when it runs for cloud, then it exits 1 naming the variable', () => {
    const { dir, settings } = deployment();
    const result = check(dir, { ...settings, TLS_KEY_FILE: join(dir, 'missing.pem') });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^deploy-check: TLS_KEY_FILE names .*missing\.pem, which is not a readable file/m);
  });

  it('given several problems, when it runs for cloud, then it names each one', () => {
    const { dir, settings } = deployment();
    const { POSTGRES_PASSWORD: _p, ...rest } = settings;
    const result = check(dir, { ...rest, GRAFANA_ADMIN_PASSWORD: 'admin', AWS_SECRET_ACCESS_KEY: 'churn-local-secret' });
    expect(result.status).toBe(1);
    expect(result.stderr.match(/^deploy-check: [A-Z_]+/gm)).toEqual(['deploy-check: POSTGRES_PASSWORD', 'deploy-check: GRAFANA_ADMIN_PASSWORD', 'deploy-check: AWS_SECRET_ACCESS_KEY']);
    expect(result.stderr).toContain('refused: 3 problem(s)');
  });

  it('given the secrets in .env.secrets, when it runs for cloud, then it reads them there, the environment winning', () => {
    const { dir, settings } = deployment();
    writeFileSync(join(dir, '.env.secrets'), Object.entries(settings).map(([k, v]) => `${k}="${v}"`).join('\n') + '\n');
    expect(check(dir, {}).status).toBe(0);
    const overridden = check(dir, { PREDICTOR_API_KEY: 'changeme' });
    expect(overridden.status).toBe(1);
    expect(overridden.stderr).toContain('PREDICTOR_API_KEY has a default or example value');
  });

  it('given no secrets, when it runs for local, then it exits 0: the local profile needs none', () => {
    expect(check(mkdtempSync(join(tmpdir(), 'deploy-check-')), {}, 'local').status).toBe(0);
  });
});

describe('make deploy-check', () => {
  const make = (env: Record<string, string>) =>
    spawnSync('make', ['--no-print-directory', 'deploy-check', 'env=cloud'], { cwd: repoRoot, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env } });

  it('given every secret in the environment, when make deploy-check env=cloud runs, then it exits 0', () => {
    const { settings } = deployment();
    const result = make(settings);
    expect({ status: result.status, stdout: result.stdout }).toEqual({ status: 0, stdout: expect.stringContaining('deploy-check: env=cloud: 7 secrets and 2 TLS files set') });
  });

  it('given an empty secret in the environment, when make deploy-check env=cloud runs, then it fails naming it', () => {
    const { settings } = deployment();
    const result = make({ ...settings, NGINX_AUTH_PASSWORD: '' });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/^deploy-check: NGINX_AUTH_PASSWORD is missing or empty/m);
  });
});
