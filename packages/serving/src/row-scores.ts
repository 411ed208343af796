import type { FeatureRow } from '@churn/churn-data';
import type { ServableModel } from './model-holder.js';
import type { PredictionLogEntry } from './prediction-log.js';

/** What a predictor answers and logs for some rows: a chance per row and, for a multi-class model, every class's probability. */
export interface RowScores {
  /** Per row: the chance, or the most probable class's probability. */
  chances: Float64Array;
  /** Multi-class models: classes per row, and their probabilities row-major. */
  classes?: number;
  probabilities?: Float64Array;
}

/** Scores rows with one model call, whatever the model's kind (both predictors share it). */
export function scoreRows(model: ServableModel, rows: FeatureRow[]): RowScores {
  if (rows.length === 0) return { chances: new Float64Array(0) };
  const classes = model.classes;
  if (!classes || !model.classify) return { chances: model.predict(rows) };
  const probabilities = model.classify(rows);
  const chances = new Float64Array(rows.length);
  for (let r = 0; r < rows.length; r += 1) {
    let best = probabilities[r * classes] ?? 0;
    for (let c = 1; c < classes; c += 1) best = Math.max(best, probabilities[r * classes + c] ?? 0);
    chances[r] = best;
  }
  return { chances, classes, probabilities };
}

/** Row i's class answer (multi-class models only): the first most probable class, as XGBoost's argmax, and every probability. */
export function classesOf(scores: RowScores, i: number): Required<Pick<PredictionLogEntry, 'predicted_class' | 'class_probabilities'>> | undefined {
  const { classes, probabilities } = scores;
  if (!classes || !probabilities) return undefined;
  const row = Array.from(probabilities.subarray(i * classes, (i + 1) * classes));
  return { predicted_class: row.indexOf(Math.max(...row)), class_probabilities: row };
}
