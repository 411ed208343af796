import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { contractSplit, DatasetContract, defaultContract, loadCleanDataset, parseRequest } from '@churn/churn-data';
import { replayRows } from './rows.js';

// Only read for s3:// locations; these tests read local files.
const aws = { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'key', AWS_SECRET_ACCESS_KEY: 'secret' };

const dir = mkdtempSync(join(tmpdir(), 'simulator-rows-'));
writeFileSync(join(dir, 'shop.csv'), 'Left,Orders,Member,Id\n1,3,yes,a\n0,500,no,b\n0,,yes,c\n1,7,no,d\n');
writeFileSync(join(dir, 'other.csv'), 'left,orders,member\n0,42,no\n');
const shop = DatasetContract.parse(
  `version: 1
name: shop
source: shop.csv
id: id
target: { column: left, positive: ['1'], negative: ['0'] }
features:
  - { name: orders, kind: integer, min: 0, max: 500 }
  - { name: member, kind: boolean }
split: { train: 0.5, validation: 0.25, test: 0.25, seed: 3 }
`,
  join(dir, 'shop.yaml'),
);

describe('replayRows', () => {
  it('when all rows are asked for, then every cleaned row of the contract source is replayed as features only, its true outcome apart', async () => {
    expect(await replayRows(shop, 'all', aws)).toEqual({
      rows: [
        { orders: 3, member: 1 },
        { orders: 500, member: 0 },
        { orders: 7, member: 0 },
      ],
      labels: [1, 0, 1],
    });
  });

  it('when another CSV is given, then it is read instead of the source, cleaned with the same contract', async () => {
    expect(await replayRows(shop, 'all', aws, join(dir, 'other.csv'))).toEqual({ rows: [{ orders: 42, member: 0 }], labels: [0] });
  });

  it('when the test rows of BankChurners are asked for, then they are the contract split test rows, valid requests without the label, with their labels apart', async () => {
    const contract = defaultContract();
    const { rows, labels } = await replayRows(contract, 'test', aws);
    const expected = contractSplit(contract, loadCleanDataset(contract).rows).test;
    expect(rows).toHaveLength(expected.length);
    expect(labels).toEqual(expected.map((row) => row.churned));
    expect(rows[0]).toEqual(Object.fromEntries(contract.featureNames.map((name) => [name, expected[0]?.[name]])));
    expect(rows.filter((row) => 'churned' in row || !parseRequest(contract, row, 'json').ok)).toEqual([]);
  });
});
