// Serving tail at constant offered rates. vegeta (open loop: it sends on schedule whatever the
// answers do, so a slow answer cannot hide the requests it delays) drives /predict of the real
// predictor-api (its bundle with its start script's node options, a trained model from the registry,
// every prediction logged to FerretDB, live drift on) and, in the same run, a node:http server
// answering a constant, at each rate in turn: p50, p99, p99.9 and max of each, the predictor's event
// loop delay p99 (churn_event_loop_delay_seconds, read from its /metrics) and where the CPU went.
// Needs the native stack (make up-local) and Go for vegeta (scripts/stack/install.sh vegeta, run here).
// TAIL_BENCH_DURATION_S (60) and TAIL_BENCH_RATES (500,1000,2000) shorten it while developing;
// TAIL_BENCH_BASE adds another checkout's predictor (before/after in one run).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { customerRequests } from '@churn/serving/testing';
import { MongoClient } from 'mongodb';
import { benchModel, buildServices, machineBusyTicks, processTicks, ROOT, startChild, startPredictorApi, stopChild, TICKS_PER_S } from './processes.js';

const NAME = process.env.TAIL_BENCH_NAME ?? 'tail';
const COMMAND = 'npm run bench -- tail';
const DURATION_S = Number(process.env.TAIL_BENCH_DURATION_S ?? 60);
const RATES = (process.env.TAIL_BENCH_RATES ?? '500,1000,2000').split(',').map(Number);
const WARMUP_S = 5;
const SLICE_S = 10;
/** TAIL_BENCH_BASE: another checkout (e.g. a worktree of an earlier commit, its predictor-api bundle built) measured beside this one. */
const BASE = process.env.TAIL_BENCH_BASE ? resolve(process.env.TAIL_BENCH_BASE) : undefined;
const BENCH_DB = `churn_tail_${randomUUID().slice(0, 8)}`;
/** The issue's targets (ms) per rate; rates without one are reported only. */
const TARGETS: Record<number, { p99?: number; p999?: number }> = { 1000: { p99: 3, p999: 10 }, 2000: { p99: 10 } };
if (!Number.isFinite(DURATION_S) || DURATION_S <= 0 || RATES.some((r) => !Number.isInteger(r) || r <= 0)) {
  throw new Error('TAIL_BENCH_DURATION_S must be a positive number and TAIL_BENCH_RATES positive integers, comma-separated');
}

execFileSync(join(ROOT, 'scripts/stack/install.sh'), ['vegeta'], { stdio: ['ignore', 'ignore', 'inherit'] });
const VEGETA = join(ROOT, '.stack/bin/vegeta');




const work = mkdtempSync(join(tmpdir(), 'tail-bench-'));
const bodies = customerRequests(200);

/** vegeta's JSON targets: the 200 customers in turn. */
function targetsFile(port: number): string {
  const file = join(work, `targets-${port}.jsonl`);
  const lines = bodies.map((body) =>
    JSON.stringify({ method: 'POST', url: `http://127.0.0.1:${port}/predict`, header: { 'Content-Type': ['application/json'] }, body: Buffer.from(body).toString('base64') }),
  );
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** Runs vegeta at `rate` for `seconds`; latencies (ms) sorted, and non-2xx or failed requests counted. */
async function attack(port: number, rate: number, seconds: number): Promise<{ latencies: Float64Array; errors: number; cores: number }> {
  const results = join(work, `results-${port}-${rate}.bin`);
  const vegeta = spawn(VEGETA, ['attack', '-format=json', `-targets=${targetsFile(port)}`, `-rate=${rate}/s`, `-duration=${seconds}s`, '-timeout=10s', `-output=${results}`], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<number>((resolveExit) => vegeta.once('exit', (code) => resolveExit(code ?? 1)));
  let ticks = 0;
  // Sampled while it runs: /proc forgets an exited child's CPU time.
  const sampler = setInterval(() => (ticks = Math.max(ticks, processTicks(vegeta.pid!))), 200);
  const code = await exited;
  clearInterval(sampler);
  if (code !== 0) throw new Error(`vegeta attack exited with ${code}`);
  const csv = execFileSync(VEGETA, ['encode', '--to', 'csv', results], { maxBuffer: 1 << 30 }).toString();
  rmSync(results);
  const rows = csv.split('\n').filter((line) => line.length > 0);
  const latencies = new Float64Array(rows.length);
  let errors = 0;
  rows.forEach((row, i) => {
    const [, status, latencyNs] = row.split(',');
    if (!/^2\d\d$/.test(status ?? '')) errors += 1;
    latencies[i] = Number(latencyNs) / 1e6;
  });
  latencies.sort();
  return { latencies, errors, cores: ticks / TICKS_PER_S / seconds };
}

const quantile = (sorted: Float64Array, q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;

async function metricsText(port: number): Promise<string> {
  return (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
}
const metricValue = (text: string, series: string) => {
  const escaped = series.replace(/[{}"=.]/g, (c) => `\\${c}`);
  return Number(new RegExp(`^${escaped} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
};
/** GC pauses from prom-client's nodejs_gc_duration_seconds, summed over kinds. */
const gcTotals = (text: string) => {
  let count = 0;
  let seconds = 0;
  let over10ms = 0;
  for (const m of text.matchAll(/^nodejs_gc_duration_seconds_(count|sum)\{kind="(\w+)"\} (\S+)$/gm)) {
    if (m[1] === 'count') count += Number(m[3]);
    else seconds += Number(m[3]);
  }
  // Bucket le 0.01 counts pauses up to 10 ms; the rest are longer.
  for (const m of text.matchAll(/^nodejs_gc_duration_seconds_bucket\{le="0\.01",kind="(\w+)"\} (\S+)$/gm)) over10ms -= Number(m[2]);
  return { count, seconds, over10ms: over10ms + count };
};

interface Measured {
  rate: number;
  requests: number;
  errors: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
  cores: { server: number; vegeta: number; others: number };
  eventLoop?: { p50: number; p99: number; p999: number; max: number };
  gc?: { count: number; totalMs: number; over10ms: number };
  logWritten?: number;
  logBuffered?: number;
}

/** Accumulates one server's slices at one rate. */
class Totals {
  latencies: number[] = [];
  errors = 0;
  seconds = 0;
  serverTicks = 0;
  vegetaCores = 0;
  othersCores = 0;
  add(slice: { latencies: Float64Array; errors: number; cores: number }, seconds: number, serverTicks: number, machineTicks: number) {
    for (const v of slice.latencies) this.latencies.push(v);
    this.errors += slice.errors;
    const server = serverTicks / TICKS_PER_S / seconds;
    this.vegetaCores += slice.cores * seconds;
    this.othersCores += (machineTicks / TICKS_PER_S / seconds - server - slice.cores) * seconds;
    this.serverTicks += serverTicks;
    this.seconds += seconds;
  }
  result(rate: number): Measured {
    const sorted = Float64Array.from(this.latencies).sort();
    return {
      rate,
      requests: sorted.length,
      errors: this.errors,
      p50: quantile(sorted, 0.5),
      p99: quantile(sorted, 0.99),
      p999: quantile(sorted, 0.999),
      max: sorted[sorted.length - 1] ?? Number.NaN,
      mean: sorted.reduce((s, v) => s + v, 0) / sorted.length,
      cores: { server: this.serverTicks / TICKS_PER_S / this.seconds, vegeta: this.vegetaCores / this.seconds, others: this.othersCores / this.seconds },
    };
  }
}

interface Server {
  name: string;
  port: number;
  child: ChildProcess;
  /** A predictor: its /metrics are read around its slices. */
  predictor: boolean;
  /** Set when the process exited during the run (e.g. out of memory): it gets no further slices. */
  died?: string;
}

async function slice(server: Server, rate: number, seconds: number, totals: Totals) {
  const pid = server.child.pid!;
  const before = { machine: machineBusyTicks(), server: processTicks(pid), at: performance.now() };
  const result = await attack(server.port, rate, seconds);
  totals.add(result, (performance.now() - before.at) / 1000, processTicks(pid) - before.server, machineBusyTicks() - before.machine);
}

function withMetrics(result: Measured, before: string, after: string): Measured {
  const loop = (q: string) => metricValue(after, `churn_event_loop_delay_seconds{quantile="${q}"}`) * 1000;
  // Read once after all slices of the rate, so the other servers' turns (the predictor idle) are in it too.
  result.eventLoop = { p50: loop('0.5'), p99: loop('0.99'), p999: loop('0.999'), max: loop('1') };
  const [gc0, gc1] = [gcTotals(before), gcTotals(after)];
  result.gc = { count: gc1.count - gc0.count, totalMs: (gc1.seconds - gc0.seconds) * 1000, over10ms: gc1.over10ms - gc0.over10ms };
  result.logWritten = metricValue(after, 'churn_prediction_log_written_total') - metricValue(before, 'churn_prediction_log_written_total');
  result.logBuffered = metricValue(after, 'churn_prediction_log_buffered');
  return result;
}

/**
 * Every live server at `rate` for DURATION_S, taking turns in slices of at most SLICE_S so all meet
 * the same moments of a shared machine.
 */
async function measureRate(rate: number, servers: Server[]): Promise<Record<string, Measured>> {
  const live = servers.filter((s) => !s.died);
  const totals = new Map(live.map((s) => [s.name, new Totals()]));
  const before = new Map<string, string>();
  for (const s of live) if (s.predictor) before.set(s.name, await metricsText(s.port));
  for (let done = 0; done < DURATION_S; done += SLICE_S) {
    const seconds = Math.min(SLICE_S, DURATION_S - done);
    for (const s of live) {
      if (s.died) continue;
      await slice(s, rate, seconds, totals.get(s.name) as Totals);
      if (s.child.exitCode !== null || s.child.signalCode !== null) {
        s.died = `exited (${s.child.exitCode ?? s.child.signalCode}) at ${rate} req/s`;
        console.error(`${s.name} ${s.died}`);
      }
    }
  }
  const out: Record<string, Measured> = {};
  for (const s of live) {
    if (s.died) continue;
    const result = (totals.get(s.name) as Totals).result(rate);
    out[s.name] = s.predictor ? withMetrics(result, before.get(s.name) as string, await metricsText(s.port)) : result;
  }
  return out;
}

const fmt = (v: number | undefined, digits = 2) => (v !== undefined && Number.isFinite(v) ? v.toFixed(digits) : 'n/a');
function describe(name: string, m: Measured): string {
  const el = m.eventLoop;
  const loop = el ? `; loop p50/p99/p99.9/max ${fmt(el.p50)}/${fmt(el.p99)}/${fmt(el.p999)}/${fmt(el.max)} ms; gc ${m.gc?.count} pauses ${fmt(m.gc?.totalMs, 0)} ms (${m.gc?.over10ms} over 10 ms); log written ${m.logWritten} (buffered at the end ${m.logBuffered})` : '';
  return `${m.rate} req/s ${name}: p50/p99/p99.9/max ${fmt(m.p50)}/${fmt(m.p99)}/${fmt(m.p999)}/${fmt(m.max)} ms, mean ${fmt(m.mean)}, ${m.requests} requests, ${m.errors} errors; cores server/vegeta/all else ${fmt(m.cores.server)}/${fmt(m.cores.vegeta)}/${fmt(m.cores.others)}${loop}`;
}

console.error('training and registering the bench model...');
const { runId, envFile } = await benchModel('tail-bench-model', BENCH_DB, {
  // Port 0: Prometheus scrapes none of it, so the event loop quantiles cover exactly each measured run.
  PREDICTOR_API_PORT: '0',
  LOG_LEVEL: 'info',
});
console.error('building the predictor-api bundle...');
buildServices('predictor-api');

async function startPredictor(name: string, root: string, env: Record<string, string> = {}): Promise<Server> {
  return { name, ...(await startPredictorApi(envFile, root, env)), predictor: true };
}
const servers: Server[] = [{ name: 'constant', ...(await startChild(['--import', 'tsx', join(import.meta.dirname, 'bare-server.ts'), 'node'], {}, 'listening')), predictor: false }];
// A failed run must not leave its servers behind.
process.once('exit', () => {
  for (const s of servers) s.child.kill('SIGKILL');
});
// A before/after run: the predictor bundle of another checkout (its dist/ built) takes turns too, on the
// same model. Its log goes to a database of its own: each predictor's minutely quality refresh reads its
// run's logged predictions, and reading the other's (in another layout) would bill one's log to the other.
const BASE_DB = `${BENCH_DB}_base`;
if (BASE) servers.push(await startPredictor('base', BASE, { MONGODB_URI: `mongodb://127.0.0.1:27017/${BASE_DB}?directConnection=true` }));
const api = await startPredictor('ours', ROOT);
servers.push(api);
const drift = (await metricsText(api.port)).includes('churn_drift_window_rows');

console.error(`warming up (${WARMUP_S} s each at ${RATES[0]} req/s)...`);
for (const s of servers) await attack(s.port, RATES[0] as number, WARMUP_S);

const runs: { rate: number; results: Record<string, Measured> }[] = [];
for (const rate of RATES) {
  console.error(`${rate} req/s, ${DURATION_S} s each: ${servers.filter((s) => !s.died).map((s) => s.name).join(', ')} in turns of ${SLICE_S} s...`);
  const results = await measureRate(rate, servers);
  for (const [name, m] of Object.entries(results)) console.error(describe(name, m));
  runs.push({ rate, results });
}
for (const s of servers) await stopChild(s.child);
const mongo = new MongoClient(`mongodb://127.0.0.1:27017/?directConnection=true`);
for (const db of [BENCH_DB, BASE_DB]) await mongo.db(db).dropDatabase().catch(() => undefined);
await mongo.close();
rmSync(work, { recursive: true, force: true });

const rows = runs.flatMap(({ rate, results }) => {
  const ours = results.ours;
  const peer = results.constant as Measured;
  const target = TARGETS[rate] ?? {};
  const row = (metric: string, pick: (m: Measured) => number, limit?: number) => ({
    rate,
    metric,
    ours: ours ? pick(ours) : Number.NaN,
    peer: pick(peer),
    ratio: ours ? pick(ours) / pick(peer) : Number.NaN,
    ...(results.base ? { base: pick(results.base) } : {}),
    target: limit === undefined ? 'info' : `< ${limit} ms`,
    pass: limit === undefined ? undefined : ours !== undefined && pick(ours) < limit && ours.errors === 0,
  });
  return [
    row('p50 ms', (m) => m.p50),
    row('p99 ms', (m) => m.p99, target.p99),
    row('p99.9 ms', (m) => m.p999, target.p999),
    row('max ms', (m) => m.max),
    row('event loop delay p99 ms (predictor)', (m) => m.eventLoop?.p99 ?? Number.NaN),
    row('errors + non-2xx', (m) => m.errors),
  ];
});
const died = servers.filter((s) => s.died).map((s) => `${s.name} ${s.died}`);
console.log(`\`${COMMAND}\`: vegeta ${DURATION_S} s per rate and server (in turns of ${SLICE_S} s), 200 distinct customers, prediction log to FerretDB, live drift ${drift ? 'on' : 'OFF'}${BASE ? `; base: ${BASE}` : ''}\n`);
console.log(
  [
    `| rate (req/s) | metric | /predict |${BASE ? ' /predict, base |' : ''} node:http constant | ratio | target | pass |`,
    `|---|---|---|${BASE ? '---|' : ''}---|---|---|---|`,
    ...rows.map((r) => `| ${r.rate} | ${r.metric} | ${fmt(r.ours)} |${BASE ? ` ${fmt(r.base)} |` : ''} ${fmt(r.peer)} | ${fmt(r.ratio)} | ${r.target} | ${r.pass === undefined ? '' : r.pass ? 'yes' : '**no**'} |`),
  ].join('\n'),
);
if (died.length > 0) console.log(`\nDIED: ${died.join('; ')}`);
console.log('');
for (const { results } of runs) for (const [name, m] of Object.entries(results)) console.log(describe(name, m));
mkdirSync(join(ROOT, '.stack/bench'), { recursive: true });
writeFileSync(join(ROOT, `.stack/bench/${NAME}.json`), JSON.stringify({ command: COMMAND, durationS: DURATION_S, sliceS: SLICE_S, rates: RATES, base: BASE, runId, liveDrift: drift, died, runs, rows }, null, 2));
// The run fails when this checkout's predictor died; a base that dies is a finding, reported above.
if (api.died) process.exitCode = 1;
