import { join } from 'node:path';
import { createSqliteCatalog } from '../../src/adapters/catalog/sqlite/create-sqlite-catalog.ts';
import { tempDir } from '../helpers/temp.ts';
import { catalogContract } from './catalog.contract.ts';
import { catalogSecurityContract } from './catalog-security.contract.ts';

catalogContract('sqlite', async () => {
  const { dir, cleanup } = await tempDir();
  return { catalog: createSqliteCatalog(join(dir, 'catalog.sqlite')), cleanup };
});

catalogSecurityContract('sqlite', async () => {
  const { dir, cleanup } = await tempDir();
  return { catalog: createSqliteCatalog(join(dir, 'catalog.sqlite')), cleanup };
});
