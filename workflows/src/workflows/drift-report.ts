import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import {
  ParentClosePolicy,
  WorkflowIdReusePolicy,
  log,
  proxyActivities,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { tuningWorkflow } from './tuning.js';
import type { DriftReportInput, DriftReportResult, DriftSummary } from './types.js';

export const DEFAULT_DRIFT = { windowMs: 3 * 3_600_000, retrainShare: 0.5, cooldownMs: 24 * 3_600_000, qualityMargin: 0.05, qualityMinRows: 200 } as const;

const activities = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  retry: { initialInterval: '2 seconds', maximumAttempts: 3 },
});

/** The child id of a drift-triggered retrain: one id per cooldown period, so a second start is rejected. */
export function retrainWorkflowId(nowMs: number, cooldownMs: number, prefix = 'retrain'): string {
  const bucket = Math.floor(nowMs / cooldownMs);
  return `${prefix}-${new Date(bucket * cooldownMs).toISOString().replace(/[:.]/g, '-')}`;
}

/**
 * Why the served run's quality dropped past `margin` below its own test AUC, or undefined: the realised
 * AUC on `minRows` labelled predictions or more, else the estimate on `minRows` predictions or more
 * (it needs no labels, so it acts before the outcomes are in).
 */
export function qualityDrop(quality: DriftSummary['quality'], margin: number, minRows: number): string | undefined {
  if (!quality || quality.testAuc === undefined) return undefined;
  const { testAuc } = quality;
  const below = (auc: number | null, rows: number): auc is number => auc !== null && rows >= minRows && testAuc - auc > margin;
  if (below(quality.auc, quality.labelled)) return `realised AUC ${quality.auc.toFixed(3)} on ${quality.labelled} outcomes is more than ${margin} below the test AUC ${testAuc.toFixed(3)}`;
  if (below(quality.estimatedAuc, quality.predictions)) return `estimated AUC ${quality.estimatedAuc.toFixed(3)} on ${quality.predictions} predictions is more than ${margin} below the test AUC ${testAuc.toFixed(3)}`;
  return undefined;
}

/**
 * Compares the served model's reference profile with the last window of logged predictions and
 * publishes the HTML report. When the drifted share reaches the threshold, or the model's quality
 * dropped past the margin below its test AUC, it starts a tuning run, at most once per cooldown
 * period whichever triggered it: the child's id names the period and ids are never reused.
 */
export async function driftReportWorkflow(input: DriftReportInput = {}): Promise<DriftReportResult> {
  const windowMs = input.windowMs ?? DEFAULT_DRIFT.windowMs;
  const retrainShare = input.retrainShare ?? DEFAULT_DRIFT.retrainShare;
  const cooldownMs = input.cooldownMs ?? DEFAULT_DRIFT.cooldownMs;
  const qualityMargin = input.qualityMargin ?? DEFAULT_DRIFT.qualityMargin;
  const qualityMinRows = input.qualityMinRows ?? DEFAULT_DRIFT.qualityMinRows;
  // Workflow time is replay-safe: it is the time of the task, recorded in history.
  const now = Date.now();
  const report = await activities.driftReport({ from: new Date(now - windowMs).toISOString(), to: new Date(now).toISOString() });

  if (report.skipped) return { report, retrain: { started: false, reason: `no report: ${report.skipped}` } };
  if (cooldownMs <= 0) return { report, retrain: { started: false, reason: 'retraining disabled' } };
  const drifted = report.driftedShare >= retrainShare;
  const dropped = drifted ? undefined : qualityDrop(report.quality, qualityMargin, qualityMinRows);
  if (!drifted && !dropped) {
    return { report, retrain: { started: false, reason: `drifted share ${report.driftedShare.toFixed(2)} below ${retrainShare}` } };
  }
  const why = dropped ?? `drifted share ${report.driftedShare.toFixed(2)} ≥ ${retrainShare}`;

  const workflowId = retrainWorkflowId(now, cooldownMs, input.retrainIdPrefix);
  try {
    await startChild(tuningWorkflow, {
      workflowId,
      args: [{ ...input.tuning, reason: `${dropped ? 'quality drop' : `drift ${report.driftedShare.toFixed(2)}`} (${workflowInfo().workflowId})` }],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      // The retrain outlives this report.
      parentClosePolicy: ParentClosePolicy.ABANDON,
    });
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    log.info('retrain already ran in this period', { workflowId });
    return { report, retrain: { started: false, workflowId, reason: 'a retrain already ran in this cooldown period' } };
  }
  log.info(dropped ? 'a quality drop triggered a retrain' : 'drift triggered a retrain', { workflowId, driftedShare: report.driftedShare, quality: report.quality });
  return { report, retrain: { started: true, workflowId, reason: why } };
}
