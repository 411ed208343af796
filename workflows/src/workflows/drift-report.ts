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
import type { DriftReportInput, DriftReportResult } from './types.js';

export const DEFAULT_DRIFT = { windowMs: 3 * 3_600_000, retrainShare: 0.5, cooldownMs: 24 * 3_600_000 } as const;

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
 * Compares the served model's reference profile with the last window of logged predictions and
 * publishes the HTML report. When the drifted share reaches the threshold it starts a tuning run,
 * at most once per cooldown period: the child's id names the period and ids are never reused.
 */
export async function driftReportWorkflow(input: DriftReportInput = {}): Promise<DriftReportResult> {
  const windowMs = input.windowMs ?? DEFAULT_DRIFT.windowMs;
  const retrainShare = input.retrainShare ?? DEFAULT_DRIFT.retrainShare;
  const cooldownMs = input.cooldownMs ?? DEFAULT_DRIFT.cooldownMs;
  // Workflow time is replay-safe: it is the time of the task, recorded in history.
  const now = Date.now();
  const report = await activities.driftReport({ from: new Date(now - windowMs).toISOString(), to: new Date(now).toISOString() });

  if (report.skipped) return { report, retrain: { started: false, reason: `no report: ${report.skipped}` } };
  if (cooldownMs <= 0) return { report, retrain: { started: false, reason: 'retraining disabled' } };
  if (report.driftedShare < retrainShare) {
    return { report, retrain: { started: false, reason: `drifted share ${report.driftedShare.toFixed(2)} below ${retrainShare}` } };
  }

  const workflowId = retrainWorkflowId(now, cooldownMs, input.retrainIdPrefix);
  try {
    await startChild(tuningWorkflow, {
      workflowId,
      args: [{ ...input.tuning, reason: `drift ${report.driftedShare.toFixed(2)} (${workflowInfo().workflowId})` }],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      // The retrain outlives this report.
      parentClosePolicy: ParentClosePolicy.ABANDON,
    });
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    log.info('retrain already ran in this period', { workflowId });
    return { report, retrain: { started: false, workflowId, reason: 'a retrain already ran in this cooldown period' } };
  }
  log.info('drift triggered a retrain', { workflowId, driftedShare: report.driftedShare });
  return { report, retrain: { started: true, workflowId, reason: `drifted share ${report.driftedShare.toFixed(2)} ≥ ${retrainShare}` } };
}
