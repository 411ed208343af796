import { createHash } from 'node:crypto';
import { parseS3Uri } from '@churn/aws';
import { cleanRecords, parseCsv, splitDataset, type ChurnRow, type DatasetSplit } from '@churn/churn-data';
import type { Logger } from '@churn/logger';
import type { DatasetRef } from '../workflows/types.js';
import { DatasetError, nonRetryable } from './errors.js';
import type { ObjectStore } from './object-store.js';

/** Fewer clean rows than this cannot give a meaningful 60/20/20 split. */
const MIN_ROWS = 100;

export interface DatasetDeps {
  store: ObjectStore;
  config: { FEATURE_STORE_URI: string; SPLITS_URI: string };
  logger: Logger;
}

const sha256 = (bytes: string | Uint8Array) => createHash('sha256').update(bytes).digest('hex');

function joinKey(prefix: string, ...parts: string[]): string {
  return [prefix.replace(/\/+$/, ''), ...parts].filter((p) => p !== '').join('/');
}

export function createDatasetActivities({ store, config, logger }: DatasetDeps) {
  const splits = parseS3Uri(config.SPLITS_URI);
  const splitKey = (hash: string) => joinKey(splits.key, hash, 'split.json');
  // One download per worker and hash: every trial of a run reads the same split.
  const cache = new Map<string, Promise<DatasetSplit<ChurnRow>>>();

  /**
   * Cleans and splits the newest snapshot, and stores the split under the sha256 of its bytes, so
   * every trial, retry and replay of a run reads exactly the same rows. Returns only the hash and counts.
   */
  async function prepareDataset(input: { featureStoreUri?: string | undefined; seed?: number } = {}): Promise<DatasetRef> {
    const uri = input.featureStoreUri ?? config.FEATURE_STORE_URI;
    const source = parseS3Uri(uri);
    const key = await store.newestKey(source.bucket, source.key);
    if (!key) throw nonRetryable(new DatasetError(`no CSV snapshot under ${uri}`, uri));
    const sourceUri = `s3://${source.bucket}/${key}`;
    const body = await store.get(source.bucket, key);
    if (!body) throw new DatasetError(`snapshot vanished while reading: ${sourceUri}`, sourceUri);

    let cleaned: ReturnType<typeof cleanRecords>;
    try {
      cleaned = cleanRecords(parseCsv(body));
    } catch (error) {
      throw nonRetryable(new DatasetError(`snapshot is not readable CSV: ${sourceUri}: ${String(error)}`, sourceUri, { cause: error }));
    }
    if (cleaned.rows.length < MIN_ROWS) {
      const reason = cleaned.invalid[0]?.reason ?? 'too few rows';
      throw nonRetryable(new DatasetError(`snapshot ${sourceUri} has ${cleaned.rows.length} clean rows (< ${MIN_ROWS}); first problem: ${reason}`, sourceUri));
    }
    const seed = input.seed ?? 42;
    const split = splitDataset(cleaned.rows, seed);
    const bytes = JSON.stringify({ seed, ...split });
    const datasetHash = sha256(bytes);
    if (!(await store.get(splits.bucket, splitKey(datasetHash)))) {
      await store.put(splits.bucket, splitKey(datasetHash), bytes, 'application/json');
    }
    cache.set(datasetHash, Promise.resolve(split));
    const ref: DatasetRef = {
      datasetHash,
      splitUri: `s3://${splits.bucket}/${splitKey(datasetHash)}`,
      sourceUri,
      rows: cleaned.rows.length,
      train: split.train.length,
      validation: split.validation.length,
      test: split.test.length,
      droppedUnknown: cleaned.droppedUnknown,
      invalid: cleaned.invalid.length,
    };
    logger.info({ ...ref }, 'dataset prepared');
    return ref;
  }

  /** The split stored under this hash, checked against it. */
  function loadSplit(datasetHash: string): Promise<DatasetSplit<ChurnRow>> {
    let pending = cache.get(datasetHash);
    if (!pending) {
      pending = (async () => {
        const uri = `s3://${splits.bucket}/${splitKey(datasetHash)}`;
        const bytes = await store.get(splits.bucket, splitKey(datasetHash));
        if (!bytes) throw nonRetryable(new DatasetError(`no stored split ${uri}`, uri));
        if (sha256(bytes) !== datasetHash) throw nonRetryable(new DatasetError(`stored split ${uri} does not match its hash`, uri));
        const { train, validation, test } = JSON.parse(bytes.toString('utf8')) as DatasetSplit<ChurnRow>;
        return { train, validation, test };
      })();
      cache.set(datasetHash, pending);
      // A failed read must not poison the cache for the next attempt.
      pending.catch(() => cache.delete(datasetHash));
    }
    return pending;
  }

  return { prepareDataset, loadSplit };
}
