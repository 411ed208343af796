// Issue 14: "a property test that a request valid under a contract is accepted by HTTP, CSV and
// Kinesis alike, and an invalid one refused by all three with the same field named". For every
// committed contract (datasets/*.yaml) the requests are generated from the contract's features;
// each one goes to the real HTTP app (POST /predict as JSON, POST /predict/batch as a CSV row) and
// through the stream predictor's record parser. Nothing of the validation is mocked: only the model
// is a stand-in (FormulaModel), carrying the contract under test.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { DATASETS_DIR, DatasetContract, type Feature, type FeatureRow } from '@churn/churn-data';
import { FormulaModel, startTestApp } from '../../services/predictor-api/src/test-support.js';
import { parseRecord, type InvalidRecord, type ValidRecord } from '../../services/predictor-stream/src/records.js';

/** Runs per property and contract; raise PARITY_RUNS to search harder. */
const NUM_RUNS = Number(process.env["PARITY_RUNS"] ?? 100);
/** Each property takes about 1-2 s at 100 runs; jest's 5 s default is too tight on a loaded machine. */
const TIMEOUT_MS = Math.max(60_000, NUM_RUNS * 200);
const RUN_ID = 'run-test';

/** A field left out of the request: no JSON key, no CSV column. */
const ABSENT = Symbol('absent');
type Cell = number | string | boolean | null | typeof ABSENT;
type Request = Record<string, Cell>;
/** A request broken in one field, and why. */
interface Broken {
  request: Request;
  field: string;
  what: string;
}

const contracts = readdirSync(DATASETS_DIR)
  .filter((file) => /\.ya?ml$/.test(file))
  .sort()
  .map((file) => DatasetContract.load(join(DATASETS_DIR, file)));

// ---- the three channels' encodings of one request ----------------------------------------------

function jsonOf(request: Request): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const [name, cell] of Object.entries(request)) if (cell !== ABSENT) body[name] = cell;
  return body;
}

const csvCell = (cell: Exclude<Cell, typeof ABSENT>): string => {
  const text = cell === null ? '' : String(cell);
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};

/** One CSV file of one row: the header names the request's fields (contract names, as the batch route reads them). */
function csvOf(request: Request): string {
  const present = Object.entries(request).filter((entry): entry is [string, Exclude<Cell, typeof ABSENT>] => entry[1] !== ABSENT);
  return `${present.map(([name]) => name).join(',')}\n${present.map(([, cell]) => csvCell(cell)).join(',')}\n`;
}

const kinesisRecordOf = (request: Request) => ({ sequenceNumber: '49590338271490256608559692538361571095921575989136588898', partitionKey: 'pk', data: Buffer.from(JSON.stringify(jsonOf(request))) });

// ---- arbitraries derived from the contract ---------------------------------------------------------

const INT32 = 2 ** 31 - 1;

/** A text value as clients write it: any case (when case is folded) and padding (when it is trimmed). */
function written(values: readonly string[], { fold, pad }: { fold: boolean; pad: boolean }): fc.Arbitrary<string> {
  return fc.constantFrom(...values).chain((value) => {
    const cased = fold ? [value, value.toUpperCase(), value.charAt(0).toUpperCase() + value.slice(1)] : [value];
    return fc.constantFrom(...cased.flatMap((v) => (pad ? [v, ` ${v}`, `${v} `] : [v])));
  });
}
/** As the contract's cleaning compares values (categorical and ordinal levels, missing tokens). */
const asWritten = (contract: DatasetContract, values: readonly string[]) =>
  written(values, { fold: contract.spec.cleaning.lowercase_values, pad: contract.spec.cleaning.trim });

const rangeOf = (feature: Feature) => ({ low: feature.min ?? -1e9, high: feature.max ?? 1e9 });
const isMissingText = (contract: DatasetContract, feature: Feature, text: string) => feature.missingTokens.has(contract.normaliseValue(text));

/** What a client may send for a feature that is missing: no key, null, or one of the missing tokens. */
function missingCell(contract: DatasetContract, feature: Feature): fc.Arbitrary<Cell> {
  const tokens = [...new Set(['', ...(feature.missing_tokens ?? contract.spec.missing_tokens)])];
  return fc.oneof(fc.constantFrom<Cell>(ABSENT, null), asWritten(contract, tokens));
}

/** A present, valid value of the feature, in a type both JSON and CSV carry the same way. */
function presentCell(contract: DatasetContract, feature: Feature): fc.Arbitrary<Cell> {
  const { low, high } = rangeOf(feature);
  switch (feature.kind) {
    case 'numeric':
      return fc.double({ min: low, max: high, noNaN: true, noDefaultInfinity: true });
    case 'integer':
      return fc.integer({ min: Math.max(-INT32, Math.ceil(low)), max: Math.min(INT32, Math.floor(high)) });
    case 'boolean':
      return fc.oneof(fc.constantFrom<Cell>(true, false, 1, 0), written([...feature.trueValues, ...feature.falseValues], { fold: true, pad: true }));
    case 'categorical':
      return asWritten(contract, (feature.levels ?? []).filter((level) => !feature.missingTokens.has(level)));
    case 'ordinal': {
      const levels = feature.levels ?? [];
      return fc.oneof(fc.integer({ min: 0, max: levels.length - 1 }), asWritten(contract, levels));
    }
  }
}

function validCell(contract: DatasetContract, feature: Feature): fc.Arbitrary<Cell> {
  const present = presentCell(contract, feature);
  return feature.missing === 'drop' ? present : fc.oneof({ arbitrary: present, weight: 3 }, { arbitrary: missingCell(contract, feature), weight: 1 });
}

/** Unknown fields: the contracts ignore them (parseRequest), so they belong to valid requests. */
const extraFields = fc.dictionary(
  fc.stringMatching(/^x_[a-z0-9_]{1,12}$/),
  fc.oneof(fc.string({ maxLength: 20 }), fc.integer(), fc.boolean()),
  { maxKeys: 2 },
);

function validRequest(contract: DatasetContract): fc.Arbitrary<Request> {
  const features = fc.record(Object.fromEntries(contract.features.map((f) => [f.name, validCell(contract, f)])) as Record<string, fc.Arbitrary<Cell>>);
  const customerId = fc.option(fc.oneof(fc.stringMatching(/^[A-Za-z0-9-]{1,40}$/), fc.integer({ min: 0, max: 1e9 })), { nil: undefined });
  return fc.tuple(features, customerId, extraFields).map(([values, id, extras]) => ({ ...values, ...(id === undefined ? {} : { customer_id: id }), ...extras }));
}

interface Mutation {
  field: string;
  cell: Cell;
  what: string;
}

/** Every way one field of a request can be wrong under the contract. */
function mutations(contract: DatasetContract): fc.Arbitrary<Mutation> {
  const options: fc.Arbitrary<Mutation>[] = [];
  const add = (feature: string, what: string, cells: fc.Arbitrary<Cell>) => options.push(cells.map((cell) => ({ field: feature, cell, what })));
  for (const feature of contract.features) {
    const notMissing = (cell: Cell) => typeof cell !== 'string' || !isMissingText(contract, feature, cell);
    const { low, high } = rangeOf(feature);
    if (feature.kind === 'numeric' || feature.kind === 'integer') {
      const delta = feature.kind === 'integer' ? fc.integer({ min: 1, max: 1e6 }) : fc.double({ min: 1e-3, max: 1e6, noNaN: true });
      if (feature.max !== undefined) add(feature.name, 'above its max', delta.map((d) => (feature.max as number) + d));
      if (feature.min !== undefined) add(feature.name, 'below its min', delta.map((d) => (feature.min as number) - d));
      add(feature.name, 'not a number', fc.constantFrom<Cell>('many', 'twelve', '1,5', '--', 'ten thousand', 'NaN', true).filter(notMissing));
      if (feature.kind === 'integer' && Math.floor(high) - Math.ceil(low) >= 1) {
        add(feature.name, 'not an integer', fc.integer({ min: Math.max(-INT32, Math.ceil(low)), max: Math.min(INT32, Math.floor(high)) - 1 }).map((n) => n + 0.5));
      }
    }
    if (feature.kind === 'boolean') {
      const known = new Set([...feature.trueValues, ...feature.falseValues]);
      add(feature.name, 'not a boolean', fc.constantFrom<Cell>('maybe', 'sometimes', 'oui', 2, -1, 0.5).filter((c) => notMissing(c) && !known.has(String(c).toLowerCase())));
    }
    if (feature.kind === 'categorical') {
      const levels = feature.levels ?? [];
      add(feature.name, 'a number for a categorical', fc.integer({ min: -1000, max: 1000 }).filter((n) => !levels.includes(String(n)) && notMissing(String(n))));
    }
    if (feature.kind === 'ordinal') {
      const count = (feature.levels ?? []).length;
      add(feature.name, 'a code outside the levels', fc.oneof(fc.integer({ min: count, max: count + 1000 }), fc.integer({ min: -1000, max: -1 }), fc.constantFrom(0.5, count - 0.5)));
    }
    if (feature.kind === 'categorical' || feature.kind === 'ordinal') {
      const levels = feature.levels ?? [];
      add(
        feature.name,
        'an unknown level',
        fc.stringMatching(/^[a-z][a-z ]{1,11}[a-z]$/).filter((text) => !levels.includes(contract.normaliseValue(text)) && notMissing(text)),
      );
    }
    if (feature.missing === 'drop') add(feature.name, 'missing but required', missingCell(contract, feature));
  }
  add('customer_id', 'an id over 128 characters', fc.integer({ min: 129, max: 300 }).map((n) => 'c'.repeat(n)));
  return fc.oneof(...options);
}

function brokenRequest(contract: DatasetContract): fc.Arbitrary<Broken> {
  return fc.tuple(validRequest(contract), mutations(contract)).map(([request, m]) => ({ request: { ...request, [m.field]: m.cell }, field: m.field, what: m.what }));
}

// ---- the property, per committed contract ----------------------------------------------------------

test('the committed contracts are the ones the property runs on', () => {
  expect(contracts.map((c) => c.name)).toEqual(expect.arrayContaining(['bankchurners', 'bankchurners-behaviour', 'telco']));
});

describe.each(contracts.map((contract) => [contract.name, contract] as const))('requests under the %s contract', (_name, contract) => {
  let app: Awaited<ReturnType<typeof startTestApp>>;
  const { chance_field, run_id_field } = contract.response;

  beforeAll(async () => {
    app = await startTestApp({ models: { [RUN_ID]: new FormulaModel(contract) } });
  });
  afterAll(() => app?.close());

  /** POST /predict with the request as JSON; the features the app logged when it scored it. */
  const viaHttp = async (request: Request) => {
    app.logged.length = 0;
    const response = await fetch(`${app.url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(jsonOf(request)) });
    const body = (await response.json()) as Record<string, unknown>;
    return { status: response.status, body, features: app.logged.map((entry) => entry.features) };
  };

  /** POST /predict/batch with the request as a one-row CSV; the row answered and the features logged. */
  const viaCsv = async (request: Request) => {
    app.logged.length = 0;
    const response = await fetch(`${app.url}/predict/batch`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: csvOf(request) });
    const rows = parse(await response.text(), { columns: true }) as Record<string, string>[];
    return { status: response.status, rows, features: app.logged.map((entry) => entry.features) };
  };

  it('when a request is valid under the contract, then HTTP, CSV and Kinesis all accept it and read the same features', async () => {
    await fc.assert(
      fc.asyncProperty(validRequest(contract), async (request) => {
        const http = await viaHttp(request);
        expect({ status: http.status, body: http.body }).toEqual({ status: 200, body: expect.objectContaining({ [run_id_field]: RUN_ID }) as unknown });
        const chance = http.body[chance_field] as number;
        expect(chance).toBeGreaterThanOrEqual(0);
        expect(chance).toBeLessThanOrEqual(1);
        expect(http.features).toHaveLength(1);

        const csv = await viaCsv(request);
        expect(csv.status).toBe(200);
        expect(csv.rows).toHaveLength(1);
        expect(csv.rows[0]).toMatchObject({ error: '', [run_id_field]: RUN_ID });
        expect(Number(csv.rows[0]?.[chance_field])).toBe(chance);
        expect(csv.features).toEqual(http.features);

        const kinesis = parseRecord(contract, kinesisRecordOf(request));
        expect(kinesis).toMatchObject({ ok: true });
        expect((kinesis as ValidRecord).features).toEqual(http.features[0] as FeatureRow);
      }),
      { numRuns: NUM_RUNS },
    );
  }, TIMEOUT_MS);

  it('when one field of a request is wrong (out of range, wrong type, unknown level, missing, too long an id), then HTTP, CSV and Kinesis all refuse it naming that field', async () => {
    await fc.assert(
      fc.asyncProperty(brokenRequest(contract), async ({ request, field }) => {
        const http = await viaHttp(request);
        expect({ status: http.status, field: http.body['field'] }).toEqual({ status: 400, field });
        const message = http.body['error'] as string;
        expect(message.startsWith(`${field}: `)).toBe(true);
        expect(http.features).toEqual([]);

        const csv = await viaCsv(request);
        expect(csv.status).toBe(200);
        expect(csv.rows).toHaveLength(1);
        expect(csv.rows[0]).toMatchObject({ error: message, [chance_field]: '', [run_id_field]: '' });
        expect(csv.features).toEqual([]);

        const kinesis = parseRecord(contract, kinesisRecordOf(request));
        expect(kinesis).toMatchObject({ ok: false, field, reason: message });
        expect((kinesis as InvalidRecord).field).toBe(field);
      }),
      { numRuns: NUM_RUNS },
    );
  }, TIMEOUT_MS);
});
