/**
 * The predictions of one document of the prediction log: the document itself, or each row of a
 * batch chunk logged as one columnar document (`rows`, per feature an array of values, chances and
 * customer ids as arrays; see @churn/serving's PredictionBatchEntry), newest first like the readers'
 * sort (the rows of a chunk share its time, the later ones were sent later).
 */
export function* loggedRows(document: Record<string, unknown>): Generator<Record<string, unknown>> {
  const rows = document['rows'];
  const chances = document['churn_chance'];
  if (typeof rows !== 'number' || !Array.isArray(chances)) {
    yield document;
    return;
  }
  const features = (document['features'] ?? {}) as Record<string, unknown>;
  const names = Object.keys(features);
  const ids = Array.isArray(document['customer_id']) ? (document['customer_id'] as unknown[]) : undefined;
  for (let i = rows - 1; i >= 0; i -= 1) {
    const row: Record<string, unknown> = {};
    for (const name of names) {
      const values = features[name];
      row[name] = Array.isArray(values) ? values[i] : undefined;
    }
    const id = ids?.[i];
    yield {
      features: row,
      churn_chance: chances[i],
      created_at: document['created_at'],
      ...(document['model_run_id'] !== undefined ? { model_run_id: document['model_run_id'] } : {}),
      ...(document['request_id'] !== undefined ? { request_id: document['request_id'] } : {}),
      ...(id !== undefined && id !== null ? { customer_id: id } : {}),
    };
  }
}
