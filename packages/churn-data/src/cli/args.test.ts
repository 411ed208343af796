import { parseDatasetArgs, UsageError } from './args.js';

describe('parsing the dataset command line', () => {
  it('when infer has a CSV and --target, then the flags are read with --force off by default', () => {
    expect(parseDatasetArgs(['infer', 'data.csv', '--target', 'Churn', '--out', 'c.yaml'])).toEqual({ command: 'infer', csv: 'data.csv', target: 'Churn', out: 'c.yaml', force: false });
    expect(parseDatasetArgs(['check', 'c.yaml', '--csv', 'new.csv'])).toEqual({ command: 'check', contract: 'c.yaml', csv: 'new.csv' });
    expect(parseDatasetArgs(['schema'])).toEqual({ command: 'schema' });
  });

  it.each([
    [[], /a command is required/],
    [['train'], /unknown command train/],
    [['infer', 'data.csv'], /--target: is required/],
    [['infer', 'data.csv', '--target', 'churn', '--name', 'My Data'], /--name: must be lowercase letters, digits and -/],
    [['check'], /check takes one argument, the contract file; got 0/],
    [['check', 'c.yaml', '--cvs', 'x.csv'], /Unknown option '--cvs'/],
    [['schema', 'out.json'], /schema takes no arguments/],
  ])('when the command line is %j, then a UsageError says what is wrong and shows the usage', (argv, message) => {
    expect(() => parseDatasetArgs(argv)).toThrow(UsageError);
    expect(() => parseDatasetArgs(argv)).toThrow(message);
    expect(() => parseDatasetArgs(argv)).toThrow(/usage: npm run dataset -- infer/);
  });
});
