import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client, type ScheduleOptions } from '@temporalio/client';
import type { CliConfig } from './config.js';
import type { DriftReportInput, TuningInput } from './workflows/types.js';

export const TUNING_SCHEDULE_ID = 'tuning';
export const DRIFT_SCHEDULE_ID = 'drift-report';

/** The two schedules, from configuration: tuning on TUNING_CRON, the drift report every DRIFT_REPORT_EVERY (ids prefixed in tests). */
export function scheduleDefinitions(config: CliConfig, options: { idPrefix?: string } = {}): ScheduleOptions[] {
  const prefix = options.idPrefix ?? '';
  const tuning: TuningInput = { trials: config.TUNING_TRIALS, parallelism: config.TUNING_PARALLELISM, batchSize: config.TUNING_BATCH_SIZE, reason: 'schedule' };
  const drift: DriftReportInput = {
    windowMs: config.DRIFT_REPORT_EVERY,
    retrainShare: config.DRIFT_RETRAIN_SHARE,
    cooldownMs: config.DRIFT_RETRAIN_COOLDOWN,
    qualityMargin: config.QUALITY_RETRAIN_MARGIN,
    tuning: { ...tuning, reason: 'drift' },
  };
  return [
    {
      scheduleId: `${prefix}${TUNING_SCHEDULE_ID}`,
      spec: { cronExpressions: [config.TUNING_CRON] },
      action: { type: 'startWorkflow', workflowType: 'tuningWorkflow', workflowId: `${prefix}tuning`, taskQueue: config.TEMPORAL_TASK_QUEUE, args: [tuning] },
      // A long tuning run is never doubled by the next tick.
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 hour' },
    },
    {
      scheduleId: `${prefix}${DRIFT_SCHEDULE_ID}`,
      spec: { intervals: [{ every: config.DRIFT_REPORT_EVERY }] },
      action: { type: 'startWorkflow', workflowType: 'driftReportWorkflow', workflowId: `${prefix}drift-report`, taskQueue: config.TEMPORAL_TASK_QUEUE, args: [drift] },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 hour' },
    },
  ];
}

/** Creates each schedule, or updates its spec, action and policies when it exists (paused state is kept). */
export async function applySchedules(client: Client, definitions: ScheduleOptions[]): Promise<{ scheduleId: string; result: 'created' | 'updated' }[]> {
  const results: { scheduleId: string; result: 'created' | 'updated' }[] = [];
  for (const definition of definitions) {
    try {
      await client.schedule.create(definition);
      results.push({ scheduleId: definition.scheduleId, result: 'created' });
    } catch (error) {
      if (!(error instanceof ScheduleAlreadyRunning)) throw error;
      await client.schedule.getHandle(definition.scheduleId).update((previous) => ({
        ...previous,
        spec: definition.spec,
        action: definition.action,
        policies: { ...previous.policies, ...definition.policies },
      }));
      results.push({ scheduleId: definition.scheduleId, result: 'updated' });
    }
  }
  return results;
}
