import type { Db } from 'mongodb';
import { Gauge, type Registry } from 'prom-client';
import { estimateWindow, type CalibrationSet } from './cbpe.js';
import { prepareRows, qualityOfPairs, type ClassificationQuality, type LabelledRow, type PreparedPairs } from './classification.js';
import type { DatasetContract } from '@churn/churn-data';
import { readLabelledWindow } from './outcomes.js';
import { boundedSegmentQuality, MAX_SEGMENT_LEVELS } from './segment-quality.js';

export const QUALITY_METRICS = {
  quality: 'churn_model_quality',
  labelled: 'churn_model_quality_labelled',
  predictions: 'churn_model_quality_predictions',
  estimated: 'churn_model_quality_estimated',
  unjoined: 'churn_model_quality_unjoined_outcomes',
  duplicates: 'churn_model_quality_duplicate_outcomes',
  testAuc: 'churn_model_test_auc',
  segment: 'churn_model_quality_segment',
} as const;

/** The figures exported as `churn_model_quality{measure=...}` (and per segment); null where undefined (AUC on one class). */
function measuresOf(q: ClassificationQuality): Record<'auc' | 'log_loss' | 'brier' | 'accuracy' | 'deviated_share' | 'precision' | 'recall' | 'f1', number | null> {
  return { auc: q.auc, log_loss: q.logLoss, brier: q.brier, accuracy: q.accuracy, deviated_share: q.deviatedShare, precision: q.precision, recall: q.recall, f1: q.f1 };
}

export interface QualityMonitorOptions {
  db: Db;
  registry: Registry;
  /** The served model run, read at each refresh (a promotion switches the gauges to the new run). */
  runId: () => string | undefined;
  /** Predictions made this far back are judged. */
  windowMs: number;
  /** How often the window is re-read; a refresh still running is not started twice. */
  everyMs: number;
  /** Most recent predictions read per refresh (bounds the cost on a busy predictor). */
  limit?: number;
  /** The served run's dataset contract: quality per level of each of its categorical features (none without it). */
  contract?: (runId: string) => DatasetContract | undefined;
  /** The run's test AUC as logged at training (undefined when it has none): the yardstick of the quality-drop alerts. */
  testAuc?: (runId: string) => Promise<number | undefined>;
  /** The served run's test-split chances and labels (its model directory's test-predictions.json), what the estimate calibrates on. */
  testPredictions?: (runId: string) => CalibrationSet | undefined;
  /** Called once per run that has no test predictions: its estimate falls back to the window's labelled predictions. */
  onNoTestPredictions?: (runId: string) => void;
  onError?: (error: unknown) => void;
}

/**
 * Realised quality of the served model on /metrics: every `everyMs` it joins the outcomes to the run's
 * predictions of the last `windowMs` and sets one gauge per measure. Periodic rather than per outcome:
 * the join reads Mongo, and Prometheus only looks every few seconds anyway.
 */
export class QualityMonitor {
  private readonly quality: Gauge<'run_id' | 'measure'>;
  private readonly labelled: Gauge<'run_id'>;
  private readonly predictions: Gauge<'run_id'>;
  private readonly unjoined: Gauge<'run_id'>;
  private readonly duplicates: Gauge<'run_id'>;
  private readonly estimated: Gauge<'run_id' | 'measure' | 'calibration'>;
  private readonly testAuc: Gauge<'run_id'>;
  private readonly segment: Gauge<'run_id' | 'feature' | 'value' | 'measure'>;
  // Looked up once per run: a training result does not change.
  private readonly testAucs = new Map<string, number | undefined>();
  private readonly fallbackTold = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<ClassificationQuality | undefined> | undefined;

  constructor(private readonly options: QualityMonitorOptions) {
    const { registry } = options;
    this.quality = new Gauge({ name: QUALITY_METRICS.quality, help: 'Realised quality of the served model on labelled predictions of the window (measure: auc, log_loss, brier, and at 0.5 accuracy, deviated_share (decisions the outcome contradicted), precision, recall, f1)', labelNames: ['run_id', 'measure'] as const, registers: [registry] });
    this.labelled = new Gauge({ name: QUALITY_METRICS.labelled, help: 'Predictions of the window joined to an outcome', labelNames: ['run_id'] as const, registers: [registry] });
    this.unjoined = new Gauge({
      name: QUALITY_METRICS.unjoined,
      help: "Outcomes received since the window start (less a day) that label none of the run's predictions: unknown, another run's, or not logged yet",
      labelNames: ['run_id'] as const,
      registers: [registry],
    });
    this.duplicates = new Gauge({
      name: QUALITY_METRICS.duplicates,
      help: 'Outcomes received since the window start (less a day) naming the same prediction as one received before them: ignored (the first received labels)',
      labelNames: ['run_id'] as const,
      registers: [registry],
    });
    this.estimated = new Gauge({
      name: QUALITY_METRICS.estimated,
      help: "Quality estimated from the chances of every prediction of the window, labelled or not (CBPE; calibration: test when isotonic on the model's test split, labelled on the window's labelled predictions for a model without test predictions, none when the raw chances are taken as probabilities)",
      labelNames: ['run_id', 'measure', 'calibration'] as const,
      registers: [registry],
    });
    this.testAuc = new Gauge({ name: QUALITY_METRICS.testAuc, help: 'Test AUC of the served run as logged at training (what the quality-drop alerts compare with)', labelNames: ['run_id'] as const, registers: [registry] });
    this.segment = new Gauge({
      name: QUALITY_METRICS.segment,
      help: `Realised quality per level (value) of each categorical feature of the contract on the window's labelled predictions (measure: labelled, and those of ${QUALITY_METRICS.quality}); values the contract does not list and levels past the 20 most frequent are pooled as (other)`,
      labelNames: ['run_id', 'feature', 'value', 'measure'] as const,
      registers: [registry],
    });
    this.predictions = new Gauge({ name: QUALITY_METRICS.predictions, help: 'Predictions of the window read for the quality join', labelNames: ['run_id'] as const, registers: [registry] });
  }

  start(): void {
    this.timer ??= setInterval(() => void this.refresh(), this.options.everyMs).unref();
    void this.refresh();
  }

  /** Stops refreshing; resolves once a refresh under way is done, so its Mongo client can be closed after. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Recomputes the gauges now; resolves with the figures (undefined without a run or labelled predictions, or on error). */
  refresh(now = new Date()): Promise<ClassificationQuality | undefined> {
    this.running ??= this.compute(now).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async compute(now: Date): Promise<ClassificationQuality | undefined> {
    const runId = this.options.runId();
    if (!runId) return undefined;
    try {
      const window = await readLabelledWindow(this.options.db, {
        runId,
        from: new Date(now.getTime() - this.options.windowMs),
        to: now,
        ...(this.options.limit ? { limit: this.options.limit } : {}),
      });
      const testAuc = await this.testAucOf(runId);
      // Only the served run's series: a promoted-away run's figures would otherwise stay frozen.
      for (const gauge of [this.quality, this.labelled, this.predictions, this.unjoined, this.duplicates, this.estimated, this.testAuc, this.segment]) gauge.reset();
      if (testAuc !== undefined) this.testAuc.set({ run_id: runId }, testAuc);
      this.labelled.set({ run_id: runId }, window.rows.length);
      this.predictions.set({ run_id: runId }, window.predictions);
      this.unjoined.set({ run_id: runId }, window.unjoined);
      this.duplicates.set({ run_id: runId }, window.duplicates);
      this.setEstimate(runId, window.chances, window.rows);
      if (window.rows.length === 0) return undefined;
      // Prepared once (checked, ranked by chance) for the window's figures and every segment's.
      const pairs = prepareRows(window.rows);
      const q = qualityOfPairs(pairs);
      for (const [measure, value] of Object.entries(measuresOf(q))) {
        if (value !== null) this.quality.set({ run_id: runId, measure }, value);
      }
      this.setSegments(runId, window.rows, pairs);
      return q;
    } catch (error) {
      this.options.onError?.(error);
      return undefined;
    }
  }

  /** A failed lookup (registry down) is not remembered, so the next refresh asks again. */
  private async testAucOf(runId: string): Promise<number | undefined> {
    const lookup = this.options.testAuc;
    if (!lookup) return undefined;
    if (this.testAucs.has(runId)) return this.testAucs.get(runId);
    try {
      const value = await lookup(runId);
      this.testAucs.set(runId, value);
      return value;
    } catch (error) {
      this.options.onError?.(error);
      return undefined;
    }
  }

  private setSegments(runId: string, rows: readonly LabelledRow[], pairs: PreparedPairs): void {
    const contract = this.options.contract?.(runId);
    if (!contract) return;
    for (const [feature, levels] of Object.entries(boundedSegmentQuality(contract, rows, MAX_SEGMENT_LEVELS, pairs))) {
      for (const [value, q] of Object.entries(levels)) {
        this.segment.set({ run_id: runId, feature, value, measure: 'labelled' }, q.count);
        for (const [measure, figure] of Object.entries(measuresOf(q))) {
          if (figure !== null) this.segment.set({ run_id: runId, feature, value, measure }, figure);
        }
      }
    }
  }

  /** The estimate needs no labels, so it covers the recent predictions whose outcomes are not known yet. */
  private setEstimate(runId: string, chances: readonly number[], labelled: readonly { chance: number; label: 0 | 1 }[]): void {
    const test = this.options.testPredictions?.(runId);
    if (!test && !this.fallbackTold.has(runId)) {
      this.fallbackTold.add(runId);
      this.options.onNoTestPredictions?.(runId);
    }
    const window = estimateWindow(chances, labelled, test);
    if (!window) return;
    const { estimate, calibration } = window;
    const values = { auc: estimate.auc, accuracy: estimate.accuracy, deviated_share: estimate.deviatedShare, precision: estimate.precision, recall: estimate.recall, f1: estimate.f1 };
    for (const [measure, value] of Object.entries(values)) {
      if (value !== null) this.estimated.set({ run_id: runId, measure, calibration }, value);
    }
  }
}
