import type { S3Client } from '@aws-sdk/client-s3';
import type { DatasetContract, ReferenceProfile } from '@churn/churn-data';
import type { Db } from 'mongodb';
import type { CalibrationSet } from './cbpe.js';
import { computeDrift, type DriftOptions } from './drift.js';
import { readLabelledWindow } from './outcomes.js';
import { readPredictionWindow } from './prediction-window.js';
import { publishReport, type Published } from './publish.js';
import { computeModelQuality } from './quality-report.js';
import { renderDriftReport, summarizeDrift, type DriftSummary, type ReportWindow } from './report.js';

export interface RunDriftReportInput {
  db: Db;
  s3?: S3Client;
  bucket?: string;
  reportsDir: string;
  /** The contract of the model compared (its model directory's contract.yaml). */
  contract: DatasetContract;
  reference: ReferenceProfile;
  /** The model's test-split predictions (test-predictions.json) when it has them: the quality estimate calibrates on them. */
  testPredictions?: CalibrationSet;
  runId: string;
  window: ReportWindow;
  /** The run's predictions judged against their outcomes (default `window`; outcomes come late, so usually longer). */
  qualityWindow?: ReportWindow;
  /** Most recent predictions read (default 20,000). */
  limit?: number;
  /** Compare only predictions made by `runId` (default true). */
  onlyThisRun?: boolean;
  drift?: DriftOptions;
  now?: Date;
}

export interface DriftReportOutcome extends DriftSummary {
  path: string;
  key?: string;
  file: string;
  skippedDocuments: number;
  /** Why the first skipped document was left out. */
  firstSkipReason?: string;
  /** The model quality section's headline figures (null: no outcomes yet, or no predictions to estimate on). */
  quality: { labelled: number; predictions: number; auc: number | null; estimatedAuc: number | null };
}

/** fetch -> compute -> render -> publish: the body of the three-hourly drift-report activity. */
export async function runDriftReport(input: RunDriftReportInput): Promise<DriftReportOutcome> {
  const { contract, reference, runId, window } = input;
  const read = await readPredictionWindow(input.db, contract, {
    from: window.from,
    to: window.to,
    ...(input.onlyThisRun === false ? {} : { runId }),
    limit: input.limit ?? 20_000,
  });
  const current = read.rows.map((row) => row.features);
  const predictions = read.rows.map((row) => row.churn_chance);
  const result = computeDrift(contract, reference, current, { ...input.drift, predictions });
  const qualityWindow = input.qualityWindow ?? window;
  const labelled = await readLabelledWindow(input.db, { runId, from: qualityWindow.from, to: qualityWindow.to });
  const quality = computeModelQuality(contract, labelled, qualityWindow, input.testPredictions);
  const generatedAt = input.now ?? new Date();
  const html = renderDriftReport({ contract, result, reference, current, predictions, runId, window, quality, generatedAt });
  const summary = summarizeDrift({ contract, result, runId, window, generatedAt });
  const published: Published = await publishReport({ reportsDir: input.reportsDir, ...(input.s3 && input.bucket ? { s3: input.s3, bucket: input.bucket } : {}) }, { html, summary });
  return {
    ...summary,
    path: published.path,
    ...(published.key ? { key: published.key } : {}),
    file: published.file,
    skippedDocuments: read.skipped,
    ...(read.firstSkipReason ? { firstSkipReason: read.firstSkipReason } : {}),
    quality: { labelled: quality.realised?.count ?? 0, predictions: quality.predictions, auc: quality.realised?.auc ?? null, estimatedAuc: quality.estimated?.auc ?? null },
  };
}
