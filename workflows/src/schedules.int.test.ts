import { Client, Connection } from '@temporalio/client';
import { loadConfig } from '@churn/config';
import { cliConfigSchema } from './config.js';
import { applySchedules, scheduleDefinitions } from './schedules.js';
import { REPO_ROOT } from './testing/test-env.js';

// Against the native stack's Temporal dev server, under ids of its own so the real schedules stay untouched.

const prefix = `int-${Date.now().toString(36)}-`;
const configFor = (env: Record<string, string>) => loadConfig(cliConfigSchema, { envFiles: [`${REPO_ROOT}.env.local`], env: { ...process.env, ...env } });

describe('applySchedules', () => {
  let client: Client;

  beforeAll(async () => {
    const config = configFor({});
    client = new Client({ connection: await Connection.connect({ address: config.TEMPORAL_ADDRESS }), namespace: config.TEMPORAL_NAMESPACE });
  });

  afterAll(async () => {
    for (const id of ['tuning', 'drift-report']) await client.schedule.getHandle(`${prefix}${id}`).delete().catch(() => undefined);
    await client?.connection.close();
  });

  it('when applied twice with a changed cron and interval, then both schedules are created once and then updated in place', async () => {
    const first = await applySchedules(client, scheduleDefinitions(configFor({ TUNING_CRON: '0 3 * * *', DRIFT_REPORT_EVERY: '3h' }), { idPrefix: prefix }));
    expect(first).toEqual([
      { scheduleId: `${prefix}tuning`, result: 'created' },
      { scheduleId: `${prefix}drift-report`, result: 'created' },
    ]);
    const second = await applySchedules(client, scheduleDefinitions(configFor({ TUNING_CRON: '30 4 * * 1', DRIFT_REPORT_EVERY: '2h', TUNING_TRIALS: '7' }), { idPrefix: prefix }));
    expect(second.map((r) => r.result)).toEqual(['updated', 'updated']);

    const tuning = await client.schedule.getHandle(`${prefix}tuning`).describe();
    expect(tuning.spec.calendars?.[0]).toMatchObject({ minute: [{ start: 30, end: 30, step: 1 }], hour: [{ start: 4, end: 4, step: 1 }] });
    expect(tuning.action).toMatchObject({ type: 'startWorkflow', workflowType: 'tuningWorkflow', args: [expect.objectContaining({ trials: 7, reason: 'schedule' })] });
    const drift = await client.schedule.getHandle(`${prefix}drift-report`).describe();
    expect(drift.spec.intervals).toEqual([expect.objectContaining({ every: 2 * 3_600_000 })]);
    expect(drift.action).toMatchObject({ workflowType: 'driftReportWorkflow', args: [expect.objectContaining({ windowMs: 2 * 3_600_000 })] });
  }, 60_000);
});
