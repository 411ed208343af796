import {
  CARD_CATEGORIES,
  EDUCATION_LEVELS,
  FEATURE_NAMES,
  GENDERS,
  INCOME_CATEGORIES,
  MARITAL_STATUSES,
  NUMERIC_FEATURES,
  type ChurnFeatures,
  type FeatureName,
} from '@churn/churn-data';

/** One change applied to replayed rows: scale or shift a number, or move a share of rows to a category. */
export type DriftRule =
  | { kind: 'scale'; feature: FeatureName; factor: number }
  | { kind: 'shift'; feature: FeatureName; delta: number }
  | { kind: 'category'; feature: FeatureName; value: string | number; share: number };

/** Thrown for a drift spec that names an unknown feature or value; the message says which. */
export class DriftSpecError extends Error {
  override readonly name = 'DriftSpecError';
}

const CATEGORY_VALUES: Partial<Record<FeatureName, readonly string[]>> = {
  gender: GENDERS,
  marital_status: MARITAL_STATUSES,
  card_category: CARD_CATEGORIES,
  education_level: EDUCATION_LEVELS,
  income_category: INCOME_CATEGORIES,
};
const ORDINALS = new Set<FeatureName>(['education_level', 'income_category']);
const INTEGER_FEATURES = new Set<FeatureName>(['customer_age', 'dependent_count', 'months_on_book', 'total_relationship_count', 'total_revolving_bal']);
// The request schema's upper bounds, so drifted rows stay valid requests.
const MAXIMA: Partial<Record<FeatureName, number>> = {
  customer_age: 120,
  dependent_count: 20,
  months_on_book: 1200,
  total_relationship_count: 100,
  credit_limit: 10_000_000,
  total_revolving_bal: 10_000_000,
};
const isFeature = (name: string): name is FeatureName => (FEATURE_NAMES as readonly string[]).includes(name);

/**
 * Parses SIMULATOR_DRIFT, e.g. `credit_limit*1.8,customer_age+5,card_category=gold:0.5`:
 * `feature*factor` scales, `feature+delta` shifts (negative allowed: `+-3`), `feature=value:share`
 * sets that share of rows (0-1, default 1) to the value.
 */
export function parseDriftSpec(spec: string): DriftRule[] {
  return spec
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => {
      const numeric = /^([a-z_]+)\s*([*+])\s*(-?\d+(?:\.\d+)?)$/.exec(part);
      if (numeric) {
        const [, feature = '', op, value = ''] = numeric;
        if (!isFeature(feature) || !(NUMERIC_FEATURES as readonly string[]).includes(feature) || ORDINALS.has(feature))
          throw new DriftSpecError(`drift "${part}": ${feature} is not a numeric feature`);
        return op === '*' ? { kind: 'scale', feature, factor: Number(value) } : { kind: 'shift', feature, delta: Number(value) };
      }
      const category = /^([a-z_]+)\s*=\s*([^:]+?)\s*(?::\s*(\d+(?:\.\d+)?))?$/.exec(part);
      if (category) {
        const [, feature = '', raw = '', share = '1'] = category;
        const values = isFeature(feature) ? CATEGORY_VALUES[feature] : undefined;
        if (!isFeature(feature) || !values) throw new DriftSpecError(`drift "${part}": ${feature} is not a categorical feature`);
        const index = values.indexOf(raw.toLowerCase());
        if (index < 0) throw new DriftSpecError(`drift "${part}": ${raw} is not one of ${values.join(', ')}`);
        const fraction = Number(share);
        if (!(fraction >= 0 && fraction <= 1)) throw new DriftSpecError(`drift "${part}": share must be between 0 and 1`);
        return { kind: 'category', feature, value: ORDINALS.has(feature) ? index : (values[index] as string), share: fraction };
      }
      throw new DriftSpecError(`drift "${part}": expected feature*factor, feature+delta or feature=value:share`);
    });
}

/** Applies the rules to a copy of the row; `random` decides which rows a category share hits. */
export function applyDrift(row: ChurnFeatures, rules: readonly DriftRule[], random: () => number): ChurnFeatures {
  const out: Record<string, unknown> = { ...row };
  for (const rule of rules) {
    const current = out[rule.feature];
    if (rule.kind === 'category') {
      if (random() < rule.share) out[rule.feature] = rule.value;
      continue;
    }
    const next = rule.kind === 'scale' ? (current as number) * rule.factor : (current as number) + rule.delta;
    // Stay inside the request schema: non-negative, integers where the contract says so.
    const bounded = Math.min(MAXIMA[rule.feature] ?? Number.POSITIVE_INFINITY, Math.max(rule.feature === 'customer_age' ? 18 : 0, next));
    out[rule.feature] = INTEGER_FEATURES.has(rule.feature) ? Math.round(bounded) : Math.round(bounded * 100) / 100;
  }
  return out as unknown as ChurnFeatures;
}
