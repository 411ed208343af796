import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { computeDrift } from './drift.js';
import { publishReport, readManifest, reportFileName } from './publish.js';
import { computeModelQuality } from './quality-report.js';
import { renderDriftReport, summarizeDrift } from './report.js';
import { datasetFixture, drifted, fakeScore } from './testing/fixtures.js';

describe('drift report', () => {
  const { contract, reference, holdout } = datasetFixture(3000);
  const window = { from: new Date('2026-11-25T18:00:00Z'), to: new Date('2026-11-25T21:00:00Z') };
  const current = drifted(holdout.slice(0, 600));
  const predictions = current.map(fakeScore);
  const result = computeDrift(contract, reference, current, { predictions });

  it('when rendered, then the page is self-contained with dataset, run id, window, verdict, a table row and a chart per feature', () => {
    const html = renderDriftReport({ contract, result, reference, current, predictions, runId: 'run-<42>', window });
    expect(html).toContain('<h1>Data drift report: Credit-card customers (BankChurners)</h1>');
    expect(html).toContain('<dd id="dataset">bankchurners</dd>');
    // The contract's label beside the column name, and ordinal codes charted as their levels.
    expect(html).toContain('<b>Age</b> <code>customer_age</code>');
    expect(html).toMatch(/<div class="chart" data-feature="income_category">.*\$60k - \$80k/s);
    expect(html).toContain('run-&lt;42&gt;');
    expect(html).toContain('2026-11-25T18:00:00.000Z → 2026-11-25T21:00:00.000Z');
    expect(html).toMatch(/<div class="banner drift" id="verdict" data-drift="true">Dataset drift detected: 6 of 11 features/);
    expect(html.match(/<tr class="drifted">/g)).toHaveLength(7); // six features + the prediction
    expect(html.match(/<svg /g)).toHaveLength(12); // eleven features + churn chance
    expect(html).not.toMatch(/<script|<link(?! rel="icon" href="data:,">)|src=|url\(|@import|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  });

  it('given a model quality section, when rendered, then it stands between the drift summary and the distributions, and without one the page has none', () => {
    const quality = computeModelQuality(contract, { rows: [], predictions: 600, chances: predictions, unjoined: 0, duplicates: 0, skipped: 0 }, window);
    const html = renderDriftReport({ contract, result, reference, current, predictions, runId: 'r', window, quality });
    const at = (text: string) => html.indexOf(text);
    expect(at('<table id="summary">')).toBeLessThan(at('<h2>Model quality</h2>'));
    expect(at('<h2>Model quality</h2>')).toBeLessThan(at('<h2>Distributions'));
    expect(html).toContain('No outcomes yet');
    expect(renderDriftReport({ contract, result, reference, current, predictions, runId: 'r', window })).not.toContain('Model quality');
  });

  it('when the window is empty, then the report says so instead of a verdict', () => {
    const empty = computeDrift(contract, reference, []);
    const html = renderDriftReport({ contract, result: empty, reference, current: [], runId: 'r', window });
    expect(html).toContain('No predictions in this window');
    expect(html).not.toContain('<svg');
  });

  it('when a feature is missing in every current row, then its row says it was not compared and it has no chart; a partly missing one shows its share', () => {
    const gaps = current.map((row, i) => ({ ...row, gender: null, credit_limit: i % 2 === 0 ? null : row.credit_limit }));
    const partial = computeDrift(contract, reference, gaps);
    const html = renderDriftReport({ contract, result: partial, reference, current: gaps, runId: 'r', window });
    expect(html).toMatch(/<tr class="skipped"><td data-feature="gender">.*not compared: no values/);
    expect(html).toContain('missing (left out): 50% of current, 0% of reference rows');
    expect(html).not.toContain('<div class="chart" data-feature="gender">');
    expect(html.match(/<svg /g)).toHaveLength(10);
  });

  it('when two reports are published, then files, manifest and index list them newest first and S3 gets all three', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'drift-reports-'));
    const sent: { Key: string; ContentType?: string }[] = [];
    const s3 = { send: async (command: { input: { Key: string; ContentType?: string } }) => void sent.push(command.input) } as unknown as S3Client;
    try {
      const older = new Date('2026-11-25T18:00:00Z');
      const newer = new Date('2026-11-25T21:00:00Z');
      const calm = computeDrift(contract, reference, holdout.slice(600, 1200));
      await publishReport({ reportsDir: dir }, { html: '<p>old</p>', summary: summarizeDrift({ contract, result: calm, runId: 'run-a', window, generatedAt: older }) });
      const published = await publishReport({ reportsDir: dir, s3, bucket: 'churn-reports' }, { html: '<p>new</p>', summary: summarizeDrift({ contract, result, runId: 'run-b', window, generatedAt: newer }) });

      expect(published.file).toBe('drift-2026-11-25T21-00-00.000Z.html');
      expect(published.file).toBe(reportFileName(newer));
      expect(await readFile(published.path, 'utf8')).toBe('<p>new</p>');
      expect((await readdir(dir)).sort()).toEqual(['drift-2026-11-25T18-00-00.000Z.html', 'drift-2026-11-25T21-00-00.000Z.html', 'index.html', 'reports.json']);
      const manifest = await readManifest(dir);
      expect(manifest.map((e) => [e.dataset, e.runId, e.datasetDrift])).toEqual([
        ['bankchurners', 'run-b', true],
        ['bankchurners', 'run-a', false],
      ]);
      const index = await readFile(published.indexPath, 'utf8');
      expect(index.indexOf('drift-2026-11-25T21-00-00.000Z.html')).toBeLessThan(index.indexOf('drift-2026-11-25T18-00-00.000Z.html'));
      expect(index).toContain('<span class="badge drift">drift</span>');
      expect(index).toContain('<span class="badge ok">no drift</span>');
      expect(sent.map((c) => [c.Key, c.ContentType])).toEqual([
        ['drift-2026-11-25T21-00-00.000Z.html', 'text/html; charset=utf-8'],
        ['reports.json', 'application/json'],
        ['index.html', 'text/html; charset=utf-8'],
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('when the summary is malformed, then publishing fails naming the field', async () => {
    const summary = { ...summarizeDrift({ contract, result, runId: 'x', window }), datasetDrift: 'yes' as unknown as boolean };
    await expect(publishReport({ reportsDir: join(tmpdir(), 'never-written') }, { html: '', summary })).rejects.toThrow(/datasetDrift/);
  });
});
