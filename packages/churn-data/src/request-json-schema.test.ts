import Ajv from 'ajv';
import fc from 'fast-check';
import { DatasetContract, defaultContract } from './contract.js';
import { requestJsonSchema, type JsonSchema } from './request-json-schema.js';
import { parseRequest } from './values.js';

/** A validator for the schema; ajv 6 (installed with eslint) speaks draft-07, which has every keyword the schema uses. */
function validatorFor(contract: DatasetContract) {
  const { $schema: _dialect, ...schema } = requestJsonSchema(contract);
  return new Ajv().compile(schema);
}

const patternsOf = (node: unknown): string[] =>
  typeof node !== 'object' || node === null
    ? []
    : Object.entries(node).flatMap(([key, value]) => (key === 'pattern' && typeof value === 'string' ? [value] : patternsOf(value)));

type Pools = Record<string, readonly unknown[]>;

/**
 * Bodies built from valid values of every field, then at most one field set to a value the contract
 * refuses (undefined: the field left out): the schema and parseRequest must both accept exactly the
 * bodies with no refused value. Bodies go through JSON, as on the wire.
 */
function expectAgreement(contract: DatasetContract, valid: Pools, refused: Pools) {
  const validate = validatorFor(contract);
  const validBody = fc.record(Object.fromEntries(Object.entries(valid).map(([field, values]) => [field, fc.constantFrom(...values)])));
  const refusal = fc.option(fc.constantFrom(...Object.entries(refused).flatMap(([field, values]) => values.map((value) => [field, value] as const))), { nil: undefined });
  fc.assert(
    fc.property(validBody, refusal, (body, bad) => {
      const request: unknown = JSON.parse(JSON.stringify(bad ? { ...body, [bad[0]]: bad[1] } : body));
      const parsed = parseRequest(contract, request, 'json');
      expect({ schema: validate(request), parseRequest: parsed.ok }).toEqual({ schema: !bad, parseRequest: !bad });
      if (bad && !parsed.ok) expect(parsed.field).toBe(bad[0]);
    }),
    { numRuns: 500 },
  );
}

describe('the request JSON Schema of BankChurners', () => {
  const contract = defaultContract();
  const schema = requestJsonSchema(contract);

  it('when derived, then every feature is a required property titled with its label, and customer_id is optional', () => {
    expect(schema).toMatchObject({ $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object', additionalProperties: true });
    expect(Object.keys(schema.properties)).toEqual([...contract.featureNames, 'customer_id', 'clientnum']);
    expect(schema.required).toEqual(contract.featureNames);
    expect(contract.features.map((f) => schema.properties[f.name]?.title)).toEqual(['Age', 'Gender', 'Dependents', 'Education', 'Marital status', 'Income', 'Card', 'Months on book', 'Products held', 'Credit limit', 'Revolving balance']);
  });

  it('when a feature is numeric, then it has the contract type and range', () => {
    expect(schema.properties.customer_age).toEqual({ title: 'Age', description: "The customer's age in years.", type: 'integer', minimum: 18, maximum: 120 });
    expect(schema.properties.credit_limit).toEqual({ title: 'Credit limit', type: 'number', minimum: 0, maximum: 10_000_000 });
  });

  it('when a feature is categorical or ordinal, then it lists its levels, and an ordinal also takes its codes', () => {
    const anyOf = (name: string) => schema.properties[name]?.anyOf as JsonSchema[];
    expect(anyOf('card_category')).toContainEqual({ type: 'string', enum: ['blue', 'silver', 'gold', 'platinum'] });
    expect(anyOf('education_level')).toContainEqual({
      type: 'integer',
      minimum: 0,
      maximum: 5,
      description: '0 = uneducated, 1 = high school, 2 = college, 3 = graduate, 4 = post-graduate, 5 = doctorate',
    });
    expect(anyOf('income_category')).toContainEqual({ type: 'string', enum: ['less than $40k', '$40k - $60k', '$60k - $80k', '$80k - $120k', '$120k +'] });
  });

  it('when level patterns hold regex characters ($, +), then they compile under the u flag validators use', () => {
    const patterns = patternsOf(schema);
    expect(patterns.length).toBeGreaterThan(0);
    for (const pattern of patterns) expect(() => new RegExp(pattern, 'u')).not.toThrow();
    expect(new RegExp(patternsOf(schema.properties.income_category).join(''), 'u').test(' $120K + ')).toBe(true);
  });

  it("when the issue's seed request is validated, then the schema accepts it as the server does", () => {
    const seed = { customer_age: 50, gender: 'M', dependent_count: 2, education_level: 3, marital_status: 'married', income_category: 2, card_category: 'blue', months_on_book: 4, total_relationship_count: 3, credit_limit: 4000, total_revolving_bal: 2511 };
    expect(validatorFor(contract)(seed)).toBe(true);
    expect(parseRequest(contract, seed, 'json').ok).toBe(true);
  });

  it('when requests are valid or have one bad field, then the schema and parseRequest accept and refuse the same ones', () => {
    expectAgreement(
      contract,
      {
        customer_age: [18, 45, 120],
        gender: ['m', 'F', ' M '],
        dependent_count: [0, 2, 20],
        education_level: [0, 5, 'graduate', 'High School', ' doctorate '],
        marital_status: ['married', 'Single', 'DIVORCED'],
        income_category: [0, 4, 'less than $40k', '$60K - $80K', '$120k +'],
        card_category: ['blue', 'PLATINUM'],
        months_on_book: [0, 36, 1200],
        total_relationship_count: [0, 4, 100],
        credit_limit: [0, 2500.5, 10_000_000],
        total_revolving_bal: [0, 1000],
        customer_id: ['c-1', 7, '', null, 'x'.repeat(128)],
        note: ['fields the contract does not name are ignored', 3],
      },
      {
        customer_age: [17, 121, 45.5, '45', null, undefined],
        gender: ['x', 'unknown', '', 1, null, undefined],
        dependent_count: [-1, 21, 2.5],
        education_level: [6, -1, 1.5, 'kindergarten', 'unknown', true],
        marital_status: ['widowed', null],
        income_category: [5, '$60k-$80k', ''],
        card_category: ['diamond', 3],
        months_on_book: [1201],
        total_relationship_count: [101],
        credit_limit: [-0.01, 1e8, '5000'],
        total_revolving_bal: [0.5],
        customer_id: ['x'.repeat(129), true, { id: 1 }],
      },
    );
  });
});

describe('the request JSON Schema of a contract with other kinds and missing policies', () => {
  const contract = DatasetContract.parse(
    `version: 1
name: gym
title: Gym members
source: members.csv
id: member_id
target: { column: left, positive: ['yes'], negative: ['no'] }
missing_tokens: [N/A]
cleaning: { lowercase_values: false }
features:
  - { name: monthly_fee, kind: numeric, label: Monthly fee, min: 0, max: 500, missing: impute }
  - { name: visits, kind: integer, label: Visits per week, min: 0 }
  - { name: has_locker, kind: boolean, label: Has a locker, true_values: [si, 'yes'], false_values: ['no'] }
  - { name: plan, kind: categorical, label: Plan, levels: [Basic, Premium], missing: category }
  - { name: branch, kind: categorical, levels: ['1', '2', '10'] }
  - { name: satisfaction, kind: ordinal, label: Satisfaction, levels: [low, medium, high], missing: impute }
`,
    'gym.yaml',
  );
  const schema = requestJsonSchema(contract);

  it('when only some features drop missing values, then only those are required', () => {
    expect(schema.required).toEqual(['visits', 'has_locker', 'branch']);
    expect(Object.keys(schema.properties)).toEqual([...contract.featureNames, 'customer_id', 'member_id']);
    expect(schema.properties.branch?.title).toBe('branch');
    expect(schema.properties.visits).toEqual({ title: 'Visits per week', type: 'integer', minimum: 0 });
  });

  it('when a feature may be missing, then it also takes null and the missing tokens', () => {
    expect(schema.properties.monthly_fee?.anyOf).toEqual([
      { type: 'number', minimum: 0, maximum: 500 },
      { type: 'null', description: 'Missing: imputed from the training data' },
      { type: 'string', pattern: '^\\s*(?:|N/A)\\s*$', description: 'A missing-value token: imputed from the training data' },
    ]);
    expect(schema.properties.plan?.anyOf).toContainEqual({ type: 'string', enum: ['Basic', 'Premium', 'missing'] });
  });

  it('when a feature is boolean, then it takes booleans, 0/1, its own words and true/1/false/0 as text', () => {
    expect(schema.properties.has_locker?.anyOf).toEqual([
      { type: 'boolean' },
      { enum: [0, 1] },
      { type: 'string', enum: ['si', 'yes', 'no', 'true', '1', 'false', '0'] },
      { type: 'string', pattern: '^\\s*(?:[sS][iI]|[yY][eE][sS]|[nN][oO]|[tT][rR][uU][eE]|1|[fF][aA][lL][sS][eE]|0)\\s*$' },
    ]);
  });

  it('when requests are valid or have one bad field, then the schema and parseRequest accept and refuse the same ones', () => {
    expectAgreement(
      contract,
      {
        monthly_fee: [0, 49.9, 500, null, 'N/A', ' ', undefined],
        visits: [0, 3, 1e6],
        has_locker: [true, false, 0, 1, 'SI', ' no ', 'yes', 'true', ' 0 '],
        plan: ['Basic', ' Premium ', 'missing', null, 'N/A', '', undefined],
        branch: ['1', ' 10 ', 2, 10],
        satisfaction: [0, 2, 'high', ' medium ', null, undefined],
        member_id: ['m-9', 12, undefined],
      },
      {
        monthly_fee: [-1, 500.5, '49.9', 'n/a', 'none'],
        visits: [-1, 1.5, null, undefined],
        has_locker: ['maybe', 'yes please', 2, null, undefined],
        plan: ['basic', 'Gold', 3],
        branch: ['3', 3, '01', 1.5, null, undefined],
        satisfaction: [3, -1, 0.5, 'High', 'very high'],
        customer_id: ['x'.repeat(129), false],
      },
    );
  });
});
