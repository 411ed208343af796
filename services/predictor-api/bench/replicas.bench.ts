// Scaling out on this machine: /predict req/s of 1 predictor-api on its own port, 1 behind nginx and 2
// behind nginx (the config `make serve-api replicas=N` generates), autocannon at c=64 on loopback,
// every prediction logged to FerretDB; the three alternate over BENCH_ROUNDS rounds and report medians.
// Also where the cores went (replicas, nginx, autocannon, everything else: FerretDB and PostgreSQL)
// and how many log documents FerretDB stored per second meanwhile, the ceiling behind every copy.
// Needs the native stack (make up-local). Run: `npm run bench -- replicas`. Ports 7310-7312.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { customerRequests, waitFor } from '@churn/serving/testing';
import autocannon from 'autocannon';
import { MongoClient } from 'mongodb';
import { serviceCommand } from '../../../scripts/demo/processes.js';
import { renderPredictorNginxConf } from '../src/nginx-conf.js';
import { benchModel, buildServices, machineBusyTicks, processTicks, ROOT, stopChild, TICKS_PER_S } from './processes.js';

const COMMAND = 'npm run bench -- replicas';
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = 64;
const LISTEN = 7310;
const FIRST = 7311;
const BENCH_DB = `churn_bench_replicas_${process.pid}`;

/** CPU ticks of several processes together. */
const ticksOf = (pids: number[]) => pids.reduce((sum, pid) => sum + processTicks(pid), 0);


const logWritten = async (port: number) => Number(/^churn_prediction_log_written_total (\S+)/m.exec(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text())?.[1] ?? Number.NaN);

interface Setup {
  name: string;
  replicas: number;
  nginx: boolean;
}
const SETUPS: Setup[] = [
  { name: '1 copy, direct', replicas: 1, nginx: false },
  { name: '1 copy behind nginx', replicas: 1, nginx: true },
  { name: '2 copies behind nginx', replicas: 2, nginx: true },
];

interface Measure {
  rps: number;
  p99: number;
  errors: number;
  logDocsPerS: number;
  cores: { replicas: number; nginx: number; autocannon: number; others: number };
}

console.error('training and registering the bench model...');
const { runId, envFile } = await benchModel('bench-replicas', BENCH_DB, { QUALITY_EVERY: '0s', LOG_LEVEL: 'warn' });
const bodies = customerRequests(200);
buildServices('predictor-api');
const prefix = mkdtempSync(join(tmpdir(), 'bench-nginx-'));
mkdirSync(join(prefix, 'logs'));

async function measure(setup: Setup): Promise<Measure> {
  const ports = Array.from({ length: setup.replicas }, (_, i) => (setup.nginx ? FIRST + i : LISTEN));
  const replicas = ports.map((port) =>
    spawn(process.execPath, serviceCommand(ROOT, 'predictor-api'), { cwd: ROOT, env: { ...process.env, ENV_FILE: envFile, PREDICTOR_API_PORT: String(port) }, stdio: 'ignore' }),
  );
  let nginx: ChildProcess | undefined;
  try {
    await waitFor(async () => (await Promise.all(ports.map((port) => fetch(`http://127.0.0.1:${port}/health`).then((r) => r.status === 200, () => false)))).every(Boolean), { timeoutMs: 120_000, what: 'the replicas' });
    if (setup.nginx) {
      writeFileSync(join(prefix, 'nginx.conf'), renderPredictorNginxConf({ listenPort: LISTEN, firstPort: FIRST, replicas: setup.replicas }));
      nginx = spawn('nginx', ['-p', `${prefix}/`, '-c', 'nginx.conf'], { stdio: 'ignore' });
      await waitFor(() => fetch(`http://127.0.0.1:${LISTEN}/health`).then((r) => r.status === 200, () => false), { timeoutMs: 10_000, what: 'nginx' });
    }
    const url = `http://127.0.0.1:${LISTEN}`;
    const requests = bodies.map((body) => ({ method: 'POST', path: '/predict', headers: { 'content-type': 'application/json' }, body }));
    await autocannon({ url, requests, connections: CONNECTIONS, duration: 2 });
    const pids = replicas.map((r) => r.pid as number);
    const nginxPids = nginx ? [nginx.pid as number, ...nginxWorkers(nginx.pid as number)] : [];
    const written = async () => (await Promise.all(ports.map(logWritten))).reduce((a, b) => a + b, 0);
    const before = { machine: machineBusyTicks(), replicas: ticksOf(pids), nginx: ticksOf(nginxPids), self: ticksOf([process.pid]), written: await written(), at: performance.now() };
    const result = await autocannon({ url, requests, connections: CONNECTIONS, duration: DURATION_S });
    const seconds = (performance.now() - before.at) / 1000;
    const cores = (ticks: number) => ticks / TICKS_PER_S / seconds;
    const used = {
      replicas: cores(ticksOf(pids) - before.replicas),
      nginx: cores(ticksOf(nginxPids) - before.nginx),
      autocannon: cores(ticksOf([process.pid]) - before.self),
      others: 0,
    };
    const logDocsPerS = ((await written()) - before.written) / seconds;
    used.others = cores(machineBusyTicks() - before.machine) - used.replicas - used.nginx - used.autocannon;
    return { rps: result.requests.average, p99: result.latency.p99, errors: result.errors + result.non2xx + result.timeouts, logDocsPerS, cores: used };
  } finally {
    if (nginx) await stopChild(nginx);
    await Promise.all(replicas.map(stopChild));
  }
}

/** nginx's worker processes: the master only supervises, its worker (a child) does the proxying. */
function nginxWorkers(master: number): number[] {
  const children = readFileSync(`/proc/${master}/task/${master}/children`, 'utf8').trim();
  return children ? children.split(/\s+/).map(Number) : [];
}

const runs = new Map<string, Measure[]>(SETUPS.map((s) => [s.name, []]));
for (let round = 1; round <= ROUNDS; round += 1) {
  for (const setup of SETUPS) {
    console.error(`round ${round}/${ROUNDS}: ${setup.name}...`);
    runs.get(setup.name)?.push(await measure(setup));
  }
}
const mongo = new MongoClient('mongodb://127.0.0.1:27017/?directConnection=true');
await mongo.db(BENCH_DB).dropDatabase().catch(() => undefined);
await mongo.close();
rmSync(prefix, { recursive: true, force: true });

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};
const med = (name: string, pick: (m: Measure) => number) => median((runs.get(name) ?? []).map(pick));
const fmt = (value: number, digits = 0) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');
const [direct, one, two] = SETUPS.map((s) => s.name) as [string, string, string];
const row = (metric: string, pick: (m: Measure) => number, digits = 0) =>
  `| ${metric} | ${fmt(med(direct, pick), digits)} | ${fmt(med(one, pick), digits)} | ${fmt(med(two, pick), digits)} | ${fmt(med(two, pick) / med(one, pick), 2)} |`;
const table = [
  `| metric (median of ${ROUNDS}, c=${CONNECTIONS}, ${DURATION_S} s) | ${direct} | ${one} | ${two} | 2 copies / 1 copy behind nginx |`,
  '|---|---|---|---|---|',
  row('/predict req/s', (m) => m.rps),
  row('/predict p99 ms', (m) => m.p99, 1),
  row('errors + non-2xx', (m) => m.errors),
  row('log documents stored by FerretDB per s', (m) => m.logDocsPerS),
  row('CPU µs per request: predictor-api (all copies)', (m) => (m.cores.replicas / m.rps) * 1e6),
  row('CPU µs per request: nginx', (m) => (m.cores.nginx / m.rps) * 1e6),
  row('CPU µs per request: autocannon', (m) => (m.cores.autocannon / m.rps) * 1e6),
  row('cores: predictor-api replicas', (m) => m.cores.replicas, 2),
  row('cores: nginx', (m) => m.cores.nginx, 2),
  row('cores: autocannon', (m) => m.cores.autocannon, 2),
  row('cores: all else (FerretDB, PostgreSQL, others)', (m) => m.cores.others, 2),
].join('\n');
console.log(`\`${COMMAND}\`\n\n${table}`);
console.log(`\nreq/s per run: ${SETUPS.map((s) => `${s.name} ${(runs.get(s.name) ?? []).map((m) => fmt(m.rps)).join(', ')}`).join('; ')}`);
mkdirSync(join(ROOT, '.stack/bench'), { recursive: true });
writeFileSync(join(ROOT, '.stack/bench/replicas.json'), JSON.stringify({ command: COMMAND, durationS: DURATION_S, rounds: ROUNDS, connections: CONNECTIONS, runId, runs: Object.fromEntries(runs) }, null, 2));
