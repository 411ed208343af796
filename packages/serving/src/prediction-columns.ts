import type { FeatureValue } from '@churn/churn-data';
import type { PredictionBatchEntry, PredictionLogEntry } from './prediction-log.js';

/**
 * Single predictions of one model run and source kept as columns while they wait to be written: per
 * feature an array of values, and per row its chance, time, latency and ids. Numbers sit unboxed in
 * V8's double arrays, so a buffered prediction is a few array slots instead of an object graph the
 * old generation must trace and compact (the tail bench's long GC pauses at 1,000 req/s). It becomes
 * one columnar chunk document (PredictionBatchEntry with per-row times and ids) when written.
 */
export class PredictionColumns {
  rows = 0;
  private readonly names: string[];
  private readonly index = new Map<string, number>();
  private readonly values: FeatureValue[][];
  private readonly chances: number[] = [];
  private readonly latencies: number[] = [];
  private readonly times: number[] = [];
  private requestIds: (string | null)[] | undefined;
  private customerIds: (string | number | null)[] | undefined;
  private sequenceNumbers: (string | null)[] | undefined;
  private predictedClasses: (number | null)[] | undefined;
  private classProbabilities: (number[] | null)[] | undefined;

  constructor(
    readonly modelRunId: string,
    readonly source: PredictionLogEntry['source'],
    first: PredictionLogEntry['features'],
  ) {
    this.names = Object.keys(first);
    this.names.forEach((name, i) => this.index.set(name, i));
    this.values = this.names.map(() => []);
  }

  /** Whether the entry's features are this chunk's columns (a chunk holds one run's rows, one feature set). */
  accepts(entry: PredictionLogEntry): boolean {
    if (entry.model_run_id !== this.modelRunId || entry.source !== this.source) return false;
    let count = 0;
    for (const name in entry.features) {
      if (!this.index.has(name)) return false;
      count += 1;
    }
    return count === this.names.length;
  }

  /** Appends one prediction (accepts(entry) must hold). */
  add(entry: PredictionLogEntry): void {
    const features = entry.features;
    for (let i = 0; i < this.names.length; i += 1) (this.values[i] as FeatureValue[]).push(features[this.names[i] as string] ?? null);
    this.chances.push(entry.churn_chance);
    this.latencies.push(entry.latency_ms);
    this.times.push(entry.created_at.getTime());
    this.requestIds = optional(this.requestIds, entry.request_id, this.rows);
    this.customerIds = optional(this.customerIds, entry.customer_id, this.rows);
    this.sequenceNumbers = optional(this.sequenceNumbers, entry.sequence_number, this.rows);
    this.predictedClasses = optional(this.predictedClasses, entry.predicted_class, this.rows);
    this.classProbabilities = optional(this.classProbabilities, entry.class_probabilities, this.rows);
    this.rows += 1;
  }

  /** The chunk document: what is stored, and what a retry sends again. */
  document(): PredictionBatchEntry {
    const features: PredictionBatchEntry['features'] = {};
    this.names.forEach((name, i) => {
      features[name] = this.values[i] as FeatureValue[];
    });
    const doc: PredictionBatchEntry = {
      model_run_id: this.modelRunId,
      source: this.source,
      rows: this.rows,
      features,
      churn_chance: this.chances,
      latency_ms: this.latencies,
      created_at: this.times.map((t) => new Date(t)),
    };
    if (this.requestIds) doc.request_id = this.requestIds;
    if (this.customerIds) doc.customer_id = this.customerIds;
    if (this.sequenceNumbers) doc.sequence_number = this.sequenceNumbers;
    if (this.predictedClasses) doc.predicted_class = this.predictedClasses;
    if (this.classProbabilities) doc.class_probabilities = this.classProbabilities;
    return doc;
  }
}

/** An id-like column is made at its first value (earlier rows null), so a chunk without them stores none. */
function optional<T>(column: (T | null)[] | undefined, value: T | undefined, rows: number): (T | null)[] | undefined {
  if (column) {
    column.push(value ?? null);
    return column;
  }
  if (value === undefined) return undefined;
  const made: (T | null)[] = new Array<T | null>(rows).fill(null);
  made.push(value);
  return made;
}
