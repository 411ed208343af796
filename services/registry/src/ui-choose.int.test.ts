import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { MlflowClient } from '@churn/mlflow-client';
import { generateRuns, prng, seedRuns } from '../bench/seed-sql.js';
import { startTestRegistry, type TestRegistry } from './testing/test-registry.js';

// Choosing the model at scale, in headless Chromium: a 50-trial tuning run among 10,000 other runs
// of the same experiment. The user's path to the best trial's promote command is counted in clicks,
// and each page's API time is measured in the browser (printed, not asserted: the machine is shared).
const CHROMIUM = '/usr/bin/chromium';
// Under .stack unless SCREENSHOTS_DIR names another folder (docs/screenshots refreshes the README's), so a test run leaves the checkout as it was.
const SHOTS = `${resolve(process.env.SCREENSHOTS_DIR ?? fileURLToPath(new URL('../../../.stack/screenshots', import.meta.url)))}/`;
const describeIfChromium = existsSync(CHROMIUM) ? describe : describe.skip;
const OTHER_RUNS = 10_000;
const TRIALS = 50;
const LONG_NAME = `churn-${'very-long-experiment-name-'.repeat(8)}without-spaces`;
// A 1x1 PNG, to preview an image artifact.
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

describeIfChromium('registry web UI with 10,000 runs and a 50-trial tuning run', () => {
  let registry: TestRegistry;
  let browser: Browser;
  let page: Page;
  let experimentId: string;
  let parentId: string;
  const trials: { runId: string; testAuc: number }[] = [];
  const consoleErrors: string[] = [];
  const timings: Record<string, number> = {};
  let clicks = 0;
  let predictor: Server;
  let predictorUrl: string;

  const click = async (selector: string) => {
    clicks++;
    await page.click(selector);
  };

  /** Time from the first to the end of the last registry API call since the timings were cleared. */
  const apiTime = () =>
    page.evaluate(() => {
      const calls = performance.getEntriesByType('resource').filter((e) => e.name.includes('/ajax-api/'));
      return Math.round(Math.max(...calls.map((c) => c.startTime + c.duration)) - Math.min(...calls.map((c) => c.startTime)));
    });
  const clearTimings = () => page.evaluate(() => performance.clearResourceTimings());

  beforeAll(async () => {
    // A predictor serving the champion, and one that is down (nothing listens on port 1).
    predictor = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'ok', model_run_id: trials[0]?.runId })));
    await new Promise<void>((resolve) => predictor.listen(0, '127.0.0.1', resolve));
    predictorUrl = `http://127.0.0.1:${(predictor.address() as AddressInfo).port}/health`;
    registry = await startTestRegistry({ ARTIFACTS_BUCKET: 'registry-ui-choose-test', PREDICTOR_HEALTH_URLS: `${predictorUrl},http://127.0.0.1:1/health` });
    const client = new MlflowClient({ trackingUri: registry.url });
    experimentId = await client.getOrCreateExperiment('churn-tuning');
    await client.getOrCreateExperiment(LONG_NAME);
    await seedRuns(registry.config.REGISTRY_DATABASE_URL, 'ours', experimentId, generateRuns(OTHER_RUNS));
    // The oldest run, on the last page: its parameter must still be offered as a column.
    const oldest = await client.createRun({ experimentId, runName: 'oldest', startTime: 1 });
    await client.logParam(oldest.info.run_id, 'rare_param', 'x');

    // The tuning run as the workflow logs it: run_kind tags, trials pointing at their parent.
    const parent = await client.createRun({ experimentId, runName: 'tuning-bankchurners', tags: { run_kind: 'tuning', dataset_hash: 'f'.repeat(64) } });
    parentId = parent.info.run_id;
    const random = prng(7);
    for (let i = 0; i < TRIALS; i++) {
      const run = await client.createRun({ experimentId, runName: `trial-${String(i).padStart(3, '0')}`, tags: { 'mlflow.parentRunId': parentId, run_kind: 'trial', trial_index: String(i), dataset_hash: 'f'.repeat(64) } });
      const testAuc = 0.8 + random() * 0.15;
      trials.push({ runId: run.info.run_id, testAuc });
      await client.logBatch(run.info.run_id, {
        params: [{ key: 'max_depth', value: String(3 + (i % 8)) }, { key: 'eta', value: String(0.01 + random() * 0.3) }],
        metrics: [{ key: 'validation_auc', value: testAuc + (random() - 0.5) * 0.02 }, { key: 'test_auc', value: testAuc }],
      });
      await client.updateRun(run.info.run_id, { status: 'FINISHED' });
    }
    await client.updateRun(parentId, { status: 'FINISHED' });
    const champion = trials[0]?.runId ?? '';
    await client.uploadArtifact(champion, 'model/MLmodel', 'flavors:\n  xgboost:\n    model_format: json\n');
    await client.uploadArtifact(champion, 'metrics.json', '{"test_auc":0.9,"trees":[1,2]}');
    await client.uploadArtifact(champion, 'plots/roc.png', Buffer.from(PNG, 'base64'));
    await registry.api('/api/2.0/mlflow/runs/log-inputs', {
      body: { run_id: champion, datasets: [{ dataset: { name: 'bankchurners', digest: 'f'.repeat(8), source_type: 's3', source: 's3://churn-features/snapshots/bankchurners/2026-12-04.csv' }, tags: [{ key: 'mlflow.data.context', value: 'training' }] }] },
    });
    await client.ensureRegisteredModel('churn-model');
    for (const [i, alias] of [[0, 'champion'], [1, 'challenger']] as const) {
      const trial = trials[i];
      if (!trial) throw new Error('no trial');
      const version = await client.createModelVersion({ name: 'churn-model', source: `mlflow-artifacts:/${experimentId}/${trial.runId}/artifacts/model`, runId: trial.runId });
      await client.setRegisteredModelAlias('churn-model', alias, version.version);
    }

    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, permissions: ['clipboard-read', 'clipboard-write'] });
    page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(String(error)));
  }, 300_000);

  afterAll(async () => {
    console.log(`registry UI data load in the browser (${OTHER_RUNS + TRIALS + 1} runs), ms:\n${Object.entries(timings).map(([name, ms]) => `  ${name.padEnd(36)} ${ms}`).join('\n')}`);
    await browser?.close();
    await registry?.close();
    predictor?.close();
  });

  it('when the user sorts the open tuning run by test AUC, then the best trial comes first and its promote command is copied in 3 clicks', async () => {
    await page.goto(`${registry.url}/#/`);
    await page.waitForSelector('[data-testid=experiment-row]');
    timings['experiments page'] = await apiTime();

    await clearTimings();
    await click(`[data-testid=experiment-row][data-experiment-id="${experimentId}"] a`);
    await page.waitForSelector(`[data-testid=run-row][data-parent-run-id="${parentId}"]`);
    timings['experiment page (runs + trials)'] = await apiTime();
    expect(await page.$$eval('thead [data-testid=sort-header]', (hs) => hs.map((x) => x.getAttribute('data-sort-key')))).toEqual(['attr:run_name', 'metric:validation_auc', 'metric:test_auc', 'attr:start_time', 'attr:duration']);

    await clearTimings();
    await click('[data-testid=sort-header][data-sort-key="metric:test_auc"]');
    await page.waitForSelector('[data-testid=runs-table][data-sorted="metric:test_auc:desc"]');
    timings['sort by test_auc (server side)'] = await apiTime();
    const best = [...trials].sort((a, b) => b.testAuc - a.testAuc)[0];
    const shownOrder = await page.$$eval(`[data-testid=run-row][data-parent-run-id="${parentId}"]`, (rows) => rows.map((r) => r.getAttribute('data-run-id')));
    expect(shownOrder).toHaveLength(TRIALS);
    expect(shownOrder[0]).toBe(best?.runId);

    await click(`[data-testid=run-row][data-run-id="${best?.runId}"] [data-testid=copy-promote]`);
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(`make promote RUN_ID=${best?.runId} env=local`);
    expect(clicks).toBe(3);
    await page.screenshot({ path: `${SHOTS}registry-trials.png` });
  });

  it('when a metric is shown, then it is rounded for reading and exact on hover, and the aliases are marked', async () => {
    const trial = trials[0];
    const cell = page.locator(`[data-testid=run-row][data-run-id="${trial?.runId}"] td.metric`).nth(1);
    expect(await cell.getAttribute('title')).toBe(String(trial?.testAuc));
    expect((await cell.textContent())?.length).toBeLessThanOrEqual(7);
    expect(await page.getAttribute(`[data-testid=run-row][data-run-id="${trial?.runId}"] [data-testid=run-alias]`, 'data-alias')).toBe('champion');
    expect(await page.getAttribute(`[data-testid=run-row][data-run-id="${trials[1]?.runId}"] [data-testid=run-alias]`, 'data-alias')).toBe('challenger');
  });

  it('when a parameter column is chosen, then it shows and the URL remembers it across a reload', async () => {
    await page.click('[data-testid=column-chooser] summary');
    await page.check('[data-testid=column-option][data-column="param:max_depth"]');
    await page.waitForSelector('[data-testid=sort-header][data-sort-key="param:max_depth"]');
    expect(decodeURIComponent(new URL(page.url()).hash)).toContain('param:max_depth');
    await page.reload();
    await page.waitForSelector('[data-testid=sort-header][data-sort-key="param:max_depth"]');
    await page.waitForSelector('[data-testid=runs-table][data-sorted="metric:test_auc:desc"]');
    // Keys of runs on other pages are offered too.
    expect(await page.locator('[data-testid=column-option][data-column="param:rare_param"]').count()).toBe(1);
  });

  it('when a numeric parameter is sorted, then 10 comes after 9 (not in text order as in MLflow), and the header says so', async () => {
    const header = '[data-testid=sort-header][data-sort-key="param:max_depth"]';
    expect(await page.getAttribute(header, 'title')).toContain('MLflow sorts parameters as text');
    await page.click(header);
    await page.waitForSelector('[data-testid=runs-table][data-sorted="param:max_depth:asc"]');
    const column = await page.$$eval('thead th', (ths) => ths.findIndex((th) => th.querySelector('[data-sort-key="param:max_depth"]')));
    const depths = await page.$$eval(`[data-testid=run-row][data-parent-run-id="${parentId}"]`, (rows, i) => rows.map((r) => Number(r.children[i]?.textContent)), column);
    expect(depths).toHaveLength(TRIALS);
    expect(depths).toEqual([...depths].sort((a, b) => a - b));
    expect(depths.at(-1)).toBe(10);
  });

  it('when the duration is sorted, then the trials come longest first', async () => {
    await page.click('[data-testid=sort-header][data-sort-key="attr:duration"]');
    await page.waitForSelector('[data-testid=runs-table][data-sorted="attr:duration:desc"]');
    const runs = await new MlflowClient({ trackingUri: registry.url }).searchAllRuns({ experimentIds: [experimentId], filter: `tags.\`mlflow.parentRunId\` = '${parentId}'` });
    const duration = new Map(runs.map((r) => [r.info.run_id, Number(r.info.end_time) - Number(r.info.start_time)]));
    const shown = await page.$$eval(`[data-testid=run-row][data-parent-run-id="${parentId}"]`, (rows) => rows.map((r) => r.getAttribute('data-run-id') ?? ''));
    const durations = shown.map((id) => duration.get(id));
    expect(durations).toHaveLength(TRIALS);
    expect(durations).toEqual([...durations].sort((a = 0, b = 0) => b - a));
  });

  it('when a filter does not parse, then the error is shown beside the filter and the runs stay', async () => {
    await page.fill('[data-testid=runs-filter]', 'metrics.test_auc >> 0.9');
    await page.press('[data-testid=runs-filter]', 'Enter');
    await page.waitForSelector('[data-testid=filter-error]');
    expect(await page.getAttribute('[data-testid=runs-filter]', 'aria-invalid')).toBe('true');
    expect(await page.locator('[data-testid=run-row]').count()).toBeGreaterThan(TRIALS);
    // Chromium logs the refused search (HTTP 400) itself; it is the one console error expected.
    expect(consoleErrors.splice(0)).toEqual(['Failed to load resource: the server responded with a status of 400 (Bad Request)']);

    await clearTimings();
    await page.fill('[data-testid=runs-filter]', 'metrics.test_auc > 0.9');
    await page.press('[data-testid=runs-filter]', 'Enter');
    await page.waitForSelector('[data-testid=runs-table][data-filter="metrics.test_auc > 0.9"]');
    timings['filter metrics.test_auc > 0.9'] = await apiTime();
    // The matching trials stay under their tuning run, which is shown (marked) though it does not match.
    expect(await page.locator(`[data-testid=run-row][data-parent-run-id="${parentId}"]`).count()).toBe(trials.filter((t) => t.testAuc > 0.9).length);
    expect(await page.locator('[data-testid=run-row]:not([data-parent-run-id])').evaluateAll((rows) => rows.map((r) => [r.getAttribute('data-run-id'), r.getAttribute('data-context')]))).toEqual([[parentId, 'true']]);
    expect(await page.locator('[data-testid=filter-error]').count()).toBe(0);
  });

  it('when the champion run is opened, then its metrics, dataset, model version, promote command and artifact previews are shown', async () => {
    const champion = trials[0]?.runId ?? '';
    await page.goto(`${registry.url}/#/`);
    await page.waitForSelector('[data-testid=experiment-row]');
    await clearTimings();
    await page.goto(`${registry.url}/#/runs/${champion}`);
    await page.waitForSelector('[data-testid=metric-chart][data-metric-key=test_auc]');
    timings['run page'] = await apiTime();
    expect(await page.getAttribute('[data-testid=metrics-table] td', 'title')).toBe(String(trials[0]?.testAuc));
    expect(await page.textContent('[data-testid=dataset-inputs]')).toContain('s3://churn-features/snapshots/bankchurners/2026-12-04.csv');
    expect(await page.textContent('[data-testid=run-model-versions]')).toContain('churn-model v1@champion');
    expect(await page.textContent('[data-testid=promote-command]')).toBe(`make promote RUN_ID=${champion} env=local`);

    await page.click('[data-testid=artifact-dir][data-path=model]');
    await page.click('[data-testid=artifact-open][data-path="model/MLmodel"]');
    await page.waitForSelector('[data-testid=preview-text]:has-text("model_format: json")');
    await page.click('[data-testid=artifact-open][data-path="metrics.json"]');
    await page.waitForSelector('[data-testid=preview-text]:has-text(\'"trees": [\')');
    await page.click('[data-testid=artifact-dir][data-path=plots]');
    await page.click('[data-testid=artifact-open][data-path="plots/roc.png"]');
    await page.waitForFunction("document.querySelector('[data-testid=preview-image]')?.naturalWidth === 1");
    await page.screenshot({ path: `${SHOTS}registry-run-preview.png`, fullPage: true });
    expect(consoleErrors).toEqual([]);
  });

  it('when the experiments page is read, then it counts the runs, wraps a long name inside the page and is reachable by keyboard', async () => {
    await page.goto(`${registry.url}/#/`);
    await page.waitForSelector(`[data-testid=experiment-row][data-experiment-id="${experimentId}"]`);
    expect(await page.textContent(`[data-testid=experiment-row][data-experiment-id="${experimentId}"] [data-testid=experiment-run-count]`)).toBe(String(OTHER_RUNS + TRIALS + 2));
    expect(await page.textContent('[data-testid=experiments-table]')).toContain(LONG_NAME);
    expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
    expect(await page.$$eval('[data-testid=experiments-table] th', (ths) => ths.every((th) => th.getAttribute('scope') === 'col'))).toBe(true);
    // The new page's heading takes the focus, so the next Tab reaches the first experiment.
    expect(await page.evaluate('document.activeElement?.tagName')).toBe('H1');
    await page.keyboard.press('Tab');
    expect(await page.evaluate("document.activeElement?.closest('[data-testid=experiment-row]') !== null")).toBe(true);
    await page.screenshot({ path: `${SHOTS}registry-experiments.png` });
  });

  it('when the trials of the tuning run are compared, then parallel coordinates, a scatter and the differences are drawn from same-origin data only', async () => {
    const foreign: string[] = [];
    page.on('request', (request) => {
      if (!request.url().startsWith(registry.url) && !request.url().startsWith('data:')) foreign.push(request.url());
    });
    await page.goto(`${registry.url}/#/experiments/${experimentId}`);
    await page.waitForSelector(`[data-testid=compare-trials][data-run-id="${parentId}"]`);
    await clearTimings();
    await page.click(`[data-testid=compare-trials][data-run-id="${parentId}"]`);
    await page.waitForSelector('[data-testid=parallel-coordinates]');
    await page.waitForSelector('[data-testid=metric-curves]');
    timings['compare 50 trials + their histories'] = await apiTime();
    expect(await page.locator('[data-testid=parallel-coordinates] polyline').count()).toBe(TRIALS);
    expect(await page.locator('[data-testid=scatter] circle').count()).toBe(TRIALS);
    expect(await page.locator('[data-testid=compare-diff] thead th').count()).toBe(TRIALS + 1);
    await page.waitForSelector('[data-testid=metric-curves]');
    expect(await page.locator('[data-testid=metric-curves] [data-run-id]').count()).toBe(TRIALS);
    expect(await page.locator('[data-testid=parallel-coordinates]').getAttribute('aria-label')).toBe('Parallel coordinates of eta, max_depth and test_auc');
    await page.selectOption('[data-testid=compare-metric]', 'validation_auc');
    await page.waitForSelector('[data-testid=parallel-coordinates][aria-label$="validation_auc"]');
    await page.waitForSelector('[data-testid=metric-curves][aria-label^="validation_auc"]');
    expect(decodeURIComponent(new URL(page.url()).hash)).toContain('metric=validation_auc');
    await page.screenshot({ path: `${SHOTS}registry-compare.png`, fullPage: true });

    await page.goto(`${registry.url}/#/experiments/${experimentId}`);
    for (const trial of trials.slice(0, 2)) await page.check(`[data-testid=select-run][data-run-id="${trial.runId}"]`);
    await page.click('[data-testid=compare-selected]');
    await page.waitForSelector('[data-testid=compare-diff]');
    expect(await page.locator('[data-testid=compare-diff] thead th').count()).toBe(3);
    expect(foreign).toEqual([]);
    expect(consoleErrors).toEqual([]);
  });

  it('when the model page is opened and v2 promoted to champion, then versions show their metrics, the predictors their runs, and the alias history both champions', async () => {
    await page.goto(`${registry.url}/#/`);
    await page.waitForSelector('[data-testid=experiment-row]');
    await clearTimings();
    await page.goto(`${registry.url}/#/models/churn-model`);
    await page.waitForSelector('[data-testid=versions-table]');
    timings['model page (incl. predictor probes)'] = await apiTime();
    expect(await page.getAttribute(`[data-testid=version-row][data-version="1"] td.metric >> nth=1`, 'title')).toBe(String(trials[0]?.testAuc));
    expect(await page.textContent(`[data-testid=predictor-status][data-url="${predictorUrl}"]`)).toContain('(v1)');
    expect(await page.getAttribute('[data-testid=predictor-status][data-url="http://127.0.0.1:1/health"]', 'data-ok')).toBe('false');

    await page.click('[data-testid=promote][data-alias=champion][data-version="2"]');
    await page.waitForSelector('[data-testid=version-row][data-version="2"] [data-testid=alias][data-alias=champion]');
    const history = await page.$$eval('[data-testid=alias-history] tbody tr', (rows) => rows.map((r) => [...r.querySelectorAll('td')].slice(1).map((td) => td.textContent)));
    expect(history).toEqual([['@champion', '→ v2'], ['@challenger', '→ v2'], ['@champion', '→ v1']]);
    await page.screenshot({ path: `${SHOTS}registry-model.png`, fullPage: true });
    expect(consoleErrors).toEqual([]);
  });

  it('when many runs\' histories are asked at once, then each run keeps its first and last step and at most about max_results points', async () => {
    const [long, short] = trials;
    await new MlflowClient({ trackingUri: registry.url }).logBatch(long?.runId ?? '', { metrics: Array.from({ length: 1000 }, (_, step) => ({ key: 'train_auc', value: step / 1000, step })) });
    const { json } = await registry.api('/ajax-api/2.0/mlflow/metrics/get-history-bulk-interval', { query: { run_ids: [long?.runId ?? '', short?.runId ?? ''], metric_key: 'train_auc', max_results: '10' } });
    const steps = (json.metrics as { step: number; run_id: string }[]).filter((m) => m.run_id === long?.runId).map((m) => m.step);
    expect(steps[0]).toBe(0);
    expect(steps.at(-1)).toBe(999);
    expect(steps.length).toBeLessThanOrEqual(11);
  });

  it('when the user pages through 10,000 runs, then each page holds the next 100', async () => {
    await page.goto(`${registry.url}/#/experiments/${experimentId}`);
    await page.waitForSelector('[data-testid=runs-table]');
    const firstPage = await page.$$eval('[data-testid=run-row]:not([data-parent-run-id])', (rows) => rows.map((r) => r.getAttribute('data-run-id')));
    await clearTimings();
    await page.click('[data-testid=page-next]');
    await page.waitForSelector('[data-testid=runs-count]:has-text("Runs 101–")');
    timings['next page of 100 runs'] = await apiTime();
    const secondPage = await page.$$eval('[data-testid=run-row]:not([data-parent-run-id])', (rows) => rows.map((r) => r.getAttribute('data-run-id')));
    expect(secondPage.filter((id) => id !== parentId && firstPage.includes(id))).toEqual([]);
    expect(secondPage.length).toBeGreaterThanOrEqual(100);
    expect(consoleErrors).toEqual([]);
  });
});
