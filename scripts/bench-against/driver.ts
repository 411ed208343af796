// Before/after benchmark driver (scripts/bench-against.sh starts it): measures two trees of this
// repository, `base` (a worktree of an older commit) and `head` (this tree), alternately in one run,
// each with its own code and node_modules, and compares medians:
//   predict  /predict req/s of the HTTP predictor (each tree's own bundle with its own start script's
//            node options; the same registered model, the same env file, Mongo logging and live drift
//            on, as in services/predictor-api/bench/predict.bench.ts), autocannon at c=64 and c=1
//   tuning   whole-process wall time of `npm run train -- --trials N ...` in each tree (and the tuning
//            time the CLI reports itself)
//   drift    computeDrift + renderDriftReport on 20,000 drifted rows as packages/drift/bench does,
//            through a small driver per API version written into a temp dir
// Prints a markdown table and writes .stack/bench/against.json.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { customerRequests, registerTestModel, setEnvValues, trainTestModel } from '@churn/serving/testing';
import autocannon from 'autocannon';
import { MongoClient } from 'mongodb';
import { loggedPort, serviceCommand } from '../demo/processes.js';
import { DRIFT_DRIVERS, driftApiOf } from './drift-drivers.js';

const { values: opts } = parseArgs({
  options: {
    base: { type: 'string' },
    'base-label': { type: 'string' },
    head: { type: 'string' },
    rounds: { type: 'string', default: '5' },
    trials: { type: 'string', default: '50' },
    duration: { type: 'string', default: '8' },
    only: { type: 'string', default: 'predict,tuning,drift' },
  },
  strict: true,
});
if (!opts.base || !opts.head) throw new Error('usage: driver.ts --base DIR --head DIR [--base-label REF] [--rounds N] [--trials N] [--duration S] [--only predict,tuning,drift]');
const ROUNDS = Number(opts.rounds);
const TRIALS = Number(opts.trials);
const DURATION_S = Number(opts.duration);
const ONLY = new Set(opts.only.split(','));
if (!Number.isInteger(ROUNDS) || ROUNDS < 1 || !Number.isInteger(TRIALS) || TRIALS < 1 || !(DURATION_S > 0)) throw new Error('--rounds, --trials and --duration take positive numbers');

const HEAD = resolve(opts.head);
const trees = { base: resolve(opts.base), head: HEAD } as const;
type Side = keyof typeof trees;
const SIDES: Side[] = ['base', 'head'];
const gitOf = (dir: string) => execFileSync('git', ['-C', dir, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
const dirtyOf = (dir: string) => execFileSync('git', ['-C', dir, 'status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' }).trim().length > 0;
// Others may commit in this tree while the run goes on: the head is named by its commit at the start (and at the end in the JSON).
const headAtStart = gitOf(HEAD);
const labels = { base: opts['base-label'] ?? gitOf(trees.base), head: `${headAtStart}${dirtyOf(HEAD) ? '+working tree' : ''}` };
const TRACKING_URI = 'http://127.0.0.1:5051';
const BENCH_DB = 'churn_bench_against';
const MONGO_URI = `mongodb://127.0.0.1:27017/${BENCH_DB}?directConnection=true`;
const OUT = join(HEAD, '.stack/bench/against.json');
const COMMAND = `scripts/bench-against.sh ${labels.base}${process.argv.slice(2).some((a) => a === '--rounds') ? ` --rounds ${ROUNDS}` : ''}`;
const log = (message: string) => process.stderr.write(`[bench-against] ${message}\n`);

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length === 0 ? Number.NaN : s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

// ---------------------------------------------------------------------------------------------
// Processes

interface Exited {
  code: number | null;
  stdout: string;
  stderr: string;
  wallMs: number;
}

/** Runs a command to its end; the wall time is spawn to exit. */
function run(command: string, args: string[], cwd: string, env: Record<string, string> = {}): Promise<Exited> {
  return new Promise((resolveRun, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      const result = { code, stdout, stderr, wallMs: performance.now() - started };
      if (code === 0) resolveRun(result);
      else reject(new Error(`${command} ${args.join(' ')} in ${cwd} exited with ${code}:\n${stderr.slice(-2000)}`));
    });
  });
}

/** Starts a node command line in a tree and waits for the JSON log line carrying its port. */
async function startService(tree: string, command: string[], env: Record<string, string>, portMessage: string): Promise<{ child: ChildProcess; port: number; stderr: () => string }> {
  const child = spawn(process.execPath, command, { cwd: tree, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const port = await loggedPort(child, portMessage, command.join(' '), () => `:\n${stderr}`);
  return { child, port, stderr: () => stderr };
}

/** SIGTERM (the predictor flushes its prediction log), SIGKILL after 60 s. */
function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolveStop) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolveStop();
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolveStop();
    });
    child.kill('SIGTERM');
  });
}

// CPU accounting as in the serving bench: clock ticks of one process (USER_HZ = 100).
const processTicks = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return Number(fields[11]) + Number(fields[12]);
};
const loadAverage = () => Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);

// ---------------------------------------------------------------------------------------------
// Measurements

interface PredictSample {
  c64: { rps: number; p99: number; errors: number; serverCpuMsPer1k: number };
  c1: { rps: number; p99: number; errors: number };
  load: number;
}

async function loadRun(port: number, pid: number, connections: number, bodies: string[]) {
  const url = `http://127.0.0.1:${port}`;
  const requests = bodies.map((body) => ({ method: 'POST', path: '/predict', headers: { 'content-type': 'application/json' }, body }));
  await autocannon({ url, requests, connections, duration: 2 });
  const ticks = processTicks(pid);
  const result = await autocannon({ url, requests, connections, duration: DURATION_S });
  const serverCpuMs = (processTicks(pid) - ticks) * 10;
  return {
    rps: result.requests.average,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx + result.timeouts,
    serverCpuMsPer1k: (serverCpuMs / Math.max(1, result.requests.total)) * 1000,
  };
}

async function predictOnce(side: Side, envFile: string, bodies: string[], mongo: MongoClient): Promise<PredictSample & { sample: unknown }> {
  // Every measurement starts on an empty prediction collection, so neither tree pays for the other's inserts.
  await mongo.db(BENCH_DB).dropDatabase().catch(() => undefined);
  const tree = trees[side];
  const api = await startService(tree, serviceCommand(tree, 'predictor-api'), { ENV_FILE: envFile }, 'predictor-api listening');
  try {
    let healthy = false;
    for (let i = 0; i < 1200 && !healthy; i += 1) {
      healthy = (await fetch(`http://127.0.0.1:${api.port}/health`).catch(() => undefined))?.status === 200;
      if (!healthy) await new Promise((r) => setTimeout(r, 100));
    }
    if (!healthy) throw new Error(`${side} predictor never became healthy:\n${api.stderr()}`);
    const answer = await fetch(`http://127.0.0.1:${api.port}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: bodies[0] as string });
    const sample = (await answer.json()) as unknown;
    const load = loadAverage();
    const c64 = await loadRun(api.port, api.child.pid!, 64, bodies);
    const c1 = await loadRun(api.port, api.child.pid!, 1, bodies);
    return { c64, c1: { rps: c1.rps, p99: c1.p99, errors: c1.errors }, load, sample };
  } finally {
    await stop(api.child);
  }
}

interface TuningSample {
  wallMs: number;
  tuneMs: number;
  testAuc: number;
  load: number;
}

async function tuningOnce(side: Side, envFile: string): Promise<TuningSample> {
  const load = loadAverage();
  const out = await run('npm', ['run', 'train', '--', '--trials', String(TRIALS), '--seed', '42', '--engine', 'native', '--nthread', '2'], trees[side], {
    ENV_FILE: envFile,
    XGBOOST_ENGINE: 'native',
  });
  const tuned = /(\d+) trials in ([\d.]+) s/.exec(out.stdout);
  const auc = /best trial \d+: test AUC ([\d.]+)/.exec(out.stdout);
  if (!tuned || !auc) throw new Error(`${side}: unexpected train output:\n${out.stdout.slice(-2000)}`);
  return { wallMs: out.wallMs, tuneMs: Number(tuned[2]) * 1000, testAuc: Number(auc[1]), load };
}

interface DriftSample {
  reportMs: number;
  computeMs: number;
  runsMs: number[];
  drifted: string[];
  load: number;
}

const driftDir = mkdtempSync(join(tmpdir(), 'bench-against-drift-'));
async function driftOnce(side: Side): Promise<DriftSample> {
  const tree = trees[side];
  const api = driftApiOf(tree);
  const file = join(driftDir, `drift-${api}.mts`);
  if (!existsSync(file)) writeFileSync(file, DRIFT_DRIVERS[api]);
  const load = loadAverage();
  const out = await run(join(tree, 'node_modules/.bin/tsx'), [file, tree, join(driftDir, `${side}.html`)], tree);
  const parsed = JSON.parse(out.stdout.trim().split('\n').pop() as string) as Omit<DriftSample, 'load'>;
  return { ...parsed, load };
}

// ---------------------------------------------------------------------------------------------
// The run

log(`base ${labels.base} at ${trees.base}; head ${labels.head} at ${HEAD}; ${ROUNDS} rounds, alternating base, head`);
const samples = {
  predict: { base: [] as PredictSample[], head: [] as PredictSample[] },
  tuning: { base: [] as TuningSample[], head: [] as TuningSample[] },
  drift: { base: [] as DriftSample[], head: [] as DriftSample[] },
};
const checks: Record<string, unknown> = {};
const started = new Date();

let envFile = '';
let bodies: string[] = [];
let mongo: MongoClient | undefined;
let runId = '';
if (ONLY.has('predict') || ONLY.has('tuning')) {
  // One env file for both trees: .env.local with the bench model, a private Mongo database and port 0.
  const envDir = mkdtempSync(join(tmpdir(), 'bench-against-env-'));
  envFile = join(envDir, '.env');
  writeFileSync(envFile, setEnvValues(readFileSync(join(HEAD, '.env.local'), 'utf8'), {}));
}
if (ONLY.has('predict')) {
  log('training and registering the bench model (as the serving bench: max_depth 6, eta 0.1, 150 rounds)...');
  const modelDir = await trainTestModel({ max_depth: 6, eta: 0.1 }, 150);
  runId = await registerTestModel(TRACKING_URI, modelDir, 'bench-against-model');
  rmSync(modelDir, { recursive: true, force: true });
  writeFileSync(
    envFile,
    setEnvValues(readFileSync(envFile, 'utf8'), {
      RUN_ID: runId,
      MODEL_URI: '',
      MODEL_CACHE_DIR: join(HEAD, '.stack/model-cache'),
      MONGODB_URI: MONGO_URI,
      PREDICTOR_API_PORT: '0',
      PREDICTOR_STREAM_PORT: '0',
      LOG_LEVEL: 'info',
    }),
  );
  bodies = customerRequests(200);
  mongo = new MongoClient('mongodb://127.0.0.1:27017/?directConnection=true');
  for (const side of SIDES) {
    log(`${side}: building the predictor-api bundle...`);
    await run(process.execPath, [join(trees[side], 'scripts/build-services.mjs'), 'predictor-api'], trees[side]);
  }
}

const predictAnswers: Partial<Record<Side, unknown>> = {};
for (let round = 0; round < ROUNDS; round += 1) {
  for (const side of SIDES) {
    if (ONLY.has('predict')) {
      const s = await predictOnce(side, envFile, bodies, mongo as MongoClient);
      predictAnswers[side] ??= s.sample;
      samples.predict[side].push({ c64: s.c64, c1: s.c1, load: s.load });
      log(`round ${round + 1}/${ROUNDS} ${side} predict: c=64 ${s.c64.rps.toFixed(0)} req/s (p99 ${s.c64.p99} ms, ${s.c64.serverCpuMsPer1k.toFixed(0)} ms CPU per 1k), c=1 ${s.c1.rps.toFixed(0)} req/s, load ${s.load}`);
    }
  }
  for (const side of SIDES) {
    if (ONLY.has('tuning')) {
      const s = await tuningOnce(side, envFile);
      samples.tuning[side].push(s);
      log(`round ${round + 1}/${ROUNDS} ${side} tuning: ${(s.wallMs / 1000).toFixed(2)} s wall (tune ${(s.tuneMs / 1000).toFixed(1)} s), test AUC ${s.testAuc}, load ${s.load}`);
    }
  }
  for (const side of SIDES) {
    if (ONLY.has('drift')) {
      const s = await driftOnce(side);
      samples.drift[side].push(s);
      log(`round ${round + 1}/${ROUNDS} ${side} drift: report ${s.reportMs.toFixed(0)} ms (statistics ${s.computeMs.toFixed(0)} ms), load ${s.load}`);
    }
  }
}
await mongo?.db(BENCH_DB).dropDatabase().catch(() => undefined);
await mongo?.close();
rmSync(driftDir, { recursive: true, force: true });
if (envFile) rmSync(resolve(envFile, '..'), { recursive: true, force: true });

// Same work on both sides: the same answer from both predictors, the same best model, the same drift verdicts.
if (ONLY.has('predict')) checks.predictSameAnswer = JSON.stringify(predictAnswers.base) === JSON.stringify(predictAnswers.head) ? true : { base: predictAnswers.base, head: predictAnswers.head };
if (ONLY.has('tuning')) checks.tuningSameTestAuc = samples.tuning.base[0]?.testAuc === samples.tuning.head[0]?.testAuc ? true : { base: samples.tuning.base[0]?.testAuc, head: samples.tuning.head[0]?.testAuc };
if (ONLY.has('drift')) {
  const flags = (side: Side) => JSON.stringify(samples.drift[side][0]?.drifted);
  checks.driftSameFeatures = flags('base') === flags('head') ? true : { base: samples.drift.base[0]?.drifted, head: samples.drift.head[0]?.drifted };
}

// ---------------------------------------------------------------------------------------------
// Table

interface Row {
  metric: string;
  unit: string;
  /** 'higher' for throughput, 'lower' for times. */
  better: 'higher' | 'lower';
  base: number[];
  head: number[];
}
const rows: Row[] = [];
const pick = <T>(group: { base: T[]; head: T[] }, f: (s: T) => number) => ({ base: group.base.map(f), head: group.head.map(f) });
if (ONLY.has('predict')) {
  rows.push({ metric: '/predict req/s, c=64', unit: 'req/s', better: 'higher', ...pick(samples.predict, (s) => s.c64.rps) });
  rows.push({ metric: '/predict req/s, c=1', unit: 'req/s', better: 'higher', ...pick(samples.predict, (s) => s.c1.rps) });
  rows.push({ metric: 'predictor CPU per 1,000 requests, c=64 (ms)', unit: 'ms', better: 'lower', ...pick(samples.predict, (s) => s.c64.serverCpuMsPer1k) });
}
if (ONLY.has('tuning')) {
  rows.push({ metric: `tuning, \`npm run train -- --trials ${TRIALS}\` whole process (s)`, unit: 's', better: 'lower', ...pick(samples.tuning, (s) => s.wallMs / 1000) });
  rows.push({ metric: `tuning, the ${TRIALS} trials alone as the CLI reports them (s)`, unit: 's', better: 'lower', ...pick(samples.tuning, (s) => s.tuneMs / 1000) });
}
if (ONLY.has('drift')) {
  rows.push({ metric: 'drift report, 20,000 rows: statistics + HTML (ms)', unit: 'ms', better: 'lower', ...pick(samples.drift, (s) => s.reportMs) });
  rows.push({ metric: 'drift statistics only (ms)', unit: 'ms', better: 'lower', ...pick(samples.drift, (s) => s.computeMs) });
}
const TOLERANCE = 0.05;
const results = rows.map((r) => {
  const base = median(r.base);
  const head = median(r.head);
  const ratio = head / base;
  // "No loss": head at most 5% slower (times) or at least 95% of base (throughput); faster is fine.
  const within = r.better === 'higher' ? ratio >= 1 - TOLERANCE : ratio <= 1 + TOLERANCE;
  return { ...r, medianBase: base, medianHead: head, ratio, within };
});

const fmt = (v: number) => (!Number.isFinite(v) ? 'n/a' : Math.abs(v) >= 1000 ? Math.round(v).toLocaleString('en') : Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2));
const table = [
  `| metric | base (${labels.base}) median | head median | ratio head/base | within 5%? |`,
  '|---|---|---|---|---|',
  ...results.map((r) => `| ${r.metric} | ${fmt(r.medianBase)} | ${fmt(r.medianHead)} | ${r.ratio.toFixed(3)} | ${r.within ? 'yes' : '**no**'} |`),
].join('\n');
const spread = results.map((r) => `- ${r.metric}: base ${r.base.map(fmt).join(', ')}; head ${r.head.map(fmt).join(', ')}`).join('\n');
const loads = [...Object.values(samples).flatMap((g) => [...g.base, ...g.head].map((s) => s.load))];
console.log(table);
console.log(`\n${ROUNDS} rounds, base and head alternating; load average at the start of each measurement ${fmt(Math.min(...loads))}–${fmt(Math.max(...loads))}. Every run, in order:\n${spread}`);
console.log(`\nsame work on both sides: ${JSON.stringify(checks)}`);

mkdirSync(join(HEAD, '.stack/bench'), { recursive: true });
writeFileSync(
  OUT,
  `${JSON.stringify(
    {
      command: COMMAND,
      startedAt: started.toISOString(),
      finishedAt: new Date().toISOString(),
      base: { label: labels.base, commit: gitOf(trees.base), dir: trees.base },
      head: { label: labels.head, commit: headAtStart, commitAtEnd: gitOf(HEAD), dir: HEAD },
      rounds: ROUNDS,
      trials: TRIALS,
      predictDurationS: DURATION_S,
      runId,
      tolerance: TOLERANCE,
      checks,
      results: results.map(({ metric, unit, better, base, head, medianBase, medianHead, ratio, within }) => ({ metric, unit, better, base, head, medianBase, medianHead, ratio, within })),
      samples,
      table,
    },
    null,
    2,
  )}\n`,
);
log(`written ${OUT}`);
