import type { DatasetContract, Feature, FeatureRow, FeatureValue, ReferenceProfile } from '@churn/churn-data';
import { barChartSvg, categoricalShares, numericShares } from './charts.js';
import type { DriftResult, FeatureDrift } from './drift.js';
import { BASE_CSS, escapeHtml, formatNumber } from './html.js';

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

export function summarizeDrift(input: Omit<DriftReportInput, 'current' | 'reference' | 'predictions'>): DriftSummary {
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

function featureRow(name: string, f: FeatureDrift): string {
  return `<tr class="${f.drifted ? 'drifted' : ''}"><td>${escapeHtml(name)}</td><td>${f.kind}</td><td>${f.test === 'ks' ? 'KS' : 'chi-square'}</td><td class="num">${formatNumber(f.statistic)}</td><td class="num">${formatNumber(f.pValue)}</td><td class="num">${formatNumber(f.wasserstein)}</td><td class="num">${formatNumber(f.jensenShannon)}</td><td class="num">${formatNumber(f.psi)}</td><td>${METHOD_LABEL[f.method]}</td><td class="num">${formatNumber(f.score)}</td><td class="num">${formatNumber(f.threshold)}</td><td>${f.drifted ? '<span class="badge drift">drifted</span>' : '<span class="badge ok">ok</span>'}</td></tr>`;
}

function summaryTable(result: DriftResult): string {
  const rows = FEATURE_NAMES.filter((name) => result.features[name]).map((name) => featureRow(name, result.features[name]));
  const p = result.predictionDrift;
  if (p) {
    rows.push(
      `<tr class="${p.drifted ? 'drifted' : ''}"><td><b>churn chance (prediction)</b></td><td>numeric</td><td>KS</td><td class="num">${formatNumber(p.statistic)}</td><td class="num">${formatNumber(p.pValue)}</td><td class="num">${formatNumber(p.wasserstein)}</td><td class="num">–</td><td class="num">${formatNumber(p.psi)}</td><td>${METHOD_LABEL[p.method]}</td><td class="num">${formatNumber(p.score)}</td><td class="num">${formatNumber(p.threshold)}</td><td>${p.drifted ? '<span class="badge drift">drifted</span>' : '<span class="badge ok">ok</span>'}</td></tr>`,
    );
  }
  return `<table id="summary"><thead><tr><th>feature</th><th>type</th><th>test</th><th>statistic</th><th>p-value</th><th>Wasserstein (normed)</th><th>Jensen-Shannon</th><th>PSI</th><th>decided by</th><th>score</th><th>threshold</th><th>drifted</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function featureChart(name: FeatureName, reference: ReferenceProfile, current: readonly CurrentRow[], drift: FeatureDrift | undefined): string {
  const isCategorical = (CATEGORICAL_FEATURES as readonly string[]).includes(name);
  const shares = isCategorical
    ? categoricalShares(reference.sample[name].map(String), current.map((row) => String(row[name])))
    : numericShares(
        reference.sample[name] as number[],
        current.map((row) => row[name] as number),
      );
  const title = `${name}${drift?.drifted ? ' — drifted' : ''}`;
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

function predictionChart(reference: ReferenceProfile, current: readonly CurrentRow[]): string {
  const scores = current.filter((row) => typeof row.churn_chance === 'number').map((row) => row.churn_chance as number);
  if (!reference.predictions?.length || scores.length === 0) return '';
  const shares = numericShares(reference.predictions, scores);
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
  const { result, reference, current, runId, window } = input;
  const generatedAt = input.generatedAt ?? new Date();
  const charts =
    current.length === 0
      ? ''
      : `<h2>Distributions: reference vs current</h2><div class="charts">${predictionChart(reference, current)}${FEATURE_NAMES.map((name) => featureChart(name, reference, current, result.features[name])).join('')}</div>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Drift report ${escapeHtml(window.to.toISOString())} — ${escapeHtml(runId)}</title>
<style>${BASE_CSS}</style></head>
<body><main>
<p><a href="index.html">← all reports</a></p>
<h1>Data drift report</h1>
${banner(result)}
<dl class="meta">
<dt>model run id</dt><dd id="run-id">${escapeHtml(runId)}</dd>
<dt>window</dt><dd>${escapeHtml(window.from.toISOString())} → ${escapeHtml(window.to.toISOString())}</dd>
<dt>current rows</dt><dd>${result.currentSize}</dd>
<dt>reference rows</dt><dd>${result.referenceSize} (training sample of the model)</dd>
<dt>generated</dt><dd>${escapeHtml(generatedAt.toISOString())}</dd>
</dl>
<h2>Summary</h2>
${result.currentSize === 0 ? '' : summaryTable(result)}
<p style="font-size:12px;color:#666">Verdicts follow Evidently's DataDriftPreset defaults: with a reference of at most 1,000 rows, KS (numeric), chi-square or z-test (categorical) at p &lt; 0.05; above that, normed Wasserstein (numeric with more than 5 values) or Jensen-Shannon at ≥ 0.1. The dataset drifted when at least half of the features did.</p>
${charts}
<footer>@churn/drift</footer>
</main></body></html>
`;
}
