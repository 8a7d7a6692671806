import { randomBytes, randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { DeadMessage, JobBody, QueueStats, ReceivedMessage } from '../../../ports/job-queue.ts';
import { EchoError } from '../../../errors/catalogue.ts';

interface MessageRow {
  seq: number;
  id: string;
  body: string;
  receive_count: number;
  sent_at: number;
}

interface DeadRow {
  id: string;
  body: string;
  receive_count: number;
  dead_at: number;
}

export interface ClaimResult {
  messages: ReceivedMessage[];
  /** Earliest future `visible_at` of a live message when nothing was claimed (ms), for the wake-up timer. */
  nextVisibleAt: number | null;
}

/**
 * The queue's SQL, one prepared statement per operation. Every method is synchronous and runs in its own
 * transaction; the caller translates driver errors. Times are ms since the epoch, from the caller's clock
 * (all processes sharing a file share the machine's clock).
 */
export class QueueStore {
  readonly #db: Database.Database;
  readonly #path: string;
  readonly #maxReceives: number;
  readonly #insert: Database.Statement;
  readonly #deadLetter: Database.Statement;
  readonly #selectReady: Database.Statement;
  readonly #claim: Database.Statement;
  readonly #nextVisible: Database.Statement;
  readonly #setVisibility: Database.Statement;
  readonly #release: Database.Statement;
  readonly #delete: Database.Statement;
  readonly #stats: Database.Statement;
  readonly #listDead: Database.Statement;
  readonly #claimTx: (now: number, max: number, hideUntil: number) => ClaimResult;

  constructor(db: Database.Database, path: string, maxReceives: number) {
    this.#db = db;
    this.#path = path;
    this.#maxReceives = maxReceives;
    this.#insert = db.prepare(
      'INSERT INTO queue_messages (id, body, visible_at, receive_count, sent_at) VALUES (?, ?, ?, 0, ?)',
    );
    // Redrive: a ready message already delivered maxReceives times would exceed the limit on this delivery.
    this.#deadLetter = db.prepare(
      'UPDATE queue_messages SET dead_at = ?, receipt = NULL WHERE dead_at IS NULL AND visible_at <= ? AND receive_count >= ?',
    );
    this.#selectReady = db.prepare(
      'SELECT seq, id, body, receive_count, sent_at FROM queue_messages WHERE dead_at IS NULL AND visible_at <= ? ORDER BY visible_at, seq LIMIT ?',
    );
    this.#claim = db.prepare(
      'UPDATE queue_messages SET receipt = ?, visible_at = ?, receive_count = receive_count + 1 WHERE seq = ?',
    );
    this.#nextVisible = db.prepare(
      'SELECT min(visible_at) AS at FROM queue_messages WHERE dead_at IS NULL AND visible_at > ?',
    );
    this.#setVisibility = db.prepare(
      'UPDATE queue_messages SET visible_at = ? WHERE receipt = ? AND dead_at IS NULL',
    );
    // Releasing gives the delivery up: the receipt stops being valid, so the message counts as delayed, not
    // in flight, and a late heartbeat from the releasing worker cannot hide it again.
    this.#release = db.prepare(
      'UPDATE queue_messages SET visible_at = ?, receipt = NULL WHERE receipt = ? AND dead_at IS NULL',
    );
    this.#delete = db.prepare('DELETE FROM queue_messages WHERE receipt = ? AND dead_at IS NULL');
    this.#stats = db.prepare(
      `SELECT
         coalesce(sum(dead_at IS NULL AND visible_at <= @now), 0) AS visible,
         coalesce(sum(dead_at IS NULL AND visible_at > @now AND receipt IS NOT NULL), 0) AS inFlight,
         coalesce(sum(dead_at IS NULL AND visible_at > @now AND receipt IS NULL), 0) AS delayed,
         coalesce(sum(dead_at IS NOT NULL), 0) AS dead
       FROM queue_messages`,
    );
    this.#listDead = db.prepare(
      'SELECT id, body, receive_count, dead_at FROM queue_messages WHERE dead_at IS NOT NULL ORDER BY dead_at, seq LIMIT ?',
    );
    // BEGIN IMMEDIATE takes the write lock before reading, so two processes can never select the same row.
    const claimTx = db.transaction((now: number, max: number, hideUntil: number): ClaimResult => {
      this.#deadLetter.run(now, now, this.#maxReceives);
      const rows = this.#selectReady.all(now, max) as MessageRow[];
      const messages: ReceivedMessage[] = [];
      for (const row of rows) {
        const receipt = newReceipt();
        this.#claim.run(receipt, hideUntil, row.seq);
        messages.push({
          id: row.id,
          receipt,
          body: this.#parse(row.body, row.id),
          receiveCount: row.receive_count + 1,
          sentAt: row.sent_at,
        });
      }
      if (messages.length > 0) return { messages, nextVisibleAt: null };
      const next = this.#nextVisible.get(now) as { at: number | null };
      return { messages, nextVisibleAt: next.at };
    });
    this.#claimTx = (now, max, hideUntil) => claimTx.immediate(now, max, hideUntil);
  }

  send(body: JobBody, now: number, visibleAt: number): string {
    const id = randomUUID();
    this.#insert.run(id, JSON.stringify(body), visibleAt, now);
    return id;
  }

  claim(now: number, max: number, hideUntil: number): ClaimResult {
    return this.#claimTx(now, max, hideUntil);
  }

  /** False when the receipt is stale (redelivered, released, deleted or dead-lettered). */
  setVisibility(receipt: string, visibleAt: number): boolean {
    return this.#setVisibility.run(visibleAt, receipt).changes > 0;
  }

  release(receipt: string, visibleAt: number): boolean {
    return this.#release.run(visibleAt, receipt).changes > 0;
  }

  delete(receipt: string): boolean {
    return this.#delete.run(receipt).changes > 0;
  }

  stats(now: number): QueueStats {
    return this.#stats.get({ now }) as QueueStats;
  }

  listDead(limit: number): DeadMessage[] {
    const rows = this.#listDead.all(limit) as DeadRow[];
    return rows.map((row) => ({
      id: row.id,
      body: this.#parse(row.body, row.id),
      receiveCount: row.receive_count,
      deadAt: row.dead_at,
    }));
  }

  close(): void {
    this.#db.close();
  }

  #parse(text: string, id: string): JobBody {
    try {
      return JSON.parse(text) as JobBody;
    } catch (err) {
      throw new EchoError('QUEUE_FAILED', `sqlite queue "${this.#path}": message ${id} has a body that is not JSON`, {
        cause: err,
        details: { path: this.#path, messageId: id },
      });
    }
  }
}

/** Opaque, unguessable, new on every delivery. */
function newReceipt(): string {
  return randomBytes(18).toString('base64url');
}
