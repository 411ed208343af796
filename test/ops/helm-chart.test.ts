import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { repoRoot, variablesOf } from './service-variables.js';

// The Helm chart (deploy/helm/churn-mlops) rendered by the pinned helm that install-linters.sh puts in
// .stack/bin; skipped, with the reason printed, only when helm cannot be installed here.
const bin = join(repoRoot, '.stack', 'bin');
const chart = join(repoRoot, 'deploy', 'helm', 'churn-mlops');
const allEnabled = join(chart, 'ci', 'all-enabled-values.yaml');
const k8sVersion = /^K8S_SCHEMA_VERSION=v(\S+)$/m.exec(readFileSync(join(repoRoot, 'scripts', 'ops', 'install-linters.sh'), 'utf8'))?.[1] ?? '';
const run = (command: string, args: string[]) => spawnSync(command, args, { cwd: repoRoot, encoding: 'utf8', timeout: 900_000 });

function install(tools: string[]): string | undefined {
  const result = run(join(repoRoot, 'scripts', 'ops', 'install-linters.sh'), tools);
  if (result.status === 0) return undefined;
  const reason = `${tools.join(', ')} could not be installed: ${(result.stderr || result.error?.message || '').trim().split('\n').slice(-3).join(' | ')}`;
  console.warn(`SKIPPED helm chart checks: ${reason}`);
  return reason;
}
const unavailable = install(['helm', 'kubeconform', 'k8s-schemas']);
const check = unavailable === undefined ? it : it.skip;

interface EnvVar { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }
interface Container {
  name: string;
  image: string;
  env?: EnvVar[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  readinessProbe?: unknown;
  livenessProbe?: unknown;
  securityContext?: { readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean };
  volumeMounts?: { name: string; mountPath: string }[];
  workingDir?: string;
}
interface Manifest {
  kind: string;
  metadata: { name: string };
  data?: Record<string, string>;
  spec?: {
    replicas?: number;
    strategy?: { type: string };
    selector?: { matchLabels?: Record<string, string> } & Record<string, string>;
    scaleTargetRef?: { kind: string; name: string };
    template?: {
      metadata: { labels: Record<string, string> };
      spec: {
        securityContext?: { runAsNonRoot?: boolean };
        containers: Container[];
        volumes?: { name: string; configMap?: { name: string }; persistentVolumeClaim?: { claimName: string } }[];
      };
    };
  };
}

function render(args: string[]): { status: number | null; manifests: Manifest[]; stderr: string } {
  const result = run(join(bin, 'helm'), ['template', 'churn', chart, '--kube-version', k8sVersion, ...args]);
  const manifests = result.status === 0 ? parseAllDocuments(result.stdout).map((doc) => doc.toJS() as Manifest).filter(Boolean) : [];
  return { status: result.status, manifests, stderr: result.stderr };
}

const deployments = (manifests: Manifest[]) => manifests.filter((m) => m.kind === 'Deployment');
const byName = (manifests: Manifest[], kind: string, name: string) => manifests.find((m) => m.kind === kind && m.metadata.name === name);

/** The config modules a workspace loads: its own src/config.ts and those of its @churn dependencies, transitively. */
function workspaceConfigModules(dir: string): string[] {
  const workspaces = new Map<string, string>();
  for (const parent of ['packages', 'services']) {
    for (const entry of readdirSync(join(repoRoot, parent))) {
      const manifest = join(repoRoot, parent, entry, 'package.json');
      if (existsSync(manifest)) workspaces.set((JSON.parse(readFileSync(manifest, 'utf8')) as { name: string }).name, join(parent, entry));
    }
  }
  const seen = new Set<string>();
  const visit = (workspace: string) => {
    if (seen.has(workspace)) return;
    seen.add(workspace);
    const { dependencies = {} } = JSON.parse(readFileSync(join(repoRoot, workspace, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    for (const name of Object.keys(dependencies)) {
      const child = workspaces.get(name);
      if (child) visit(child);
    }
  };
  visit(dir);
  return [...seen].map((ws) => join(repoRoot, ws, 'src', 'config.ts')).filter((file) => existsSync(file));
}

async function variablesReadBy(dir: string): Promise<string[]> {
  const names = new Set<string>();
  for (const file of workspaceConfigModules(dir)) {
    for (const exported of Object.values((await import(file)) as Record<string, unknown>)) {
      for (const name of variablesOf(exported)) if (name !== 'ENV_FILE') names.add(name);
    }
  }
  return [...names].sort();
}

const mebibytes = (quantity: string) => {
  const match = /^(\d+)(Mi|Gi)$/.exec(quantity);
  if (!match) throw new Error(`unexpected memory quantity ${quantity}`);
  return Number(match[1]) * (match[2] === 'Gi' ? 1024 : 1);
};

describe('Helm chart', () => {
  check('given the defaults and every optional part on, when lint-ops runs its helm check, then helm lint --strict, helm template and kubeconform -strict accept both renderings', () => {
    const result = run(join(repoRoot, 'scripts', 'ops', 'lint-ops.sh'), ['helm']);
    expect({ status: result.status, output: result.status === 0 ? '' : `${result.stdout}\n${result.stderr}` }).toEqual({ status: 0, output: '' });
    const summaries = result.stdout.match(/^Summary: (\d+) resources? found .* Invalid: 0, Errors: 0, Skipped: 0$/gm) ?? [];
    expect(summaries).toHaveLength(2);
  }, 120_000);

  check('given the offline Kubernetes schemas, when a rendered Deployment has a misspelled field, then kubeconform -strict rejects it', () => {
    const { manifests } = render([]);
    const dir = mkdtempSync(join(tmpdir(), 'kubeconform-'));
    const api = byName(manifests, 'Deployment', 'churn-predictor-api') as unknown as { spec: { template: { spec: { containers: Record<string, unknown>[] } } } };
    const container = api.spec.template.spec.containers[0] ?? {};
    container.readinesProbe = container.readinessProbe;
    writeFileSync(join(dir, 'bad.yaml'), JSON.stringify(api));
    const result = run(join(bin, 'kubeconform'), ['-strict', '-kubernetes-version', k8sVersion, '-schema-location',
      `${join(repoRoot, '.stack', 'k8s-schemas')}/{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json`, join(dir, 'bad.yaml')]);
    expect(result.status).not.toBe(0);
    expect(result.stdout).toMatch(/additional properties 'readinesProbe' not allowed/);
  }, 60_000);

  check.each([
    ['registry', 'services/registry'],
    ['predictor-api', 'services/predictor-api'],
    ['predictor-stream', 'services/predictor-stream'],
    ['worker', 'workflows'],
    ['simulator', 'services/simulator'],
  ])('given every part on, when the %s Deployment is rendered, then its environment, Secrets and watched env file set every variable it reads', async (component, dir) => {
    const { manifests } = render(['-f', allEnabled]);
    const deployment = byName(manifests, 'Deployment', `churn-${component}`);
    const pod = deployment?.spec?.template?.spec;
    const container = pod?.containers[0];
    expect(container?.workingDir).toBe(`/app/${dir}`);
    const set = new Set<string>();
    for (const from of container?.envFrom ?? []) {
      const configMap = from.configMapRef && byName(manifests, 'ConfigMap', from.configMapRef.name);
      Object.keys(configMap?.data ?? {}).forEach((name) => set.add(name));
    }
    for (const variable of container?.env ?? []) set.add(variable.name);
    // RUN_ID and MODEL_URI come from the mounted env file named by ENV_FILE, which the predictors watch.
    const envFile = container?.env?.find((v) => v.name === 'ENV_FILE')?.value ?? '';
    const mount = container?.volumeMounts?.find((m) => envFile.startsWith(`${m.mountPath}/`));
    const volume = pod?.volumes?.find((v) => v.name === mount?.name);
    const fileData = volume?.configMap && byName(manifests, 'ConfigMap', volume.configMap.name)?.data?.[envFile.slice((mount?.mountPath.length ?? 0) + 1)];
    for (const line of (fileData ?? '').split('\n')) { const name = /^([A-Z_][A-Z0-9_]*)=/.exec(line)?.[1]; if (name) set.add(name); }
    const read = await variablesReadBy(dir);
    expect(read.length).toBeGreaterThan(5);
    expect(read.filter((name) => !set.has(name))).toEqual([]);
    // The watched model never sits in the environment, which would win over the file.
    expect([...(container?.env ?? []).map((v) => v.name), ...Object.keys(byName(manifests, 'ConfigMap', 'churn-config')?.data ?? {})]).not.toEqual(expect.arrayContaining(['RUN_ID']));
  }, 120_000);

  check('given every part on, when the chart is rendered, then each Deployment has requests and limits, both probes, a non-root pod and a locked-down container', () => {
    const { manifests } = render(['-f', allEnabled]);
    expect(deployments(manifests).map((d) => d.metadata.name).sort()).toEqual(
      ['churn-nginx', 'churn-predictor-api', 'churn-predictor-stream', 'churn-registry', 'churn-simulator', 'churn-temporal-ui', 'churn-worker']);
    for (const deployment of deployments(manifests)) {
      const pod = deployment.spec?.template?.spec;
      expect({ name: deployment.metadata.name, nonRoot: pod?.securityContext?.runAsNonRoot }).toEqual({ name: deployment.metadata.name, nonRoot: true });
      for (const container of pod?.containers ?? []) {
        const facts = {
          name: container.name,
          requests: Object.keys(container.resources?.requests ?? {}).sort(),
          limits: Object.keys(container.resources?.limits ?? {}).sort(),
          probes: [container.readinessProbe !== undefined, container.livenessProbe !== undefined],
          escalation: container.securityContext?.allowPrivilegeEscalation,
          // temporal-ui writes its config file at start (documented in its template); the rest run read-only.
          readOnly: container.securityContext?.readOnlyRootFilesystem ?? false,
        };
        expect(facts).toEqual({ ...facts, requests: ['cpu', 'memory'], limits: ['cpu', 'memory'], probes: [true, true], escalation: false, readOnly: container.name !== 'temporal-ui' });
        expect(container.image).toMatch(/:[^:]*\d[^:]*$/);
      }
    }
  }, 60_000);

  check('given every part on, when the chart is rendered, then every ConfigMap, Service target and HPA target it references exists and every Secret is one named in values', () => {
    const { manifests } = render(['-f', allEnabled]);
    const values = readFileSync(allEnabled, 'utf8') + readFileSync(join(chart, 'values.yaml'), 'utf8');
    for (const deployment of deployments(manifests)) {
      const pod = deployment.spec?.template?.spec;
      for (const volume of pod?.volumes ?? []) if (volume.configMap) expect(byName(manifests, 'ConfigMap', volume.configMap.name)).toBeDefined();
      for (const container of pod?.containers ?? []) {
        for (const from of container.envFrom ?? []) if (from.configMapRef) expect(byName(manifests, 'ConfigMap', from.configMapRef.name)).toBeDefined();
        for (const variable of container.env ?? []) {
          const secret = variable.valueFrom?.secretKeyRef?.name;
          if (secret) expect(values).toMatch(new RegExp(`existingSecret: ${secret}$`, 'm'));
        }
      }
    }
    expect(manifests.filter((m) => m.kind === 'Secret')).toEqual([]);
    for (const service of manifests.filter((m) => m.kind === 'Service')) {
      const selector = service.spec?.selector ?? {};
      const targets = deployments(manifests).filter((d) => Object.entries(selector).every(([k, v]) => d.spec?.template?.metadata.labels[k] === v));
      expect({ service: service.metadata.name, targets: targets.length }).toEqual({ service: service.metadata.name, targets: 1 });
    }
    const hpa = manifests.find((m) => m.kind === 'HorizontalPodAutoscaler');
    expect(hpa?.spec?.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'churn-predictor-api' });
    expect(byName(manifests, 'Deployment', 'churn-predictor-api')?.spec?.replicas).toBeUndefined();
    const pdb = manifests.find((m) => m.kind === 'PodDisruptionBudget');
    expect(pdb?.spec?.selector?.matchLabels).toEqual(byName(manifests, 'Deployment', 'churn-predictor-api')?.spec?.selector?.matchLabels);
  }, 60_000);

  check.each(['predictor-api', 'predictor-stream'])('given the %s start script caps the heap, when the chart is rendered, then its memory limit leaves room above the cap', (component) => {
    const start = (JSON.parse(readFileSync(join(repoRoot, 'services', component, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
    const oldSpace = Number(/--max-old-space-size=(\d+)/.exec(start)?.[1]);
    expect(oldSpace).toBeGreaterThan(0);
    const container = byName(render([]).manifests, 'Deployment', `churn-${component}`)?.spec?.template?.spec.containers[0];
    const limit = mebibytes(container?.resources?.limits?.memory ?? '');
    const request = mebibytes(container?.resources?.requests?.memory ?? '');
    // ~130 MB peak RSS under load for a 96 MB old space (BENCHMARKS.md): code, young space and native memory on top.
    expect(request).toBeGreaterThanOrEqual(oldSpace + 48);
    expect(limit).toBeGreaterThanOrEqual(oldSpace * 2);
    expect(limit).toBeLessThanOrEqual(oldSpace * 4);
  }, 60_000);

  check('given the defaults, when the chart is rendered, then the stream predictor runs once and is replaced, never doubled', () => {
    const stream = byName(render([]).manifests, 'Deployment', 'churn-predictor-stream');
    expect({ replicas: stream?.spec?.replicas, strategy: stream?.spec?.strategy?.type }).toEqual({ replicas: 1, strategy: 'Recreate' });
    // A second reader copy would score every record twice: refused, naming the setting that allows it.
    const doubled = render(['--set', 'predictorStream.replicas=2']);
    expect(doubled.status).not.toBe(0);
    expect(doubled.stderr).toMatch(/predictorStream\.replicas: more than one copy needs config\.STREAM_CONSUMER=kcl/);
  }, 60_000);

  check('given STREAM_CONSUMER=kcl, when the chart is rendered with 3 stream copies, then they roll one at a time with room for the two KCL daemons', () => {
    const stream = byName(render(['--set', 'config.STREAM_CONSUMER=kcl', '--set', 'predictorStream.replicas=3']).manifests, 'Deployment', 'churn-predictor-stream')?.spec;
    expect({ replicas: stream?.replicas, strategy: stream?.strategy?.type }).toEqual({ replicas: 3, strategy: 'RollingUpdate' });
    const memory = mebibytes(stream?.template?.spec.containers[0]?.resources?.limits?.memory ?? '');
    // 96 MB old space + two JVMs at -Xmx256m.
    expect(memory).toBeGreaterThanOrEqual(96 * 2 + 2 * 256);
  }, 60_000);

  check('given the defaults, when the chart is rendered, then the registry runs in 2 copies rolled one at a time, and replicas sets the count', () => {
    const registry = (args: string[]) => byName(render(args).manifests, 'Deployment', 'churn-registry')?.spec;
    const defaults = registry([]);
    expect({ replicas: defaults?.replicas, strategy: defaults?.strategy?.type }).toEqual({ replicas: 2, strategy: 'RollingUpdate' });
    expect(registry(['--set', 'registry.replicas=3'])?.replicas).toBe(3);
  }, 60_000);

  check.each(['PREDICTOR_API_KEY', 'MONGODB_URI', 'RUN_ID'])('given %s put into config, when the chart is rendered, then it refuses (secrets and the watched model never sit in the ConfigMap)', (name) => {
    const result = render(['--set', `config.${name}=x`]);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(new RegExp(`config\\.${name}`));
  }, 60_000);

  it('given values.yaml, when it is read, then it holds no secret value, only the names of existing Secrets', () => {
    // Comments may show a URL's shape; only the values themselves are checked.
    const values = readFileSync(join(chart, 'values.yaml'), 'utf8').split('\n').filter((line) => !/^\s*#/.test(line)).join('\n');
    expect(values).not.toMatch(/^\s*(PREDICTOR_API_KEY|MLFLOW_TRACKING_PASSWORD|MLFLOW_TRACKING_TOKEN|AWS_SECRET_ACCESS_KEY|password)\s*:/im);
    expect(values).not.toMatch(/(postgres(ql)?|mongodb):\/\/[^/\s]*:[^@\s]*@/);
    expect(values).toMatch(/existingSecret: churn-postgresql$/m);
  });
});

describe('k8s-json-schemas.mjs', () => {
  it('given a small OpenAPI v2 spec, when it is converted, then files are named as kubeconform looks them up, refs are inlined, int-or-string takes both and objects are closed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'k8s-schemas-'));
    const gvk = (group: string, version: string, kind: string) => ({ 'x-kubernetes-group-version-kind': [{ group, version, kind }] });
    const swagger = {
      definitions: {
        'io.k8s.api.apps.v1.Deployment': { type: 'object', properties: { spec: { $ref: '#/definitions/io.k8s.api.apps.v1.Spec' } }, ...gvk('apps', 'v1', 'Deployment') },
        'io.k8s.api.apps.v1.Spec': { type: 'object', properties: { port: { type: 'string', format: 'int-or-string' }, self: { $ref: '#/definitions/io.k8s.api.apps.v1.Spec' } } },
        'io.k8s.api.core.v1.ConfigMap': { type: 'object', properties: { data: { type: 'object', additionalProperties: { type: 'string' } } }, ...gvk('', 'v1', 'ConfigMap') },
        'io.k8s.api.networking.v1.Ingress': { type: 'object', properties: {}, ...gvk('networking.k8s.io', 'v1', 'Ingress') },
      },
    };
    writeFileSync(join(dir, 'swagger.json'), JSON.stringify(swagger));
    const result = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'ops', 'k8s-json-schemas.mjs'), join(dir, 'swagger.json'), join(dir, 'out')], { encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(readdirSync(join(dir, 'out')).sort()).toEqual(['configmap-v1.json', 'deployment-apps-v1.json', 'ingress-networking-v1.json']);
    const deployment = JSON.parse(readFileSync(join(dir, 'out', 'deployment-apps-v1.json'), 'utf8')) as Record<string, unknown>;
    expect(deployment).toEqual({
      type: 'object',
      additionalProperties: false,
      properties: {
        spec: {
          type: 'object',
          additionalProperties: false,
          // A recursive reference stays open below its first level.
          properties: { port: { oneOf: [{ type: 'string' }, { type: 'integer' }] }, self: {} },
        },
      },
    });
    const configMap = JSON.parse(readFileSync(join(dir, 'out', 'configmap-v1.json'), 'utf8')) as { properties: { data: unknown } };
    expect(configMap.properties.data).toEqual({ type: 'object', additionalProperties: { type: 'string' } });
  });
});
