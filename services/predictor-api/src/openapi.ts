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
        InvocationsRequest: json(invocationsRequestSchema),
        InvocationsResponse: json(invocationsResponseSchema),
        Error: json(errorResponseSchema),
        Health: json(healthResponseSchema),
      },
    },
  };
}
