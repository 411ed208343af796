import type { DatasetContract, Feature } from './contract.js';

/** A feature's value as the model sees it: numbers for numeric, integer, boolean (0/1) and ordinal (code); text for categorical; null when missing and imputed. */
export type FeatureValue = number | string | null;
/** One customer's features, keyed by the contract's feature names, in contract order. */
export type FeatureRow = Record<string, FeatureValue>;
/** A cleaned training row: the features and the label (1 = the customer left). */
export type ChurnRow = FeatureRow & { churned: 0 | 1 };

/** JSON requests must carry numbers as numbers; CSV cells are text and are coerced. */
export type InputMode = 'json' | 'text';

/** Why a value was refused (allocated only on failure, so valid rows stay cheap). */
export class Invalid {
  constructor(readonly message: string) {}
}
/** The value is absent or one of the contract's missing tokens. */
export const MISSING = Symbol('missing');

const isMissing = (feature: Feature, raw: unknown, contract: DatasetContract): boolean =>
  raw === undefined || raw === null || (typeof raw === 'string' && feature.missingTokens.has(contract.normaliseValue(raw)));

function numberOf(raw: unknown, mode: InputMode): number | undefined {
  if (typeof raw === 'number') return Number.isFinite(raw) ? raw : undefined;
  if (mode === 'text' && typeof raw === 'string') {
    const n = Number(raw.trim());
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

function inRange(feature: Feature, n: number): number | Invalid {
  if (feature.min !== undefined && n < feature.min) return new Invalid(`must be at least ${feature.min}`);
  if (feature.max !== undefined && n > feature.max) return new Invalid(`must be at most ${feature.max}`);
  return n;
}

/** One present value of a feature, validated and encoded (see FeatureValue); `MISSING` when absent or a missing token. */
export function parseValue(contract: DatasetContract, feature: Feature, raw: unknown, mode: InputMode): FeatureValue | Invalid | typeof MISSING {
  if (isMissing(feature, raw, contract)) return MISSING;
  switch (feature.kind) {
    case 'numeric':
    case 'integer': {
      const n = numberOf(raw, mode);
      if (n === undefined) return new Invalid('must be a number');
      if (feature.kind === 'integer' && !Number.isInteger(n)) return new Invalid('must be an integer');
      return inRange(feature, n);
    }
    case 'boolean': {
      if (raw === true || raw === 1) return 1;
      if (raw === false || raw === 0) return 0;
      const text = typeof raw === 'string' ? raw.trim().toLowerCase() : undefined;
      // "true"/"1" and "false"/"0" are how JSON's true and 1 read in a CSV cell: accepted whatever words the contract adds.
      if (text !== undefined && (text === 'true' || text === '1' || feature.trueValues.has(text))) return 1;
      if (text !== undefined && (text === 'false' || text === '0' || feature.falseValues.has(text))) return 0;
      return new Invalid(`must be true or false (or one of ${[...feature.trueValues, ...feature.falseValues].join(', ')})`);
    }
    case 'categorical': {
      const levels = feature.levels as string[];
      const text = typeof raw === 'string' ? contract.normaliseValue(raw) : typeof raw === 'number' || typeof raw === 'boolean' ? String(raw) : undefined;
      if (text !== undefined && levels.includes(text)) return text;
      return new Invalid(`must be one of ${levels.join(', ')}`);
    }
    case 'ordinal': {
      const levels = feature.levels as string[];
      if (typeof raw === 'string') {
        const asLabel = levels.indexOf(contract.normaliseValue(raw));
        if (asLabel >= 0) return asLabel;
      }
      const code = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : Number.NaN;
      if (Number.isInteger(code) && code >= 0 && code < levels.length) return code;
      return new Invalid(`must be a code 0-${levels.length - 1} or one of ${levels.join(', ')}`);
    }
  }
}

/** What a missing value becomes under the feature's policy, or Invalid when the policy is drop. */
export function missingValue(feature: Feature): FeatureValue | Invalid {
  if (feature.missing === 'impute') return null;
  if (feature.missing === 'category') return feature.levels?.[feature.levels.length - 1] ?? null;
  return new Invalid('is required (missing values are not accepted for this feature)');
}

export type RequestResult = { ok: true; features: FeatureRow; customerId?: string | number } | { ok: false; field: string; message: string };

const fail = (field: string, message: string): RequestResult => ({ ok: false, field, message: `${field}: ${message}` });

function customerIdOf(contract: DatasetContract, body: Record<string, unknown>, mode: InputMode): string | number | undefined | Invalid {
  const raw = body['customer_id'] ?? (contract.spec.id ? body[contract.spec.id] : undefined);
  if (raw === undefined || raw === null || raw === '') return undefined;
  if (typeof raw === 'string') return raw.length <= 128 ? raw : new Invalid('must be at most 128 characters');
  if (typeof raw === 'number' && mode === 'json') return raw;
  return new Invalid('must be a string or a number');
}

/**
 * Validates one prediction request (HTTP body, Kinesis record, CSV row) against the contract: every
 * feature present and valid, unknown fields ignored. The first bad field is named, in contract order.
 */
export function parseRequest(contract: DatasetContract, body: unknown, mode: InputMode): RequestResult {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return fail('(body)', 'expected a JSON object with the customer features');
  const record = body as Record<string, unknown>;
  const customerId = customerIdOf(contract, record, mode);
  if (customerId instanceof Invalid) return fail('customer_id', customerId.message);
  const features: FeatureRow = {};
  for (const feature of contract.features) {
    const parsed = parseValue(contract, feature, record[feature.name], mode);
    const value = parsed === MISSING ? missingValue(feature) : parsed;
    if (value instanceof Invalid) return fail(feature.name, value.message);
    features[feature.name] = value;
  }
  return customerId === undefined ? { ok: true, features } : { ok: true, features, customerId };
}
