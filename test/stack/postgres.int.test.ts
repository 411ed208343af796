import pg from 'pg';
import { stackEnv, uniqueName } from './stack-env.js';

describe('PostgreSQL of the native stack', () => {
  const client = new pg.Client({ connectionString: stackEnv.REGISTRY_DATABASE_URL });
  const table = uniqueName('stack_test').replaceAll('-', '_');

  beforeAll(() => client.connect());
  afterAll(async () => {
    await client.query(`drop table if exists ${table}`);
    await client.end();
  });

  it('when connected to the registry database, then it is PostgreSQL 15 and answers queries', async () => {
    const { rows } = await client.query<{ db: string; version: string }>('select current_database() as db, version()');
    expect(rows[0]?.db).toBe('registry');
    expect(rows[0]?.version).toMatch(/^PostgreSQL 15\./);
  });

  it('when rows are inserted, then a query with parameters reads them back', async () => {
    await client.query(`create table ${table} (id serial primary key, name text not null, score double precision)`);
    await client.query(`insert into ${table} (name, score) values ($1, $2), ($3, $4)`, ['a', 0.25, 'b', 0.75]);
    const { rows } = await client.query<{ name: string; score: number }>(`select name, score from ${table} where score > $1`, [0.5]);
    expect(rows).toEqual([{ name: 'b', score: 0.75 }]);
  });
});
