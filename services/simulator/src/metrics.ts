import { Counter, Histogram, collectDefaultMetrics, type Registry } from 'prom-client';

export type Target = 'http' | 'stream';

export function createSimulatorMetrics(registry: Registry) {
  collectDefaultMetrics({ register: registry });
  return {
    sent: new Counter({ name: 'churn_simulator_sent_total', help: 'Customers sent', labelNames: ['target'] as const, registers: [registry] }),
    errors: new Counter({ name: 'churn_simulator_errors_total', help: 'Sends that failed or were refused', labelNames: ['target'] as const, registers: [registry] }),
    outcomesSent: new Counter({ name: 'churn_simulator_outcomes_sent_total', help: 'True outcomes sent after their delay', labelNames: ['target'] as const, registers: [registry] }),
    outcomeErrors: new Counter({ name: 'churn_simulator_outcome_errors_total', help: 'Outcomes whose send failed or was refused', labelNames: ['target'] as const, registers: [registry] }),
    endToEnd: new Histogram({
      name: 'churn_simulator_end_to_end_seconds',
      help: 'From send to prediction: the HTTP round trip, or put to the record on the results stream',
      labelNames: ['target'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
  };
}

export type SimulatorMetrics = ReturnType<typeof createSimulatorMetrics>;
