import { invalid } from '../errors.js';

// MLflow's search grammar: `cond AND cond ...`, where cond is `<entity>.<key> <op> <value>`.
// Keys may be quoted with backticks or double quotes (metrics.`my metric`, tags."mlflow.runName").

export type Entity = 'metric' | 'param' | 'tag' | 'attribute';
export type Operator = '=' | '!=' | '<' | '>' | '<=' | '>=' | 'LIKE' | 'ILIKE' | 'IN' | 'NOT IN' | 'IS NULL' | 'IS NOT NULL';

export interface Identifier {
  entity: Entity;
  key: string;
}

export interface Comparison extends Identifier {
  op: Operator;
  value: string | number | string[] | null;
}

export interface OrderClause extends Identifier {
  ascending: boolean;
}

type Token =
  | { kind: 'ident'; entity: string | undefined; key: string }
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'op'; value: string }
  | { kind: 'word'; value: string }
  | { kind: 'punct'; value: '(' | ')' | ',' };

const ENTITY_PREFIXES: Record<string, Entity> = {
  metric: 'metric',
  metrics: 'metric',
  param: 'param',
  params: 'param',
  parameter: 'param',
  parameters: 'param',
  tag: 'tag',
  tags: 'tag',
  attribute: 'attribute',
  attributes: 'attribute',
  attr: 'attribute',
  run: 'attribute',
};

const KEYWORDS = new Set(['AND', 'LIKE', 'ILIKE', 'IN', 'NOT', 'IS', 'NULL', 'ASC', 'DESC', 'OR']);

function readQuoted(text: string, start: number, quote: string): [string, number] {
  let value = '';
  let i = start + 1;
  while (i < text.length) {
    const ch = text[i] as string;
    if (ch === '\\' && i + 1 < text.length) {
      value += text[i + 1];
      i += 2;
    } else if (ch === quote) {
      if (text[i + 1] === quote) {
        value += quote;
        i += 2;
      } else return [value, i + 1];
    } else {
      value += ch;
      i += 1;
    }
  }
  throw invalid(`unterminated ${quote} quote in search expression at position ${start}`);
}

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    if (/\s/.test(ch)) {
      i += 1;
    } else if (ch === '(' || ch === ')' || ch === ',') {
      tokens.push({ kind: 'punct', value: ch });
      i += 1;
    } else if (/[!<>=]/.test(ch)) {
      const two = text.slice(i, i + 2);
      const op = ['!=', '<=', '>=', '<>', '=='].includes(two) ? two : ch;
      if (op === '!') throw invalid(`unexpected '!' in search expression at position ${i}`);
      tokens.push({ kind: 'op', value: op === '<>' ? '!=' : op === '==' ? '=' : op });
      i += op.length;
    } else if (ch === "'" || ch === '"') {
      const [value, next] = readQuoted(text, i, ch);
      tokens.push({ kind: 'string', value });
      i = next;
    } else if (ch === '`') {
      const [value, next] = readQuoted(text, i, '`');
      tokens.push({ kind: 'ident', entity: undefined, key: value });
      i = next;
    } else if (/[-+\d.]/.test(ch) && /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?/.test(text.slice(i))) {
      const match = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?/.exec(text.slice(i)) as RegExpExecArray;
      tokens.push({ kind: 'number', value: Number(match[0]) });
      i += match[0].length;
    } else if (/[A-Za-z_]/.test(ch)) {
      const match = /^[A-Za-z_][\w]*/.exec(text.slice(i)) as RegExpExecArray;
      const word = match[0];
      i += word.length;
      if (text[i] === '.') {
        i += 1;
        const next = text[i];
        let key: string;
        if (next === '`' || next === '"') {
          [key, i] = readQuoted(text, i, next);
        } else {
          const rest = /^[\w.:/-]+/.exec(text.slice(i));
          if (!rest) throw invalid(`expected a key after '${word}.' in search expression`);
          key = rest[0];
          i += key.length;
        }
        tokens.push({ kind: 'ident', entity: word, key });
      } else if (KEYWORDS.has(word.toUpperCase())) {
        tokens.push({ kind: 'word', value: word.toUpperCase() });
      } else {
        tokens.push({ kind: 'ident', entity: undefined, key: word });
      }
    } else {
      throw invalid(`unexpected character '${ch}' in search expression at position ${i}`);
    }
  }
  return tokens;
}

function toIdentifier(token: Token | undefined, defaultEntity: Entity): Identifier {
  if (!token || token.kind !== 'ident') throw invalid(`expected an identifier such as metrics.auc, params.eta or attributes.status`);
  if (token.entity === undefined) return { entity: defaultEntity, key: token.key };
  const entity = ENTITY_PREFIXES[token.entity.toLowerCase()];
  if (!entity) throw invalid(`invalid entity type '${token.entity}': expected metrics, params, tags or attributes`);
  return { entity, key: token.key };
}

function literal(token: Token | undefined): string | number {
  if (token?.kind === 'string' || token?.kind === 'number') return token.value;
  // A double-quoted value reads as an identifier without an entity in this tokenizer only for backticks.
  throw invalid('expected a quoted string or a number after the comparator');
}

/** Parses a filter string into comparisons joined by AND. Empty or blank filters give []. */
export function parseFilter(filter: string | undefined, defaultEntity: Entity = 'attribute'): Comparison[] {
  if (!filter || !filter.trim()) return [];
  const tokens = tokenize(filter);
  const out: Comparison[] = [];
  let i = 0;
  for (;;) {
    const id = toIdentifier(tokens[i], defaultEntity);
    i += 1;
    const t = tokens[i];
    if (t?.kind === 'op') {
      out.push({ ...id, op: t.value as Operator, value: literal(tokens[i + 1]) });
      i += 2;
    } else if (t?.kind === 'word' && (t.value === 'LIKE' || t.value === 'ILIKE')) {
      out.push({ ...id, op: t.value, value: literal(tokens[i + 1]) });
      i += 2;
    } else if (t?.kind === 'word' && (t.value === 'IN' || (t.value === 'NOT' && tokens[i + 1]?.kind === 'word'))) {
      const negated = t.value === 'NOT';
      if (negated) {
        const next = tokens[i + 1];
        if (next?.kind !== 'word' || next.value !== 'IN') throw invalid("expected IN after NOT");
        i += 1;
      }
      i += 1;
      if (tokens[i]?.kind !== 'punct' || (tokens[i] as { value: string }).value !== '(') throw invalid('expected ( after IN');
      i += 1;
      const values: string[] = [];
      for (;;) {
        const v = tokens[i];
        if (v?.kind !== 'string') throw invalid('IN takes a list of quoted strings');
        values.push(v.value);
        i += 1;
        const sep = tokens[i];
        i += 1;
        if (sep?.kind === 'punct' && sep.value === ')') break;
        if (sep?.kind !== 'punct' || sep.value !== ',') throw invalid('expected , or ) in IN list');
      }
      out.push({ ...id, op: negated ? 'NOT IN' : 'IN', value: values });
    } else if (t?.kind === 'word' && t.value === 'IS') {
      const a = tokens[i + 1];
      const b = tokens[i + 2];
      if (a?.kind === 'word' && a.value === 'NULL') {
        out.push({ ...id, op: 'IS NULL', value: null });
        i += 2;
      } else if (a?.kind === 'word' && a.value === 'NOT' && b?.kind === 'word' && b.value === 'NULL') {
        out.push({ ...id, op: 'IS NOT NULL', value: null });
        i += 3;
      } else throw invalid('expected NULL or NOT NULL after IS');
    } else {
      throw invalid(`expected a comparator (=, !=, <, >, <=, >=, LIKE, ILIKE, IN) after ${id.entity}.${id.key}`);
    }
    const joiner = tokens[i];
    if (joiner === undefined) return out;
    if (joiner.kind === 'word' && joiner.value === 'AND') {
      i += 1;
      continue;
    }
    if (joiner.kind === 'word' && joiner.value === 'OR') throw invalid("search filters support only AND, not OR");
    throw invalid('expected AND between conditions');
  }
}

/** Parses one order_by clause such as "metrics.auc DESC" or "attributes.start_time". */
export function parseOrderBy(clause: string, defaultEntity: Entity = 'attribute'): OrderClause {
  const tokens = tokenize(clause);
  const id = toIdentifier(tokens[0], defaultEntity);
  const direction = tokens[1];
  if (tokens.length > 2 || (direction && (direction.kind !== 'word' || (direction.value !== 'ASC' && direction.value !== 'DESC')))) {
    throw invalid(`invalid order_by clause '${clause}': expected '<entity>.<key> [ASC|DESC]'`);
  }
  return { ...id, ascending: direction?.kind === 'word' ? direction.value === 'ASC' : true };
}
