import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Logger } from '@churn/logger';

export interface KclDaemonOptions {
  /** The KCL application: its lease table's name. */
  applicationName: string;
  stream: string;
  workerId: string;
  region: string;
  jarsDir: string;
  java: string;
  /** Empty: the AWS endpoints. */
  kinesisEndpoint?: string;
  dynamoDbEndpoint?: string;
  maxRecords: number;
  pollIntervalMs: number;
  failoverMs: number;
  shardSyncIntervalMs: number;
  shutdownGraceMs: number;
  /** The relay server's socket, passed to every record processor. */
  relaySocket: string;
  env: NodeJS.ProcessEnv;
  logger: Logger;
}

export interface KclDaemon {
  readonly child: ChildProcess;
  /** False once the daemon has exited. */
  readonly running: boolean;
  /** Graceful: the KCL asks each processor to checkpoint, then gives up its leases. */
  stop(): Promise<void>;
}

const RELAY = fileURLToPath(new URL('./kcl-relay.ts', import.meta.url));

const LOGBACK = `<configuration>
  <appender name="out" class="ch.qos.logback.core.ConsoleAppender"><encoder><pattern>%-5level %logger{30} - %msg%n</pattern></encoder></appender>
  <!-- Warns on each batch of a child shard it has not cached (kinesalite); only matters for KPL deaggregation, unused here. -->
  <logger name="software.amazon.kinesis.lifecycle.ProcessTask" level="ERROR"/>
  <root level="WARN"><appender-ref ref="out"/></root>
</configuration>
`;

/** The MultiLangDaemon's properties (KCL 2.x multilang names). */
export function kclProperties(options: KclDaemonOptions): string {
  const lines: Record<string, string | number> = {
    executableName: `${process.execPath} --disable-warning=ExperimentalWarning ${RELAY}`,
    streamName: options.stream,
    applicationName: options.applicationName,
    workerId: options.workerId,
    processingLanguage: `nodejs/${process.versions.node}`,
    AWSCredentialsProvider: 'DefaultCredentialsProvider',
    regionName: options.region,
    initialPositionInStream: 'TRIM_HORIZON',
    // Enhanced fan-out needs SubscribeToShard, which neither kinesalite nor localstack's gives like AWS.
    retrievalMode: 'POLLING',
    metricsLevel: 'NONE',
    maxRecords: options.maxRecords,
    idleTimeBetweenReadsInMillis: options.pollIntervalMs,
    failoverTimeMillis: options.failoverMs,
    // Otherwise the first shard sync (and so the first lease) waits about a minute.
    shardSyncIntervalMillis: options.shardSyncIntervalMs,
    parentShardPollIntervalMillis: Math.min(options.shardSyncIntervalMs, 10_000),
    shutdownGraceMillis: options.shutdownGraceMs,
    ...(options.kinesisEndpoint ? { kinesisEndpoint: options.kinesisEndpoint } : {}),
    ...(options.dynamoDbEndpoint ? { dynamoDBEndpoint: options.dynamoDbEndpoint } : {}),
  };
  return `${Object.entries(lines).map(([key, value]) => `${key} = ${value}`).join('\n')}\n`;
}

// Runs the daemon in a process group led by this shell. TERM is passed on (graceful drain); when the
// predictor dies, even by SIGKILL, the shell's stdin (a pipe from it) ends and the group is killed,
// so no orphan daemon keeps renewing the dead predictor's leases.
// (A background job's stdin is /dev/null, hence fd 3.)
const WATCHDOG = `exec 3<&0
"$@" </dev/null 3<&- &
pid=$!
trap 'kill -TERM $pid' TERM
(cat <&3 >/dev/null; kill -KILL 0) &
wait $pid
wait $pid`;

/** The MultiLangDaemon's jars; throws naming KCL_JARS when there are none. */
export function kclJars(dir: string): string[] {
  let names: string[] = [];
  try {
    names = readdirSync(dir).filter((name) => name.endsWith('.jar'));
  } catch {
    // reported below
  }
  if (names.length === 0) throw new Error(`KCL_JARS: no jars in ${dir} (scripts/stack/install.sh kcl installs them)`);
  return names.map((name) => join(dir, name));
}

/** Starts one MultiLangDaemon (one JVM) for one stream; its output goes to the logger, line by line. */
export async function startKclDaemon(options: KclDaemonOptions): Promise<KclDaemon> {
  const { logger } = options;
  const classpath = kclJars(options.jarsDir).join(':');
  const dir = await mkdtemp(join(tmpdir(), 'churn-kcl-'));
  const properties = join(dir, `${options.stream}.properties`);
  await writeFile(properties, kclProperties(options));
  // The daemon logs every message to and from each processor at INFO: only its warnings and errors are kept.
  const logback = join(dir, 'logback.xml');
  await writeFile(logback, LOGBACK);
  const child = spawn(
    'sh',
    ['-c', WATCHDOG, 'kcl', options.java, '-Xmx256m', '-XX:+UseSerialGC', '-Daws.cborEnabled=false', `-Dlogback.configurationFile=${logback}`, '-cp', classpath, 'software.amazon.kinesis.multilang.MultiLangDaemon', '--properties-file', properties],
    {
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...options.env, AWS_CBOR_ENABLED: 'false', CBOR_ENABLED: 'false', KCL_RELAY_SOCKET: options.relaySocket, KCL_RELAY_STREAM: options.stream },
    },
  );
  const log = logger.child({ kcl: options.stream });
  for (const output of [child.stdout, child.stderr]) {
    if (output) createInterface({ input: output }).on('line', (line) => log.warn({ line }, 'kcl'));
  }
  let running = true;
  let stopping = false;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      running = false;
      if (stopping) log.info({ code, signal }, 'KCL daemon exited');
      else log.error({ code, signal }, 'KCL daemon exited by itself; this copy reads no shard until restarted');
      resolve();
    }),
  );
  child.once('error', (error) => log.error({ err: error }, 'KCL daemon could not start'));
  log.info({ workerId: options.workerId, application: options.applicationName }, 'KCL daemon started');
  return {
    child,
    get running() {
      return running;
    },
    async stop() {
      stopping = true;
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), options.shutdownGraceMs + 5_000);
        await exited;
        clearTimeout(timer);
      }
      // Ends the watchdog, which takes down anything left of the group.
      child.stdin?.end();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
