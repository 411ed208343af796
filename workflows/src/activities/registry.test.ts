import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildReferenceProfile, DatasetContract, defaultContract, loadCleanDataset, splitDataset, type ChurnRow, type DatasetSplit } from '@churn/churn-data';
import { createLogger } from '@churn/logger';
import { writeModelDir } from '@churn/model';
import { runTrial } from '@churn/training';
import { createEngine, type XGBoostEngine } from '@churn/xgboost';
import { fakeRegistry, quietActivityEnv, runIn } from '../testing/fakes.js';
import type { TrialOutcome } from '../workflows/types.js';
import { createRegistryActivities, type LabelledPredictions, type RegistryClient } from './registry.js';

const logger = createLogger('test', { level: 'silent' });
const contract = defaultContract();
const split: DatasetSplit<ChurnRow> = splitDataset(loadCleanDataset().rows.slice(0, 1_500), 42);
let engine: XGBoostEngine;

beforeAll(async () => {
  engine = await createEngine('auto');
});

const candidate = (trialIndex: number, validationAuc: number, testAuc: number): TrialOutcome => ({
  trialIndex,
  runId: `run${trialIndex}`,
  params: {},
  validationAuc,
  testAuc,
  durationMs: 1,
  reused: false,
});

function setup(minTestAuc = 0.75, labelledPredictions: LabelledPredictions = async () => ({ rows: [] })) {
  const registry = fakeRegistry();
  const activities = createRegistryActivities({
    mlflow: registry.client as unknown as RegistryClient,
    engine,
    loadDataset: async () => ({ contract, split }),
    labelledPredictions,
    config: { MLFLOW_EXPERIMENT: 'churn-tuning', REGISTERED_MODEL: 'churn-model', MIN_TEST_AUC: minTestAuc, PROMOTION_WINDOW: 86_400_000, PROMOTION_MIN_LABELLED: 200, PROMOTION_AUC_MARGIN: 0 },
    logger,
  });
  return { registry, activities };
}

/** A real model directory trained on the split: `strong` ranks churners well, the other is a one-split stump. */
async function modelDir(strong: boolean): Promise<string> {
  const params = { max_depth: strong ? 3 : 1, eta: 0.3, subsample: 1, colsample_bytree: 1, min_child_weight: 1, lambda: 1 };
  const trained = runTrial({ contract, split, params, engine, numBoostRound: strong ? 30 : 1 });
  const dir = await mkdtemp(join(tmpdir(), strong ? 'strong-' : 'stump-'));
  await writeModelDir(dir, { booster: trained.booster, contract, preprocessor: trained.preprocessor, reference: buildReferenceProfile(contract, split.train), params: {} });
  trained.booster.dispose();
  return dir;
}

/** Runs whose ids match the candidates', so versions can point at them. */
async function seedRuns(registry: ReturnType<typeof fakeRegistry>, count: number) {
  for (let i = 0; i < count; i += 1) await registry.client.createRun({ experimentId: '1' });
}

describe('selectAndRegister', () => {
  it('when there is no champion, then the best by validation AUC becomes a version with both aliases', async () => {
    const { registry, activities } = setup();
    await seedRuns(registry, 3);
    const selection = await runIn(quietActivityEnv(), activities.selectAndRegister, {
      parentRunId: 'run1',
      datasetHash: 'h',
      candidates: [candidate(1, 0.8, 0.9), candidate(2, 0.85, 0.8), candidate(3, 0.82, 0.95)],
    });
    expect(selection).toMatchObject({ runId: 'run2', version: '1', champion: true, validationAuc: 0.85, testAuc: 0.8 });
    expect(registry.versions.map((v) => [v.run_id, v.source])).toEqual([['run2', 'mlflow-artifacts:/1/run2/artifacts/model']]);
    expect(Object.fromEntries(registry.aliases)).toEqual({ challenger: '1', champion: '1' });
  });

  it('when the activity is retried after registering, then no second version is created', async () => {
    const { registry, activities } = setup();
    await seedRuns(registry, 2);
    const input = { parentRunId: 'run1', datasetHash: 'h', candidates: [candidate(2, 0.85, 0.8)] };
    await runIn(quietActivityEnv(), activities.selectAndRegister, input);
    const again = await runIn(quietActivityEnv({ attempt: 2 }), activities.selectAndRegister, input);
    expect(again.version).toBe('1');
    expect(registry.versions).toHaveLength(1);
  });

  it('when the best test AUC is under MIN_TEST_AUC, then nothing is registered and the activity fails for good', async () => {
    const { registry, activities } = setup(0.9);
    await seedRuns(registry, 2);
    await expect(
      runIn(quietActivityEnv(), activities.selectAndRegister, { parentRunId: 'run1', datasetHash: 'h', candidates: [candidate(2, 0.85, 0.8)] }),
    ).rejects.toMatchObject({ type: 'QualityGateError', nonRetryable: true, message: expect.stringMatching(/test AUC 0\.8000 < MIN_TEST_AUC 0\.9/) });
    expect(registry.versions).toHaveLength(0);
    expect(registry.aliases.size).toBe(0);
    expect(registry.runs.get('run1')?.data.tags).toEqual(expect.arrayContaining([expect.objectContaining({ key: 'quality_gate' })]));
  });

  it.each([
    ['scores better than the new model', 0.5, false],
    ['scores worse than the new model', 0.9999, true],
  ])('when the champion %s on the same test split, then champion moves only if the new model wins', async (_case, newTestAuc, promoted) => {
    const { registry, activities } = setup(0.1);
    await seedRuns(registry, 3);
    // The champion: a real model trained on this split, scored again by the activity.
    const trained = runTrial({ contract, split, params: { max_depth: 3, eta: 0.3, subsample: 1, colsample_bytree: 1, min_child_weight: 1, lambda: 1 }, engine, numBoostRound: 30 });
    const dir = await mkdtemp(join(tmpdir(), 'champion-'));
    await writeModelDir(dir, { booster: trained.booster, contract, preprocessor: trained.preprocessor, reference: buildReferenceProfile(contract, split.train), params: {} });
    registry.modelDirs.set('run1', dir);
    registry.versions.push({ name: 'churn-model', version: '1', run_id: 'run1', source: 's', tags: [], aliases: [], current_stage: 'None', description: '', status: 'READY' });
    registry.aliases.set('champion', '1');

    const selection = await runIn(quietActivityEnv(), activities.selectAndRegister, { parentRunId: 'run2', datasetHash: 'h', candidates: [candidate(3, 0.9, newTestAuc)] });
    expect(selection.previousChampion).toMatchObject({ runId: 'run1', version: '1', testAuc: trained.metrics.test.auc });
    expect(selection.champion).toBe(promoted);
    expect(registry.aliases.get('challenger')).toBe('2');
    expect(registry.aliases.get('champion')).toBe(promoted ? '2' : '1');
    trained.booster.dispose();
  }, 30_000);

  it.each([
    ['a stump challenger with the better test AUC', false, 0.9999, false],
    ['a strong challenger with the worse test AUC', true, 0.5, true],
  ])('given 250 recent labelled predictions, when %s is registered, then the labelled predictions decide and the tuning run says why', async (_case, strongChallenger, claimedTestAuc, promoted) => {
    // As logged: the request's features and the outcome, here the test rows (the models trained on train).
    const recent = split.test.slice(0, 250).map(({ churned, ...features }) => ({ features, label: churned as 0 | 1 }));
    const windows: { from: Date; to: Date }[] = [];
    const { registry, activities } = setup(0.1, async (window) => {
      windows.push(window);
      return { rows: recent };
    });
    await seedRuns(registry, 3);
    registry.modelDirs.set('run1', await modelDir(!strongChallenger));
    registry.modelDirs.set('run3', await modelDir(strongChallenger));
    registry.versions.push({ name: 'churn-model', version: '1', run_id: 'run1', source: 's', tags: [], aliases: [], current_stage: 'None', description: '', status: 'READY' });
    registry.aliases.set('champion', '1');

    const selection = await runIn(quietActivityEnv(), activities.selectAndRegister, { parentRunId: 'run2', datasetHash: 'h', candidates: [candidate(3, 0.9, claimedTestAuc)] });
    expect(selection.champion).toBe(promoted);
    expect(registry.aliases.get('champion')).toBe(promoted ? '2' : '1');
    expect(registry.aliases.get('challenger')).toBe('2');
    const { promotion } = selection;
    expect(promotion).toMatchObject({ promote: promoted, basis: 'recent-outcomes', recentRows: 250, reason: expect.stringMatching(promoted ? / beats the champion's / : / does not beat the champion's /) });
    // The stump is clearly worse on these customers, whichever side it is on.
    const [better, worse] = promoted ? [promotion?.challengerRecentAuc, promotion?.championRecentAuc] : [promotion?.championRecentAuc, promotion?.challengerRecentAuc];
    expect((better as number) - (worse as number)).toBeGreaterThan(0.05);
    expect(windows[0] && windows[0].to.getTime() - windows[0].from.getTime()).toBe(86_400_000);
    const tags = Object.fromEntries((registry.runs.get('run2')?.data.tags ?? []).map((t) => [t.key, t.value]));
    expect(tags).toMatchObject({ promotion: promoted ? 'promoted' : 'kept champion', promotion_basis: 'recent-outcomes', promotion_reason: promotion?.reason });
  }, 30_000);

  it('given too few recent labelled predictions, when a model is registered, then the test split decides and the reason says so', async () => {
    const { registry, activities } = setup(0.1, async () => ({ rows: split.test.slice(0, 50).map(({ churned, ...features }) => ({ features, label: churned as 0 | 1 })) }));
    await seedRuns(registry, 3);
    registry.modelDirs.set('run1', await modelDir(true));
    registry.versions.push({ name: 'churn-model', version: '1', run_id: 'run1', source: 's', tags: [], aliases: [], current_stage: 'None', description: '', status: 'READY' });
    registry.aliases.set('champion', '1');

    const selection = await runIn(quietActivityEnv(), activities.selectAndRegister, { parentRunId: 'run2', datasetHash: 'h', candidates: [candidate(3, 0.9, 0.9999)] });
    expect(selection).toMatchObject({ champion: true, promotion: { basis: 'test-split', recentRows: 50, championRecentAuc: null, reason: expect.stringMatching(/^only 50 labelled predictions in the last 1d \(PROMOTION_MIN_LABELLED 200\): compared on the test split instead/) } });
    expect(registry.aliases.get('champion')).toBe('2');
  }, 30_000);

  it('when the champion serves another dataset, then no AUC is compared: the new model is only the challenger, tagged with its dataset', async () => {
    const { registry, activities } = setup(0.1);
    await seedRuns(registry, 3);
    // The champion: a real model of the telco contract, whose rows this split cannot score.
    const telco = DatasetContract.resolve('telco');
    const telcoSplit = splitDataset(loadCleanDataset(telco).rows.slice(0, 1_500), 42);
    const trained = runTrial({ contract: telco, split: telcoSplit, params: { max_depth: 3, eta: 0.3, subsample: 1, colsample_bytree: 1, min_child_weight: 1, lambda: 1 }, engine, numBoostRound: 10 });
    const dir = await mkdtemp(join(tmpdir(), 'champion-telco-'));
    await writeModelDir(dir, { booster: trained.booster, contract: telco, preprocessor: trained.preprocessor, reference: buildReferenceProfile(telco, telcoSplit.train), params: {} });
    registry.modelDirs.set('run1', dir);
    registry.versions.push({ name: 'churn-model', version: '1', run_id: 'run1', source: 's', tags: [], aliases: [], current_stage: 'None', description: '', status: 'READY' });
    registry.aliases.set('champion', '1');

    const selection = await runIn(quietActivityEnv(), activities.selectAndRegister, { parentRunId: 'run2', datasetHash: 'h', candidates: [candidate(3, 0.9, 0.9999)] });
    expect(selection.champion).toBe(false);
    expect(selection.previousChampion).toBeUndefined();
    expect(registry.aliases.get('champion')).toBe('1');
    expect(registry.aliases.get('challenger')).toBe('2');
    expect(registry.versions.find((v) => v.version === '2')?.tags).toEqual(expect.arrayContaining([expect.objectContaining({ key: 'dataset', value: 'bankchurners' })]));
    trained.booster.dispose();
  }, 30_000);
});

describe('createParentRun', () => {
  it('when it is retried, then it finds the run of the first attempt', async () => {
    const { registry, activities } = setup();
    const input = { workflowId: 'tuning-1', datasetHash: 'h', trials: 4, seed: 42, reason: 'test' };
    const first = await runIn(quietActivityEnv(), activities.createParentRun, input);
    const again = await runIn(quietActivityEnv({ attempt: 2 }), activities.createParentRun, input);
    expect(again).toEqual(first);
    expect(registry.runs.size).toBe(1);
  });
});
