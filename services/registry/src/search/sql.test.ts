import { parseFilter, parseOrderBy } from './filter-parser.js';
import { compileFilter, compileOrderBy, SqlParams, type SearchSpec } from './sql.js';

const spec: SearchSpec = {
  resource: 'runs',
  ownerColumn: 'r.run_id',
  attributes: { status: { sql: 'r.status', type: 'string' }, start_time: { sql: 'r.start_time', type: 'number' } },
  keyValue: { metric: { table: 'latest_metrics', owner: 'run_id', numeric: true }, param: { table: 'params', owner: 'run_id', numeric: false } },
};

describe('compileFilter', () => {
  it('when values look like SQL, then they only ever appear as bind parameters', () => {
    const p = new SqlParams();
    const sql = compileFilter(parseFilter("params.`x'; DROP TABLE runs; --` = 'a''; DELETE FROM runs; --' AND metrics.auc >= 0.5"), spec, p);
    expect(sql).not.toMatch(/DROP|DELETE/);
    expect(sql).toBe(
      'EXISTS (SELECT 1 FROM params kv WHERE kv.run_id = r.run_id AND kv.key = $1 AND kv.value = $2)' +
        ' AND EXISTS (SELECT 1 FROM latest_metrics kv WHERE kv.run_id = r.run_id AND kv.key = $3 AND kv.value >= $4)',
    );
    expect(p.values).toEqual(["x'; DROP TABLE runs; --", "a'; DELETE FROM runs; --", 'auc', 0.5]);
  });

  it('when IN is used on a string attribute, then it binds an array', () => {
    const p = new SqlParams();
    expect(compileFilter(parseFilter("attributes.status IN ('FINISHED', 'FAILED')"), spec, p)).toBe('r.status = ANY($1::text[])');
    expect(p.values).toEqual([['FINISHED', 'FAILED']]);
  });

  it.each([
    ["metrics.auc = 'high'", /numeric value/],
    ['params.eta > 1', /invalid comparator '>' for param.eta/],
    ["params.eta = 1", /quoted string/],
    ["attributes.color = 'red'", /invalid attribute key 'color'/],
    ["tags.t = 'x'", /tags cannot be used/],
    ["metrics.auc LIKE '1%'", /invalid comparator 'LIKE'/],
    ["params.p IN ('a')", /IN is only supported for attributes/],
    ["attributes.start_time IN ('1')", /IN is only supported for string attributes/],
  ])('when the filter is %s, then it is rejected with a message naming the problem', (filter, message) => {
    expect(() => compileFilter(parseFilter(filter), spec, new SqlParams())).toThrow(message);
  });

  it('when a tag has a default (the prompt marker), then a missing tag compares as the default', () => {
    const p = new SqlParams();
    const withDefault: SearchSpec = { ...spec, keyValue: { tag: { table: 'tags', owner: 'run_id', numeric: false } }, tagDefaults: { 'mlflow.prompt.is_prompt': 'false' } };
    expect(compileFilter(parseFilter("tag.`mlflow.prompt.is_prompt` != 'true'"), withDefault, p)).toBe(
      'COALESCE((SELECT kv.value FROM tags kv WHERE kv.run_id = r.run_id AND kv.key = $1), $2) != $3',
    );
    expect(p.values).toEqual(['mlflow.prompt.is_prompt', 'false', 'true']);
  });

  it('when there are no comparisons, then the filter is TRUE', () => {
    expect(compileFilter([], spec, new SqlParams())).toBe('TRUE');
  });
});

describe('compileOrderBy', () => {
  it('when ordering by a metric, then it is LEFT JOINed by a bound key and missing values sort last', () => {
    const p = new SqlParams();
    expect(compileOrderBy([parseOrderBy('metrics.auc DESC'), parseOrderBy('attributes.start_time')], spec, p)).toEqual({
      joins: ['LEFT JOIN latest_metrics ob0 ON ob0.run_id = r.run_id AND ob0.key = $1'],
      terms: ['ob0.value DESC NULLS LAST', 'r.start_time ASC NULLS LAST'],
    });
    expect(p.values).toEqual(['auc']);
  });

  it('when params are ordered for the UI, then numbers sort by value before text values, and as text for MLflow clients', () => {
    const [numeric] = compileOrderBy([parseOrderBy('params.max_depth ASC')], spec, new SqlParams(), { numericParams: true }).terms;
    expect(numeric).toMatch(/^CASE WHEN ob0\.value ~ '.+' THEN ob0\.value::numeric END ASC NULLS LAST, ob0\.value ASC NULLS LAST$/);
    expect(compileOrderBy([parseOrderBy('params.max_depth ASC')], spec, new SqlParams()).terms).toEqual(['ob0.value ASC NULLS LAST']);
  });
});
