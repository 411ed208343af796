// Payloads exchanged between workflows, activities and clients. Plain JSON, kept small: datasets
// travel by content hash, models by registry run id.

/** Hyperparameters of one trial; opaque to the workflows (the tuner owns their meaning). */
export type TrialParams = Record<string, number | string>;

export interface TuningInput {
  /** Trials to run in total (TUNING_TRIALS, 50). */
  trials?: number;
  /** Trials running at the same time. */
  parallelism?: number;
  /** Trials suggested together; each batch is guided by every earlier result. */
  batchSize?: number;
  /** Seed of the tuner and of every trial. */
  seed?: number;
  /** The dataset contract to tune on (a shipped name or a path on the worker); DATASET by default. */
  dataset?: string;
  /** Overrides the dataset's snapshot folder under FEATURE_STORE_URI (tests use their own prefix). */
  featureStoreUri?: string;
  /** Why this run started (schedule, cli, drift), logged as a tag of the parent run. */
  reason?: string;
  /** A trial silent this long (a lost worker) is retried elsewhere; training one model must fit in it. */
  trialHeartbeatTimeoutMs?: number;
}

export interface DatasetRef {
  /** The contract's name (DATASET). */
  dataset: string;
  /** sha256 of the stored split and contract: trials train on exactly this data, whatever retries happen. */
  datasetHash: string;
  splitUri: string;
  sourceUri: string;
  rows: number;
  train: number;
  validation: number;
  test: number;
  /** Rows left out for a missing value under `missing: drop`. */
  droppedMissing: number;
  invalid: number;
}

export interface ParentRun {
  runId: string;
  experimentId: string;
}

export interface Observation {
  params: TrialParams;
  /** 1 - validation AUC: the tuner minimises it. */
  loss: number;
}

export interface SuggestInput {
  /** The tuner's serialised state from the previous batch, null for the first one. */
  state: unknown;
  seed: number;
  trials: number;
  /** Results since the previous suggestion. */
  observations: Observation[];
  count: number;
}

export interface Suggestion {
  params: TrialParams[];
  state: unknown;
}

export interface TrialInput {
  experimentId: string;
  parentRunId: string;
  datasetHash: string;
  trialIndex: number;
  /** workflowId/trialIndex: the tag that makes a retried trial find its run instead of creating one. */
  trialKey: string;
  params: TrialParams;
  seed: number;
}

export interface TrialOutcome {
  trialIndex: number;
  runId: string;
  params: TrialParams;
  validationAuc: number;
  testAuc: number;
  durationMs: number;
  /** True when an earlier attempt had already finished this trial's run. */
  reused: boolean;
}

export interface SelectInput {
  parentRunId: string;
  datasetHash: string;
  candidates: TrialOutcome[];
}

export interface Selection {
  runId: string;
  version: string;
  validationAuc: number;
  testAuc: number;
  /** True when the new model took the champion alias. */
  champion: boolean;
  /** The champion before this run, scored on this run's test split. */
  previousChampion?: { runId: string; version: string; testAuc: number };
  /** Why champion moved or stayed when there was one of the same dataset (also the tuning run's promotion_* tags). */
  promotion?: {
    promote: boolean;
    basis: 'recent-outcomes' | 'test-split';
    reason: string;
    /** Recent labelled predictions both models were scored on, and their AUCs there (null: not scored). */
    recentRows: number;
    championRecentAuc: number | null;
    challengerRecentAuc: number | null;
  };
}

export type RunStatus = 'FINISHED' | 'FAILED' | 'KILLED';

export interface FinishParentInput {
  runId: string;
  status: RunStatus;
  metrics?: Record<string, number>;
  tags?: Record<string, string>;
}

export interface TuningResult {
  bestRunId: string;
  metrics: { validation_auc: number; test_auc: number };
  version: string;
  champion: boolean;
  parentRunId: string;
  datasetHash: string;
  completed: number;
  failed: number;
}

export type TuningPhase = 'preparing' | 'tuning' | 'registering' | 'done' | 'failed' | 'cancelled';

export interface TuningProgress {
  phase: TuningPhase;
  total: number;
  launched: number;
  completed: number;
  failed: number;
  parentRunId?: string;
  datasetHash?: string;
  best?: { runId: string; trialIndex: number; validationAuc: number; testAuc: number };
}

export interface DriftReportInput {
  /** Window of logged predictions to compare, ending now (DRIFT_REPORT_EVERY, 3 h). */
  windowMs?: number;
  /** Drifted feature share from which a retrain starts (DRIFT_RETRAIN_SHARE). */
  retrainShare?: number;
  /** At most one drift- or quality-triggered retrain per period (DRIFT_RETRAIN_COOLDOWN); 0 disables retraining. */
  cooldownMs?: number;
  /** A realised or estimated AUC this far below the run's test AUC starts a retrain (QUALITY_RETRAIN_MARGIN). */
  qualityMargin?: number;
  /** Labelled predictions (realised) or predictions (estimated) needed before the AUC is trusted. */
  qualityMinRows?: number;
  /** Options of the retrain's tuning run. */
  tuning?: TuningInput;
  /** Start of the retrain's workflow id (`retrain`): reports sharing it share the cooldown. */
  retrainIdPrefix?: string;
}

export interface DriftWindow {
  from: string;
  to: string;
}

export interface DriftSummary {
  /** The model whose reference profile was compared; absent when no model is served yet. */
  runId?: string;
  rows: number;
  driftedShare: number;
  datasetDrift: boolean;
  driftedFeatures: string[];
  /**
   * The served run's predictions of QUALITY_WINDOW and how many have an outcome, their realised AUC and
   * the CBPE estimate over all (null: not computable), and the run's logged test AUC when it has one.
   */
  quality?: { labelled: number; predictions: number; auc: number | null; estimatedAuc: number | null; testAuc?: number };
  reportPath?: string;
  reportKey?: string;
  /** Why no report was made (no model, no predictions in the window). */
  skipped?: string;
}

export interface DriftReportResult {
  report: DriftSummary;
  retrain: { started: boolean; workflowId?: string; reason: string };
}
