import { contractSplit, loadCleanDataset, type DatasetContract, type FeatureRow } from '@churn/churn-data';

/**
 * What the demo shows for a dataset, derived from its contract: a drift rule the simulator applies
 * (its first number scaled, its first categorical pushed to the last level) and one real customer
 * to curl.
 */
export function demoFor(contract: DatasetContract): { drift: string; example: Record<string, unknown> } {
  const number = contract.features.find((f) => f.kind === 'numeric' || f.kind === 'integer');
  const category = contract.features.find((f) => f.kind === 'categorical');
  const drift = [number ? `${number.name}*1.8` : '', category?.levels ? `${category.name}=${category.levels[category.levels.length - 1]}:0.5` : ''].filter(Boolean).join(',');
  const row: FeatureRow = contractSplit(contract, loadCleanDataset(contract).rows).test[0] ?? {};
  const example = { customer_id: 'demo-1', ...Object.fromEntries(contract.featureNames.map((name) => [name, row[name]])) };
  return { drift, example };
}
