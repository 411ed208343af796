import type { DatasetContract } from '@churn/churn-data';
import { estimateWindow, type Calibration, type CalibrationSet, type EstimatedQuality } from './cbpe.js';
import { reliabilitySvg } from './charts.js';
import { prepareRows, qualityBySegment, qualityOfPairs, type ClassificationQuality } from './classification.js';
import { escapeHtml, formatNumber } from './html.js';
import type { LabelledWindow } from './outcomes.js';
import type { ReportWindow } from './report.js';

/** The report's "Model quality" section: realised figures on the labelled predictions, the CBPE estimate on all of them. */
export interface ModelQuality {
  /** The predictions judged: longer than the drift window, as outcomes come weeks later. */
  window: ReportWindow;
  predictions: number;
  /** Outcomes read that label none of the run's predictions of the window. */
  unjoined: number;
  /** Outcomes read that repeat one received before them (ignored). */
  duplicates: number;
  /** null when no prediction of the window has an outcome yet. */
  realised: ClassificationQuality | null;
  /** Per level of each categorical feature, on the labelled predictions. */
  segments: Record<string, Record<string, ClassificationQuality>>;
  /** null when the window holds no prediction. */
  estimated: (EstimatedQuality & { calibration: Calibration }) | null;
}

/** `test`: the model's test-split predictions, what the estimate calibrates on when the model has them. */
export function computeModelQuality(contract: DatasetContract, labelled: LabelledWindow, window: ReportWindow, test?: CalibrationSet): ModelQuality {
  const { rows } = labelled;
  const estimate = estimateWindow(labelled.chances, rows, test);
  // Prepared once (checked, ranked by chance) for the window's figures and every segment's.
  const pairs = rows.length === 0 ? undefined : prepareRows(rows);
  return {
    window,
    predictions: labelled.predictions,
    unjoined: labelled.unjoined,
    duplicates: labelled.duplicates,
    realised: pairs ? qualityOfPairs(pairs) : null,
    segments: pairs ? qualityBySegment(rows, contract.categoricalNames, pairs) : {},
    estimated: estimate ? { ...estimate.estimate, calibration: estimate.calibration } : null,
  };
}

const days = (window: ReportWindow) => {
  const d = (window.to.getTime() - window.from.getTime()) / 86_400_000;
  return d >= 1 ? `${formatNumber(d)} days` : `${formatNumber(d * 24)} hours`;
};

function estimateNote(estimated: NonNullable<ModelQuality['estimated']>): string {
  if (estimated.calibration === 'test') return "Estimated from the chances of every prediction of the window (CBPE), calibrated on the model's test split.";
  return estimated.calibration === 'labelled'
    ? 'Estimated from the chances of every prediction of the window (CBPE), calibrated on its labelled predictions: the model has no test predictions to calibrate on.'
    : 'Estimated from the chances of every prediction of the window (CBPE), taking them as probabilities: no test predictions and fewer than 100 labelled predictions of both classes to calibrate on.';
}

function figuresTable(realised: ClassificationQuality | null, estimated: ModelQuality['estimated']): string {
  const rows: [string, number | null | undefined, number | null | undefined][] = [
    ['ROC AUC', realised?.auc, estimated?.auc],
    ['accuracy', realised?.accuracy, estimated?.accuracy],
    ['share deviating from the outcome', realised?.deviatedShare, estimated?.deviatedShare],
    ['precision', realised?.precision, estimated?.precision],
    ['recall', realised?.recall, estimated?.recall],
    ['F1', realised?.f1, estimated?.f1],
    ['log loss', realised?.logLoss, undefined],
    ['Brier score', realised?.brier, undefined],
  ];
  const head = `<tr><th>measure</th>${realised ? '<th>realised</th>' : ''}${estimated ? '<th>estimated (CBPE)</th>' : ''}</tr>`;
  const body = rows
    .filter(([, r, e]) => (realised && r !== undefined) || (estimated && e !== undefined))
    .map(([name, r, e]) => `<tr data-measure="${escapeHtml(name)}"><td>${name}</td>${realised ? `<td class="num">${formatNumber(r)}</td>` : ''}${estimated ? `<td class="num">${formatNumber(e)}</td>` : ''}</tr>`)
    .join('');
  return `<table id="quality-figures"><thead>${head}</thead><tbody>${body}</tbody></table>`;
}

function confusionTable(q: ClassificationQuality): string {
  const { tp, fp, tn, fn } = q.confusion;
  return `<table id="confusion" style="width:auto"><thead><tr><th>at chance ≥ ${q.threshold}</th><th>predicted churn</th><th>predicted stay</th></tr></thead><tbody><tr><th>churned</th><td class="num">${tp}</td><td class="num">${fn}</td></tr><tr><th>stayed</th><td class="num">${fp}</td><td class="num">${tn}</td></tr></tbody></table>`;
}

function segmentTable(contract: DatasetContract, segments: ModelQuality['segments']): string {
  const rows = Object.entries(segments).flatMap(([name, levels]) => {
    const label = contract.feature(name)?.label ?? name;
    return Object.entries(levels).map(
      ([level, q]) =>
        `<tr data-segment="${escapeHtml(`${name}=${level}`)}"><td>${escapeHtml(label)} <code>${escapeHtml(name)}</code></td><td>${escapeHtml(level)}</td><td class="num">${q.count}</td><td class="num">${q.positives}</td><td class="num">${formatNumber(q.auc)}</td><td class="num">${formatNumber(q.deviatedShare)}</td><td class="num">${formatNumber(q.precision)}</td><td class="num">${formatNumber(q.recall)}</td><td class="num">${formatNumber(q.f1)}</td><td class="num">${formatNumber(q.logLoss)}</td><td class="num">${formatNumber(q.brier)}</td></tr>`,
    );
  });
  if (rows.length === 0) return '';
  return `<h3>Per segment</h3><table id="quality-segments"><thead><tr><th>feature</th><th>level</th><th>labelled</th><th>churned</th><th>AUC</th><th>deviating</th><th>precision</th><th>recall</th><th>F1</th><th>log loss</th><th>Brier</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** The "Model quality" section: figures, confusion matrix, reliability curve and segments, or a line saying no outcomes arrived yet. */
export function renderModelQuality(contract: DatasetContract, quality: ModelQuality): string {
  const { realised, estimated } = quality;
  const scope = `the model run's ${quality.predictions} predictions of the last ${days(quality.window)} (${escapeHtml(quality.window.from.toISOString())} → ${escapeHtml(quality.window.to.toISOString())})`;
  if (!realised) {
    const estimate = estimated ? `${figuresTable(null, estimated)}<p class="desc">${estimateNote(estimated)}</p>` : '';
    return `<section id="model-quality"><h2>Model quality</h2><p id="no-outcomes">No outcomes yet for ${scope}: realised quality is shown once outcomes arrive (POST /outcomes or the outcomes stream).</p>${estimate}</section>`;
  }
  const labelled = `${realised.count} of ${scope} have an outcome (${realised.positives} churned)${quality.unjoined > 0 ? `; ${quality.unjoined} outcomes received label none of them` : ''}${quality.duplicates > 0 ? `; ${quality.duplicates} repeated an outcome received before them and were ignored` : ''}.`;
  return `<section id="model-quality"><h2>Model quality</h2>
<p id="labelled">${labelled}</p>
${figuresTable(realised, estimated)}
${estimated ? `<p class="desc">${estimateNote(estimated)}</p>` : ''}
<div class="charts"><div class="chart">${confusionTable(realised)}</div><div class="chart" id="reliability">${reliabilitySvg('reliability curve (10 bins)', realised.reliability)}</div></div>
${segmentTable(contract, quality.segments)}
</section>`;
}
