/**
 * Registry benchmark: log-batch throughput and search_runs latency over 10,000 runs, our registry
 * beside a real `mlflow server` (MLflow 3, its defaults: uvicorn, 4 workers), both on the same
 * PostgreSQL (separate databases created here) in the same run. Run: npx tsx services/registry/bench/registry.bench.ts
 * Env: BENCH_RUNS (10000), BENCH_LOG_BATCHES (300), BENCH_QUERIES (40), BENCH_CONCURRENCY (16).
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { loadConfig } from '@churn/config';
import { MlflowClient, freePort, startMlflowServer } from '@churn/mlflow-client';
import { registryConfigSchema } from '../src/config.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const RUNS = Number(process.env['BENCH_RUNS'] ?? 10_000);
const LOG_BATCHES = Number(process.env['BENCH_LOG_BATCHES'] ?? 300);
const QUERIES = Number(process.env['BENCH_QUERIES'] ?? 40);
const CONCURRENCY = Number(process.env['BENCH_CONCURRENCY'] ?? 16);
const METRICS_PER_BATCH = 100;

const SEARCHES = [
  { filter: "metrics.auc > 0.9 and params.max_depth = '6'", orderBy: ['metrics.auc DESC'] },
  { filter: "params.eta = '0.1' and tags.engine = 'native'", orderBy: ['metrics.log_loss ASC'] },
  { filter: 'metrics.auc > 0.8', orderBy: ['metrics.auc DESC', 'attributes.start_time DESC'] },
];

interface Server {
  name: string;
  url: string;
  stop(): Promise<void>;
}

interface Measured {
  seedRunsPerSecond: number;
  logBatchMetricsPerSecond: number;
  searchP50Ms: number;
  searchP99Ms: number;
  searchAnswers: string[];
}

/** mulberry32: the same seeded data on both servers. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
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

async function recreateDatabase(adminUrl: string, name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
}

async function waitHealthy(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    if (await fetch(`${url}/health`).then((r) => r.ok, () => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${url} did not become healthy`);
}

/** Our registry as its own process (as deployed), so the load generator does not share its event loop. */
async function startOurs(databaseUrl: string): Promise<Server> {
  const port = await freePort();
  const child = spawn(join(ROOT, 'node_modules/.bin/tsx'), ['services/registry/src/main.ts'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, REGISTRY_PORT: String(port), REGISTRY_DATABASE_URL: databaseUrl, ARTIFACTS_BUCKET: 'registry-bench', LOG_LEVEL: 'warn' },
  });
  const url = `http://127.0.0.1:${port}`;
  await waitHealthy(url, child, 60_000);
  return {
    name: 'ours',
    url,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function measure(server: Server): Promise<Measured> {
  const client = new MlflowClient({ trackingUri: server.url, maxRetries: 2 });
  const experimentId = await client.createExperiment('bench');
  const random = prng(42);
  const rows = Array.from({ length: RUNS }, (_, i) => ({
    i,
    maxDepth: String(3 + Math.floor(random() * 8)),
    eta: ['0.01', '0.05', '0.1', '0.2', '0.3'][Math.floor(random() * 5)] ?? '0.1',
    auc: 0.7 + random() * 0.25,
    logLoss: 0.2 + random() * 0.4,
  }));

  // 1. Seed 10,000 runs: create + one log-batch each, concurrently.
  let started = performance.now();
  await pool(rows, CONCURRENCY, async (row) => {
    const run = await client.createRun({ experimentId, runName: `trial-${row.i}`, startTime: 1_700_000_000_000 + row.i, tags: { engine: row.i % 3 ? 'native' : 'wasm' } });
    await client.logBatch(run.info.run_id, {
      params: [{ key: 'max_depth', value: row.maxDepth }, { key: 'eta', value: row.eta }, { key: 'trial', value: String(row.i) }],
      metrics: [{ key: 'auc', value: row.auc, timestamp: 1_700_000_000_000 }, { key: 'log_loss', value: row.logLoss, timestamp: 1_700_000_000_000 }],
    });
  });
  const seedRunsPerSecond = RUNS / ((performance.now() - started) / 1000);

  // 2. log-batch throughput: batches of 100 metrics (10 keys x 10 steps) into 8 runs.
  const targets = await Promise.all(Array.from({ length: 8 }, (_, i) => client.createRun({ experimentId, runName: `log-batch-${i}` })));
  const batches = Array.from({ length: LOG_BATCHES }, (_, b) => b);
  started = performance.now();
  await pool(batches, Math.min(CONCURRENCY, 8), async (b) => {
    const runId = targets[b % targets.length]?.info.run_id ?? '';
    const metrics = Array.from({ length: METRICS_PER_BATCH }, (_, m) => ({ key: `m${m % 10}`, value: Math.sin(b + m), step: b * 10 + Math.floor(m / 10), timestamp: 1_700_000_000_000 + b }));
    await client.logBatch(runId, { metrics });
  });
  const logBatchMetricsPerSecond = (LOG_BATCHES * METRICS_PER_BATCH) / ((performance.now() - started) / 1000);

  // 3. search_runs latency: filter + order_by, max 100 results, sequential after a warm-up.
  const latencies: number[] = [];
  const searchAnswers: string[] = [];
  for (let q = -SEARCHES.length; q < QUERIES; q++) {
    const search = SEARCHES[((q % SEARCHES.length) + SEARCHES.length) % SEARCHES.length] ?? SEARCHES[0];
    const t0 = performance.now();
    const page = await client.searchRuns({ experimentIds: [experimentId], filter: search?.filter, orderBy: search?.orderBy, maxResults: 100 });
    const elapsed = performance.now() - t0;
    if (q < 0) searchAnswers.push(page.runs.map((r) => r.info.run_name).join(','));
    else latencies.push(elapsed);
  }
  latencies.sort((a, b) => a - b);
  return { seedRunsPerSecond, logBatchMetricsPerSecond, searchP50Ms: percentile(latencies, 50), searchP99Ms: percentile(latencies, 99), searchAnswers };
}

async function main(): Promise<void> {
  const config = loadConfig(registryConfigSchema, { envFiles: [join(ROOT, '.env.local')] });
  const base = config.REGISTRY_DATABASE_URL;
  const dbUrl = (name: string) => base.replace(/\/[^/?]+(\?|$)/, `/${name}$1`);
  const python = execFileSync(join(ROOT, 'scripts/py-venv.sh'), ['mlflow3'], { encoding: 'utf8' }).trim();
  const work = mkdtempSync(join(tmpdir(), 'registry-bench-'));
  const results: Record<string, Measured> = {};
  try {
    for (const which of ['ours', 'mlflow'] as const) {
      const t0 = Date.now();
      const database = which === 'ours' ? 'registry_bench' : 'mlflow_bench';
      await recreateDatabase(dbUrl('postgres'), database);
      const server: Server =
        which === 'ours'
          ? await startOurs(dbUrl(database))
          : await startMlflowServer({ python, backendStoreUri: dbUrl(database).replace(/^postgres(ql)?:/, 'postgresql+psycopg2:'), artifactsDestination: join(work, 'artifacts'), workers: 4 }).then((s) => ({
              name: 'mlflow',
              url: s.url,
              stop: s.stop,
            }));
      try {
        results[which] = await measure(server);
      } finally {
        await server.stop();
      }
      process.stderr.write(`${which}: ${JSON.stringify(results[which], (k, v: unknown) => (k === 'searchAnswers' ? undefined : v))} in ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const ours = results['ours'];
  const peer = results['mlflow'];
  if (!ours || !peer) throw new Error('a server did not finish');
  const sameAnswers = ours.searchAnswers.every((answer, i) => answer === peer.searchAnswers[i]);
  const command = 'npx tsx services/registry/bench/registry.bench.ts';
  const rows = [
    { metric: 'log-batch throughput (metrics/s, batches of 100)', ours: ours.logBatchMetricsPerSecond, peer: peer.logBatchMetricsPerSecond, ratio: ours.logBatchMetricsPerSecond / peer.logBatchMetricsPerSecond, target: '>= 1.00', gated: true },
    { metric: `search_runs p50 (ms, ${RUNS} runs, filter + order_by)`, ours: ours.searchP50Ms, peer: peer.searchP50Ms, ratio: peer.searchP50Ms / ours.searchP50Ms, target: '>= 1.00', gated: true },
    { metric: `search_runs p99 (ms, ${RUNS} runs, filter + order_by)`, ours: ours.searchP99Ms, peer: peer.searchP99Ms, ratio: peer.searchP99Ms / ours.searchP99Ms, target: '>= 1.00', gated: true },
    { metric: 'seeding: runs/s (create + log-batch each)', ours: ours.seedRunsPerSecond, peer: peer.seedRunsPerSecond, ratio: ours.seedRunsPerSecond / peer.seedRunsPerSecond, target: 'info', gated: false },
  ].map((r) => ({ command, ...r, pass: r.gated ? r.ratio >= 1 : undefined }));
  const fmt = (n: number) => (n >= 100 ? n.toFixed(0) : n.toFixed(1));
  const lines = [
    '| command | metric | ours | peer (mlflow server 3.17.2, 4 workers) | ratio (ours speed-up) | target | pass |',
    '|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| \`${r.command}\` | ${r.metric} | ${fmt(r.ours)} | ${fmt(r.peer)} | ${r.ratio.toFixed(2)} | ${r.target} | ${r.pass === undefined ? '—' : r.pass ? 'yes' : 'no'} |`),
  ];
  console.log(lines.join('\n'));
  console.log(`\nSame PostgreSQL for both; ${RUNS} runs seeded with concurrency ${CONCURRENCY}; ${LOG_BATCHES} log-batch calls; ${QUERIES} searches each. Search answers identical on both servers: ${sameAnswers ? 'yes' : 'NO'}.`);
  mkdirSync(join(ROOT, '.stack/bench'), { recursive: true });
  writeFileSync(
    join(ROOT, '.stack/bench/registry.json'),
    `${JSON.stringify({ name: 'registry', command, peer: 'mlflow server 3.17.2 (uvicorn, 4 workers) on the same PostgreSQL', runs: RUNS, sameSearchAnswers: sameAnswers, rows, measuredAt: new Date().toISOString() }, null, 2)}\n`,
  );
  if (!sameAnswers) process.exitCode = 1;
}

await main();
