import { request } from 'node:http';
import { parse } from 'csv-parse/sync';
import { customer, startTestApp } from './test-support.js';

type TestApp = Awaited<ReturnType<typeof startTestApp>>;

const header = Object.keys(customer).join(',');
const rowOf = (overrides: Partial<Record<keyof typeof customer, string | number>> = {}) =>
  Object.values({ ...customer, ...overrides }).join(',');

describe('POST /predict/batch (CSV)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ batchChunkRows: 100 });
  });
  afterAll(() => app.close());

  const send = (body: string | ReadableStream) =>
    fetch(`${app.url}/predict/batch`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body, duplex: 'half' } as RequestInit);

  it('when some rows are bad, then good rows get a chance and bad rows an error, in input order', async () => {
    const csv = [`customer_id,${header}`, `a,${rowOf()}`, `b,${rowOf({ card_category: 'diamond' })}`, `c,${rowOf({ credit_limit: 20000, card_category: 'gold' })}`, `d,${rowOf({ customer_age: 'old' })}`].join('\n');
    const response = await send(csv);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/csv/);
    const out = parse(await response.text(), { columns: true }) as Record<string, string>[];
    expect(out.map((r) => r.customer_id)).toEqual(['a', 'b', 'c', 'd']);
    expect(out.map((r) => r['churn chance'])).toEqual(['0.05', '', '0.7', '']);
    expect(out[0]?.model_run_id).toBe('run-test');
    expect(out[1]?.error).toMatch(/^card_category: /);
    expect(out[3]?.error).toMatch(/^customer_age: /);
    expect(out[0]?.error).toBe('');
  });

  it('when the header is a raw export (other case, spaces), then the contract cleaning names the columns and the rows score as usual', async () => {
    const rawHeader = Object.keys(customer).map((name) => ` ${name.toUpperCase()}`).join(',');
    const out = parse(await (await send([`CLIENTNUM,${rawHeader}`, `a,${rowOf()}`].join('\n'))).text(), { columns: true }) as Record<string, string>[];
    expect(out[0]).toMatchObject({ CLIENTNUM: 'a', 'churn chance': '0.05', error: '' });
  });

  it('when a large file is streamed in pieces, then every row is answered and output starts before the upload ends', async () => {
    const rows = 20_000;
    let sentRows = 0;
    let sentWhenFirstByte = -1;
    // node:http rather than fetch: fetch holds the response until the upload ends (half duplex).
    const { port, hostname } = new URL(app.url);
    const text = await new Promise<string>((resolve, reject) => {
      const req = request({ host: hostname, port, path: '/predict/batch', method: 'POST', headers: { 'content-type': 'text/csv' } }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (sentWhenFirstByte < 0) sentWhenFirstByte = sentRows;
          body += chunk;
        });
        res.on('end', () => resolve(body));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.write(`${header}\n`);
      const pump = () => {
        if (sentRows >= rows) return void req.end();
        req.write(`${Array.from({ length: 1000 }, () => rowOf()).join('\n')}\n`);
        sentRows += 1000;
        setTimeout(pump, 10);
      };
      pump();
    });
    const lines = text.trim().split('\n');
    expect(lines).toHaveLength(rows + 1);
    expect(sentWhenFirstByte).toBeGreaterThan(0);
    expect(sentWhenFirstByte).toBeLessThan(rows);
  }, 30_000);

  it.each([
    ['an empty body', ''],
    ['a header without rows', `${header}\n`],
    ['an unterminated quote on the first row', `${header}\n"45,m`],
  ])('when the file is %s, then it answers 400', async (_case, csv) => {
    const response = await send(csv);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { field: string }).field).toBe('(body)');
  });

  it('when a row has too few columns, then that row gets an error naming the missing field', async () => {
    const response = await send(`${header}\n${rowOf()}\n45,m,2\n`);
    const out = parse(await response.text(), { columns: true, relax_column_count: true }) as Record<string, string>[];
    expect(out[1]?.error).toMatch(/^education_level: /);
  });

  it('when cells were quoted (a comma, a quote, a line break) or padded, then the answer gives every input cell back as read, beside plain rows', async () => {
    const rows = [`x,${rowOf()}`, `"a, b",${rowOf()}`, `"say ""hi""",${rowOf()}`, `"two\nlines",${rowOf({ card_category: 'diamond' })}`, `  padded  ,${rowOf()}`, `"quoted",${rowOf()}`];
    const text = await (await send([`note,${header}`, ...rows].join('\n'))).text();
    const out = parse(text, { columns: true }) as Record<string, string>[];
    expect(out.map((r) => r.note)).toEqual(['x', 'a, b', 'say "hi"', 'two\nlines', 'padded', 'quoted']);
    expect(out.map((r) => r.card_category)).toEqual(['blue', 'blue', 'blue', 'diamond', 'blue', 'blue']);
    expect(out.map((r) => r['churn chance'] !== '')).toEqual([true, true, true, false, true, true]);
    // A plain row is written back as it came; one with more cells than the header as the header's cells.
    const longer = await (await send([`note,${header}`, `x,${rowOf()},more`].join('\n'))).text();
    expect(longer.split('\n')[1]).toBe(`x,${rowOf()},0.05,run-test,`);
    expect(text.split('\n')[1]).toBe(`x,${rowOf()},0.05,run-test,`);
  });
});
