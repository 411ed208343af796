import { MlflowError } from '../errors.js';
import { parseFilter, parseOrderBy } from './filter-parser.js';

describe('parseFilter', () => {
  it('when given metrics, params, tags and attributes joined by AND, then each becomes a comparison', () => {
    expect(parseFilter("metrics.auc > 0.8 and params.eta = '0.1' AND tags.`team name` != \"ml\" AND attributes.status = 'FINISHED'")).toEqual([
      { entity: 'metric', key: 'auc', op: '>', value: 0.8 },
      { entity: 'param', key: 'eta', op: '=', value: '0.1' },
      { entity: 'tag', key: 'team name', op: '!=', value: 'ml' },
      { entity: 'attribute', key: 'status', op: '=', value: 'FINISHED' },
    ]);
  });

  it('when keys are quoted with backticks or double quotes or contain dots, then the full key is kept', () => {
    expect(parseFilter('metrics.`my metric` <= -1.5e2 AND tags."mlflow.runName" LIKE \'a%\' AND tags.mlflow.user ILIKE \'%x\'')).toEqual([
      { entity: 'metric', key: 'my metric', op: '<=', value: -150 },
      { entity: 'tag', key: 'mlflow.runName', op: 'LIKE', value: 'a%' },
      { entity: 'tag', key: 'mlflow.user', op: 'ILIKE', value: '%x' },
    ]);
  });

  it('when IN and NOT IN lists are given, then the values are collected', () => {
    expect(parseFilter("attributes.run_id IN ('a', 'b') AND attribute.status NOT IN ('FAILED')")).toEqual([
      { entity: 'attribute', key: 'run_id', op: 'IN', value: ['a', 'b'] },
      { entity: 'attribute', key: 'status', op: 'NOT IN', value: ['FAILED'] },
    ]);
  });

  it('when a bare name is used, then it is an attribute (as in registry searches: name = ...)', () => {
    expect(parseFilter("name = 'churn-model'")).toEqual([{ entity: 'attribute', key: 'name', op: '=', value: 'churn-model' }]);
  });

  it('when quotes embed escaped quotes, then they are unescaped', () => {
    expect(parseFilter("params.p = 'it''s'")[0]?.value).toBe("it's");
  });

  it('when the filter is empty or blank, then there are no comparisons', () => {
    expect(parseFilter(undefined)).toEqual([]);
    expect(parseFilter('   ')).toEqual([]);
  });

  it.each([
    ['metrics.auc > 0.8 OR metrics.auc < 0.1', /only AND/],
    ['metrics.auc', /expected a comparator/],
    ['metrics.auc >', /expected a quoted string or a number/],
    ["bogus.auc = 'x'", /invalid entity type 'bogus'/],
    ["params.p = 'unterminated", /unterminated/],
    ['metrics.auc > 1 metrics.loss < 2', /expected AND/],
    ["attributes.run_id IN 'a'", /expected \(/],
    ['metrics.auc ; drop table runs', /unexpected character/],
  ])('when the filter is %s, then it is rejected as INVALID_PARAMETER_VALUE', (filter, message) => {
    expect(() => parseFilter(filter)).toThrow(MlflowError);
    expect(() => parseFilter(filter)).toThrow(message);
  });
});

describe('parseOrderBy', () => {
  it('when a direction is given, then it is honoured; otherwise ascending', () => {
    expect(parseOrderBy('metrics.auc DESC')).toEqual({ entity: 'metric', key: 'auc', ascending: false });
    expect(parseOrderBy('params.`max depth`')).toEqual({ entity: 'param', key: 'max depth', ascending: true });
    expect(parseOrderBy('start_time asc')).toEqual({ entity: 'attribute', key: 'start_time', ascending: true });
  });

  it('when extra words follow, then it is rejected', () => {
    expect(() => parseOrderBy('metrics.auc DESC NULLS')).toThrow(/invalid order_by/);
  });
});
