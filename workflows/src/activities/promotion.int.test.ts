// The promotion gate on the native stack: the registry on 5051 (runs, model artifacts, versions,
// aliases), FerretDB on 27017 (logged predictions and outcomes in databases of this test's own,
// joined by @churn/drift's readLabelledWindow), the feature store's snapshot on S3 (prepareDataset).
// A challenger that looks better on its test split but ranks the recent customers worse stays a
// challenger; one that looks worse on its test split but ranks them better becomes champion.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createS3Client } from '@churn/aws';
import { buildReferenceProfile, contractSplit, defaultContract, loadCleanDataset, type ChurnRow } from '@churn/churn-data';
import { loadConfig } from '@churn/config';
import { mongoOutcomeStore, PREDICTIONS_COLLECTION } from '@churn/drift';
import { createLogger } from '@churn/logger';
import { MlflowClient } from '@churn/mlflow-client';
import { loadModelDir, writeModelDir } from '@churn/model';
import { runTrial } from '@churn/training';
import { createEngine, type XGBoostEngine } from '@churn/xgboost';
import { MongoClient, type Db } from 'mongodb';
import { workerConfigSchema } from '../config.js';
import { REPO_ROOT } from '../testing/test-env.js';
import type { Selection, TrialOutcome } from '../workflows/types.js';
import { createActivities, s3ObjectStore } from './index.js';

const id = `${Date.now().toString(36)}${process.pid}`;
const base = loadConfig(workerConfigSchema, { envFiles: [`${REPO_ROOT}.env.local`], env: process.env });
const config = loadConfig(workerConfigSchema, {
  envFiles: [`${REPO_ROOT}.env.local`],
  env: { ...process.env, MLFLOW_EXPERIMENT: `int-promotion-${id}`, MIN_TEST_AUC: '0.1', PROMOTION_WINDOW: '1d', PROMOTION_MIN_LABELLED: '200', PROMOTION_AUC_MARGIN: '0', LOG_LEVEL: 'warn' },
});
const contract = defaultContract();
const split = contractSplit(contract, loadCleanDataset(contract).rows);
const mlflow = new MlflowClient({ trackingUri: config.MLFLOW_TRACKING_URI });
const mongo = new MongoClient(base.MONGODB_URI);
// A database per case: the gate reads every run's labelled predictions of the window.
const databases = { better: `int_promotion_better_${id}`, worse: `int_promotion_worse_${id}` };
const s3 = createS3Client(config);
const logger = createLogger('promotion-int', { level: 'warn' });
const run = <A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A) =>
  new MockActivityEnvironment({}, { logger: new DefaultLogger('ERROR') }).run(fn, ...args) as Promise<R>;

let engine: XGBoostEngine;
let datasetHash: string;
const dirs: string[] = [];

/** A real model as a finished registry run: `strong` ranks churners well, the other is a one-split stump. */
async function loggedModel(strong: boolean, experimentId: string): Promise<{ runId: string; chances: (rows: ChurnRow[]) => Promise<Float64Array>; testAuc: number }> {
  const params = { max_depth: strong ? 3 : 1, eta: 0.3, subsample: 1, colsample_bytree: 1, min_child_weight: 1, lambda: 1 };
  const trained = runTrial({ contract, split, params, engine, numBoostRound: strong ? 30 : 1 });
  const dir = await mkdtemp(join(tmpdir(), 'promotion-int-'));
  dirs.push(dir);
  await writeModelDir(dir, { booster: trained.booster, contract, preprocessor: trained.preprocessor, reference: buildReferenceProfile(contract, split.train), params: {} });
  trained.booster.dispose();
  const created = await mlflow.createRun({ experimentId, runName: strong ? 'strong' : 'stump' });
  await mlflow.uploadDir(created.info.run_id, dir, 'model');
  await mlflow.updateRun(created.info.run_id, { status: 'FINISHED', endTime: Date.now() });
  const chances = async (rows: ChurnRow[]) => {
    const model = await loadModelDir(dir, engine);
    try {
      return model.predict(rows);
    } finally {
      model.dispose();
    }
  };
  return { runId: created.info.run_id, chances, testAuc: trained.metrics.test.auc };
}

const candidate = (runId: string, testAuc: number): TrialOutcome => ({ trialIndex: 0, runId, params: {}, validationAuc: testAuc, testAuc, durationMs: 1, reused: false });

/** 300 of the champion's predictions of the last hours, as the prediction log writes them, with outcomes as POST /outcomes stores them. */
async function servedAndLabelled(db: Db, runId: string, chancesOf: (rows: ChurnRow[]) => Promise<Float64Array>, tag: string): Promise<void> {
  const rows = split.test.slice(0, 300);
  const chances = await chancesOf(rows);
  const now = Date.now();
  await db
    .collection(PREDICTIONS_COLLECTION)
    .insertMany(
      rows.map(({ churned: _label, ...features }, i) => ({
        model_run_id: runId,
        source: 'http' as const,
        features,
        churn_chance: chances[i] as number,
        latency_ms: 1,
        created_at: new Date(now - 3_600_000 + i * 1_000),
        request_id: `${tag}-${i}`,
      })),
    );
  const stored = await mongoOutcomeStore(db).insert(rows.map((r, i) => ({ request_id: `${tag}-${i}`, churned: r.churned as 0 | 1, observed_at: new Date(now) })));
  expect(stored).toEqual({ stored: 300, duplicates: 0 });
}

beforeAll(async () => {
  engine = await createEngine('auto');
  ({ datasetHash } = await run(activitiesFor('unused', mongo.db(databases.worse)).prepareDataset, {}));
}, 60_000);

afterAll(async () => {
  for (const name of Object.values(databases)) await mongo.db(name).dropDatabase().catch(() => undefined);
  await mongo.close();
  s3.destroy();
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

function activitiesFor(registeredModel: string, db: Db) {
  return createActivities({ s3: s3ObjectStore(s3), mlflow, mongoDb: db, engine, config: { ...config, REGISTERED_MODEL: registeredModel }, logger });
}

describe('the promotion gate on the native stack', () => {
  it.each([
    ['a stump challenger claiming the better test AUC', false],
    ['a strong challenger claiming the worse test AUC', true],
  ])('given a champion with 300 labelled predictions in Mongo, when %s is registered, then the recent outcomes decide and the tuning run says why', async (_case, strongChallenger) => {
    const which = strongChallenger ? 'better' : 'worse';
    const modelName = `int-promotion-${which}-${id}`;
    const db = mongo.db(databases[which]);
    const activities = activitiesFor(modelName, db);
    const experimentId = await mlflow.getOrCreateExperiment(config.MLFLOW_EXPERIMENT);
    const championModel = await loggedModel(!strongChallenger, experimentId);
    const challengerModel = await loggedModel(strongChallenger, experimentId);

    // The champion: registered first, with no one to beat.
    const first = await run(activities.createParentRun, { workflowId: `${modelName}-1`, datasetHash, trials: 1, seed: 42, reason: 'test' });
    const registered = await run(activities.selectAndRegister, { parentRunId: first.runId, datasetHash, candidates: [candidate(championModel.runId, championModel.testAuc)] });
    expect(registered).toMatchObject({ champion: true, version: '1' });
    await servedAndLabelled(db, championModel.runId, championModel.chances, modelName);

    // The challenger claims a test AUC that would win (stump) or lose (strong) under the test-split rule alone.
    const claimed = strongChallenger ? 0.5 : 0.9999;
    const parent = await run(activities.createParentRun, { workflowId: `${modelName}-2`, datasetHash, trials: 1, seed: 42, reason: 'test' });
    const selection: Selection = await run(activities.selectAndRegister, { parentRunId: parent.runId, datasetHash, candidates: [candidate(challengerModel.runId, claimed)] });

    expect(selection).toMatchObject({ version: '2', champion: strongChallenger, promotion: { promote: strongChallenger, basis: 'recent-outcomes', recentRows: 300 } });
    const { championRecentAuc, challengerRecentAuc } = selection.promotion ?? {};
    expect(strongChallenger ? (challengerRecentAuc as number) > (championRecentAuc as number) : (challengerRecentAuc as number) < (championRecentAuc as number)).toBe(true);
    expect((await mlflow.getModelVersionByAlias(modelName, 'champion'))?.version).toBe(strongChallenger ? '2' : '1');
    expect((await mlflow.getModelVersionByAlias(modelName, 'challenger'))?.version).toBe('2');
    const { data } = await mlflow.getRun(parent.runId);
    const tags = Object.fromEntries(data.tags.map((t) => [t.key, t.value]));
    expect(tags).toMatchObject({ promotion: strongChallenger ? 'promoted' : 'kept champion', promotion_basis: 'recent-outcomes', promotion_reason: selection.promotion?.reason });
    expect(tags['promotion_reason']).toMatch(/on 300 labelled predictions of the last 1d$/);
    const metric = (key: string) => data.metrics.find((m) => m.key === key)?.value;
    expect([metric('promotion_labelled_rows'), metric('promotion_champion_recent_auc'), metric('promotion_challenger_recent_auc')]).toEqual([300, championRecentAuc, challengerRecentAuc]);
  }, 90_000);
});
