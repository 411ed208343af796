import type { DatasetContract, Feature, FeatureRow, FeatureValue, ReferenceProfile } from '@churn/churn-data';
import { barChartSvg, categoricalShares, numericShares } from './charts.js';
import type { DriftResult, FeatureDrift } from './drift.js';
import { BASE_CSS, escapeHtml, formatNumber } from './html.js';
import { renderModelQuality, type ModelQuality } from './quality-report.js';

export interface ReportWindow {
  from: Date;
  to: Date;
}

export interface DriftReportInput {
  /** The contract of the model compared: feature order, labels, descriptions and the dataset's name. */
  contract: DatasetContract;
  result: DriftResult;
  reference: ReferenceProfile;
  current: readonly FeatureRow[];
  /** The model's scores on `current`, charted against the reference's. */
  predictions?: readonly number[];
  runId: string;
  window: ReportWindow;
  /** The "Model quality" section; left out when not given. */
  quality?: ModelQuality;
  generatedAt?: Date;
}

/** What the index and the caller keep of a report: its verdict and where it is. */
export interface DriftSummary {
  /** The contract's name. */
  dataset: string;
  runId: string;
  from: string;
  to: string;
  generatedAt: string;
  currentRows: number;
  referenceRows: number;
  datasetDrift: boolean;
  driftedShare: number;
  driftedFeatures: string[];
  predictionDrift: boolean | null;
}

export function summarizeDrift(input: Omit<DriftReportInput, 'current' | 'reference' | 'predictions' | 'quality'>): DriftSummary {
  const { result } = input;
  return {
    dataset: input.contract.name,
    runId: input.runId,
    from: input.window.from.toISOString(),
    to: input.window.to.toISOString(),
    generatedAt: (input.generatedAt ?? new Date()).toISOString(),
    currentRows: result.currentSize,
    referenceRows: result.referenceSize,
    datasetDrift: result.datasetDrift,
    driftedShare: result.driftedShare,
    driftedFeatures: result.driftedFeatures,
    predictionDrift: result.predictionDrift ? result.predictionDrift.drifted : null,
  };
}

const REFERENCE_COLOR = '#4c78a8';
const CURRENT_COLOR = '#f58518';

const METHOD_LABEL: Record<FeatureDrift['method'], string> = {
  ks: 'KS p-value',
  chi2: 'chi-square p-value',
  z: 'z-test p-value',
  wasserstein: 'Wasserstein (normed)',
  jensenshannon: 'Jensen-Shannon',
};

function banner(result: DriftResult): string {
  if (result.currentSize === 0) return '<div class="banner empty">No predictions in this window: nothing to compare.</div>';
  const drifted = result.driftedFeatures.length;
  const total = Object.keys(result.features).length;
  const share = `${drifted} of ${total} features drifted (${Math.round(result.driftedShare * 100)}%, threshold ${Math.round(result.threshold * 100)}%)`;
  return result.datasetDrift
    ? `<div class="banner drift" id="verdict" data-drift="true">Dataset drift detected: ${share}</div>`
    : `<div class="banner ok" id="verdict" data-drift="false">No dataset drift: ${share}</div>`;
}

const percent = (share: number) => `${Math.round(share * 1000) / 10}%`;

/** The contract's label with the column name, its description, and how much of it was missing. */
function featureCell(feature: Feature, f: FeatureDrift | undefined, result: DriftResult): string {
  const name = `<code>${escapeHtml(feature.name)}</code>`;
  const heading = feature.label === feature.name ? name : `<b>${escapeHtml(feature.label)}</b> ${name}`;
  const description = feature.description ? `<div class="desc">${escapeHtml(feature.description)}</div>` : '';
  const missingCurrent = f ? 1 - f.currentCount / result.currentSize : 0;
  const missingReference = f ? 1 - f.referenceCount / result.referenceSize : 0;
  const missing =
    missingCurrent > 0 || missingReference > 0
      ? `<div class="desc missing">missing (left out): ${percent(missingCurrent)} of current, ${percent(missingReference)} of reference rows</div>`
      : '';
  return `<td data-feature="${escapeHtml(feature.name)}">${heading}${description}${missing}</td>`;
}

const verdictBadge = (drifted: boolean) => (drifted ? '<span class="badge drift">drifted</span>' : '<span class="badge ok">ok</span>');

function featureRow(feature: Feature, result: DriftResult): string {
  const f = result.features[feature.name];
  if (!f) return `<tr class="skipped">${featureCell(feature, f, result)}<td>${feature.kind}</td><td colspan="10">not compared: no values in the window or in the reference (all missing)</td></tr>`;
  return `<tr class="${f.drifted ? 'drifted' : ''}">${featureCell(feature, f, result)}<td>${feature.kind}</td><td>${f.test === 'ks' ? 'KS' : 'chi-square'}</td><td class="num">${formatNumber(f.statistic)}</td><td class="num">${formatNumber(f.pValue)}</td><td class="num">${formatNumber(f.wasserstein)}</td><td class="num">${formatNumber(f.jensenShannon)}</td><td class="num">${formatNumber(f.psi)}</td><td>${METHOD_LABEL[f.method]}</td><td class="num">${formatNumber(f.score)}</td><td class="num">${formatNumber(f.threshold)}</td><td>${verdictBadge(f.drifted)}</td></tr>`;
}

function summaryTable(contract: DatasetContract, result: DriftResult): string {
  const rows = contract.features.map((feature) => featureRow(feature, result));
  const p = result.predictionDrift;
  if (p) {
    rows.push(
      `<tr class="${p.drifted ? 'drifted' : ''}"><td><b>churn chance (prediction)</b></td><td>numeric</td><td>KS</td><td class="num">${formatNumber(p.statistic)}</td><td class="num">${formatNumber(p.pValue)}</td><td class="num">${formatNumber(p.wasserstein)}</td><td class="num">–</td><td class="num">${formatNumber(p.psi)}</td><td>${METHOD_LABEL[p.method]}</td><td class="num">${formatNumber(p.score)}</td><td class="num">${formatNumber(p.threshold)}</td><td>${verdictBadge(p.drifted)}</td></tr>`,
    );
  }
  return `<table id="summary"><thead><tr><th>feature</th><th>kind</th><th>test</th><th>statistic</th><th>p-value</th><th>Wasserstein (normed)</th><th>Jensen-Shannon</th><th>PSI</th><th>decided by</th><th>score</th><th>threshold</th><th>drifted</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

const isPresent = (value: FeatureValue | undefined): value is string | number => value !== null && value !== undefined;

/** How a coded value reads on the chart's axis: an ordinal's level, a boolean's true/false. */
function codeLabel(feature: Feature): ((value: number) => string) | undefined {
  if (feature.kind === 'ordinal') return (code) => feature.levels?.[code] ?? String(code);
  if (feature.kind === 'boolean') return (value) => (value === 1 ? 'true' : 'false');
  return undefined;
}

/** Reference and current shares of a compared feature's present values (missing ones are left out, as in the statistics). */
function featureChart(feature: Feature, reference: ReferenceProfile, current: readonly FeatureRow[], drift: FeatureDrift): string {
  const { name } = feature;
  const referenceValues = (reference.sample[name] ?? []).filter(isPresent);
  const currentValues = current.map((row) => row[name]).filter(isPresent);
  const shares =
    drift.kind === 'categorical'
      ? categoricalShares(referenceValues.map(String), currentValues.map(String))
      : numericShares(referenceValues as number[], currentValues as number[], 20, codeLabel(feature));
  const title = `${feature.label === name ? name : `${feature.label} (${name})`}${drift.drifted ? ' — drifted' : ''}`;
  return `<div class="chart" data-feature="${escapeHtml(name)}">${barChartSvg({
    title,
    categories: shares.categories,
    series: [
      { name: 'reference', color: REFERENCE_COLOR, values: shares.reference },
      { name: 'current', color: CURRENT_COLOR, values: shares.current },
    ],
    xLabel: name,
  })}</div>`;
}

function predictionChart(reference: ReferenceProfile, predictions: readonly number[]): string {
  if (!reference.predictions?.length || predictions.length === 0) return '';
  const shares = numericShares(reference.predictions, predictions);
  return `<div class="chart" data-feature="churn_chance">${barChartSvg({
    title: 'churn chance (model output)',
    categories: shares.categories,
    series: [
      { name: 'reference', color: REFERENCE_COLOR, values: shares.reference },
      { name: 'current', color: CURRENT_COLOR, values: shares.current },
    ],
  })}</div>`;
}

/** The whole report as one self-contained HTML page: inline CSS and SVG, no scripts, no external requests. */
export function renderDriftReport(input: DriftReportInput): string {
  const { contract, result, reference, current, runId, window } = input;
  const generatedAt = input.generatedAt ?? new Date();
  const title = contract.spec.title ?? contract.name;
  const charts =
    current.length === 0
      ? ''
      : `<h2>Distributions: reference vs current</h2><div class="charts">${predictionChart(reference, input.predictions ?? [])}${contract.features
          .map((feature) => {
            const drift = result.features[feature.name];
            return drift ? featureChart(feature, reference, current, drift) : '';
          })
          .join('')}</div>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Drift report ${escapeHtml(contract.name)} ${escapeHtml(window.to.toISOString())} — ${escapeHtml(runId)}</title>
<style>${BASE_CSS}</style></head>
<body><main>
<p><a href="index.html">← all reports</a></p>
<h1>Data drift report: ${escapeHtml(title)}</h1>
${contract.spec.description ? `<p class="desc">${escapeHtml(contract.spec.description)}</p>` : ''}
${banner(result)}
<dl class="meta">
<dt>dataset</dt><dd id="dataset">${escapeHtml(contract.name)}</dd>
<dt>model run id</dt><dd id="run-id">${escapeHtml(runId)}</dd>
<dt>window</dt><dd>${escapeHtml(window.from.toISOString())} → ${escapeHtml(window.to.toISOString())}</dd>
<dt>current rows</dt><dd>${result.currentSize}</dd>
<dt>reference rows</dt><dd>${result.referenceSize} (training sample of the model)</dd>
<dt>generated</dt><dd>${escapeHtml(generatedAt.toISOString())}</dd>
</dl>
<h2>Summary</h2>
${result.currentSize === 0 ? '' : summaryTable(contract, result)}
<p style="font-size:12px;color:#666">Verdicts follow Evidently's DataDriftPreset defaults: with a reference of at most 1,000 rows, KS (numeric), chi-square or z-test (categorical) at p &lt; 0.05; above that, normed Wasserstein (numeric with more than 5 values) or Jensen-Shannon at ≥ 0.1. Ordinal and boolean features are compared as numbers (their codes). Missing values are left out of every statistic. The dataset drifted when at least ${Math.round(result.threshold * 100)}% of the compared features did.</p>
${input.quality ? renderModelQuality(contract, input.quality) : ''}
${charts}
<footer>@churn/drift</footer>
</main></body></html>
`;
}
