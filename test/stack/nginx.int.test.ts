import { rmSync, writeFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { ROOT, stackEnv, uniqueName } from './stack-env.js';

describe('nginx of the native stack', () => {
  const reportsDir = isAbsolute(stackEnv.REPORTS_DIR) ? stackEnv.REPORTS_DIR : join(ROOT, stackEnv.REPORTS_DIR);
  const name = `${uniqueName('stack-test')}.html`;

  afterAll(() => rmSync(join(reportsDir, name), { force: true }));

  it('when a report is written to the reports folder, then nginx serves it as HTML', async () => {
    const html = `<!doctype html><title>${name}</title><p>drift report</p>`;
    writeFileSync(join(reportsDir, name), html);
    const response = await fetch(`${stackEnv.REPORTS_URL}/${name}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await response.text()).toBe(html);
  });

  it('when a file does not exist, then nginx answers 404', async () => {
    expect((await fetch(`${stackEnv.REPORTS_URL}/${uniqueName('missing')}.html`)).status).toBe(404);
  });
});
