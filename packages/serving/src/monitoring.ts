import { Gauge, type Registry } from 'prom-client';
import type { ModelHolder, ServableModel } from './model-holder.js';

/** Which checks watch the served model, and why one does not: said on /health and as churn_model_monitoring on /metrics. */
export interface Monitoring {
  drift: { on: boolean; why?: string };
  quality: { on: boolean; why?: string };
}

/** The served model's monitoring: live drift needs its reference profile, realised quality (AUC, threshold, CBPE) a binary model. */
export function monitoringOf(model: ServableModel, liveDriftWindow: number): Monitoring {
  const drift =
    liveDriftWindow <= 0
      ? { on: false, why: 'LIVE_DRIFT_WINDOW=0 turns live drift off' }
      : model.reference
        ? { on: true }
        : { on: false, why: model.noReference ?? 'the model has no reference profile (reference.json)' };
  const quality = model.classes
    ? { on: false, why: `a ${model.classes}-class model: realised and estimated quality (AUC, log loss, the 0.5 threshold, CBPE) are for binary models; its class probabilities are logged` }
    : { on: true };
  return { drift, quality };
}

/** churn_model_monitoring{check="drift"|"quality"}: 1 when the check watches the served model, 0 when it cannot (the reason is on /health). */
export function monitoringGauge(registry: Registry, holder: ModelHolder, liveDriftWindow: number): void {
  new Gauge({
    name: 'churn_model_monitoring',
    help: 'Whether a check watches the served model (check: drift, quality); 0 when it cannot, with the reason on /health',
    labelNames: ['check'] as const,
    registers: [registry],
    collect() {
      this.reset();
      if (!holder.ready) return;
      const { drift, quality } = holder.use(({ model }) => monitoringOf(model, liveDriftWindow));
      this.set({ check: 'drift' }, drift.on ? 1 : 0);
      this.set({ check: 'quality' }, quality.on ? 1 : 0);
    },
  });
}
