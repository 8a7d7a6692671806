import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The machine's PostgreSQL (trust auth); override with ECHO_CLOUD_TEST_POSTGRES. */
export const POSTGRES_ADMIN_URL = process.env.ECHO_CLOUD_TEST_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Creates a fresh database for one test file; the cleanup drops it. */
export async function freshPostgresDatabase(): Promise<{ url: string; cleanup: () => Promise<void> }> {
  const name = `echo_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    cleanup: async () => {
      const c = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
