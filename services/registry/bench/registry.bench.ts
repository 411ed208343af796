/**
 * Registry benchmark: log-batch throughput and search_runs latency over 10,000 runs, our registry
 * beside a real `mlflow server` (MLflow 3.17, its defaults: uvicorn with 4 workers), both on the same
 * PostgreSQL (separate databases created here), in the same run with the measurements interleaved so
 * that load from elsewhere on the machine hits both alike.
 * Run: npx tsx services/registry/bench/registry.bench.ts
 * Env: BENCH_RUNS (10000), BENCH_LOG_BATCHES (200 per server), BENCH_QUERIES (45 per server),
 * BENCH_REST_RUNS (100 runs created over REST per server, informational).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@churn/config';
import { MlflowClient, startMlflowServer } from '@churn/mlflow-client';
import { registryConfigSchema } from '../src/config.js';
import { generateRuns, seedRuns } from './seed-sql.js';
import { recreateDatabase, startOurs } from './servers.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const RUNS = Number(process.env['BENCH_RUNS'] ?? 10_000);
const LOG_BATCHES = Number(process.env['BENCH_LOG_BATCHES'] ?? 200);
const QUERIES = Number(process.env['BENCH_QUERIES'] ?? 45);
const REST_RUNS = Number(process.env['BENCH_REST_RUNS'] ?? 100);
const CONCURRENCY = 8;
const METRICS_PER_BATCH = 100;
const MLFLOW_VERSION = '3.17.2';

const SEARCHES = [
  { filter: "metrics.auc > 0.9 and params.max_depth = '6'", orderBy: ['metrics.auc DESC'] },
  { filter: "params.eta = '0.1' and tags.engine = 'native'", orderBy: ['metrics.log_loss ASC'] },
  { filter: 'metrics.auc > 0.8', orderBy: ['metrics.auc DESC', 'attributes.start_time DESC'] },
];

interface Target {
  name: 'ours' | 'mlflow';
  databaseUrl: string;
  client: MlflowClient;
  experimentId: string;
  stop(): Promise<void>;
}

async function pool<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await fn(items[next++] as T);
    }),
  );
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

async function timed(fn: () => Promise<void>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/** REST create + one log-batch per run, the path the tuning workflow takes (informational). */
async function restRunsPerSecond(t: Target): Promise<number> {
  const experimentId = await t.client.createExperiment('bench-rest');
  const runs = generateRuns(REST_RUNS, 7);
  const ms = await timed(() =>
    pool(runs, CONCURRENCY, async (r) => {
      const run = await t.client.createRun({ experimentId, runName: r.name, tags: { engine: r.engine } });
      await t.client.logBatch(run.info.run_id, {
        params: Object.entries(r.params).map(([key, value]) => ({ key, value })),
        metrics: Object.entries(r.metrics).map(([key, value]) => ({ key, value })),
      });
    }),
  );
  return REST_RUNS / (ms / 1000);
}

async function logBatchRound(t: Target, runIds: string[], batches: number, offset: number): Promise<number> {
  const items = Array.from({ length: batches }, (_, i) => offset + i);
  return timed(() =>
    pool(items, CONCURRENCY, async (b) => {
      const metrics = Array.from({ length: METRICS_PER_BATCH }, (_, m) => ({ key: `m${m % 10}`, value: Math.sin(b + m), step: b * 10 + Math.floor(m / 10), timestamp: 1_700_000_000_000 + b }));
      await t.client.logBatch(runIds[b % runIds.length] ?? '', { metrics });
    }),
  );
}

async function main(): Promise<void> {
  const started = Date.now();
  const config = loadConfig(registryConfigSchema, { envFiles: [join(ROOT, '.env.local')] });
  const dbUrl = (name: string) => config.REGISTRY_DATABASE_URL.replace(/\/[^/?]+(\?|$)/, `/${name}$1`);
  const python = execFileSync(join(ROOT, 'scripts/py-venv.sh'), ['mlflow3'], { encoding: 'utf8' }).trim();
  const work = mkdtempSync(join(tmpdir(), 'registry-bench-'));
  const log = (message: string) => process.stderr.write(`[registry bench ${((Date.now() - started) / 1000).toFixed(0)} s] ${message}\n`);
  const targets: Target[] = [];
  try {
    await recreateDatabase(dbUrl('postgres'), 'registry_bench');
    await recreateDatabase(dbUrl('postgres'), 'mlflow_bench');
    log('starting both servers');
    const [ours, mlflow] = await Promise.all([
      startOurs(ROOT, dbUrl('registry_bench')),
      startMlflowServer({
        python,
        backendStoreUri: dbUrl('mlflow_bench').replace(/^postgres(ql)?:/, 'postgresql+psycopg2:'),
        artifactsDestination: join(work, 'artifacts'),
        workers: 4,
        // uvicorn kills a worker that misses a 5 s health check, which happens on a loaded 2-core box.
        extraArgs: ['--uvicorn-opts', '--timeout-worker-healthcheck 120'],
        startTimeoutMs: 300_000,
      }),
    ]);
    for (const [name, server, database] of [['ours', ours, 'registry_bench'], ['mlflow', mlflow, 'mlflow_bench']] as const) {
      const client = new MlflowClient({ trackingUri: server.url, maxRetries: 2, timeoutMs: 300_000 });
      targets.push({ name, databaseUrl: dbUrl(database), client, experimentId: await client.createExperiment('bench'), stop: server.stop });
    }

    log(`seeding ${RUNS} runs into each database`);
    const runs = generateRuns(RUNS);
    for (const t of targets) await seedRuns(t.databaseUrl, t.name, t.experimentId, runs);

    log(`creating ${REST_RUNS} runs over REST on each`);
    const restRate: Record<string, number> = {};
    for (const t of targets) restRate[t.name] = await restRunsPerSecond(t);

    log(`log-batch: ${LOG_BATCHES} batches of ${METRICS_PER_BATCH} metrics per server, alternating rounds`);
    const logMs: Record<string, number> = { ours: 0, mlflow: 0 };
    const batchRuns: Record<string, string[]> = {};
    for (const t of targets) {
      batchRuns[t.name] = await Promise.all(Array.from({ length: 8 }, (_, i) => t.client.createRun({ experimentId: t.experimentId, runName: `log-batch-${i}` }).then((r) => r.info.run_id)));
    }
    const rounds = 4;
    for (let round = 0; round < rounds; round++) {
      for (const t of round % 2 ? [...targets].reverse() : targets) {
        logMs[t.name] = (logMs[t.name] ?? 0) + (await logBatchRound(t, batchRuns[t.name] ?? [], LOG_BATCHES / rounds, (round * LOG_BATCHES) / rounds));
      }
    }

    log(`search_runs: ${QUERIES} queries per server, interleaved`);
    const latencies: Record<string, number[]> = { ours: [], mlflow: [] };
    const answers: Record<string, string[]> = { ours: [], mlflow: [] };
    for (let q = -SEARCHES.length; q < QUERIES; q++) {
      const search = SEARCHES[(q + SEARCHES.length) % SEARCHES.length] ?? SEARCHES[0];
      for (const t of q % 2 ? [...targets].reverse() : targets) {
        let names = '';
        const ms = await timed(async () => {
          const page = await t.client.searchRuns({ experimentIds: [t.experimentId], filter: search?.filter, orderBy: search?.orderBy, maxResults: 100 });
          names = page.runs.map((r) => r.info.run_name).join(',');
        });
        if (q < 0) answers[t.name]?.push(names);
        else latencies[t.name]?.push(ms);
      }
    }

    const stats = Object.fromEntries(
      targets.map((t) => {
        const sorted = [...(latencies[t.name] ?? [])].sort((a, b) => a - b);
        return [t.name, { logBatch: (LOG_BATCHES * METRICS_PER_BATCH) / ((logMs[t.name] ?? 1) / 1000), p50: percentile(sorted, 50), p99: percentile(sorted, 99), rest: restRate[t.name] ?? NaN }];
      }),
    ) as Record<'ours' | 'mlflow', { logBatch: number; p50: number; p99: number; rest: number }>;
    const sameAnswers = (answers['ours'] ?? []).every((a, i) => a.length > 0 && a === answers['mlflow']?.[i]);
    report(stats, sameAnswers);
    if (!sameAnswers) process.exitCode = 1;
    log('done');
  } finally {
    await Promise.all(targets.map((t) => t.stop()));
    rmSync(work, { recursive: true, force: true });
  }
}

function report(s: Record<'ours' | 'mlflow', { logBatch: number; p50: number; p99: number; rest: number }>, sameAnswers: boolean): void {
  const command = 'npx tsx services/registry/bench/registry.bench.ts';
  const rows = [
    { metric: 'log-batch throughput (metrics/s, batches of 100)', ours: s.ours.logBatch, peer: s.mlflow.logBatch, ratio: s.ours.logBatch / s.mlflow.logBatch, target: '>= 1.00', gated: true },
    { metric: `search_runs p50 latency (ms, ${RUNS} runs, filter + order_by)`, ours: s.ours.p50, peer: s.mlflow.p50, ratio: s.mlflow.p50 / s.ours.p50, target: '>= 1.00', gated: true },
    { metric: `search_runs p99 latency (ms, ${RUNS} runs, filter + order_by)`, ours: s.ours.p99, peer: s.mlflow.p99, ratio: s.mlflow.p99 / s.ours.p99, target: '>= 1.00', gated: true },
    { metric: 'runs created over REST per s (create + log-batch)', ours: s.ours.rest, peer: s.mlflow.rest, ratio: s.ours.rest / s.mlflow.rest, target: 'info', gated: false },
  ].map((r) => ({ command, ...r, pass: r.gated ? r.ratio >= 1 : null }));
  const fmt = (n: number) => (n >= 100 ? n.toFixed(0) : n.toFixed(1));
  console.log(
    [
      `| command | metric | ours | peer (mlflow server ${MLFLOW_VERSION}) | ratio (ours speed-up) | target | pass |`,
      '|---|---|---|---|---|---|---|',
      ...rows.map((r) => `| \`${r.command}\` | ${r.metric} | ${fmt(r.ours)} | ${fmt(r.peer)} | ${r.ratio.toFixed(2)} | ${r.target} | ${r.pass === null ? 'n/a' : r.pass ? 'yes' : 'no'} |`),
    ].join('\n'),
  );
  console.log(`\nBoth on the same PostgreSQL; search answers identical on both servers: ${sameAnswers ? 'yes' : 'NO'}.`);
  mkdirSync(join(ROOT, '.stack/bench'), { recursive: true });
  writeFileSync(
    join(ROOT, '.stack/bench/registry.json'),
    `${JSON.stringify({ name: 'registry', command, peer: `mlflow server ${MLFLOW_VERSION} (uvicorn, 4 workers) on the same PostgreSQL`, runs: RUNS, logBatches: LOG_BATCHES, queries: QUERIES, sameSearchAnswers: sameAnswers, rows, measuredAt: new Date().toISOString() }, null, 2)}\n`,
  );
}

await main();
