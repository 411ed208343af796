import { defaultContract, seededRandom } from '@churn/churn-data';
import { estimateWindow } from './cbpe.js';
import { classificationQuality } from './classification.js';
import { formatNumber } from './html.js';
import type { LabelledPredictionRow, LabelledWindow } from './outcomes.js';
import { computeModelQuality, renderModelQuality } from './quality-report.js';

const contract = defaultContract();
const window = { from: new Date('2026-10-26T21:00:00Z'), to: new Date('2026-11-25T21:00:00Z') };
const cards = ['blue', 'silver', 'gold'];

/** 300 labelled predictions whose chance follows the label loosely, plus 200 not labelled yet. */
function labelledWindow(labelled = 300): LabelledWindow {
  const random = seededRandom(5);
  const rows: LabelledPredictionRow[] = Array.from({ length: labelled }, (_, i) => {
    const label = random() < 0.3 ? 1 : 0;
    const chance = Math.min(1, Math.max(0, 0.25 + (label ? 0.3 : -0.1) + (random() - 0.5) * 0.6));
    return { features: { card_category: cards[i % 3] as string, customer_age: 40 }, chance, label, created_at: window.to, observed_at: window.to };
  });
  const unlabelled = Array.from({ length: 200 }, () => random());
  return { rows, predictions: labelled + 200, chances: [...rows.map((r) => r.chance), ...unlabelled], unjoined: 4, duplicates: 2, skipped: 0 };
}

describe('model quality section', () => {
  it('given labelled predictions, when computed, then the realised figures are classificationQuality\'s on the pairs, segments split by each categorical feature, and the estimate covers every prediction', () => {
    const labelled = labelledWindow();
    const quality = computeModelQuality(contract, labelled, window);
    expect(quality.realised).toEqual(
      classificationQuality(
        labelled.rows.map((r) => r.label),
        labelled.rows.map((r) => r.chance),
      ),
    );
    expect(Object.keys(quality.segments).sort()).toEqual([...contract.categoricalNames].sort());
    expect(Object.keys(quality.segments['card_category'] ?? {})).toEqual(['blue', 'gold', 'silver']);
    expect(quality.segments['card_category']?.['gold']?.count).toBe(100);
    const expected = estimateWindow(labelled.chances, labelled.rows);
    expect(quality.estimated).toEqual({ ...expected?.estimate, calibration: 'labelled' });
    expect(quality.estimated?.count).toBe(500);
  });

  it('given labelled predictions, when rendered, then it shows realised and estimated figures side by side, the confusion matrix, a reliability curve with a point per non-empty bin and a row per segment', () => {
    const quality = computeModelQuality(contract, labelledWindow(), window);
    const html = renderModelQuality(contract, quality);
    const realised = quality.realised!;
    expect(html).toContain('<h2>Model quality</h2>');
    expect(html).toContain(`<p id="labelled">300 of the model run's 500 predictions of the last 30 days`);
    expect(html).toContain('4 outcomes received label none of them');
    expect(html).toContain('2 repeated an outcome received before them and were ignored');
    expect(html).toMatch(new RegExp(`<tr data-measure="ROC AUC"><td>ROC AUC</td><td class="num">${String(Number(realised.auc!.toPrecision(4))).replace('.', '\\.')}</td><td class="num">[0-9.]+</td></tr>`));
    expect(html).toMatch(/<tr data-measure="Brier score"><td>Brier score<\/td><td class="num">[0-9.]+<\/td><td class="num">–<\/td><\/tr>/);
    const { tp, fn, fp, tn } = realised.confusion;
    expect(html).toContain(`<tr><th>churned</th><td class="num">${tp}</td><td class="num">${fn}</td></tr><tr><th>stayed</th><td class="num">${fp}</td><td class="num">${tn}</td></tr>`);
    expect(html.match(/<circle /g)).toHaveLength(realised.reliability.length);
    expect(html).toContain('<tr data-segment="card_category=gold">');
    const fmt = (v: number) => formatNumber(v).replace('.', '\\.');
    // The share of decisions the outcome contradicted, realised beside its estimate (1 - estimated accuracy).
    expect(html).toMatch(new RegExp(`<tr data-measure="share deviating from the outcome"><td>share deviating from the outcome</td><td class="num">${fmt(realised.deviatedShare)}</td><td class="num">${fmt(quality.estimated!.deviatedShare)}</td></tr>`));
    expect(realised.deviatedShare).toBeCloseTo((realised.confusion.fp + realised.confusion.fn) / realised.count, 15);
    const gold = quality.segments['card_category']!['gold']!;
    expect(html).toContain(`<td class="num">${gold.count}</td><td class="num">${gold.positives}</td><td class="num">${formatNumber(gold.auc)}</td><td class="num">${formatNumber(gold.deviatedShare)}</td>`);
    expect(html).toContain('calibrated on its labelled predictions');
    expect(html).not.toContain('No outcomes yet');
  });

  it("given the model's test predictions, when computed and rendered, then the estimate is calibrated on them and says so", () => {
    const labelled = labelledWindow();
    const test = { chances: labelled.rows.map((r) => r.chance), labels: labelled.rows.map((r) => r.label) };
    const quality = computeModelQuality(contract, { ...labelled, rows: [] }, window, test);
    expect(quality.estimated).toEqual({ ...estimateWindow(labelled.chances, [], test)?.estimate, calibration: 'test' });
    expect(renderModelQuality(contract, quality)).toContain("calibrated on the model's test split");
  });

  it('given predictions without outcomes, when rendered, then the section says no outcomes yet and shows only the estimate, uncalibrated', () => {
    const quality = computeModelQuality(contract, { ...labelledWindow(0), unjoined: 0 }, window);
    expect(quality.realised).toBeNull();
    const html = renderModelQuality(contract, quality);
    expect(html).toContain('<p id="no-outcomes">No outcomes yet for the model run\'s 200 predictions of the last 30 days');
    expect(html).toContain('<th>estimated (CBPE)</th>');
    expect(html).not.toContain('<th>realised</th>');
    expect(html).toContain('taking them as probabilities');
    expect(html).not.toMatch(/<svg|id="confusion"|id="quality-segments"/);
  });

  it('given no predictions at all, when rendered, then only the no-outcomes line is shown', () => {
    const quality = computeModelQuality(contract, { rows: [], predictions: 0, chances: [], unjoined: 0, duplicates: 0, skipped: 0 }, { from: window.from, to: new Date(window.from.getTime() + 3 * 3_600_000) });
    const html = renderModelQuality(contract, quality);
    expect(html).toContain('No outcomes yet for the model run\'s 0 predictions of the last 3 hours');
    expect(html).not.toContain('<table');
  });
});
