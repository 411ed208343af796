import type { RequestHandler } from 'express';
import { countStored, parseOutcome, type Outcome, type OutcomeMetrics, type OutcomeStore } from '@churn/drift/outcomes';
import type { DatasetContract } from '@churn/churn-data';
import type { Logger } from '@churn/logger';
import { parse } from 'csv-parse/sync';
import { HttpError } from './errors.js';

export interface RejectedOutcome {
  index: number;
  field: string;
  error: string;
}

/** The outcomes of a body: one object, an array, `{ "outcomes": [...] }`, or CSV rows. */
function recordsOf(contract: DatasetContract, body: unknown, csv: boolean): { records: unknown[]; single: boolean } {
  if (csv) {
    let rows: Record<string, string>[];
    try {
      rows = parse((body as { csv: string }).csv, { columns: (header: string[]) => header.map((h) => contract.normaliseColumn(h)), bom: true, trim: true, skip_empty_lines: true, relax_column_count: true });
    } catch (error) {
      throw new HttpError(400, `malformed CSV: ${(error as Error).message}`, '(body)');
    }
    return { records: rows, single: false };
  }
  if (Array.isArray(body)) return { records: body, single: false };
  if (typeof body === 'object' && body !== null && Array.isArray((body as { outcomes?: unknown }).outcomes)) {
    return { records: (body as { outcomes: unknown[] }).outcomes, single: false };
  }
  if (body === undefined) throw new HttpError(400, 'empty body: expected an outcome, an array of outcomes or { "outcomes": [...] }', '(body)');
  return { records: [body], single: true };
}

/**
 * POST /outcomes: validates every outcome, stores the valid ones and answers what happened to each.
 * One object that is invalid is a 400 naming the field; in a batch the good ones are stored and the
 * bad ones listed by index, as /predict/batch scores good rows and reports bad ones. A store failure
 * is a 503: the client retries, and whatever the failed attempt did store is a repeat the quality
 * join ignores (the first received labels).
 */
export function outcomesRoute(deps: { outcomes?: OutcomeStore; logger: Logger; contract: () => DatasetContract }, metrics: OutcomeMetrics): RequestHandler {
  return async (req, res) => {
    const contract = deps.contract();
    const { records, single } = recordsOf(contract, req.body, req.is('text/csv') === 'text/csv');
    if (records.length === 0) throw new HttpError(400, 'no outcomes: expected at least one', '(body)');
    metrics.received.inc(records.length);
    const now = new Date();
    const valid: Outcome[] = [];
    const rejected: RejectedOutcome[] = [];
    records.forEach((record, index) => {
      const result = parseOutcome(contract, record, now);
      if (result.ok) valid.push(result.outcome);
      else rejected.push({ index, field: result.field, error: result.message });
    });
    metrics.invalid.inc(rejected.length);
    if (single && rejected[0]) throw new HttpError(400, rejected[0].error, rejected[0].field);
    if (!deps.outcomes) throw new HttpError(503, 'outcomes are not stored by this predictor');
    let stored = { stored: 0, duplicates: 0 };
    try {
      stored = await deps.outcomes.insert(valid);
    } catch (error) {
      deps.logger.error({ err: error, outcomes: valid.length }, 'storing outcomes failed');
      throw new HttpError(503, 'the outcome store is unavailable; retry (an outcome sent twice labels its prediction once)');
    }
    countStored(metrics, stored);
    if (rejected.length > 0) deps.logger.info({ rejected: rejected.length, first: rejected[0] }, 'outcomes refused');
    res.json({ received: records.length, stored: stored.stored, duplicates: stored.duplicates, invalid: rejected.length, ...(single ? {} : { rejected }) });
  };
}
