import { Invalid, MISSING, parseValue, type DatasetContract, type Feature, type FeatureRow, type FeatureValue } from '@churn/churn-data';

/** Where a drifted number must land to stay a valid request: the contract's range, whole numbers for integers. */
interface NumericTarget {
  min: number;
  max: number;
  integer: boolean;
}

/** One change applied to replayed rows: scale or shift a number, or move a share of rows to a level. */
export type DriftRule =
  | ({ kind: 'scale'; feature: string; factor: number } & NumericTarget)
  | ({ kind: 'shift'; feature: string; delta: number } & NumericTarget)
  | { kind: 'level'; feature: string; value: FeatureValue; share: number };

/** Thrown for a drift spec the contract does not allow; the message names the column and the valid choices. */
export class DriftSpecError extends Error {
  override readonly name = 'DriftSpecError';
}

interface Kinds {
  kinds: readonly Feature['kind'][];
  text: string;
}
const NUMBER_KINDS: Kinds = { kinds: ['numeric', 'integer'], text: 'numeric or integer' };
const LEVEL_KINDS: Kinds = { kinds: ['categorical', 'ordinal', 'boolean'], text: 'categorical, ordinal or boolean' };
const COLUMN = '[A-Za-z_][A-Za-z0-9_]*';
const NUMBER_RULE = new RegExp(`^(${COLUMN})\\s*([*+])\\s*(-?\\d+(?:\\.\\d+)?)$`);
// The value is lazy so a trailing `:share` is split off, while a level containing ':' still parses.
const LEVEL_RULE = new RegExp(`^(${COLUMN})\\s*=\\s*(.+?)\\s*(?::\\s*(\\d+(?:\\.\\d+)?))?$`);

function featureOf(contract: DatasetContract, part: string, name: string, { kinds, text }: Kinds, op: string): Feature {
  const feature = contract.feature(name);
  if (feature && kinds.includes(feature.kind)) return feature;
  const choices = contract.features.filter((f) => kinds.includes(f.kind)).map((f) => f.name);
  const what = feature ? `is ${feature.kind}, and ${op} applies to ${text} features` : `is not a feature of ${contract.name}`;
  throw new DriftSpecError(`drift "${part}": ${name} ${what}; choose from ${choices.join(', ') || '(none)'}`);
}

function numericTarget(feature: Feature): NumericTarget {
  const integer = feature.kind === 'integer';
  // Integers are rounded before clamping, so a fractional bound is tightened to the whole numbers inside it.
  const min = feature.min === undefined ? Number.NEGATIVE_INFINITY : integer ? Math.ceil(feature.min) : feature.min;
  const max = feature.max === undefined ? Number.POSITIVE_INFINITY : integer ? Math.floor(feature.max) : feature.max;
  return { min, max, integer };
}

/**
 * Parses SIMULATOR_DRIFT against the contract, e.g. `credit_limit*1.8,customer_age+5,card_category=gold:0.5`:
 * `feature*factor` scales and `feature+delta` shifts (negative allowed: `+-3`) a numeric or integer
 * feature; `feature=value:share` sets that share of rows (0-1, default 1) of a categorical, ordinal or
 * boolean feature to the value, read as a request would read it (an ordinal's label or code).
 */
export function parseDriftSpec(contract: DatasetContract, spec: string): DriftRule[] {
  return spec
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part): DriftRule => {
      const number = NUMBER_RULE.exec(part);
      if (number) {
        const [, name = '', op, value = ''] = number;
        const feature = featureOf(contract, part, name, NUMBER_KINDS, op === '*' ? '*factor' : '+delta');
        return op === '*' ? { kind: 'scale', feature: name, factor: Number(value), ...numericTarget(feature) } : { kind: 'shift', feature: name, delta: Number(value), ...numericTarget(feature) };
      }
      const level = LEVEL_RULE.exec(part);
      if (level) {
        const [, name = '', raw = '', share = '1'] = level;
        const feature = featureOf(contract, part, name, LEVEL_KINDS, '=value');
        const value = parseValue(contract, feature, raw, 'text');
        if (value === MISSING) throw new DriftSpecError(`drift "${part}": ${raw} means a missing value in ${contract.name}`);
        if (value instanceof Invalid) throw new DriftSpecError(`drift "${part}": ${name} ${value.message}`);
        const fraction = Number(share);
        if (!(fraction >= 0 && fraction <= 1)) throw new DriftSpecError(`drift "${part}": share must be between 0 and 1`);
        return { kind: 'level', feature: name, value, share: fraction };
      }
      throw new DriftSpecError(`drift "${part}": expected feature*factor, feature+delta or feature=value:share`);
    });
}

/** Applies the rules to a copy of the row; `random` decides which rows a level's share hits. */
export function applyDrift(row: FeatureRow, rules: readonly DriftRule[], random: () => number): FeatureRow {
  const out: FeatureRow = { ...row };
  for (const rule of rules) {
    if (rule.kind === 'level') {
      if (random() < rule.share) out[rule.feature] = rule.value;
      continue;
    }
    const current = out[rule.feature];
    // A missing (imputed) value stays missing: arithmetic on null would invent a 0.
    if (typeof current !== 'number') continue;
    const next = rule.kind === 'scale' ? current * rule.factor : current + rule.delta;
    const rounded = rule.integer ? Math.round(next) : Math.round(next * 100) / 100;
    out[rule.feature] = Math.min(rule.max, Math.max(rule.min, rounded));
  }
  return out;
}
