import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { MlflowClient } from '@churn/mlflow-client';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { readState, ROOT, siblingTrial } from './e2e-state.js';

// What a person sees, in Debian's headless Chromium against the running flow: the registry UI
// (runs table, copy RUN_ID, promote), the predictor form, the drift report index and a report.
// Each page must render with no console error; the screenshots are the README's pictures.
const CHROMIUM = '/usr/bin/chromium';
// Under .stack unless SCREENSHOTS_DIR names another folder (docs/screenshots refreshes the README's), so a test run leaves the checkout as it was.
const SHOTS = resolve(process.env.SCREENSHOTS_DIR ?? join(ROOT, '.stack/screenshots'));
const state = readState();

let browser: Browser;
let context: BrowserContext;
const consoleErrors: string[] = [];

async function open(url: string): Promise<Page> {
  const page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(`${url}: ${message.text()}`);
  });
  page.on('pageerror', (error) => consoleErrors.push(`${url}: ${String(error)}`));
  await page.goto(url, { waitUntil: 'networkidle' });
  return page;
}

const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: scripts/stack/install.sh installs Debian's chromium`);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  context = await browser.newContext({ viewport: { width: 1280, height: 800 }, permissions: ['clipboard-read', 'clipboard-write'] });
});
afterAll(() => browser?.close());
afterEach(() => {
  const errors = consoleErrors.splice(0);
  expect(errors).toEqual([]);
});

describe('in a browser', () => {
  it('when the user opens the tuning runs and copies a RUN_ID, then the clipboard holds that run id', async () => {
    // Trials sit under their tuning run; only the newest opens by itself, and a second dataset was tuned after.
    const parentId = (await new MlflowClient({ trackingUri: 'http://127.0.0.1:5051' }).getRun(state.runId)).data.tags?.find((t) => t.key === 'mlflow.parentRunId')?.value;
    const page = await open('http://127.0.0.1:5051/#/');
    await page.click('[data-testid=experiment-row] a:has-text("churn-tuning")');
    await page.waitForSelector(`[data-testid=expand-run][data-run-id="${parentId}"]`);
    const closed = page.locator(`[data-testid=expand-run][data-run-id="${parentId}"][aria-expanded=false]`);
    if (await closed.count()) await closed.click();
    await page.waitForSelector(`[data-testid=run-row][data-run-id="${state.runId}"]`);
    await shot(page, 'registry-runs');
    await page.click(`[data-testid=run-row][data-run-id="${state.runId}"] [data-testid=copy-run-id]`);
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(state.runId);
    await page.goto(`http://127.0.0.1:5051/#/runs/${state.runId}`);
    await page.waitForSelector('[data-testid=metric-chart]');
    await page.waitForSelector('[data-testid=artifact-browser]');
    await shot(page, 'registry-run');
  });

  it('when the user promotes a version in the registry UI, then the alias moves to it', async () => {
    // A fresh version of a sibling trial, so there is a version without the alias to promote.
    const mlflow = new MlflowClient({ trackingUri: 'http://127.0.0.1:5051' });
    const sibling = await siblingTrial(mlflow, state.runId);
    const created = await mlflow.createModelVersion({ name: 'churn-model', source: `${sibling.info.artifact_uri}/model`, runId: sibling.info.run_id });

    const page = await open('http://127.0.0.1:5051/#/models/churn-model');
    await page.waitForSelector('[data-testid=versions-table]');
    await page.click(`[data-testid=promote][data-alias=challenger][data-version="${created.version}"]`);
    await page.waitForSelector(`[data-testid=toast]:has-text("challenger now points to version ${created.version}")`);
    expect((await mlflow.getModelVersionByAlias('churn-model', 'challenger'))?.version).toBe(String(created.version));
    await shot(page, 'registry-models');
  });

  it('when the user scores a customer in the predictor form, then the churn chance and model are shown', async () => {
    const page = await open('http://127.0.0.1:9696/');
    await page.fill('input[name=credit_limit]', '2500');
    await page.click('button[type=submit]');
    await page.waitForSelector('#result:has-text("Churn chance")');
    expect(await page.textContent('#result')).toMatch(/Churn chance: \d+\.\d% \(model [0-9a-f]{32}\)/);
    await shot(page, 'predictor-form');
  });

  it('when the user opens the drift reports, then the index lists the report and the report shows the drifted feature', async () => {
    const page = await open('http://127.0.0.1:8888/');
    await shot(page, 'reports-index');
    const file = (state.report.reportPath ?? '').split('/').pop() ?? '';
    await page.click(`a[href$="${file}"]`);
    await page.waitForLoadState('networkidle');
    expect(await page.content()).toContain('credit_limit');
    await shot(page, 'drift-report');
  });
});
