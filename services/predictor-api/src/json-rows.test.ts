import { JsonRowScanner, JsonShapeError, type JsonEvent } from './json-rows.js';

/** Every event of `text` fed in pieces of `size` characters. */
function scan(text: string, size: number, maxValueChars = 1_000): JsonEvent[] {
  const scanner = new JsonRowScanner(maxValueChars);
  const events: JsonEvent[] = [];
  for (let i = 0; i < text.length; i += size) events.push(...scanner.push(text.slice(i, i + size)));
  scanner.end();
  return events;
}

describe('JsonRowScanner', () => {
  const split = JSON.stringify({ params: { a: [1, { b: '}]' }] }, dataframe_split: { columns: ['x', 'y "q"'], index: [0, 1], data: [[1.5, 'a,]'], [null, -2e3]] } });

  it.each([1, 2, 7, 1_000])('when a dataframe_split body arrives in pieces of %i characters, then each row comes out parsed and the other values whole', (size) => {
    expect(scan(split, size)).toEqual([
      { kind: 'value', path: ['params'], value: { a: [1, { b: '}]' }] } },
      { kind: 'value', path: ['dataframe_split', 'columns'], value: ['x', 'y "q"'] },
      { kind: 'value', path: ['dataframe_split', 'index'], value: [0, 1] },
      { kind: 'row', key: 'dataframe_split.data', value: [1.5, 'a,]'] },
      { kind: 'row', key: 'dataframe_split.data', value: [null, -2000] },
    ]);
  });

  it.each([1, 3, 1_000])('when records, instances or inputs arrive in pieces of %i characters, then each element is a row; columnar inputs come whole', (size) => {
    const body = ' {\n "dataframe_records" : [ {"a": "\\\\\\"x"} , {"a": 2} ] , "instances": [[1], 2, "s"], "inputs": {"a": [1, 2]} } \n';
    expect(scan(body, size)).toEqual([
      { kind: 'row', key: 'dataframe_records', value: { a: '\\"x' } },
      { kind: 'row', key: 'dataframe_records', value: { a: 2 } },
      { kind: 'row', key: 'instances', value: [1] },
      { kind: 'row', key: 'instances', value: 2 },
      { kind: 'row', key: 'instances', value: 's' },
      { kind: 'value', path: ['inputs'], value: { a: [1, 2] } },
    ]);
  });

  it('when empty rows arrays and objects are sent, then there are no rows', () => {
    expect(scan('{"dataframe_records": [], "dataframe_split": {}}', 4)).toEqual([]);
  });

  it.each([
    ['[1, 2]', /expected a JSON object/],
    ['{"dataframe_records": [{"a": 1},]}', /malformed JSON body: unexpected/],
    ['{"dataframe_records": [{"a": 1}', /ends before the document does/],
    ['{"dataframe_records" [1]}', /after a key/],
    ['{"a": 1} x', /after the end of the document/],
    ['{"dataframe_records": [{"a": tru}]}', /unexpected text in dataframe_records/],
    ['', /empty body/],
  ])('when the body is %j, then it is refused saying why', (body, message) => {
    expect(() => scan(body, 3)).toThrow(message);
  });

  it('when one row is longer than the value limit, then it is refused as too large before the rest is read', () => {
    const error = (() => {
      try {
        scan(`{"dataframe_records": [{"a": "${'x'.repeat(5_000)}"}]}`, 100, 1_000);
      } catch (e) {
        return e;
      }
      return undefined;
    })() as JsonShapeError;
    expect(error).toBeInstanceOf(JsonShapeError);
    expect(error.tooLarge).toBe(true);
    expect(error.message).toMatch(/dataframe_records: a row is larger than PREDICTOR_API_BODY_LIMIT/);
  });
});
