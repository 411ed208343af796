// The Prometheus and nginx configs are checked by the real tools (Debian's prometheus and nginx
// packages, installed by `make install-local`); a test is skipped with a message only when its tool is absent.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../../..');
const has = (tool: string, args: string[]) => spawnSync(tool, args).error === undefined;
const hasPromtool = has('promtool', ['--version']);
const hasNginx = has('nginx', ['-v']);
if (!hasPromtool) console.warn('promtool checks skipped: promtool (Debian package prometheus) is not installed');
if (!hasNginx) console.warn('nginx config check skipped: nginx is not installed');

const run = (tool: string, args: string[]) => execFileSync(tool, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

(hasPromtool ? describe : describe.skip)('Prometheus config', () => {
  it('when promtool checks the alert rules, then all nine are valid', () => {
    expect(run('promtool', ['check', 'rules', join(root, 'prometheus/rules/churn.rules.yml')])).toMatch(/SUCCESS: 9 rules found/);
  });

  it('when promtool checks the native scrape config, then it is valid and finds the rules file', () => {
    expect(run('promtool', ['check', 'config', join(root, 'prometheus/prometheus.local.yml')])).toMatch(/SUCCESS: 1 rule files found/);
  });

  it('when promtool checks the compose scrape config with the rules mounted beside it, then it is valid', () => {
    const dir = mkdtempSync(join(tmpdir(), 'prom-compose-'));
    try {
      mkdirSync(join(dir, 'rules'));
      copyFileSync(join(root, 'compose/prometheus/prometheus.yml'), join(dir, 'prometheus.yml'));
      copyFileSync(join(root, 'prometheus/rules/churn.rules.yml'), join(dir, 'rules/churn.rules.yml'));
      expect(run('promtool', ['check', 'config', join(dir, 'prometheus.yml')])).toMatch(/SUCCESS: 1 rule files found/);
      const config = readFileSync(join(dir, 'prometheus.yml'), 'utf8');
      for (const target of ['registry:5051', 'simulator:9698', 'worker:9699']) expect(config).toContain(`'${target}'`);
      // The predictors run in replicas: every one is found by DNS.
      expect(config).toMatch(/names: \['predictor-api'\]\n\s+type: A\n\s+port: 9696/);
      expect(config).toMatch(/names: \['predictor-stream'\]\n\s+type: A\n\s+port: 9697/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('when an alert rule has a PromQL syntax error, then promtool rejects it (the check can fail)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'prom-bad-'));
    try {
      writeFileSync(join(dir, 'bad.yml'), 'groups:\n  - name: bad\n    rules:\n      - alert: Bad\n        expr: sum(rate(x[5m]) > 1\n');
      expect(spawnSync('promtool', ['check', 'rules', join(dir, 'bad.yml')]).status).not.toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

(hasNginx ? describe : describe.skip)('nginx config for compose', () => {
  it('when nginx -t loads default.conf inside an http block like the official image, then it is valid', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nginx-compose-'));
    try {
      const site = readFileSync(join(root, 'nginx/default.conf'), 'utf8').replace('/usr/share/nginx/html/reports', join(dir, 'reports'));
      writeFileSync(join(dir, 'default.conf'), site);
      writeFileSync(
        join(dir, 'nginx.conf'),
        `pid ${dir}/nginx.pid;\nerror_log ${dir}/error.log;\nevents {}\nhttp {\n  include /etc/nginx/mime.types;\n  access_log off;\n  client_body_temp_path ${dir}/body;\n  proxy_temp_path ${dir}/proxy;\n  fastcgi_temp_path ${dir}/fastcgi;\n  uwsgi_temp_path ${dir}/uwsgi;\n  scgi_temp_path ${dir}/scgi;\n  include ${dir}/default.conf;\n}\n`,
      );
      const result = spawnSync('nginx', ['-t', '-p', dir, '-c', join(dir, 'nginx.conf')], { encoding: 'utf8' });
      expect(result.stderr).toMatch(/test is successful/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
