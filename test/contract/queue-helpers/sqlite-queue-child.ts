/** Child process for the SQLite queue tests: `node sqlite-queue-child.ts <file> <maxReceives>`. */
import { createSqliteQueue } from '../../../src/adapters/queue/sqlite/index.ts';
import { serveQueueOverStdio } from './stdio-queue-server.ts';

const [path, maxReceives = '5', pollFallbackMs = '60000'] = process.argv.slice(2);
if (path === undefined) {
  console.error('usage: sqlite-queue-child.ts FILE [MAX_RECEIVES] [POLL_FALLBACK_MS]');
  process.exit(1);
}
const queue = await createSqliteQueue({ path, maxReceives: Number(maxReceives), pollFallbackMs: Number(pollFallbackMs) });
await serveQueueOverStdio(queue);
