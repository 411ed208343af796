import type { DatasetContract, FeatureRow, ReferenceProfile } from '@churn/churn-data';
import { Gauge, type Registry } from 'prom-client';
import { computeDrift, type DriftOptions, type DriftResult } from './drift.js';

export const DRIFT_METRICS = {
  featureScore: 'churn_feature_drift_score',
  featureDrifted: 'churn_feature_drifted',
  datasetDrift: 'churn_dataset_drift',
  driftedShare: 'churn_drifted_features_share',
  predictionScore: 'churn_prediction_drift_score',
  windowRows: 'churn_drift_window_rows',
} as const;

/** What the monitor compares against: the served model's contract and reference profile (a loaded model has both). */
export interface MonitoredModel {
  contract: DatasetContract;
  reference: ReferenceProfile;
  runId?: string | undefined;
}

export interface LiveDriftMonitorOptions extends MonitoredModel {
  registry: Registry;
  /** Most recent observations kept (default 500). */
  windowSize?: number;
  /** Recompute after this many new observations (default 100); 0 turns it off. */
  everyN?: number;
  /** Also recompute on this interval in ms (default off); the timer does not hold the process. */
  intervalMs?: number;
  /**
   * At most one everyN recompute per this many ms (default 0: no limit); one due sooner is deferred,
   * not dropped. A recompute blocks the event loop for milliseconds, so under heavy traffic everyN
   * alone would run it many times a second, while Prometheus reads the gauges every few seconds.
   */
  minIntervalMs?: number;
  /** No verdict before this many observations (default min(windowSize, 100)). */
  minObservations?: number;
  /**
   * Drift settings. Defaults: distances decide (normed Wasserstein, Jensen-Shannon; higher = more
   * drift, 0.1 threshold) so every gauge reads the same way, and the cheap asymptotic KS.
   */
  drift?: DriftOptions;
  /** Called after each recompute, e.g. to log; errors thrown here are ignored. */
  onResult?: (result: DriftResult, runId: string | undefined) => void;
  /** Called when a scheduled recompute fails (it never throws into the caller of observe). */
  onError?: (error: unknown) => void;
}

function gauge<T extends string>(registry: Registry, name: string, help: string, labelNames: readonly T[] = []): Gauge<T> {
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Gauge<T>;
  return new Gauge<T>({ name, help, labelNames, registers: [registry] });
}

/**
 * Live drift for a predictor: `observe` only writes into a ring buffer (O(1), safe on the request
 * path); the statistics run later, on setImmediate every `everyN` observations or on the interval.
 */
export class LiveDriftMonitor {
  private model: MonitoredModel;
  private readonly windowSize: number;
  private readonly everyN: number;
  private readonly minIntervalMs: number;
  private readonly minObservations: number;
  private readonly driftOptions: DriftOptions;
  private readonly onResult: LiveDriftMonitorOptions['onResult'];
  private readonly onError: LiveDriftMonitorOptions['onError'];
  private readonly rows: (FeatureRow | undefined)[];
  private readonly chances: Float64Array;
  private next = 0;
  private filled = 0;
  private sinceLast = 0;
  private scheduled = false;
  private timer: NodeJS.Timeout | undefined;
  private deferred: NodeJS.Timeout | undefined;
  private lastRecomputeAt = Number.NEGATIVE_INFINITY;
  private last: DriftResult | undefined;
  /** Features this monitor has a gauge series for, so series of features it no longer evaluates are removed. */
  private readonly published = new Set<string>();
  private readonly featureScore: Gauge<'feature'>;
  private readonly featureDrifted: Gauge<'feature'>;
  private readonly datasetDrift: Gauge;
  private readonly driftedShare: Gauge;
  private readonly predictionScore: Gauge;
  private readonly windowRows: Gauge;

  constructor(options: LiveDriftMonitorOptions) {
    this.model = { contract: options.contract, reference: options.reference, runId: options.runId };
    this.windowSize = options.windowSize ?? 500;
    if (!(this.windowSize >= 1)) throw new RangeError(`windowSize must be at least 1, got ${this.windowSize}`);
    this.everyN = options.everyN ?? 100;
    this.minIntervalMs = options.minIntervalMs ?? 0;
    this.minObservations = options.minObservations ?? Math.min(this.windowSize, 100);
    this.driftOptions = { method: 'distances', ks: 'asymp', ...options.drift };
    this.onResult = options.onResult;
    this.onError = options.onError;
    this.rows = new Array<FeatureRow | undefined>(this.windowSize);
    this.chances = new Float64Array(this.windowSize);
    const r = options.registry;
    this.featureScore = gauge(r, DRIFT_METRICS.featureScore, 'Drift score per feature over the live window (normed Wasserstein or Jensen-Shannon by default; higher = more drift)', ['feature']);
    this.featureDrifted = gauge(r, DRIFT_METRICS.featureDrifted, '1 when the feature drifted in the live window', ['feature']);
    this.datasetDrift = gauge(r, DRIFT_METRICS.datasetDrift, '1 when the share of drifted features reaches the dataset threshold (0.5)');
    this.driftedShare = gauge(r, DRIFT_METRICS.driftedShare, 'Share of features that drifted in the live window');
    this.predictionScore = gauge(r, DRIFT_METRICS.predictionScore, 'Drift score of churn_chance against the reference predictions');
    this.windowRows = gauge(r, DRIFT_METRICS.windowRows, 'Observations in the live drift window');
    if (options.intervalMs) {
      this.timer = setInterval(() => this.recomputeSafely(), options.intervalMs);
      this.timer.unref();
    }
  }

  /** Records one prediction. Constant time; the features object is kept, not copied. */
  observe(features: FeatureRow, churnChance: number): void {
    this.rows[this.next] = features;
    this.chances[this.next] = churnChance;
    this.next = (this.next + 1) % this.windowSize;
    if (this.filled < this.windowSize) this.filled++;
    this.sinceLast++;
    if (this.everyN > 0 && this.sinceLast >= this.everyN && !this.scheduled) {
      this.scheduled = true;
      const wait = this.lastRecomputeAt + this.minIntervalMs - performance.now();
      if (wait <= 0) setImmediate(() => this.recomputeSafely());
      else {
        this.deferred = setTimeout(() => this.recomputeSafely(), wait);
        this.deferred.unref();
      }
    }
  }

  /**
   * Switches to another model (a promoted run) and recomputes. A model of the same features keeps the
   * window; one of another dataset starts an empty one, since rows of the old features cannot be
   * compared with its reference: until enough of its own traffic arrived the dataset gauges read 0
   * and no feature has a series.
   */
  setModel(model: MonitoredModel): void {
    if (!sameFeatures(this.model.contract, model.contract)) {
      this.rows.fill(undefined);
      this.next = 0;
      this.filled = 0;
      this.datasetDrift.reset();
      this.driftedShare.reset();
      this.predictionScore.reset();
      this.setFeatureGauges(undefined);
    }
    this.model = { contract: model.contract, reference: model.reference, runId: model.runId };
    this.recomputeSafely();
  }

  get observations(): number {
    return this.filled;
  }

  get lastResult(): DriftResult | undefined {
    return this.last;
  }

  /** Computes drift on the window now and updates the gauges; undefined until enough observations. */
  recompute(): DriftResult | undefined {
    this.scheduled = false;
    this.sinceLast = 0;
    this.lastRecomputeAt = performance.now();
    clearTimeout(this.deferred);
    this.windowRows.set(this.filled);
    if (this.filled < this.minObservations) return undefined;
    const current: FeatureRow[] = [];
    const predictions: number[] = [];
    for (let i = 0; i < this.filled; i++) {
      current.push(this.rows[i] as FeatureRow);
      predictions.push(this.chances[i] as number);
    }
    const { contract, reference, runId } = this.model;
    const result = computeDrift(contract, reference, current, { ...this.driftOptions, predictions });
    this.setFeatureGauges(result);
    this.datasetDrift.set(result.datasetDrift ? 1 : 0);
    this.driftedShare.set(result.driftedShare);
    if (result.predictionDrift) this.predictionScore.set(result.predictionDrift.score);
    this.last = result;
    try {
      this.onResult?.(result, runId);
    } catch {
      // A logging callback must not break monitoring.
    }
    return result;
  }

  /** Stops the timers. */
  close(): void {
    if (this.timer) clearInterval(this.timer);
    clearTimeout(this.deferred);
    this.timer = undefined;
  }

  /** One series per evaluated feature; series of features not in `result` (another contract, no values in the window) are removed. */
  private setFeatureGauges(result: DriftResult | undefined): void {
    const features = result?.features ?? {};
    for (const name of this.published) {
      if (features[name]) continue;
      this.featureScore.remove({ feature: name });
      this.featureDrifted.remove({ feature: name });
      this.published.delete(name);
    }
    for (const [name, feature] of Object.entries(features)) {
      this.featureScore.set({ feature: name }, feature.score);
      this.featureDrifted.set({ feature: name }, feature.drifted ? 1 : 0);
      this.published.add(name);
    }
  }

  private recomputeSafely(): void {
    try {
      this.recompute();
    } catch (error) {
      this.scheduled = false;
      this.onError?.(error);
    }
  }
}

/** Whether rows validated by one contract can be compared with a reference built by the other. */
function sameFeatures(a: DatasetContract, b: DatasetContract): boolean {
  return a.features.length === b.features.length && a.features.every((f, i) => f.name === b.features[i]?.name && f.kind === b.features[i]?.kind);
}
