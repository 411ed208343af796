import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '@churn/config';
import { simulatorConfigSchema, withContract } from './config.js';

const root = join(import.meta.dirname, '..', '..', '..');
const aws = { AWS_ACCESS_KEY_ID: 'key', AWS_SECRET_ACCESS_KEY: 'secret' };
const configFor = (env: Record<string, string>) => withContract(loadConfig(simulatorConfigSchema, { env: { ...aws, ...env } }));

function contractFile(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'simulator-config-')), 'shop.yaml');
  writeFileSync(
    file,
    `version: 1
name: shop
source: shop.csv
target: { column: left, positive: ['1'], negative: ['0'] }
features:
  - { name: orders, kind: integer, min: 0, max: 500 }
  - { name: member, kind: boolean }
`,
  );
  return file;
}

describe('simulator config', () => {
  it('given the cloud profile and HTTP traffic, when PREDICTOR_API_KEY is missing, then loading fails naming it', () => {
    expect(() => configFor({ CHURN_PROFILE: 'cloud', SIMULATOR_TARGETS: 'http' })).toThrow(/^invalid configuration: PREDICTOR_API_KEY: must be set/);
  });

  it('given the cloud profile and stream traffic only, when PREDICTOR_API_KEY is missing, then it loads', () => {
    expect(configFor({ CHURN_PROFILE: 'cloud', SIMULATOR_TARGETS: 'stream' }).SIMULATOR_TARGETS).toEqual(['stream']);
  });

  it('when DATASET is unset, then the BankChurners contract is resolved and today\'s drift spec parses against it', () => {
    const config = configFor({ SIMULATOR_DRIFT: 'credit_limit*1.8,customer_age+5,card_category=gold:0.5' });
    expect(config.contract.name).toBe('bankchurners');
    expect(config.SIMULATOR_DRIFT.map((r) => r.feature)).toEqual(['credit_limit', 'customer_age', 'card_category']);
  });

  it('when DATASET is a path to another contract, then SIMULATOR_DRIFT is checked against that contract', () => {
    const file = contractFile();
    expect(configFor({ DATASET: file, SIMULATOR_DRIFT: 'orders*2,member=yes' }).SIMULATOR_DRIFT).toEqual([
      { kind: 'scale', feature: 'orders', factor: 2, min: 0, max: 500, integer: true },
      { kind: 'level', feature: 'member', value: 1, share: 1 },
    ]);
    expect(() => configFor({ DATASET: file, SIMULATOR_DRIFT: 'credit_limit*2' })).toThrow(
      new ConfigError('SIMULATOR_DRIFT', 'drift "credit_limit*2": credit_limit is not a feature of shop; choose from orders'),
    );
  });

  it('when outcomes are configured, then the share, the delay and the concept drift are parsed', () => {
    const config = configFor({ SIMULATOR_OUTCOME_SHARE: '0.8', SIMULATOR_OUTCOME_DELAY: '500ms', SIMULATOR_CONCEPT_DRIFT: '0.3@10m' });
    expect([config.SIMULATOR_OUTCOME_SHARE, config.SIMULATOR_OUTCOME_DELAY, config.SIMULATOR_CONCEPT_DRIFT, config.OUTCOMES_STREAM]).toEqual([0.8, 500, { share: 0.3, afterMs: 600_000 }, 'outcomes']);
  });

  it('when nothing about outcomes is set, then none are sent', () => {
    const config = configFor({});
    expect([config.SIMULATOR_OUTCOME_SHARE, config.SIMULATOR_CONCEPT_DRIFT]).toEqual([0, undefined]);
  });

  it.each([
    [{ SIMULATOR_OUTCOME_SHARE: '1.5' }, /^invalid configuration: SIMULATOR_OUTCOME_SHARE: must be between 0 and 1/],
    [{ SIMULATOR_OUTCOME_DELAY: 'soon' }, /^invalid configuration: SIMULATOR_OUTCOME_DELAY: must be a duration/],
    [{ SIMULATOR_OUTCOME_SHARE: '1', SIMULATOR_CONCEPT_DRIFT: '30%' }, /^invalid configuration: SIMULATOR_CONCEPT_DRIFT: "30%" must be share@after/],
    [{ SIMULATOR_CONCEPT_DRIFT: '0.3@10m' }, /^invalid configuration: SIMULATOR_CONCEPT_DRIFT: flips outcomes, so SIMULATOR_OUTCOME_SHARE must be above 0/],
  ])('when the outcome settings are %p, then loading fails naming the variable', (env, message) => {
    expect(() => configFor(env)).toThrow(message);
  });

  it('when DATASET names no contract, then the error names DATASET and the file looked for', () => {
    expect(() => configFor({ DATASET: 'no-such-dataset' })).toThrow(/^invalid configuration: DATASET: .*no-such-dataset\.yaml: cannot read the contract/);
  });

  it('when the service starts with a drift rule on an unknown column, then it exits 1 with one line naming SIMULATOR_DRIFT, the column and the choices', () => {
    const run = spawnSync(process.execPath, ['--no-warnings', '--import', 'tsx', join(root, 'services/simulator/src/main.ts')], {
      cwd: root,
      env: { ...process.env, ENV_FILE: join(root, '.env.local'), DATASET: 'bankchurners', SIMULATOR_DRIFT: 'tenure*2' },
      encoding: 'utf8',
      timeout: 60_000,
      killSignal: 'SIGKILL',
    });
    expect(run.status).toBe(1);
    expect(run.stderr.trim().split('\n')).toEqual([
      'invalid configuration: SIMULATOR_DRIFT: drift "tenure*2": tenure is not a feature of bankchurners; choose from customer_age, dependent_count, months_on_book, total_relationship_count, credit_limit, total_revolving_bal',
    ]);
  }, 90_000);
});
