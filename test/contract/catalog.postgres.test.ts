import { createPostgresCatalog } from '../../src/adapters/catalog/postgres/create-postgres-catalog.ts';
import { freshPostgresDatabase } from '../helpers/postgres.ts';
import { catalogContract } from './catalog.contract.ts';
import { catalogSecurityContract } from './catalog-security.contract.ts';

catalogContract('postgres', async () => {
  const { url, cleanup } = await freshPostgresDatabase();
  return { catalog: createPostgresCatalog(url), cleanup };
});

catalogSecurityContract('postgres', async () => {
  const { url, cleanup } = await freshPostgresDatabase();
  return { catalog: createPostgresCatalog(url), cleanup };
});
