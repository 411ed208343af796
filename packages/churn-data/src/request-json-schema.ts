import type { DatasetContract, Feature } from './contract.js';

/** One JSON Schema (2020-12) node. */
export type JsonSchema = { [keyword: string]: unknown };

/** The JSON Schema of one prediction request under a contract. */
export interface RequestJsonSchema {
  $schema: string;
  title: string;
  description: string;
  type: 'object';
  properties: Record<string, JsonSchema>;
  required: string[];
  additionalProperties: true;
}

/** How request text is compared with the contract's values before matching. */
interface Folding {
  trim: boolean;
  lowercase: boolean;
}

// Only ECMA-262 syntax characters: validators compile patterns with the u flag, where a needless escape such as \- is an error.
const escapeRegex = (text: string) => text.replace(/[\^$\\.*+?()[\]{}|]/g, '\\$&');

/** Matches the strings `folding` turns into one of `values`, as parseRequest compares them (case variants exact for letters with a one-letter upper case). */
function foldedPattern(values: readonly string[], folding: Folding): string {
  const literal = (value: string) =>
    [...value]
      .map((ch) => {
        const upper = ch.toUpperCase();
        return folding.lowercase && upper !== ch && [...upper].length === 1 && upper.toLowerCase() === ch ? `[${ch}${upper}]` : escapeRegex(ch);
      })
      .join('');
  // String.prototype.trim and \s strip the same characters.
  const space = folding.trim ? '\\s*' : '';
  return `^${space}(?:${values.map(literal).join('|')})${space}$`;
}

/** The values as the contract writes them (what docs and generated clients show), then their case and whitespace variants it also accepts. */
function textAlternatives(values: readonly string[], folding: Folding): JsonSchema[] {
  const listed: JsonSchema = { type: 'string', enum: [...values] };
  return folding.trim || folding.lowercase ? [listed, { type: 'string', pattern: foldedPattern(values, folding) }] : [listed];
}

/** parseValue matches a JSON number or boolean by its text, so level "2" also accepts 2 and level "true" accepts true. */
function scalarAlternatives(levels: readonly string[]): JsonSchema[] {
  const scalars = levels.flatMap((level): (number | boolean)[] => {
    if (level === 'true' || level === 'false') return [level === 'true'];
    const n = Number(level);
    return Number.isFinite(n) && String(n) === level ? [n] : [];
  });
  return scalars.length > 0 ? [{ enum: scalars }] : [];
}

function valueAlternatives(feature: Feature, folding: Folding): JsonSchema[] {
  const levels = feature.levels ?? [];
  switch (feature.kind) {
    case 'numeric':
    case 'integer':
      return [
        {
          type: feature.kind === 'integer' ? 'integer' : 'number',
          ...(feature.min !== undefined ? { minimum: feature.min } : {}),
          ...(feature.max !== undefined ? { maximum: feature.max } : {}),
        },
      ];
    case 'boolean':
      // Boolean words are trimmed and lowercased whatever the contract's cleaning says; "true", "1",
      // "false" and "0" (JSON's values as a CSV cell gives them) are accepted beside the contract's own.
      return [
        { type: 'boolean' },
        { enum: [0, 1] },
        ...textAlternatives([...new Set([...feature.trueValues, ...feature.falseValues, 'true', '1', 'false', '0'])], { trim: true, lowercase: true }),
      ];
    case 'categorical':
      return [...textAlternatives(levels, folding), ...scalarAlternatives(levels)];
    case 'ordinal':
      return [
        { type: 'integer', minimum: 0, maximum: levels.length - 1, description: levels.map((level, code) => `${code} = ${level}`).join(', ') },
        ...textAlternatives(levels, folding),
      ];
  }
}

/** A feature that may be missing takes null or one of its missing tokens (absent is covered by `required`). */
function missingAlternatives(feature: Feature, folding: Folding): JsonSchema[] {
  const means = feature.missing === 'impute' ? 'imputed from the training data' : 'its own level';
  return [
    { type: 'null', description: `Missing: ${means}` },
    { type: 'string', pattern: foldedPattern([...feature.missingTokens], folding), description: `A missing-value token: ${means}` },
  ];
}

function featureSchema(feature: Feature, folding: Folding): JsonSchema {
  const alternatives = [...valueAlternatives(feature, folding), ...(feature.missing === 'drop' ? [] : missingAlternatives(feature, folding))];
  const annotations = { title: feature.label, ...(feature.description ? { description: feature.description } : {}) };
  return alternatives.length === 1 ? { ...annotations, ...alternatives[0] } : { ...annotations, anyOf: alternatives };
}

/**
 * The JSON Schema (2020-12, so also OpenAPI 3.1) of a prediction request under the contract, for
 * /openapi.json and for clients that validate before sending: it mirrors parseRequest in 'json' mode
 * but leaves out a leniency clients should not rely on (an ordinal code sent as a numeric string).
 */
export function requestJsonSchema(contract: DatasetContract): RequestJsonSchema {
  const folding: Folding = { trim: contract.spec.cleaning.trim, lowercase: contract.spec.cleaning.lowercase_values };
  const customerId: JsonSchema = {
    description: 'Echoed back as customer_id in the response',
    anyOf: [{ type: 'string', maxLength: 128 }, { type: 'number' }, { type: 'null' }],
  };
  const idColumn = contract.spec.id;
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: `${contract.spec.title ?? contract.name}: prediction request`,
    description: "One customer's features; fields the contract does not name are ignored.",
    type: 'object',
    properties: {
      ...Object.fromEntries(contract.features.map((feature) => [feature.name, featureSchema(feature, folding)])),
      customer_id: customerId,
      // A request copied from a CSV row carries the id under the contract's id column.
      ...(idColumn && idColumn !== 'customer_id' ? { [idColumn]: { ...customerId, description: `Read as customer_id when customer_id is absent (the ${idColumn} column)` } } : {}),
    },
    required: contract.features.filter((feature) => feature.missing === 'drop').map((feature) => feature.name),
    additionalProperties: true,
  };
}
