import { readdirSync } from 'node:fs';
import { createTestDatabase, loadTestConfig } from '../testing/test-registry.js';
import { createPool, type Db } from './db.js';
import { migrate, MIGRATIONS_DIR } from './migrate.js';

describe('migrate', () => {
  let database: { url: string; drop: () => Promise<void> };
  let pools: Db[] = [];
  beforeAll(async () => {
    database = await createTestDatabase(loadTestConfig().REGISTRY_DATABASE_URL);
  });
  afterAll(async () => {
    await Promise.all(pools.map((p) => p.end()));
    await database?.drop();
  });

  it('when three registries start at once on an empty database, then every migration is applied exactly once and Default exists once', async () => {
    pools = [createPool(database.url), createPool(database.url), createPool(database.url)];
    // Dropping the database ends sessions whose goodbye is still in flight; that is not a failure here.
    for (const p of pools) p.on('error', () => undefined);
    const applied = await Promise.all(pools.map((p) => migrate(p)));
    const files = readdirSync(MIGRATIONS_DIR).filter((f) => f.endsWith('.sql')).sort();
    expect(applied.flat().sort()).toEqual(files);
    const db = pools[0] as Db;
    expect((await db.query('SELECT name FROM schema_migrations ORDER BY name')).rows.map((r: { name: string }) => r.name)).toEqual(files);
    expect((await db.query("SELECT experiment_id, name FROM experiments")).rows).toEqual([{ experiment_id: 0, name: 'Default' }]);
  });

  it('when migrate runs again, then nothing is applied', async () => {
    expect(await migrate(pools[0] as Db)).toEqual([]);
  });
});
