/**
 * Registry UI benchmark: the pages of choosing a model, in headless Chromium, our registry's UI beside
 * MLflow's own UI on a real `mlflow server` (MLflow 3.17), both on the same PostgreSQL (separate
 * databases created and dropped here), holding the same 10,000 runs and a 50-trial tuning run.
 * Each step is a hash navigation inside the already loaded app (the way a user moves between pages,
 * no script download counted), the two UIs alternating step by step.
 * "Data loaded": from the navigation to the end of the last API response (/ajax-api/, /graphql) the
 * page made for it, once the page shows its data and its API calls have been quiet for 500 ms.
 * Run: npm run bench -- registry-ui
 * Env: BENCH_RUNS (10000), BENCH_ROUNDS (5; the median is reported).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { loadConfig } from '@churn/config';
import { MlflowClient, startMlflowServer } from '@churn/mlflow-client';
import { registryConfigSchema } from '../src/config.js';
import { recreateDatabase, startOurs } from './servers.js';
import { loadUiScenario, type UiScenario } from './ui-scenario.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const RUNS = Number(process.env['BENCH_RUNS'] ?? 10_000);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 5);
const TRIALS = 50;
const MLFLOW_VERSION = '3.17.2';
const CHROMIUM = '/usr/bin/chromium';
// Ports of this benchmark's range, so it never takes a port another test picked.
const OUR_PORT = 7521;
const MLFLOW_PORT = 7522;
const QUIET_MS = 500;
const FILTER = 'metrics.test_auc > 0.9';

interface Step {
  name: string;
  /** The hash to navigate to, and what must be on the page once its data is in. */
  ours: (s: UiScenario) => { hash: string; ready: string };
  mlflow: (s: UiScenario) => { hash: string; ready: string };
}

const runsOf = (s: UiScenario) => `#/experiments/${s.experimentId}`;
const STEPS: Step[] = [
  { name: 'experiments list', ours: () => ({ hash: '#/', ready: '[data-testid=experiment-row]' }), mlflow: () => ({ hash: '#/experiments', ready: 'a:has-text("churn-tuning")' }) },
  {
    name: 'experiment page (runs table)',
    ours: (s) => ({ hash: runsOf(s), ready: `[data-testid=run-row][data-parent-run-id="${s.parentId}"]` }),
    mlflow: (s) => ({ hash: `${runsOf(s)}/runs`, ready: '.ag-row:has-text("tuning-bankchurners")' }),
  },
  {
    name: 'sort by test_auc',
    ours: (s) => ({ hash: `${runsOf(s)}?sort=metric:test_auc`, ready: '[data-testid=runs-table][data-sorted="metric:test_auc:desc"]' }),
    mlflow: (s) => ({ hash: `${runsOf(s)}/runs?orderByKey=${encodeURIComponent('metrics.`test_auc`')}&orderByAsc=false`, ready: '.ag-row' }),
  },
  {
    name: `filter ${FILTER}`,
    ours: (s) => ({ hash: `${runsOf(s)}?filter=${encodeURIComponent(FILTER)}`, ready: `[data-testid=runs-table][data-filter="${FILTER}"]` }),
    mlflow: (s) => ({ hash: `${runsOf(s)}/runs?searchFilter=${encodeURIComponent(FILTER)}`, ready: '.ag-row:has-text("tuning-bankchurners")' }),
  },
  { name: 'run page', ours: (s) => ({ hash: `#/runs/${s.championId}`, ready: '[data-testid=metrics-table]' }), mlflow: (s) => ({ hash: `${runsOf(s)}/runs/${s.championId}`, ready: 'text=test_auc' }) },
  {
    name: `compare ${TRIALS} trials`,
    ours: (s) => ({ hash: `#/compare?experiment=${s.experimentId}&parent=${s.parentId}`, ready: '[data-testid=metric-curves]' }),
    mlflow: (s) => ({ hash: `#/compare-runs?runs=${encodeURIComponent(JSON.stringify(s.trialIds))}&experiments=${encodeURIComponent(JSON.stringify([s.experimentId]))}`, ready: 'text=trial-049' }),
  },
  { name: 'model page', ours: () => ({ hash: '#/models/churn-model', ready: '[data-testid=versions-table]' }), mlflow: () => ({ hash: '#/models/churn-model', ready: 'text=Version 1' }) },
];

interface Side {
  name: 'ours' | 'mlflow';
  url: string;
  scenario: UiScenario;
  page: Page;
  inFlight: Set<string>;
  lastApiEvent: number;
}

const isApi = (url: string) => url.includes('/ajax-api/') || url.endsWith('/graphql');

/** Navigates inside the loaded app and returns ms from the navigation to the last API response end. */
async function measure(side: Side, target: { hash: string; ready: string }): Promise<{ ms: number; calls: number }> {
  const { page } = side;
  await page.evaluate(() => performance.clearResourceTimings());
  const t0 = await page.evaluate((hash) => {
    const now = performance.now();
    (globalThis as unknown as { location: { hash: string } }).location.hash = hash;
    return now;
  }, target.hash);
  await page.waitForSelector(target.ready, { timeout: 60_000 });
  // Then wait for the page's API calls to settle: a page may fetch more after its first rows show.
  for (;;) {
    const idle = side.inFlight.size === 0 && Date.now() - side.lastApiEvent >= QUIET_MS;
    if (idle) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const ends = await page.evaluate(
    (start) =>
      performance
        .getEntriesByType('resource')
        .filter((e) => (e.name.includes('/ajax-api/') || e.name.endsWith('/graphql')) && e.startTime >= start)
        .map((e) => (e as unknown as { responseEnd: number }).responseEnd),
    t0,
  );
  if (ends.length === 0) throw new Error(`${side.name}: no API call after navigating to ${target.hash}`);
  return { ms: Math.max(...ends) - t0, calls: ends.length };
}

async function openSide(name: Side['name'], url: string, scenario: UiScenario, browser: Awaited<ReturnType<typeof chromium.launch>>, home: string): Promise<Side> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const side: Side = { name, url, scenario, page, inFlight: new Set(), lastApiEvent: Date.now() };
  const done = (request: { url(): string }) => {
    if (!isApi(request.url())) return;
    side.inFlight.delete(request.url());
    side.lastApiEvent = Date.now();
  };
  page.on('request', (request) => {
    if (!isApi(request.url())) return;
    side.inFlight.add(request.url());
    side.lastApiEvent = Date.now();
  });
  page.on('requestfinished', done);
  page.on('requestfailed', done);
  await page.goto(`${url}/${home}`);
  await page.evaluate(() => performance.setResourceTimingBufferSize(100_000));
  return side;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
};

async function main(): Promise<void> {
  const started = Date.now();
  const log = (message: string) => process.stderr.write(`[registry-ui bench ${((Date.now() - started) / 1000).toFixed(0)} s] ${message}\n`);
  const config = loadConfig(registryConfigSchema, { envFiles: [join(ROOT, '.env.local')] });
  const dbUrl = (name: string) => config.REGISTRY_DATABASE_URL.replace(/\/[^/?]+(\?|$)/, `/${name}$1`);
  const python = execFileSync(join(ROOT, 'scripts/py-venv.sh'), ['mlflow3'], { encoding: 'utf8' }).trim();
  const work = mkdtempSync(join(tmpdir(), 'registry-ui-bench-'));
  const stops: (() => Promise<void>)[] = [];
  const databases = ['registry_ui_bench', 'mlflow_ui_bench'];
  try {
    for (const name of databases) await recreateDatabase(dbUrl('postgres'), name);
    log('starting both servers');
    const [ours, mlflow] = await Promise.all([
      startOurs(ROOT, dbUrl('registry_ui_bench'), OUR_PORT),
      startMlflowServer({
        python,
        port: MLFLOW_PORT,
        backendStoreUri: dbUrl('mlflow_ui_bench').replace(/^postgres(ql)?:/, 'postgresql+psycopg2:'),
        artifactsDestination: join(work, 'artifacts'),
        workers: 4,
        extraArgs: ['--uvicorn-opts', '--timeout-worker-healthcheck 120'],
        startTimeoutMs: 300_000,
      }),
    ]);
    stops.push(ours.stop, mlflow.stop);

    log(`loading ${RUNS} runs + a ${TRIALS}-trial tuning run into each`);
    const scenarios: Record<Side['name'], UiScenario> = {
      ours: await loadUiScenario(new MlflowClient({ trackingUri: ours.url }), dbUrl('registry_ui_bench'), 'ours', { otherRuns: RUNS, trials: TRIALS }),
      mlflow: await loadUiScenario(new MlflowClient({ trackingUri: mlflow.url }), dbUrl('mlflow_ui_bench'), 'mlflow', { otherRuns: RUNS, trials: TRIALS }),
    };
    // MLflow 3 opens an experiment without this tag as a GenAI one (traces), not its runs table.
    await fetch(`${mlflow.url}/api/2.0/mlflow/experiments/set-experiment-tag`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ experiment_id: scenarios.mlflow.experimentId, key: 'mlflow.experimentKind', value: 'custom_model_development' }),
    });

    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    stops.push(() => browser.close());
    const sides = [await openSide('ours', ours.url, scenarios.ours, browser, '#/models'), await openSide('mlflow', mlflow.url, scenarios.mlflow, browser, '#/models')];

    const results: Record<string, Record<Side['name'], number[]>> = {};
    const calls: Record<string, Record<Side['name'], number>> = {};
    // Round 0 warms both (code paths, PostgreSQL caches) and is not counted.
    for (let round = 0; round <= ROUNDS; round++) {
      log(`round ${round}${round === 0 ? ' (warm-up)' : ''}`);
      for (const step of STEPS) {
        for (const side of round % 2 ? [...sides].reverse() : sides) {
          const target = side.name === 'ours' ? step.ours(side.scenario) : step.mlflow(side.scenario);
          const { ms, calls: n } = await measure(side, target);
          if (round === 0) continue;
          ((results[step.name] ??= { ours: [], mlflow: [] })[side.name]).push(ms);
          (calls[step.name] ??= { ours: 0, mlflow: 0 })[side.name] = n;
        }
      }
    }
    report(results, calls);
    log('done');
  } finally {
    for (const stop of stops.reverse()) await stop().catch((error: unknown) => log(`stop failed: ${String(error)}`));
    for (const name of databases) await recreateDatabase(dbUrl('postgres'), name, { drop: true }).catch(() => undefined);
    rmSync(work, { recursive: true, force: true });
  }
}

function report(results: Record<string, Record<Side['name'], number[]>>, calls: Record<string, Record<Side['name'], number>>): void {
  const command = 'npm run bench -- registry-ui';
  const rows = Object.entries(results).map(([step, r]) => {
    const ours = median(r.ours);
    const peer = median(r.mlflow);
    return { step, ours, peer, ratio: peer / ours, oursCalls: calls[step]?.ours ?? 0, peerCalls: calls[step]?.mlflow ?? 0, target: '< 300 ms and ratio >= 1.00', pass: ours < 300 && peer / ours >= 1 };
  });
  console.log(
    [
      `| step (${RUNS} runs + ${TRIALS} trials; median of ${ROUNDS}) | ours ms | MLflow ${MLFLOW_VERSION} UI ms | ratio (MLflow / ours) | API calls ours / MLflow | target | pass |`,
      '|---|---|---|---|---|---|---|',
      ...rows.map((r) => `| ${r.step} | ${r.ours.toFixed(0)} | ${r.peer.toFixed(0)} | ${r.ratio.toFixed(2)} | ${r.oursCalls} / ${r.peerCalls} | ${r.target} | ${r.pass ? 'yes' : 'no'} |`),
    ].join('\n'),
  );
  mkdirSync(join(ROOT, '.stack/bench'), { recursive: true });
  writeFileSync(
    join(ROOT, '.stack/bench/registry-ui.json'),
    `${JSON.stringify({ name: 'registry-ui', command, peer: `MLflow ${MLFLOW_VERSION} UI on mlflow server (uvicorn, 4 workers) on the same PostgreSQL`, runs: RUNS, trials: TRIALS, rounds: ROUNDS, rows, samples: results, measuredAt: new Date().toISOString() }, null, 2)}\n`,
  );
}

await main();
