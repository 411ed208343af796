import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { customer, startTestApp } from '../../services/predictor-api/src/test-support.js';
import { startTestRegistry, type TestRegistry } from '../../services/registry/src/testing/test-registry.js';
import { ROOT, stackEnv } from './stack-env.js';

// The cloud profile's nginx (nginx/cloud.conf.template, as compose renders it) run natively on free
// loopback ports beside the local stack, with a self-signed certificate and an htpasswd file made
// here by scripts/ops/nginx-htpasswd.sh. Upstreams: the stack's Temporal UI and Prometheus, a registry
// and a predictor started in-process in the cloud profile, and a stand-in for Grafana (compose only).
const UI_USER = 'ops';
const UI_PASSWORD = 'ui-pw-6Tq1x';
const REGISTRY_USER = 'mlflow';
const REGISTRY_PASSWORD = 'reg-pw-2Lm9v';
const API_KEY = 'api-key-Yc83p';
const PORTS = ['HTTP', 'REPORTS', 'REGISTRY', 'PREDICTOR', 'TEMPORAL_UI', 'PROMETHEUS', 'GRAFANA'] as const;

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitForPort(port: number, child: ChildProcess, log: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}: ${readFileSync(log, 'utf8')}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.end();
        resolve(true);
      }).on('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`nginx did not listen on ${port} within 15 s`);
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function call(secure: boolean, port: number, path: string, init: { method?: string; headers?: Record<string, string>; body?: string; ca?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const options = { host: '127.0.0.1', port, path, method: init.method ?? 'GET', headers: init.headers ?? {}, ...(secure ? { ca: init.ca } : {}) };
    const req = (secure ? httpsRequest : httpRequest)(options, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

describe('nginx of the cloud profile (native, TLS and credentials)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nginx-cloud-'));
  const ports = {} as Record<(typeof PORTS)[number], number>;
  let ca = '';
  let nginx: ChildProcess;
  let registry: TestRegistry;
  let predictor: Awaited<ReturnType<typeof startTestApp>>;
  let grafana: Server;
  let grafanaSaw: { user?: string | string[] | undefined; authorization?: string | undefined } = {};

  const https = (port: number, path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}) => call(true, port, path, { ...init, ca });

  beforeAll(async () => {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    ca = readFileSync(join(dir, 'cert.pem'), 'utf8');
    // The deploy-time script, reading the credentials from the environment (no .env.secrets in dir).
    execFileSync('bash', [join(ROOT, 'scripts', 'ops', 'nginx-htpasswd.sh'), 'cloud', join(dir, 'htpasswd')], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', NGINX_AUTH_USERNAME: UI_USER, NGINX_AUTH_PASSWORD: UI_PASSWORD },
      stdio: 'ignore',
    });
    mkdirSync(join(dir, 'reports'));
    writeFileSync(join(dir, 'reports', 'index.html'), '<!doctype html><title>Drift reports</title>');

    registry = await startTestRegistry({ CHURN_PROFILE: 'cloud', MLFLOW_TRACKING_USERNAME: REGISTRY_USER, MLFLOW_TRACKING_PASSWORD: REGISTRY_PASSWORD, MLFLOW_TRACKING_TOKEN: '' });
    predictor = await startTestApp({ apiKey: API_KEY });
    grafana = createServer((req, res) => {
      grafanaSaw = { user: req.headers['x-webauth-user'], authorization: req.headers.authorization };
      res.writeHead(200, { 'content-type': 'text/plain' }).end('grafana');
    });
    await new Promise<void>((resolve) => grafana.listen(0, '127.0.0.1', resolve));
    for (const name of PORTS) ports[name] = await freePort();

    const values: Record<string, string> = {
      NGINX_BIND: '127.0.0.1',
      NGINX_RESOLVER: '127.0.0.1',
      NGINX_TLS_CERT: join(dir, 'cert.pem'),
      NGINX_TLS_KEY: join(dir, 'key.pem'),
      NGINX_HTPASSWD: join(dir, 'htpasswd'),
      NGINX_REPORTS_ROOT: join(dir, 'reports'),
      ...Object.fromEntries(PORTS.map((name) => [`NGINX_${name}_PORT`, String(ports[name])])),
      NGINX_REGISTRY_UPSTREAM: `127.0.0.1:${registry.port}`,
      NGINX_PREDICTOR_UPSTREAM: new URL(predictor.url).host,
      NGINX_TEMPORAL_UI_UPSTREAM: `127.0.0.1:${process.env.TEMPORAL_UI_PORT ?? '8233'}`,
      NGINX_PROMETHEUS_UPSTREAM: new URL(stackEnv.PROMETHEUS_URL).host,
      NGINX_GRAFANA_UPSTREAM: `127.0.0.1:${(grafana.address() as AddressInfo).port}`,
    };
    // What the nginx image's envsubst does: only the named variables, nginx's own $vars untouched.
    const rendered = readFileSync(join(ROOT, 'nginx', 'cloud.conf.template'), 'utf8').replace(/\$\{(NGINX_[A-Z_]+)\}/g, (_match, name: string) => {
      const value = values[name];
      if (value === undefined) throw new Error(`the test sets no value for ${name}`);
      return value;
    });
    writeFileSync(join(dir, 'cloud.conf'), rendered);
    writeFileSync(
      join(dir, 'nginx.conf'),
      `daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 64; }
http {
  types { text/html html; }
  access_log ${dir}/access.log;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  include ${dir}/cloud.conf;
}
`,
    );
    // As root, workers would run as nobody and could not read the htpasswd in this 0700 folder.
    const user = process.getuid?.() === 0 ? ['-g', 'user root;'] : [];
    // `timeout` stops nginx by itself should this test die before afterAll.
    nginx = spawn('timeout', ['300', 'nginx', '-p', `${dir}/`, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log'), ...user], { stdio: 'ignore' });
    for (const name of PORTS) await waitForPort(ports[name], nginx, join(dir, 'error.log'));
  }, 60_000);

  afterAll(async () => {
    if (nginx?.exitCode === null) {
      const exited = new Promise((resolve) => nginx.once('exit', resolve));
      nginx.kill('SIGTERM');
      await exited;
    }
    await Promise.all([registry?.close(), predictor?.close(), new Promise((resolve) => (grafana ? grafana.close(resolve) : resolve(undefined)))]);
    rmSync(dir, { recursive: true, force: true });
  });

  // Each UI behind nginx's basic auth: [name, port, path].
  const uis = () =>
    [
      ['reports', ports.REPORTS, '/'],
      ['Temporal UI', ports.TEMPORAL_UI, '/'],
      ['Prometheus', ports.PROMETHEUS, '/-/ready'],
      ['Grafana', ports.GRAFANA, '/'],
    ] as const;

  it('given each UI behind basic auth, when called over TLS without or with wrong credentials, then it answers 401 with a challenge', async () => {
    for (const [name, port, path] of uis()) {
      const anonymous = await https(port, path);
      expect({ name, status: anonymous.status, challenge: anonymous.headers['www-authenticate'] }).toEqual({ name, status: 401, challenge: 'Basic realm="churn"' });
      const wrong = await https(port, path, { headers: { authorization: basic(UI_USER, 'wrong') } });
      expect({ name, status: wrong.status }).toEqual({ name, status: 401 });
    }
  });

  it('given each UI behind basic auth, when called over TLS with the credentials, then it answers 200', async () => {
    for (const [name, port, path] of uis()) {
      const answer = await https(port, path, { headers: { authorization: basic(UI_USER, UI_PASSWORD) } });
      expect({ name, status: answer.status }).toEqual({ name, status: 200 });
      expect(answer.headers['strict-transport-security']).toBe('max-age=31536000');
    }
  });

  it('when Grafana is reached with the credentials, then it gets nginx\'s user and no Authorization header', async () => {
    await https(ports.GRAFANA, '/', { headers: { authorization: basic(UI_USER, UI_PASSWORD) } });
    expect(grafanaSaw).toEqual({ user: UI_USER, authorization: undefined });
  });

  it('given the registry in the cloud profile, when its UI and API are called over TLS without or with wrong credentials, then they answer 401', async () => {
    expect((await https(ports.REGISTRY, '/')).status).toBe(401);
    expect((await https(ports.REGISTRY, '/api/2.0/mlflow/experiments/get-by-name?experiment_name=Default')).status).toBe(401);
    expect((await https(ports.REGISTRY, '/api/2.0/mlflow/experiments/get-by-name?experiment_name=Default', { headers: { authorization: basic(REGISTRY_USER, 'wrong') } })).status).toBe(401);
  });

  it('given the registry in the cloud profile, when its UI and API are called over TLS with its credentials, then they answer 200', async () => {
    const authorization = basic(REGISTRY_USER, REGISTRY_PASSWORD);
    expect((await https(ports.REGISTRY, '/', { headers: { authorization } })).status).toBe(200);
    const api = await https(ports.REGISTRY, '/api/2.0/mlflow/experiments/get-by-name?experiment_name=Default', { headers: { authorization } });
    expect(api.status).toBe(200);
    expect(JSON.parse(api.body)).toMatchObject({ experiment: { name: 'Default' } });
  });

  it('given the predictor in the cloud profile, when /predict is called over TLS without or with a wrong key, then it answers 401', async () => {
    const body = JSON.stringify(customer);
    expect((await https(ports.PREDICTOR, '/predict', { method: 'POST', headers: { 'content-type': 'application/json' }, body })).status).toBe(401);
    expect((await https(ports.PREDICTOR, '/predict', { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': 'wrong' }, body })).status).toBe(401);
  });

  it('given the predictor in the cloud profile, when /predict is called over TLS with the key, then it answers 200', async () => {
    const answer = await https(ports.PREDICTOR, '/predict', { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': API_KEY }, body: JSON.stringify(customer) });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ model_run_id: 'run-test' });
  });

  it('when /health or /metrics of the registry or predictor is asked from outside, then nginx does not forward it (404)', async () => {
    for (const port of [ports.REGISTRY, ports.PREDICTOR]) {
      for (const path of ['/health', '/metrics']) expect({ port, path, status: (await https(port, path)).status }).toEqual({ port, path, status: 404 });
    }
  });

  it('when the listening sockets of this nginx are scanned, then they are exactly the documented ports, on the bound address', () => {
    const master = readFileSync(join(dir, 'nginx.pid'), 'utf8').trim();
    const listening = execFileSync('ss', ['-ltnpH'], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => line.includes(`pid=${master},`))
      .map((line) => line.trim().split(/\s+/)[3])
      .sort();
    expect(listening).toEqual(PORTS.map((name) => `127.0.0.1:${ports[name]}`).sort());
  });

  it('when plain HTTP reaches the HTTP port, then it is redirected to the reports over HTTPS', async () => {
    const answer = await call(false, ports.HTTP, '/index.html?x=1');
    expect(answer.status).toBe(301);
    expect(answer.headers.location).toBe(`https://127.0.0.1:${ports.REPORTS}/index.html?x=1`);
  });

  it('when plain HTTP reaches a TLS port, then it is redirected to the same port over HTTPS', async () => {
    for (const port of [ports.REGISTRY, ports.PREDICTOR, ports.TEMPORAL_UI, ports.PROMETHEUS, ports.GRAFANA, ports.REPORTS]) {
      const answer = await call(false, port, '/somewhere');
      expect({ port, status: answer.status, location: answer.headers.location }).toEqual({ port, status: 301, location: `https://127.0.0.1:${port}/somewhere` });
    }
  });
});
