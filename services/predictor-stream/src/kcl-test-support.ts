import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const root = join(import.meta.dirname, '..', '..', '..');

/** Spawns a node script and resolves with the ports of the lines matching `pattern` once `count` have appeared. */
function spawnListening(args: string[], pattern: RegExp, count: number, env: NodeJS.ProcessEnv = process.env): Promise<{ child: ChildProcess; ports: number[]; lines: string[] }> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  const lines: string[] = [];
  const ports: number[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${args.join(' ')}: no ${count} listening lines in 60 s:\n${lines.join('\n')}`)), 60_000);
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited ${code}:\n${lines.join('\n')}`)));
    for (const output of [child.stdout, child.stderr]) {
      createInterface({ input: output! }).on('line', (line) => {
        lines.push(line);
        const port = pattern.exec(line)?.[1];
        if (!port) return;
        ports.push(Number(port));
        if (ports.length === count) {
          clearTimeout(timer);
          child.removeAllListeners('exit');
          resolve({ child, ports, lines });
        }
      });
    }
  });
}

export interface Emulators {
  kinesisEndpoint: string;
  kinesisH2Endpoint: string;
  dynamoDbEndpoint: string;
  stop(): Promise<void>;
}

/** Our own kinesalite (HTTP/1.1 and HTTP/2 listeners, as the stack starts it) and dynalite, on free ports, in memory. */
export async function startEmulators(): Promise<Emulators> {
  const dir = await mkdtemp(join(tmpdir(), 'kcl-int-'));
  const kinesis = await spawnListening([join(root, 'scripts/stack/kinesalite.mjs'), '0', join(dir, 'kinesis'), '0'], /listening at http:\/\/127\.0\.0\.1:(\d+)/, 2);
  const dynamo = await spawnListening([join(root, 'scripts/stack/dynalite.mjs'), '0', join(dir, 'dynamodb')], /listening at http:\/\/127\.0\.0\.1:(\d+)/, 1);
  // kinesalite prints its HTTP/1.1 address, then its HTTP/2 one.
  const [h1, h2] = kinesis.ports;
  return {
    kinesisEndpoint: `http://127.0.0.1:${h1}`,
    kinesisH2Endpoint: `http://127.0.0.1:${h2}`,
    dynamoDbEndpoint: `http://127.0.0.1:${dynamo.ports[0]}`,
    async stop() {
      for (const child of [kinesis.child, dynamo.child]) child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface PredictorProcess {
  readonly child: ChildProcess;
  readonly port: number;
  readonly lines: string[];
  /** Resolves with the exit code. */
  readonly exited: Promise<number | null>;
}

/** One stream predictor from its bundle (as `npm start` runs it), reading ENV_FILE; resolves once it consumes (reader or KCL). */
export async function startPredictorProcess(envFile: string): Promise<PredictorProcess> {
  const { child, ports, lines } = await spawnListening(
    [join(root, 'services/predictor-stream/dist/main.js')],
    /"port":(\d+).*"msg":"consuming( through the KCL)?"/,
    1,
    { ...process.env, ENV_FILE: envFile },
  );
  const exited = new Promise<number | null>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
  return { child, port: ports[0] as number, lines, exited };
}

/** A signed-looking request to dynalite (it checks the form of the signature, not the signature). */
async function dynamo(endpoint: string, target: string, body: unknown): Promise<Record<string, unknown>> {
  const date = new Date().toISOString().replace(/[-:]|\.\d{3}/g, '');
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': `DynamoDB_20120810.${target}`,
      'x-amz-date': date,
      authorization: `AWS4-HMAC-SHA256 Credential=local/${date.slice(0, 8)}/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: JSON.stringify(body),
  });
  const json = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new Error(`dynalite ${target}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

export interface Lease {
  shardId: string;
  owner?: string;
  checkpoint?: string;
}

/** The KCL application's lease table (one row per shard); empty until the KCL has created it. */
export async function readLeases(endpoint: string, table: string): Promise<Lease[]> {
  let items: Record<string, { S?: string }>[];
  try {
    ({ Items: items = [] } = (await dynamo(endpoint, 'Scan', { TableName: table, ConsistentRead: true })) as { Items?: Record<string, { S?: string }>[] });
  } catch (error) {
    // Not created yet, or still being created.
    if ((error as Error).message.includes('ResourceNotFoundException')) return [];
    throw error;
  }
  const Items = items;
  return Items.map((item) => ({
    shardId: item.leaseKey?.S ?? '',
    ...(item.leaseOwner?.S ? { owner: item.leaseOwner.S } : {}),
    ...(item.checkpoint?.S ? { checkpoint: item.checkpoint.S } : {}),
  }));
}

/** The worker id's pid part (host-PID-random) owns the lease. */
export const ownedBy = (pid: number | undefined) => (lease: Lease) => lease.owner?.split('-').at(-2) === String(pid);

/**
 * Until `shards` leases exist, each of `pids` holds one and none has changed hands for `settleMs`:
 * the KCL balances by stealing, and a copy learns it lost a lease only at its next renewal.
 */
export async function waitForSettledLeases(endpoint: string, table: string, pids: (number | undefined)[], shards: number, settleMs: number): Promise<void> {
  let owners = '';
  let since = Date.now();
  const deadline = Date.now() + 120_000;
  for (;;) {
    const held = await readLeases(endpoint, table);
    const now = JSON.stringify(held.map((l) => `${l.shardId}=${l.owner ?? ''}`).sort());
    if (now !== owners) [owners, since] = [now, Date.now()];
    if (held.length === shards && pids.every((pid) => held.some(ownedBy(pid))) && Date.now() - since >= settleMs) return;
    if (Date.now() > deadline) throw new Error(`leases not settled in 120 s: ${now}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
