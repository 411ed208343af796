import { loggedRows } from '@churn/drift';
import type { Collection, Document, Filter } from 'mongodb';

/**
 * For tests and benches: the predictions logged in the documents `filter` finds, each chunk
 * expanded into its rows (@churn/drift's loggedRows, newest first per chunk). A query by a row's
 * field finds the whole chunk holding it, so `keep` picks the rows meant (default: all).
 */
export async function findLoggedPredictions(
  collection: Collection<Document>,
  filter: Filter<Document>,
  keep: (row: Record<string, unknown>) => boolean = () => true,
): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  for await (const document of collection.find(filter)) for (const row of loggedRows(document)) if (keep(row)) rows.push(row);
  return rows;
}
