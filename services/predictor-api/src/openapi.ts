import { requestJsonSchema, type DatasetContract } from '@churn/churn-data';
import { z } from 'zod';
import { errorResponseSchema, healthResponseSchema, invocationsRequestSchema, invocationsResponseSchema } from './schemas.js';

const json = (schema: z.ZodType) => {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
};

const errors = {
  '400': { description: 'Invalid input; `field` names the field', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
  '413': { description: 'Body larger than the limit', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
  '503': { description: 'No model loaded yet', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
};

/** The /predict answer: the field names are the contract's, so clients of another dataset read their own. */
function predictionResponse({ chance_field: chance, run_id_field: runId }: DatasetContract['response']) {
  return {
    type: 'object',
    properties: {
      [chance]: { type: 'number', minimum: 0, maximum: 1, description: 'Probability that the customer leaves' },
      [runId]: { type: 'string', description: 'The registry run whose model answered' },
      customer_id: { type: ['string', 'number'], description: "The request's customer_id, when it had one" },
    },
    required: [chance, runId],
  };
}

/** One outcome as POST /outcomes reads it (@churn/drift parseOutcome): the id column and target words are the contract's. */
function outcomeRequest(contract: DatasetContract) {
  const { column, positive, negative } = contract.spec.target;
  const label = { oneOf: [{ type: 'boolean' }, { enum: [0, 1, 'true', 'false', '1', '0'] }, { enum: [...positive, ...negative] }], description: `Whether the customer left: a boolean, 0/1 or one of the target's words (${positive[0]} means left)` };
  const id = { type: ['string', 'number'], description: 'The customer id the prediction was requested with' };
  return {
    type: 'object',
    properties: {
      request_id: { type: 'string', pattern: '^[\\w.:-]{1,128}$', description: 'The x-request-id of the /predict call' },
      customer_id: id,
      ...(contract.spec.id ? { [contract.spec.id]: { ...id, description: 'Same as customer_id' } } : {}),
      churned: label,
      [column]: { ...label, description: 'Same as churned' },
      observed_at: { type: ['string', 'integer'], description: 'When the outcome was observed: ISO 8601 date or time, or epoch milliseconds (default: now)' },
    },
    description: 'Names its prediction by request_id, customer_id, or both (a /predict/batch row); the first outcome received for a reference labels it: a second one in the same request is counted as a duplicate and not stored, one sent in a later request is stored and ignored when quality is read (churn_model_quality_duplicate_outcomes)',
  };
}

/** The OpenAPI 3.1 document: the request and response from the dataset contract, the other bodies from the zod schemas the routes validate with. */
export function buildOpenApi(contract: DatasetContract, version = '0.1.0'): Record<string, unknown> {
  const { $schema: _dialect, ...predictionRequest } = requestJsonSchema(contract);
  const { chance_field: chance, run_id_field: runId } = contract.response;
  return {
    openapi: '3.1.0',
    info: {
      title: `Churn predictor API: ${contract.spec.title ?? contract.name}`,
      version,
      description: contract.spec.description ?? `Scores the chance that a customer of the ${contract.name} dataset leaves.`,
    },
    paths: {
      '/predict': {
        post: {
          summary: 'Score one customer',
          requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/PredictionRequest' } } } },
          responses: { '200': { description: `The ${chance}`, content: { 'application/json': { schema: { $ref: '#/components/schemas/PredictionResponse' } } } }, ...errors },
        },
      },
      '/invocations': {
        post: {
          summary: "MLflow's scoring protocol: dataframe_split, dataframe_records, instances or inputs",
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { $ref: '#/components/schemas/InvocationsRequest' } }, 'text/csv': { schema: { type: 'string', description: `A header row with the feature names (${contract.featureNames.join(', ')}), then one row per customer` } } },
          },
          responses: { '200': { description: 'One churn chance per row', content: { 'application/json': { schema: { $ref: '#/components/schemas/InvocationsResponse' } } } }, ...errors },
        },
      },
      '/predict/batch': {
        post: {
          summary: 'Score a CSV file (streamed); bad rows get an error column',
          requestBody: { required: true, content: { 'text/csv': { schema: { type: 'string' } } } },
          responses: { '200': { description: `The input columns plus ${chance}, ${runId} and error`, content: { 'text/csv': { schema: { type: 'string' } } } }, ...errors },
        },
      },
      '/outcomes': {
        post: {
          summary: 'Record observed outcomes (one, an array, { outcomes: [...] } or CSV); bad ones in a batch are listed by index',
          requestBody: {
            required: true,
            content: {
              'application/json': { schema: { oneOf: [{ $ref: '#/components/schemas/OutcomeRequest' }, { type: 'array', items: { $ref: '#/components/schemas/OutcomeRequest' } }, { type: 'object', properties: { outcomes: { type: 'array', items: { $ref: '#/components/schemas/OutcomeRequest' } } }, required: ['outcomes'] }] } },
              'text/csv': { schema: { type: 'string', description: 'A header row with the outcome fields (a raw export\'s headers are read with the contract\'s cleaning), then one row per outcome' } },
            },
          },
          responses: {
            '200': { description: 'What happened to the outcomes: received, stored, duplicates (repeats of a reference earlier in this request, not stored), invalid and, for a batch, rejected [{ index, field, error }]', content: { 'application/json': { schema: { type: 'object' } } } },
            ...errors,
          },
        },
      },
      '/health': {
        get: {
          summary: 'Ready once a model is loaded',
          responses: {
            '200': { description: 'Serving', content: { 'application/json': { schema: { $ref: '#/components/schemas/Health' } } } },
            '503': { description: 'No model yet', content: { 'application/json': { schema: { $ref: '#/components/schemas/Health' } } } },
          },
        },
      },
      '/metrics': { get: { summary: 'Prometheus metrics', responses: { '200': { description: 'Text exposition format', content: { 'text/plain': { schema: { type: 'string' } } } } } } },
    },
    components: {
      schemas: {
        PredictionRequest: predictionRequest,
        PredictionResponse: predictionResponse(contract.response),
        OutcomeRequest: outcomeRequest(contract),
        InvocationsRequest: json(invocationsRequestSchema),
        InvocationsResponse: json(invocationsResponseSchema),
        Error: json(errorResponseSchema),
        Health: json(healthResponseSchema),
      },
    },
  };
}
