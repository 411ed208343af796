// Shared by the drift tests and the bench: reference and current windows from the real dataset,
// and a deterministic way to make a window drift.
import { buildReferenceProfile, defaultContract, loadCleanDataset, seededRandom, shuffled, type DatasetContract, type FeatureRow, type ReferenceProfile } from '@churn/churn-data';

/** BankChurners features, as the default contract reads them (every value present). */
export type BankRow = FeatureRow & {
  customer_age: number;
  credit_limit: number;
  total_revolving_bal: number;
  total_relationship_count: number;
  months_on_book: number;
  card_category: string;
  marital_status: string;
};

export interface Fixture {
  contract: DatasetContract;
  reference: ReferenceProfile;
  referenceRows: BankRow[];
  holdout: BankRow[];
}

/** A fake but deterministic score, so prediction drift follows the features. */
export function fakeScore(row: BankRow): number {
  return Math.min(1, Math.max(0, 0.05 + row.total_revolving_bal / 10_000 + (row.total_relationship_count <= 2 ? 0.2 : 0)));
}

/** `referenceSize` shuffled rows become the reference; the rest are an undrifted holdout. */
export function datasetFixture(referenceSize: number): Fixture {
  const contract = defaultContract();
  const rows = shuffled(loadCleanDataset(contract).rows, 42).map(({ churned: _churned, ...features }) => features as BankRow);
  const referenceRows = rows.slice(0, referenceSize);
  const reference = buildReferenceProfile(contract, referenceRows, { predictions: referenceRows.map(fakeScore) });
  return { contract, reference, referenceRows, holdout: rows.slice(referenceSize) };
}

/** Older, richer customers on premium cards: six of eleven features move. */
export function drifted(rows: readonly BankRow[], seed = 7): BankRow[] {
  const random = seededRandom(seed);
  return rows.map((row) => ({
    ...row,
    customer_age: row.customer_age + 12,
    credit_limit: row.credit_limit * 2.5,
    total_revolving_bal: Math.round(row.total_revolving_bal * 0.3),
    card_category: random() < 0.6 ? 'gold' : row.card_category,
    marital_status: random() < 0.7 ? 'divorced' : row.marital_status,
    months_on_book: row.months_on_book + 20,
  }));
}

/** n rows drawn with replacement (seeded), for windows larger than the holdout. */
export function resample<T>(rows: readonly T[], n: number, seed = 11): T[] {
  const random = seededRandom(seed);
  return Array.from({ length: n }, () => rows[Math.floor(random() * rows.length)] as T);
}
