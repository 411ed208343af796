import { createHash } from 'node:crypto';
import { parseS3Uri } from '@churn/aws';
import { cleanRecords, contractSplit, DatasetContract, parseCsvWithLines, rejectedShare, type ChurnRow, type DatasetSplit } from '@churn/churn-data';
import type { Logger } from '@churn/logger';
import type { DatasetRef } from '../workflows/types.js';
import { DatasetError, nonRetryable } from './errors.js';
import type { ObjectStore } from './object-store.js';

/** Fewer clean rows than this cannot give a meaningful 60/20/20 split. */
const MIN_ROWS = 100;

export interface DatasetDeps {
  store: ObjectStore;
  config: { FEATURE_STORE_URI: string; SPLITS_URI: string; DATASET: string };
  logger: Logger;
}

/** A prepared dataset as trials read it: the rows of each part and the contract they were cleaned with. */
export interface PreparedDataset {
  contract: DatasetContract;
  split: DatasetSplit<ChurnRow>;
}

/** Where a dataset's CSV snapshots live: one folder per contract under FEATURE_STORE_URI (`<uri>/<name>/<date>/churn.csv`). */
export function snapshotPrefix(featureStoreUri: string, contract: DatasetContract): string {
  return `${featureStoreUri.replace(/\/+$/, '')}/${contract.name}/`;
}

const sha256 = (bytes: string | Uint8Array) => createHash('sha256').update(bytes).digest('hex');

function joinKey(prefix: string, ...parts: string[]): string {
  return [prefix.replace(/\/+$/, ''), ...parts].filter((p) => p !== '').join('/');
}

export function createDatasetActivities({ store, config, logger }: DatasetDeps) {
  const splits = parseS3Uri(config.SPLITS_URI);
  const splitKey = (hash: string) => joinKey(splits.key, hash, 'split.json');
  // One download per worker and hash: every trial of a run reads the same split.
  const cache = new Map<string, Promise<PreparedDataset>>();

  /**
   * Cleans the newest snapshot of the dataset with its contract, splits it, and stores split and
   * contract under the sha256 of their bytes, so every trial, retry and replay of a run reads exactly
   * the same rows with the same contract. Returns only the hash and counts. A snapshot whose rejected
   * share passes the contract's limit is refused (non-retryable), never trained on.
   */
  async function prepareDataset(input: { dataset?: string | undefined; featureStoreUri?: string | undefined; seed?: number } = {}): Promise<DatasetRef> {
    let contract: DatasetContract;
    try {
      contract = DatasetContract.resolve(input.dataset ?? config.DATASET);
    } catch (error) {
      throw nonRetryable(new DatasetError((error as Error).message, input.dataset ?? config.DATASET, { cause: error }));
    }
    const uri = input.featureStoreUri ?? snapshotPrefix(config.FEATURE_STORE_URI, contract);
    const source = parseS3Uri(uri);
    const key = await store.newestKey(source.bucket, source.key);
    if (!key) throw nonRetryable(new DatasetError(`no CSV snapshot under ${uri}`, uri));
    const sourceUri = `s3://${source.bucket}/${key}`;
    const body = await store.get(source.bucket, key);
    if (!body) throw new DatasetError(`snapshot vanished while reading: ${sourceUri}`, sourceUri);

    let cleaned: ReturnType<typeof cleanRecords>;
    try {
      const { records, lines } = parseCsvWithLines(body);
      cleaned = cleanRecords(contract, records, lines);
    } catch (error) {
      throw nonRetryable(new DatasetError(`snapshot is not readable CSV: ${sourceUri}: ${String(error)}`, sourceUri, { cause: error }));
    }
    const share = rejectedShare(cleaned);
    if (share > contract.spec.max_rejected_share) {
      const examples = cleaned.invalid.slice(0, 3).map((r) => `line ${r.line ?? r.index}: ${r.reason}`).join('; ');
      const message = `snapshot ${sourceUri}: ${cleaned.invalid.length} of its rows (${(share * 100).toFixed(1)}%) break the ${contract.name} contract, over its max_rejected_share ${contract.spec.max_rejected_share}; ${examples}`;
      throw nonRetryable(new DatasetError(message, sourceUri));
    }
    if (cleaned.rows.length < MIN_ROWS) {
      const reason = cleaned.invalid[0]?.reason ?? 'too few rows';
      throw nonRetryable(new DatasetError(`snapshot ${sourceUri} has ${cleaned.rows.length} clean rows (< ${MIN_ROWS}); first problem: ${reason}`, sourceUri));
    }
    const seed = input.seed ?? contract.spec.split.seed;
    const split = contractSplit(contract, cleaned.rows, seed);
    const bytes = JSON.stringify({ seed, contract: contract.toYaml(), ...split });
    const datasetHash = sha256(bytes);
    if (!(await store.get(splits.bucket, splitKey(datasetHash)))) {
      await store.put(splits.bucket, splitKey(datasetHash), bytes, 'application/json');
    }
    cache.set(datasetHash, Promise.resolve({ contract, split }));
    const ref: DatasetRef = {
      dataset: contract.name,
      datasetHash,
      splitUri: `s3://${splits.bucket}/${splitKey(datasetHash)}`,
      sourceUri,
      rows: cleaned.rows.length,
      train: split.train.length,
      validation: split.validation.length,
      test: split.test.length,
      droppedMissing: cleaned.droppedMissing,
      invalid: cleaned.invalid.length,
    };
    logger.info({ ...ref }, 'dataset prepared');
    return ref;
  }

  /** The split and contract stored under this hash, checked against it. */
  function loadDataset(datasetHash: string): Promise<PreparedDataset> {
    let pending = cache.get(datasetHash);
    if (!pending) {
      pending = (async () => {
        const uri = `s3://${splits.bucket}/${splitKey(datasetHash)}`;
        const bytes = await store.get(splits.bucket, splitKey(datasetHash));
        if (!bytes) throw nonRetryable(new DatasetError(`no stored split ${uri}`, uri));
        if (sha256(bytes) !== datasetHash) throw nonRetryable(new DatasetError(`stored split ${uri} does not match its hash`, uri));
        const { contract, train, validation, test } = JSON.parse(bytes.toString('utf8')) as DatasetSplit<ChurnRow> & { contract: string };
        return { contract: DatasetContract.parse(contract, uri), split: { train, validation, test } };
      })();
      cache.set(datasetHash, pending);
      // A failed read must not poison the cache for the next attempt.
      pending.catch(() => cache.delete(datasetHash));
    }
    return pending;
  }

  return { prepareDataset, loadDataset };
}
