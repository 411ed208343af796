import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { MlflowClient } from '@churn/mlflow-client';
import { startTestRegistry, type TestRegistry } from './testing/test-registry.js';

// The web UI in a real headless Chromium against the registry in-process (PostgreSQL + S3):
// experiments, sortable runs with copy-RUN_ID, run page with charts and artifacts, alias promotion.
const CHROMIUM = '/usr/bin/chromium';
const describeIfChromium = existsSync(CHROMIUM) ? describe : describe.skip;
if (!existsSync(CHROMIUM)) console.warn(`${CHROMIUM} is missing (apt-get install chromium): skipping the web UI test`);

describeIfChromium('registry web UI', () => {
  let registry: TestRegistry;
  let browser: Browser;
  let page: Page;
  const runIds: string[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    registry = await startTestRegistry({ ARTIFACTS_BUCKET: 'registry-ui-test' });
    const client = new MlflowClient({ trackingUri: registry.url });
    const experimentId = await client.getOrCreateExperiment('churn-tuning');
    for (let i = 0; i < 4; i++) {
      const run = await client.createRun({ experimentId, runName: `trial-${i}` });
      runIds.push(run.info.run_id);
      await client.logBatch(run.info.run_id, {
        params: [{ key: 'max_depth', value: String(3 + i) }],
        metrics: [...Array.from({ length: 12 }, (_, step) => ({ key: 'validation_auc', value: 0.8 + step / 100 + i / 1000, step })), { key: 'test_auc', value: [0.86, 0.91, 0.84, 0.88][i] ?? 0 }],
      });
      await client.uploadArtifact(run.info.run_id, 'model/model.json', `{"trial":${i}}`);
      await client.updateRun(run.info.run_id, { status: 'FINISHED' });
    }
    await client.ensureRegisteredModel('churn-model');
    for (const i of [0, 1]) await client.createModelVersion({ name: 'churn-model', source: `mlflow-artifacts:/${experimentId}/${runIds[i]}/artifacts/model`, runId: runIds[i] });
    await client.setRegisteredModelAlias('churn-model', 'champion', '1');

    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    const context = await browser.newContext({ permissions: ['clipboard-read', 'clipboard-write'] });
    page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(String(error)));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await registry?.close();
  });

  it('when the runs of an experiment are sorted by a metric and a run id is copied, then the clipboard holds that RUN_ID', async () => {
    await page.goto(`${registry.url}/#/`);
    await page.click('[data-testid=experiment-row] a');
    await page.waitForSelector('[data-testid=runs-table]');
    await page.click('[data-testid=sort-header][data-sort-key="metric:test_auc"]');
    await page.waitForSelector('[data-testid=runs-table][data-sorted="metric:test_auc:desc"]');
    const order = await page.$$eval('[data-testid=run-row]', (rows) => rows.map((row) => row.getAttribute('data-run-id')));
    expect(order).toEqual([runIds[1], runIds[3], runIds[0], runIds[2]]);
    await page.click(`[data-testid=run-row][data-run-id="${runIds[2]}"] [data-testid=copy-run-id]`);
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(runIds[2]);
    await page.waitForSelector('[data-testid=toast]:has-text("RUN_ID")');
  });

  it('when a filter is searched, then only matching runs stay', async () => {
    await page.fill('[data-testid=runs-filter]', 'metrics.test_auc > 0.87');
    await page.press('[data-testid=runs-filter]', 'Enter');
    await page.waitForFunction("document.querySelectorAll('[data-testid=run-row]').length === 2");
  });

  it('when a run is opened, then params, a chart per metric and downloadable artifacts are shown', async () => {
    await page.goto(`${registry.url}/#/runs/${runIds[1]}`);
    await page.waitForSelector('[data-testid=metric-chart][data-metric-key=validation_auc] path.line');
    expect(await page.textContent('[data-testid=params-table]')).toContain('max_depth');
    expect(await page.$$eval('[data-testid=metric-chart][data-metric-key=validation_auc] circle', (dots) => dots.length)).toBe(12);
    await page.click('[data-testid=artifact-dir][data-path=model]');
    const href = await page.getAttribute('[data-testid=artifact-download][data-path="model/model.json"]', 'href');
    expect(await (await fetch(new URL(href ?? '', registry.url))).text()).toBe('{"trial":1}');
    await page.click('[data-testid=run-id-box] [data-testid=copy-run-id]');
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(runIds[1]);
  });

  it('when version 2 is promoted to champion in the UI, then the alias moves in the registry', async () => {
    await page.goto(`${registry.url}/#/models/churn-model`);
    await page.click('[data-testid=promote][data-alias=champion][data-version="2"]');
    await page.waitForSelector('[data-testid=version-row][data-version="2"] [data-testid=alias][data-alias=champion]');
    const champion = await registry.api('/api/2.0/mlflow/registered-models/alias', { query: { name: 'churn-model', alias: 'champion' } });
    expect(champion.json).toMatchObject({ model_version: { version: '2' } });
    expect(pageErrors).toEqual([]);
  });
});
