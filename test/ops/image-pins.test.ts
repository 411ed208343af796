// The compose image installs what the native stack installs, pinned the same: the libxgboost wheel and
// the KCL jars are fetched again in the image build, so their pins live in two files and must agree.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '../..');
const lib = readFileSync(join(root, 'scripts/stack/lib.sh'), 'utf8');
const dockerfile = readFileSync(join(root, 'compose/Dockerfile'), 'utf8');
const shell = (name: string) => new RegExp(`^${name}=(\\S+)$`, 'm').exec(lib)?.[1];

describe('compose image pins', () => {
  it('when the image fetches the xgboost-cpu wheel, then it is the version and x86_64 digest the native stack installs', () => {
    const version = shell('XGBOOST_VERSION');
    const sha256 = shell('XGBOOST_WHEEL_SHA256');
    expect(version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(dockerfile).toContain(`xgboost-cpu==${version} --hash=sha256:`);
    expect(dockerfile).toMatch(new RegExp(`amd64\\) wheel=x86_64 sha256=${sha256} ;;`));
    expect(dockerfile).toContain(`ENV NODE_ENV=production`);
    expect(dockerfile).toMatch(/XGBOOST_LIBRARY=\/opt\/xgboost\/xgboost\/lib\/libxgboost\.so/);
  });

  it('when the image fetches the KCL jars, then their pinned digest is the native stack\'s and they sit where KCL_JARS points', () => {
    const digest = shell('KCL_JARS_SHA256');
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
    expect(dockerfile).toContain(`ARG KCL_JARS_SHA256=${digest}`);
    expect(dockerfile).toContain('COPY --from=kcl /opt/kcl/jars /app/.stack/kcl/jars');
    expect(dockerfile).toMatch(/KCL_JARS=\/app\/\.stack\/kcl\/jars/);
    const values = readFileSync(join(root, 'deploy/helm/churn-mlops/values.yaml'), 'utf8');
    expect(values).toMatch(/KCL_JARS: \/app\/\.stack\/kcl\/jars/);
  });
});
