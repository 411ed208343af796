import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureIo } from '../testing/capture-io.js';
import { generateChurnCsv } from '../testing/generated-csv.js';
import { runDataset } from './run.js';

/** The generated CSV with the Age cell (second column) of data rows `rows` (0-based) replaced. */
function withAge(text: string, rows: readonly number[], age: string): string {
  const lines = text.split('\r\n');
  for (const row of rows) lines[row + 1] = (lines[row + 1] ?? '').replace(/^([^,]*),\d+,/, `$1,${age},`);
  return lines.join('\r\n');
}

describe('dataset check', () => {
  let dir: string;
  const text = generateChurnCsv({ rows: 500 });
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'check-'));
    writeFileSync(join(dir, 'customers.csv'), text);
    expect(runDataset(['infer', 'customers.csv', '--target', 'Churn', '--out', 'customers.yaml'], captureIo(dir))).toBe(0);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('when the contract checks its own CSV, then nothing is rejected and the quality summary is printed', () => {
    const io = captureIo(dir);
    expect(runDataset(['check', 'customers.yaml'], io)).toBe(0);
    expect(io.stdout).toMatch(/^contract {2}customers\.yaml \(customers, 9 features\)\ncsv {7}customers\.csv: 500 rows\n/);
    expect(io.stdout).toMatch(/\nrejected {2}0 \(0\.0%; the contract allows 5\.0%\)\n\nRejected rows: none\n/);
    expect(io.stdout).toMatch(/dropped {3}\d+ \(\d\.\d%\) for a missing value under missing: drop \(region \d+; a row can miss several\)/);
    expect(io.stdout).toMatch(/\nsatisfaction\s+integer\s+\d+\s+1\d\.\d%\s+impute\s+5\s+1\s+5\n/);
    expect(io.stdout).toMatch(/\nleft\s+yes\s+\d+\s+\d\d\.\d%\nstayed\s+no\s+\d+\s+\d\d\.\d%\n/);
    expect(io.stdout).toMatch(/\nConstant columns: none\n.*\nCSV columns not in the contract: none\nContract columns not in the CSV: none\n\nok: 0\.0% of rows rejected/);
    expect(io.stderr).toBe('');
  });

  it('when a row is injected with a bad value, then it is reported with its CSV line, column, value and rule', () => {
    writeFileSync(join(dir, 'bad.csv'), withAge(text, [41], 'old').replace(/,No\r\n/, ',Maybe\r\n'));
    const io = captureIo(dir);
    expect(runDataset(['check', 'customers.yaml', '--csv', 'bad.csv'], io)).toBe(0);
    expect(io.stdout).toMatch(/Rejected rows \(2\):\nline\s+column\s+value\s+rule\n[- ]+\n\s+\d+\s+churn\s+"Maybe"\s+must be one of "yes", "no"\n\s+43\s+age\s+"old"\s+must be a number\n/);
    expect(io.stdout).toMatch(/1 row rejected: churn is neither a left nor a stayed value/);
  });

  it('when more rows are rejected than max_rejected_share, then exit 1 with the share and the limit', () => {
    writeFileSync(join(dir, 'worse.csv'), withAge(text, Array.from({ length: 30 }, (_, i) => i * 10), '999'));
    const io = captureIo(dir);
    expect(runDataset(['check', 'customers.yaml', '--csv', 'worse.csv'], io)).toBe(1);
    expect(io.stdout).toMatch(/\n\s+2\s+age\s+"999"\s+must be at most 78\n/);
    // 30 rows altered, one of which is dropped for a blank region before its age is looked at.
    expect(io.stderr).toBe('worse.csv: 5.8% of rows rejected, more than max_rejected_share 5.0% in customers.yaml\n');
  });

  it('when the contract is invalid, then exit 1 with one line: file, line, path and rule', () => {
    writeFileSync(join(dir, 'broken.yaml'), readFileSync(join(dir, 'customers.yaml'), 'utf8').replace('kind: boolean', 'kind: yes-no'));
    const io = captureIo(dir);
    expect(runDataset(['check', 'broken.yaml'], io)).toBe(1);
    expect(io.stderr).toMatch(new RegExp(`^${join(dir, 'broken.yaml')}:\\d+: features\\.3\\.kind: Invalid option: expected one of "numeric"\\|.*\\n$`));
    expect(io.stdout).toBe('');
  });

  it('when the source is in S3 and no --csv is given, then the user is told to pass one', () => {
    writeFileSync(join(dir, 's3.yaml'), readFileSync(join(dir, 'customers.yaml'), 'utf8').replace(/^source: .*$/m, 'source: s3://bucket/customers.csv'));
    const io = captureIo(dir);
    expect(runDataset(['check', 's3.yaml'], io)).toBe(1);
    expect(io.stderr).toBe('s3.yaml: source s3://bucket/customers.csv is in S3; download it and pass it with --csv\n');
  });
});
