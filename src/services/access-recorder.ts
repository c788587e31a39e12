// Verification attempts and certificate views, written in small batches so a successful verification costs no
// synchronous disk flush (DESIGN §7): flushed every 100 ms and at shutdown; expired throttle counters and failed
// attempts past their retention period purged. A throttled client is recorded once per window, not per request:
// 2,000 refused requests from one client wrote 2,000 rows in 1.8 s.
import type { Insertable, Kysely } from 'kysely';
import { writeTransaction } from '../../db/connection.js';
import type { AccessEventTable, Database } from '../../db/schema.js';
import type { Logger } from '../logger.js';
import { insertAccessEvents, purgeExpiredAttempts, purgeExpiredCounters } from '../repositories/activity.js';
import { databaseFault } from './db-errors.js';

export type AccessEvent = Omit<Insertable<AccessEventTable>, 'id'>;

/** Rows per write transaction. */
const PART_ROWS = 128;
/**
 * Rows per INSERT. SQLite gives an INSERT of several rows a statement journal, which spills to a temporary file past
 * 64 KiB — a few dozen access records, each touching its own index pages. Measured (12,000 records in 51 flushes):
 * up to 128 rows per INSERT wrote 3,081 journal pages to that file, up to 8 rows 881; the last 10,000 records took
 * 330–400 ms against 225–265 ms.
 */
const INSERT_ROWS = 8;
/** Failed attempts deleted per purge (once a minute): a backlog goes in steps that never hold the lock for long. */
const PURGE_ROWS = 5_000;

export interface AccessRecorderOptions {
  intervalMs?: number;
  maxQueue?: number;
  /** Days failed and throttled attempts are kept (Config.accessRetentionDays). */
  retentionDays?: number;
}

export class AccessRecorder {
  private queue: AccessEvent[] = [];
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private lastPurge = 0;
  /** Throttled clients already recorded, until their window ends. */
  private readonly throttledUntil = new Map<string, number>();
  private readonly intervalMs: number;
  private readonly maxQueue: number;
  private readonly retentionMs: number;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: () => Date,
    private readonly logger: Logger,
    options: AccessRecorderOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 100;
    this.maxQueue = options.maxQueue ?? 100_000;
    this.retentionMs = (options.retentionDays ?? 90) * 86_400_000;
  }

  /**
   * Records a throttled attempt unless this client's refusal was already recorded in the window that ends at
   * `untilMs` (the answer's Retry-After): one row says the client was refused, a thousand say nothing more.
   */
  recordThrottled(event: AccessEvent, untilMs: number): void {
    const key = `${event.kind}|${event.client}`;
    const now = this.clock().getTime();
    if ((this.throttledUntil.get(key) ?? 0) > now) return;
    if (this.throttledUntil.size >= 10_000) {
      for (const [k, until] of this.throttledUntil) if (until <= now) this.throttledUntil.delete(k);
    }
    this.throttledUntil.set(key, untilMs);
    this.record(event);
  }

  record(event: AccessEvent): void {
    // Never lose accepted work silently: past the cap the oldest records go, and the loss is reported.
    if (this.queue.length >= this.maxQueue) {
      this.queue.shift();
      this.logger.warn('access event queue full; oldest record dropped');
    }
    this.queue.push(event);
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.flush().catch(() => undefined), this.intervalMs);
    this.timer.unref();
  }

  /** Writes everything queued so far; on failure the records not yet written stay queued for the next try. */
  async flush(): Promise<void> {
    if (this.flushing) await this.flushing;
    if (this.queue.length === 0 && this.clock().getTime() - this.lastPurge < 60_000) return;
    const batch = this.queue;
    this.queue = [];
    const now = this.clock().getTime();
    let written = 0;
    this.flushing = this.write(batch, now, (rows) => (written += rows))
      .catch((error: unknown) => {
        this.queue = batch.slice(written).concat(this.queue);
        const fault = databaseFault(error);
        this.logger.error(
          { err: error, queued: this.queue.length, ...(fault ? { fault: fault.kind, cause: fault.cause } : {}) },
          `access event flush failed${fault ? ` (${fault.kind.replace('_', ' ')}: ${fault.cause})` : ''}; kept for the next try`,
        );
        throw error;
      })
      .finally(() => {
        this.flushing = null;
      });
    await this.flushing;
  }

  /**
   * Writes the batch and reports each committed part to `written`; the expired throttle counters are purged in
   * another transaction, once a minute. The batch goes in transactions of at most PART_ROWS rows with a turn in
   * between: on SQLite the inserts run on the event loop (better-sqlite3 is synchronous), and a 100 ms batch under
   * load (≈700 rows) in one transaction would hold every request for several milliseconds at once — a visible part
   * of the p99. Within a part, INSERTs of 8, 4, 2 or 1 rows: four statement shapes in the connection's
   * prepared-statement cache instead of one per batch size seen.
   */
  private async write(batch: AccessEvent[], now: number, written: (rows: number) => void): Promise<void> {
    for (let at = 0; at < batch.length; at += PART_ROWS) {
      if (at > 0) await new Promise((resolve) => setImmediate(resolve));
      const part = batch.slice(at, at + PART_ROWS);
      await writeTransaction(
        this.db,
        async (tx) => {
          for (let i = 0; i < part.length;) {
            const size = Math.min(INSERT_ROWS, 2 ** Math.floor(Math.log2(part.length - i)));
            await insertAccessEvents(tx, part.slice(i, i + size));
            i += size;
          }
        },
        { durable: false },
      );
      written(part.length);
    }
    if (now - this.lastPurge >= 60_000) {
      this.lastPurge = now;
      // The batch is written: a failed purge is reported, not retried with the batch (that would write it twice).
      await writeTransaction(this.db, (tx) => purgeExpiredCounters(tx, now), { durable: false }).catch(
        (error: unknown) => this.logger.error({ err: error }, 'throttle counter purge failed'),
      );
      const before = new Date(now - this.retentionMs).toISOString();
      await writeTransaction(this.db, (tx) => purgeExpiredAttempts(tx, before, PURGE_ROWS), { durable: false }).catch(
        (error: unknown) => this.logger.error({ err: error }, 'access record purge failed'),
      );
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flush();
  }
}
