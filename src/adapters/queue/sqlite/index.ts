export { createSqliteQueue, type SqliteQueueOptions } from './create-sqlite-queue.ts';
