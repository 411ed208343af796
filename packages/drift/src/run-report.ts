import type { S3Client } from '@aws-sdk/client-s3';
import type { ReferenceProfile } from '@churn/churn-data';
import type { Db } from 'mongodb';
import { computeDrift, type DriftOptions } from './drift.js';
import { readPredictionWindow } from './prediction-window.js';
import { publishReport, type Published } from './publish.js';
import { renderDriftReport, summarizeDrift, type DriftSummary, type ReportWindow } from './report.js';

export interface RunDriftReportInput {
  db: Db;
  s3?: S3Client;
  bucket?: string;
  reportsDir: string;
  reference: ReferenceProfile;
  runId: string;
  window: ReportWindow;
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
}

/** fetch -> compute -> render -> publish: the body of the three-hourly drift-report activity. */
export async function runDriftReport(input: RunDriftReportInput): Promise<DriftReportOutcome> {
  const { rows, skipped } = await readPredictionWindow(input.db, {
    from: input.window.from,
    to: input.window.to,
    ...(input.onlyThisRun === false ? {} : { runId: input.runId }),
    limit: input.limit ?? 20_000,
  });
  const result = computeDrift(input.reference, rows, input.drift);
  const generatedAt = input.now ?? new Date();
  const html = renderDriftReport({ result, reference: input.reference, current: rows, runId: input.runId, window: input.window, generatedAt });
  const summary = summarizeDrift({ result, runId: input.runId, window: input.window, generatedAt });
  const published: Published = await publishReport({ reportsDir: input.reportsDir, ...(input.s3 && input.bucket ? { s3: input.s3, bucket: input.bucket } : {}) }, { html, summary });
  return { ...summary, path: published.path, ...(published.key ? { key: published.key } : {}), file: published.file, skippedDocuments: skipped };
}
