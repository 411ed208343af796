import { DatasetContract, defaultContract, requestJsonSchema } from '@churn/churn-data';
import { buildOpenApi } from './openapi.js';

interface Doc {
  info: { title: string; version: string; description: string };
  paths: Record<string, { post?: { responses: Record<string, { description: string }> } }>;
  components: { schemas: Record<string, { properties?: Record<string, unknown>; required?: string[]; $schema?: string }> };
}
const docOf = (contract: DatasetContract, version?: string) => buildOpenApi(contract, version) as unknown as Doc;

const gym = DatasetContract.parse(
  `version: 1
name: gym
source: members.csv
target: { column: left, positive: ['yes'], negative: ['no'] }
response: { chance_field: p_leave, run_id_field: run }
features:
  - { name: visits, kind: integer, label: Visits per week, min: 0 }
  - { name: plan, kind: categorical, levels: [basic, premium], missing: category }
`,
  'gym.yaml',
);

describe('the OpenAPI document', () => {
  it('when it is built for BankChurners, then its info, request and response come from the contract', () => {
    const contract = defaultContract();
    const doc = docOf(contract, '1.2.3');
    expect(doc.info).toEqual({ title: 'Churn predictor API: Credit-card customers (BankChurners)', version: '1.2.3', description: 'Scores the chance that a credit-card customer leaves.' });
    const { $schema: _dialect, ...request } = requestJsonSchema(contract);
    expect(doc.components.schemas.PredictionRequest).toEqual(request);
    expect(doc.components.schemas.PredictionRequest?.required).toContain('credit_limit');
    expect(Object.keys(doc.components.schemas.PredictionResponse?.properties ?? {})).toEqual(['churn chance', 'model_run_id', 'customer_id']);
    expect(doc.components.schemas.PredictionResponse?.required).toEqual(['churn chance', 'model_run_id']);
  });

  it('when the contract renames the response fields, then the response schema and the batch CSV columns use its names', () => {
    const doc = docOf(gym);
    expect(doc.info.title).toBe('Churn predictor API: gym');
    expect(doc.info.version).toBe('0.1.0');
    expect(Object.keys(doc.components.schemas.PredictionResponse?.properties ?? {})).toEqual(['p_leave', 'run', 'customer_id']);
    expect(doc.components.schemas.PredictionResponse?.required).toEqual(['p_leave', 'run']);
    expect(doc.paths['/predict/batch']?.post?.responses['200']?.description).toBe('The input columns plus p_leave, run and error');
    expect(doc.components.schemas.PredictionRequest?.required).toEqual(['visits']);
    expect(Object.keys(doc.components.schemas.PredictionRequest?.properties ?? {})).toEqual(['visits', 'plan', 'customer_id']);
  });

  it('when it is built, then every route is documented and the non-contract bodies keep their schemas', () => {
    const doc = docOf(gym);
    expect(Object.keys(doc.paths)).toEqual(['/predict', '/invocations', '/predict/batch', '/outcomes', '/health', '/metrics']);
    expect(Object.keys(doc.components.schemas)).toEqual(['PredictionRequest', 'PredictionResponse', 'OutcomeRequest', 'InvocationsRequest', 'InvocationsResponse', 'Error', 'Health']);
    expect(Object.keys(doc.components.schemas.OutcomeRequest?.properties ?? {})).toEqual(['request_id', 'customer_id', 'churned', 'left', 'observed_at']);
    // Components follow the OpenAPI 3.1 dialect; a $schema per component would override it.
    for (const schema of Object.values(doc.components.schemas)) expect(schema.$schema).toBeUndefined();
    expect(doc.components.schemas.Error?.required).toEqual(['error']);
  });
});
