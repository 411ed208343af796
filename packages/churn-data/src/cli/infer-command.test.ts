import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatasetContract } from '../contract.js';
import { captureIo } from '../testing/capture-io.js';
import { writeGeneratedCsv } from '../testing/generated-csv.js';
import { runDataset } from './run.js';
import { SCHEMA_FILE } from './schema-command.js';

describe('dataset infer', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'infer-'));
    mkdirSync(join(dir, 'data'));
    writeGeneratedCsv(join(dir, 'data', 'Telco Export.csv'), { rows: 300 });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('when --out is given, then the contract is written (its folder made) with its source relative to it, and the summary is printed', () => {
    const io = captureIo(dir);
    expect(runDataset(['infer', 'data/Telco Export.csv', '--target', 'churn', '--out', 'contracts/telco.yaml'], io)).toBe(0);
    const contract = DatasetContract.load(join(dir, 'contracts', 'telco.yaml'));
    expect(contract.spec).toMatchObject({ name: 'telco-export', source: '../data/Telco Export.csv', id: 'customerid' });
    expect(contract.sourceLocation).toBe(join(dir, 'data', 'Telco Export.csv'));
    expect(io.stdout).toMatch(/Last Note\s+last_note\s+ignored/);
    expect(io.stdout).toMatch(/on data\/Telco Export\.csv the contract keeps 29\d of 300 rows \(\d+ dropped for missing values, 0 rejected\)/);
    expect(io.stdout).toMatch(/wrote contracts\/telco\.yaml: review it, then run npm run dataset -- check contracts\/telco\.yaml/);
  });

  it('when the contract file exists, then it is kept unless --force', () => {
    writeFileSync(join(dir, 'mine.yaml'), 'edited by hand\n');
    const io = captureIo(dir);
    expect(runDataset(['infer', 'data/Telco Export.csv', '--target', 'churn', '--out', 'mine.yaml'], io)).toBe(1);
    expect(io.stderr).toBe('--out mine.yaml: the file exists (a contract you may have edited); pass --force to overwrite it\n');
    expect(readFileSync(join(dir, 'mine.yaml'), 'utf8')).toBe('edited by hand\n');
    expect(runDataset(['infer', 'data/Telco Export.csv', '--target', 'churn', '--out', 'mine.yaml', '--force', '--name', 'mine'], captureIo(dir))).toBe(0);
    expect(DatasetContract.load(join(dir, 'mine.yaml')).name).toBe('mine');
  });

  it('when there is no --out, then the YAML alone goes to stdout (source relative to the working folder) and the summary to stderr', () => {
    const io = captureIo(join(dir, 'data'));
    expect(runDataset(['infer', 'Telco Export.csv', '--target', 'Churn'], io)).toBe(0);
    expect(io.stdout.split('\n')[0]).toBe(`# yaml-language-server: $schema=${SCHEMA_FILE}`);
    expect(DatasetContract.parse(io.stdout, join(dir, 'data', 'contract.yaml')).spec.source).toBe('./Telco Export.csv');
    expect(io.stderr).toMatch(/^csv column\s+name\s+role\s+kind\s+missing\s+policy\s+why\n/);
    expect(existsSync(join(dir, 'data', 'contract.yaml'))).toBe(false);
  });

  it('when the target column does not exist or the CSV is broken, then exit 1 with one line naming the file', () => {
    const io = captureIo(dir);
    expect(runDataset(['infer', 'data/Telco Export.csv', '--target', 'exited'], io)).toBe(1);
    expect(io.stderr).toMatch(/^data\/Telco Export\.csv: --target exited: no such column; the CSV has CustomerID, Age, .*, Churn\n$/);
    writeFileSync(join(dir, 'broken.csv'), 'a,b\r\n1,2\r\n3,4,5\r\n');
    const broken = captureIo(dir);
    expect(runDataset(['infer', 'broken.csv', '--target', 'b'], broken)).toBe(1);
    expect(broken.stderr).toBe('broken.csv:3: not valid CSV: Invalid Record Length: columns length is 2, got 3 on line 3\n');
  });
});
