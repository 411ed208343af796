import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './service-variables.js';

// Each check runs a real tool, installed pinned into .stack/bin by scripts/ops/install-linters.sh.
// A check is skipped, with the reason printed, only when its tool cannot be installed here.
const bin = join(repoRoot, '.stack', 'bin');
const run = (command: string, args: string[], env: Record<string, string> = {}) =>
  spawnSync(command, args, { cwd: repoRoot, encoding: 'utf8', timeout: 900_000, env: { ...process.env, ...env } });

function install(tools: string[]): string | undefined {
  const result = run(join(repoRoot, 'scripts', 'ops', 'install-linters.sh'), tools);
  if (result.status === 0) return undefined;
  const reason = `${tools.join(', ')} could not be installed: ${(result.stderr || result.error?.message || '').trim().split('\n').slice(-3).join(' | ')}`;
  console.warn(`SKIPPED ops lint checks: ${reason}`);
  return reason;
}

const unavailable = {
  compose: install(['compose']),
  hadolint: install(['hadolint']),
  actionlint: install(['actionlint', 'shellcheck']),
  shellcheck: install(['shellcheck']),
};
const check = (name: keyof typeof unavailable) => (unavailable[name] === undefined ? it : it.skip);
const lintOps = (name: string) => run(join(repoRoot, 'scripts', 'ops', 'lint-ops.sh'), [name]);
const output = (result: ReturnType<typeof run>) => `${result.stdout}\n${result.stderr}`;
const composeCli = () => (run('docker', ['compose', 'version']).status === 0 ? ['docker', 'compose'] : [join(bin, 'docker-compose')]);

describe('operations files', () => {
  check('compose')('when both compose files are validated alone and merged for local and cloud, then compose accepts them', () => {
    const result = lintOps('compose');
    expect({ status: result.status, output: result.status === 0 ? '' : output(result) }).toEqual({ status: 0, output: '' });
    expect(result.stdout.match(/^compose config/gm)).toHaveLength(6);
  }, 120_000);

  check('compose')('when a compose file depends on an undefined service, then the validator rejects it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'compose-'));
    writeFileSync(join(dir, 'bad.yml'), 'services:\n  a:\n    image: nginx:1.27.3-alpine\n    depends_on:\n      b:\n        condition: service_healthy\n');
    const [command = 'docker', ...prefix] = composeCli();
    const result = run(command, [...prefix, '-f', join(dir, 'bad.yml'), 'config', '--quiet']);
    expect(result.status).not.toBe(0);
    expect(output(result)).toMatch(/undefined service "b"/);
  }, 60_000);

  check('compose')('when the merged files are rendered, then every port of the architecture is published and every service is pinned', () => {
    const [command = 'docker', ...prefix] = composeCli();
    const result = run(command, [...prefix, '-f', 'docker-compose.model-registry.yml', '-f', 'docker-compose.serve.yml', '--profile', 'local', '--env-file', '.env.local', 'config', '--format', 'json'], { ENV: 'local' });
    expect(result.status).toBe(0);
    const config = JSON.parse(result.stdout) as { services: Record<string, { image?: string; build?: unknown; ports?: { published?: string }[]; healthcheck?: unknown; depends_on?: Record<string, { condition: string }> }> };
    // A service in replicas publishes a range ("9697-9706"): its first port is the architecture's.
    const published = Object.values(config.services).flatMap((s) => (s.ports ?? []).map((p) => Number(String(p.published).split('-')[0])));
    expect(published.sort((a, b) => a - b)).toEqual([3000, 4566, 5051, 7233, 8233, 8888, 9090, 9696, 9697, 9698, 9699, 27017]);
    for (const [name, service] of Object.entries(config.services)) {
      // Ours are built from compose/Dockerfile; every other image names a fixed version.
      if (service.build === undefined) expect({ name, image: service.image }).toEqual({ name, image: expect.stringMatching(/:[^:]*\d[^:]*$/) });
      for (const dependency of Object.values(service.depends_on ?? {})) {
        expect(['service_healthy', 'service_completed_successfully']).toContain(dependency.condition);
      }
    }
  }, 60_000);

  check('hadolint')('when the Dockerfiles are linted, then hadolint reports nothing', () => {
    const result = lintOps('hadolint');
    expect({ status: result.status, output: result.status === 0 ? '' : output(result) }).toEqual({ status: 0, output: '' });
  }, 60_000);

  check('hadolint')('when a Dockerfile uses an unpinned image, then hadolint fails it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hadolint-'));
    writeFileSync(join(dir, 'Dockerfile'), 'FROM node:latest\nRUN apt-get install -y curl\n');
    const result = run(join(bin, 'hadolint'), [join(dir, 'Dockerfile')]);
    expect(result.status).not.toBe(0);
    expect(result.stdout).toMatch(/DL3007/);
  }, 60_000);

  check('actionlint')('when the GitHub workflows are linted, then actionlint reports nothing', () => {
    const result = lintOps('actionlint');
    expect({ status: result.status, output: result.status === 0 ? '' : output(result) }).toEqual({ status: 0, output: '' });
  }, 60_000);

  check('shellcheck')('when the shell scripts are checked, then shellcheck reports nothing', () => {
    const result = lintOps('shellcheck');
    expect({ status: result.status, output: result.status === 0 ? '' : output(result) }).toEqual({ status: 0, output: '' });
  }, 60_000);
});
