import { createS3Client, getObjectBuffer, parseS3Uri, type AwsConfig } from '@churn/aws';
import { cleanRecords, contractSplit, LABEL_COLUMN, loadCleanDataset, parseCsvWithLines, type CleanResult, type DatasetContract, type FeatureRow } from '@churn/churn-data';

async function cleanS3(contract: DatasetContract, uri: string, aws: AwsConfig): Promise<CleanResult> {
  const { bucket, key } = parseS3Uri(uri);
  const s3 = createS3Client(aws);
  try {
    const { records, lines } = parseCsvWithLines(await getObjectBuffer(s3, bucket, key));
    return cleanRecords(contract, records, lines);
  } finally {
    s3.destroy();
  }
}

/** Customers to replay: features in contract order, and apart (the label never goes to a predictor) each one's true outcome. */
export interface ReplayRows {
  rows: FeatureRow[];
  labels: (0 | 1)[];
}

/**
 * The customers the simulator replays: the contract's test split (its ratios and seed) or every
 * cleaned row of the CSV at `location` (the contract's source by default, a local path or s3:// URI).
 */
export async function replayRows(contract: DatasetContract, which: 'test' | 'all', aws: AwsConfig, location = contract.sourceLocation): Promise<ReplayRows> {
  const cleaned = location.startsWith('s3://') ? await cleanS3(contract, location, aws) : loadCleanDataset(contract, location);
  const rows = which === 'test' ? contractSplit(contract, cleaned.rows).test : cleaned.rows;
  return {
    rows: rows.map((row) => Object.fromEntries(contract.featureNames.map((name) => [name, row[name] ?? null]))),
    labels: rows.map((row) => (row[LABEL_COLUMN] === 1 ? 1 : 0)),
  };
}
