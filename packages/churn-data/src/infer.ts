import type { z } from 'zod';
import type { contractFileSchema, FeatureKind, MissingPolicy } from './contract-schema.js';
import { HIGH_CARDINALITY } from './quality.js';

/** A contract as written to the file (defaults not applied). */
export type ContractInput = z.input<typeof contractFileSchema>;
type FeatureInput = ContractInput['features'][number];

/** Cell values (trimmed, lowercase) that mean "no value" in common exports; listed in the contract only when present. Not "none": it is often a real level. */
export const MISSING_CANDIDATES: readonly string[] = ['', 'unknown', 'na', 'n/a', '#n/a', 'null', 'nil', 'nan', 'missing', '?', '-'];
/** Up to this share of missing values a row without the value is dropped; above it the value is imputed (or its own category). */
export const DROP_MAX_SHARE = 0.05;
/** Text with more distinct values than this share of its rows is near-unique (names, notes): ignored. */
export const NEAR_UNIQUE_SHARE = 0.5;
/** A column is numeric when at least this share of its values are numbers; the rest are reported, and check rejects their rows. */
export const NUMERIC_MIN_SHARE = 0.98;

// The contract's default boolean spellings (contract.ts): a column of only these, both sides present, is boolean.
const TRUE_VALUES = new Set(['true', '1', 'yes', 'y', 't']);
const FALSE_VALUES = new Set(['false', '0', 'no', 'n', 'f']);
const NUMBER = /^[-+]?(\d+(\.\d*)?|\.\d+)(e[-+]?\d+)?$/;
const COLUMN_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const RESERVED = new Set(['customer_id', 'churned']);
// Target values meaning "left"; a negation wins ("not churned"), then stay-words.
const NEGATED = /^(n|f|0|false)$|\b(no|not|non|never)\b/;
const LEFT = /^(y|t|1|true)$|\b(yes|churn|churned|churner|attrited|attrition|left|leave|leaver|exited|exit|lost|cancell?ed|closed|former)\b/;
const STAYED = /\b(stay|stayed|existing|retained|active|current|remained|kept)\b/;
// Levels like "less than $40k", "low / high", "1-2 years" suggest an order the user may want as ordinal.
const ORDERED_LEVEL = /\d|\b(low|medium|high|small|large|less|more|under|over|never|rarely|sometimes|often|always|poor|fair|good|excellent)\b/;

export interface InferOptions {
  /** The target column as the CSV or the contract names it. */
  target: string;
  /** The contract's name (lowercase letters, digits and -). */
  name: string;
  /** The `source` written into the contract. */
  source: string;
}

/** A comment for the YAML, attached to the node at `path` (before a collection, after a scalar). */
export interface InferNote {
  path: (string | number)[];
  text: string;
}

/** What infer did with one CSV column, for the summary the CLI prints. */
export interface ColumnDecision {
  header: string;
  name: string;
  role: 'id' | 'target' | 'feature' | 'ignored';
  kind?: FeatureKind;
  missingShare: number;
  policy?: MissingPolicy;
  why: string;
}

export interface InferredContract {
  contract: ContractInput;
  /** The rules infer followed, for the top of the file. */
  header: string[];
  notes: InferNote[];
  columns: ColumnDecision[];
}

/** The CSV cannot give a contract (no such target, a target with one value): names the column. */
export class InferError extends Error {
  override readonly name = 'InferError';
}

interface Profile {
  header: string;
  name: string;
  /** Present values, trimmed and lowercase (the contract's default cleaning). */
  values: string[];
  counts: Map<string, number>;
  missing: number;
  tokens: Set<string>;
}

const pct = (share: number) => `${(share * 100).toFixed(1)}%`;
const quoteToken = (token: string) => (token === '' ? 'blank' : JSON.stringify(token));

/** "Months_on_book" -> months_on_book, "Tenure (months)" -> tenure_months, "2nd Line" -> c_2nd_line. */
function columnNameOf(header: string, index: number, taken: Set<string>): string {
  const lower = header.trim().toLowerCase();
  let name = COLUMN_NAME.test(lower) ? lower : lower.replace(/[^a-z0-9_]+/g, '_').replace(/_+/g, '_').replace(/^_|_$/g, '');
  if (name === '') name = `column_${index + 1}`;
  if (/^\d/.test(name)) name = `c_${name}`;
  let unique = name;
  for (let n = 2; taken.has(unique); n += 1) unique = `${name}_${n}`;
  taken.add(unique);
  return unique;
}

/** "Tenure Months" / "tenure_months" / "TenureMonths" -> "Tenure months". */
function labelOf(header: string): string {
  const words = header
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/[_\s]+/g, ' ')
    .trim()
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function profile(header: string, name: string, records: readonly Record<string, string>[]): Profile {
  const p: Profile = { header, name, values: [], counts: new Map(), missing: 0, tokens: new Set() };
  for (const record of records) {
    const value = (record[header] ?? '').trim().toLowerCase();
    if (MISSING_CANDIDATES.includes(value)) {
      p.missing += 1;
      p.tokens.add(value);
    } else {
      p.values.push(value);
      p.counts.set(value, (p.counts.get(value) ?? 0) + 1);
    }
  }
  return p;
}

const byFrequency = (p: Profile) => [...p.counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([value]) => value);
const isUnique = (p: Profile) => p.missing === 0 && p.values.length > 1 && p.counts.size === p.values.length;
const allIntegers = (p: Profile) => p.values.every((v) => NUMBER.test(v) && Number.isInteger(Number(v)));

/** How much a column's name looks like a customer id (0: not at all): customerid 3, clientnum 2, account_no 2, rownumber 0. */
function idScore(name: string): number {
  const suffix = /id$|^id_|_id_|uuid|guid/.test(name) ? 2 : /(num|number|no|key|code)$/.test(name) ? 1 : 0;
  if (suffix === 0 || /row|index|^unnamed/.test(name)) return 0;
  return suffix + (/customer|client|cust|user|account|member|subscriber/.test(name) ? 1 : 0);
}

/** The id: a unique column (integers or codes) whose name looks like an id, else a unique column of codes without spaces. */
function pickId(profiles: readonly Profile[]): { profile: Profile; why: string } | undefined {
  const candidates = profiles.filter((p) => isUnique(p) && (allIntegers(p) || !p.values.some((v) => NUMBER.test(v))));
  const named = candidates.map((p) => ({ p, score: idScore(p.name) })).filter((c) => c.score > 0);
  named.sort((a, b) => b.score - a.score);
  if (named[0]) return { profile: named[0].p, why: 'unique in every row, and its name looks like an id' };
  const codes = candidates.find((p) => !allIntegers(p) && p.values.every((v) => /^[\w.:-]+$/.test(v)));
  return codes && { profile: codes, why: 'unique in every row, values look like codes' };
}

/** Which target values mean the customer left. */
function targetValues(p: Profile): { positive: string[]; negative: string[]; why: string } {
  const values = byFrequency(p);
  if (values.length < 2) throw new InferError(`target column ${p.header}: needs two values (left / stayed), found ${values.map((v) => JSON.stringify(v)).join(', ') || 'none'}`);
  const left = (v: string) => !NEGATED.test(v) && LEFT.test(v);
  const stayed = (v: string) => NEGATED.test(v) || STAYED.test(v);
  const positive = values.filter(left);
  if (positive.length > 0 && positive.length < values.length) {
    return { positive, negative: values.filter((v) => !left(v)), why: `${positive.map((v) => JSON.stringify(v)).join(', ')} read as "left"` };
  }
  const negative = values.filter(stayed);
  if (negative.length > 0 && negative.length < values.length) {
    return { positive: values.filter((v) => !stayed(v)), negative, why: `${negative.map((v) => JSON.stringify(v)).join(', ')} read as "stayed"` };
  }
  if (values.length === 2) return { positive: [values[1] as string], negative: [values[0] as string], why: 'guessed: the rarer value means "left"; swap if not' };
  throw new InferError(`target column ${p.header}: cannot tell which of ${values.map((v) => JSON.stringify(v)).join(', ')} mean "left"; write target.positive by hand`);
}

type Decision = { feature: Omit<FeatureInput, 'name' | 'label' | 'missing'>; note?: string } | { ignore: string };

/** Kind, levels and range of a feature column, or why it is ignored. */
function decide(p: Profile): Decision {
  if (p.counts.size === 0) return { ignore: 'every value is missing' };
  if (p.counts.size === 1) return { ignore: `constant: every value is ${JSON.stringify(p.values[0])}` };
  if (RESERVED.has(p.name)) return { ignore: `${p.name} is reserved for the suite; rename it under cleaning.rename to use it` };
  if (isUnique(p) && idScore(p.name) > 0) return { ignore: 'unique in every row and named like an id: another id' };
  const numbers = p.values.filter((v) => NUMBER.test(v)).map(Number);
  if (numbers.length >= NUMERIC_MIN_SHARE * p.values.length) {
    const distinct = new Set(numbers);
    if (distinct.size === 2 && distinct.has(0) && distinct.has(1) && numbers.length === p.values.length) return { feature: { kind: 'boolean' } };
    const integer = numbers.every(Number.isInteger);
    // reduce, not Math.min(...numbers): spreading a large column overflows the stack.
    const min = numbers.reduce((a, b) => Math.min(a, b));
    const max = numbers.reduce((a, b) => Math.max(a, b));
    if (integer && isUnique(p) && max - min + 1 === numbers.length) return { ignore: 'a row number (consecutive integers)' };
    const others = p.values.filter((v) => !NUMBER.test(v));
    const note = others.length > 0 ? `${others.length} values are not numbers (e.g. ${JSON.stringify(others[0])}): check rejects their rows; add such a token to missing_tokens if it means missing` : undefined;
    return { feature: { kind: integer ? 'integer' : 'numeric', min, max }, ...(note ? { note } : {}) };
  }
  const values = [...p.counts.keys()];
  if (values.every((v) => TRUE_VALUES.has(v) || FALSE_VALUES.has(v)) && values.some((v) => TRUE_VALUES.has(v)) && values.some((v) => FALSE_VALUES.has(v))) {
    return { feature: { kind: 'boolean' } };
  }
  if (p.counts.size > HIGH_CARDINALITY || p.counts.size > NEAR_UNIQUE_SHARE * p.values.length) {
    return { ignore: `text with ${p.counts.size} distinct values in ${p.values.length} rows: too many levels for a categorical` };
  }
  const levels = byFrequency(p);
  const ordered = levels.filter((l) => ORDERED_LEVEL.test(l)).length >= Math.max(2, levels.length - 1);
  return { feature: { kind: 'categorical', levels }, ...(ordered ? { note: 'levels look ordered: if they are, make this kind: ordinal and list the levels in order' } : {}) };
}

/** The missing policy by the share of rows without a value (see DROP_MAX_SHARE). */
function policyOf(kind: FeatureKind, share: number): MissingPolicy {
  if (share <= DROP_MAX_SHARE) return 'drop';
  return kind === 'categorical' ? 'category' : 'impute';
}

/**
 * A starting contract for a CSV's records (as parseCsv gives them): every column becomes the id, the
 * target, a feature or an ignored column, with the reasons as comments for the user to review.
 */
export function inferContract(records: readonly Record<string, string>[], options: InferOptions): InferredContract {
  const headers = Object.keys(records[0] ?? {});
  if (headers.length === 0) throw new InferError('the CSV has no data rows');
  const taken = new Set<string>();
  const profiles = headers.map((header, i) => profile(header, columnNameOf(header, i, taken), records));
  const wanted = options.target.trim().toLowerCase();
  const target = profiles.find((p) => p.header === options.target) ?? profiles.find((p) => p.header.trim().toLowerCase() === wanted || p.name === wanted);
  if (!target) throw new InferError(`--target ${options.target}: no such column; the CSV has ${headers.join(', ')}`);
  const id = pickId(profiles.filter((p) => p !== target));

  const notes: InferNote[] = [];
  const columns: ColumnDecision[] = [];
  const features: FeatureInput[] = [];
  const ignore: string[] = [];
  const tokens = new Set<string>();
  const decided = (p: Profile, decision: Omit<ColumnDecision, 'header' | 'name' | 'missingShare'>) =>
    columns.push({ header: p.header, name: p.name, missingShare: p.missing / records.length, ...decision });

  const { positive, negative, why } = targetValues(target);
  notes.push({ path: ['target', 'positive'], text: `${why}${target.missing > 0 ? `; ${target.missing} rows have no value, and check rejects them` : ''}` });
  decided(target, { role: 'target', why });
  if (id) {
    notes.push({ path: ['id'], text: id.why });
    decided(id.profile, { role: 'id', why: id.why });
  }
  for (const p of profiles) {
    if (p === target || p === id?.profile) continue;
    const decision = decide(p);
    if ('ignore' in decision) {
      notes.push({ path: ['ignore', ignore.length], text: decision.ignore });
      ignore.push(p.name);
      decided(p, { role: 'ignored', why: decision.ignore });
      continue;
    }
    const share = p.missing / records.length;
    const policy = policyOf(decision.feature.kind, share);
    p.tokens.forEach((t) => tokens.add(t));
    const missingNote = share > 0 ? `${pct(share)} missing (${[...p.tokens].map(quoteToken).join(', ')}): ${policy}` : undefined;
    const text = [missingNote, decision.note].filter(Boolean).join('; ');
    if (text) notes.push({ path: ['features', features.length], text });
    const { kind, ...levelsOrRange } = decision.feature;
    features.push({ name: p.name, kind, label: labelOf(p.header.trim() || p.name), ...levelsOrRange, missing: policy });
    decided(p, { role: 'feature', kind, policy, why: text });
  }
  if (features.length === 0) throw new InferError('no column can be a feature: every column is the target, the id or ignored');

  const rename = Object.fromEntries(profiles.filter((p) => p.header.trim().toLowerCase() !== p.name).map((p) => [p.header, p.name]));
  const contract: ContractInput = {
    version: 1,
    name: options.name,
    title: `${options.name} (inferred)`,
    source: options.source,
    ...(id ? { id: id.profile.name } : {}),
    target: { column: target.name, positive, negative },
    missing_tokens: ['', ...[...tokens].filter((t) => t !== '').sort()],
    features,
    ignore,
    cleaning: { trim: true, lowercase_names: true, lowercase_values: true, rename },
    split: { train: 0.6, validation: 0.2, test: 0.2, seed: 42 },
    max_rejected_share: 0.05,
  };
  const header = [
    `Inferred by \`npm run dataset -- infer\` from ${options.source} (${records.length} rows). Review it before training.`,
    'Kinds: integer or numeric for numbers, boolean for two yes/no-like values, categorical for other text.',
    'Ordinal is never guessed: for levels with an order, set kind: ordinal and list the levels in that order.',
    'min and max are the values seen in this file: widen them to the valid range, or new data outside it is rejected.',
    `Missing values: drop the row when at most ${pct(DROP_MAX_SHARE)} of rows miss the value, else impute (numbers, booleans) or own category (categorical).`,
    `Ignored: constant columns, row numbers, and text with over ${HIGH_CARDINALITY} distinct values or distinct in over ${pct(NEAR_UNIQUE_SHARE)} of rows.`,
  ];
  return { contract, header, notes, columns };
}
