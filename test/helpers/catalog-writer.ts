/**
 * A second process writing to a SQLite catalog (as the API does while workers run jobs): appends audit
 * entries in a loop for `ms` milliseconds, then prints how many and exits (exit 1 on any error).
 * Usage: node test/helpers/catalog-writer.ts <catalog file> <ms>
 */
import { createSqliteCatalog } from '../../src/adapters/catalog/sqlite/create-sqlite-catalog.ts';
import { chainEntry } from '../../src/security/audit/chain.ts';

const [path, ms] = process.argv.slice(2);
const catalog = createSqliteCatalog(path!);
const until = Date.now() + Number(ms);
let n = 0;
try {
  while (Date.now() < until) {
    await catalog.appendAudit((previous) => [
      chainEntry(previous, { at: Date.now(), actor: 'writer', projectId: null, action: 'test.write', object: null, ip: null, outcome: 200, detail: null }),
    ]);
    n++;
  }
  console.log(n);
} catch (err) {
  console.error((err as Error).message);
  process.exitCode = 1;
} finally {
  await catalog.close();
}
