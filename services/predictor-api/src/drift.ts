import type { ChurnFeatures } from '@churn/churn-data';
import type { Logger } from '@churn/logger';
import type { ServingRuntime } from '@churn/serving';
import type { Registry } from 'prom-client';

/** Placeholder until @churn/drift's LiveDriftMonitor lands: no live drift gauges. */
export function attachDriftMonitor(_runtime: ServingRuntime, _registry: Registry, _logger: Logger): ((features: ChurnFeatures, chance: number) => void) | undefined {
  return undefined;
}
