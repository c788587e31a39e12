// The delivery worker: claims due outbox rows, signs their links, sends them over SMTP a few at a time, and retries
// with exponential backoff and jitter until they are sent or dead-lettered. Safe with several instances on one
// database (a row is leased by one worker at a time, and the lease is renewed while its send is in progress). Also
// runs the periodic jobs, expiry reminders and purging old records, in the one instance that leads them.
import { randomUUID } from 'node:crypto';
import { formatInstant } from '../domain/format.js';
import {
  claimNextOutbox,
  countOutboxByState,
  extendOutboxLeases,
  finishOutboxAttempt,
  type OutboxRow,
} from '../repositories/outbox.js';
import type { ServiceContext } from '../services/context.js';
import { resignLeadership, runAsLeader } from '../services/leadership.js';
import { runMailHousekeeping } from '../services/reminders.js';
import { recordDueExpiries } from '../services/watch-feed.js';
import { escapeHtml } from './render.js';
import { LINK_PATHS, LINK_TTL_MS, linkSignerFor, UNSUBSCRIBE_TTL_MS } from './links.js';
import type { LinkSpec } from './outbox.js';
import { mailLogLine } from './log-line.js';
import { LINK } from './templates.js';
import {
  createSmtpTransport,
  failureReason,
  isPermanentFailure,
  type MailTransport,
  type OutgoingMail,
} from './transport.js';

export interface MailWorkerOptions {
  /** null: no SMTP configured — mail stays in the outbox; the periodic jobs still run. */
  transport: MailTransport | null;
  /** Identifies this worker's leases (unique per process by default). */
  owner?: string;
  pollMs?: number;
  housekeepingMs?: number;
  /** At most this many mails per tick. */
  batchSize?: number;
  /** Mails sent at the same time (one SMTP connection each): a slow server delays the others only this much. */
  concurrency?: number;
  /**
   * How long a claimed mail stays this worker's without news: renewed every third of it while the send is in
   * progress, so it only bounds how soon another instance takes over the mails of a worker that died.
   */
  leaseMs?: number;
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  random?: () => number;
}

export interface TickResult {
  sent: number;
  retried: number;
  dead: number;
}

const DEFAULTS = {
  pollMs: 2_000,
  housekeepingMs: 10 * 60_000,
  batchSize: 20,
  concurrency: 4,
  leaseMs: 60_000,
  // 30 s doubling to a 2 h ceiling: 20 attempts span about a day (16–26 h with jitter) before a dead letter.
  maxAttempts: 20,
  baseDelayMs: 30_000,
  maxDelayMs: 2 * 3_600_000,
};

/** Delay before attempt n+1 after n failed attempts: exponential, capped, with "equal jitter" (half fixed, half random). */
export function backoffMs(attempts: number, base: number, max: number, random: () => number): number {
  const ceiling = Math.min(max, base * 2 ** Math.max(0, attempts - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

export class MailWorker {
  private readonly o: Required<Omit<MailWorkerOptions, 'transport'>>;
  private readonly transport: MailTransport | null;
  private timers: NodeJS.Timeout[] = [];
  /** The job of each timer in progress: delivery and housekeeping never wait for each other. */
  private readonly running = new Map<string, Promise<unknown>>();

  constructor(
    private readonly ctx: ServiceContext,
    options: MailWorkerOptions,
  ) {
    this.transport = options.transport;
    this.o = {
      owner: options.owner ?? `worker-${randomUUID()}`,
      pollMs: options.pollMs ?? DEFAULTS.pollMs,
      housekeepingMs: options.housekeepingMs ?? DEFAULTS.housekeepingMs,
      batchSize: options.batchSize ?? DEFAULTS.batchSize,
      concurrency: Math.max(1, options.concurrency ?? DEFAULTS.concurrency),
      leaseMs: options.leaseMs ?? DEFAULTS.leaseMs,
      maxAttempts: options.maxAttempts ?? DEFAULTS.maxAttempts,
      baseDelayMs: options.baseDelayMs ?? DEFAULTS.baseDelayMs,
      maxDelayMs: options.maxDelayMs ?? DEFAULTS.maxDelayMs,
      random: options.random ?? Math.random,
    };
  }

  get sending(): boolean {
    return this.transport !== null;
  }

  start(): void {
    if (this.timers.length > 0) return;
    const guard = (job: () => Promise<unknown>, name: string) => () => {
      if (this.running.has(name)) return;
      this.running.set(
        name,
        job()
          .catch((error: unknown) => this.log('error', `${name} failed`, { error: String(error) }))
          .finally(() => this.running.delete(name)),
      );
    };
    if (this.transport)
      this.timers.push(
        setInterval(
          guard(() => this.tick(), 'mail delivery'),
          this.o.pollMs,
        ),
      );
    this.timers.push(
      setInterval(
        guard(() => this.housekeeping(), 'mail housekeeping'),
        this.o.housekeepingMs,
      ),
    );
    for (const t of this.timers) t.unref();
    // First housekeeping soon after start, not a whole interval later.
    const first = setTimeout(
      guard(() => this.housekeeping(), 'mail housekeeping'),
      1_000,
    );
    first.unref();
    this.timers.push(first);
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await Promise.all(this.running.values());
    // Another instance takes the jobs over at its next run instead of when this lease would have run out.
    await resignLeadership(this.ctx, 'mail-housekeeping', this.o.owner).catch(() => undefined);
    this.transport?.close();
  }

  /**
   * Expiry reminders and purging, in the one instance that leads them (each still claims what it changes, so a
   * second run would do no harm, only work).
   * @returns what was done, or null when another instance leads the housekeeping
   */
  housekeeping(): Promise<{ reminders: number; purged: number } | null> {
    // Renewed at every run: three intervals let one run be late before another instance takes over.
    return runAsLeader(this.ctx, 'mail-housekeeping', this.o.owner, 3 * this.o.housekeepingMs, async () => {
      const done = await runMailHousekeeping(this.ctx);
      // DESIGN §11: an obligee's feed gets `expired` on the first pass after the JST day its guarantee period ended.
      const expired = await recordDueExpiries(this.ctx);
      if (expired > 0) this.ctx.logger.info({ expired }, 'watch feed: expiry events recorded');
      return done;
    });
  }

  /**
   * Sends due mail, `concurrency` at a time: each lane claims the oldest due mail, sends it and claims the next,
   * until nothing is due or the tick's budget (batchSize) is spent. A lane waits on its own slow server reply only.
   */
  async tick(): Promise<TickResult> {
    const result: TickResult = { sent: 0, retried: 0, dead: 0 };
    if (!this.transport) return result;
    const sending = new Set<string>();
    let budget = this.o.batchSize;
    let claiming: Promise<unknown> = Promise.resolve();
    const lane = async () => {
      while (budget > 0) {
        budget -= 1;
        // Each lease starts when its own send does, however long the mails before it took.
        const now = this.ctx.clock();
        const until = new Date(now.getTime() + this.o.leaseMs).toISOString();
        // Claims (quick) go one at a time, so a lane never claims past a mail another lane is about to claim.
        const claim = claiming.then(() => claimNextOutbox(this.ctx.db, this.o.owner, now.toISOString(), until));
        claiming = claim.catch(() => undefined);
        const row = await claim;
        if (!row) return;
        sending.add(row.id);
        try {
          result[await this.deliver(row)] += 1;
        } finally {
          sending.delete(row.id);
        }
      }
    };
    const heartbeat = this.renewWhileSending(sending);
    try {
      const lanes = await Promise.allSettled(Array.from({ length: this.o.concurrency }, lane));
      const failed = lanes.find((l) => l.status === 'rejected');
      if (failed) throw failed.reason;
    } finally {
      await heartbeat.stop();
    }
    return result;
  }

  /** Extends the leases of the mails in `sending` every third of a lease, until stopped. */
  private renewWhileSending(sending: ReadonlySet<string>): { stop(): Promise<void> } {
    let renewing: Promise<void> = Promise.resolve();
    const renew = async () => {
      const ids = [...sending];
      const until = new Date(this.ctx.clock().getTime() + this.o.leaseMs).toISOString();
      const kept = await extendOutboxLeases(this.ctx.db, this.o.owner, ids, until);
      // Only after a pause longer than a lease (a frozen process): another worker may be sending these too.
      if (kept < ids.length) this.log('warn', 'mail lease lost during a send', { owner: this.o.owner });
    };
    const timer = setInterval(
      () => {
        renewing = renewing
          .then(renew)
          .catch((error: unknown) => this.log('error', 'mail lease renewal failed', { error: String(error) }));
      },
      Math.max(10, Math.floor(this.o.leaseMs / 3)),
    );
    timer.unref();
    return {
      stop: async () => {
        clearInterval(timer);
        await renewing;
      },
    };
  }

  private async deliver(row: OutboxRow): Promise<keyof TickResult> {
    const { db } = this.ctx;
    try {
      await this.transport?.send(await this.compose(row));
    } catch (error) {
      const reason = failureReason(error);
      const dead = isPermanentFailure(error) || row.attempts >= this.o.maxAttempts;
      if (dead) {
        await finishOutboxAttempt(db, row.id, this.o.owner, { state: 'dead', error: reason });
        this.log('error', 'mail dead-lettered', { id: row.id, kind: row.kind, attempts: row.attempts, reason });
        return 'dead';
      }
      const delay = backoffMs(row.attempts, this.o.baseDelayMs, this.o.maxDelayMs, this.o.random);
      const nextAttemptAt = new Date(this.ctx.clock().getTime() + delay).toISOString();
      await finishOutboxAttempt(db, row.id, this.o.owner, { state: 'pending', nextAttemptAt, error: reason });
      this.log('warn', 'mail delivery failed; will retry', {
        id: row.id,
        attempts: row.attempts,
        nextAttemptAt,
        reason,
      });
      return 'retried';
    }
    if (!(await finishOutboxAttempt(db, row.id, this.o.owner, { state: 'sent', at: this.ctx.clock().toISOString() }))) {
      this.log('warn', 'mail sent after its lease was lost', { id: row.id, kind: row.kind, attempts: row.attempts });
    }
    return 'sent';
  }

  /** The message exactly as sent: the same bytes on every attempt (links, expiry, date, Message-ID, boundary). */
  async compose(row: OutboxRow): Promise<OutgoingMail> {
    const { config } = this.ctx;
    const signer = linkSignerFor(this.ctx);
    const links = JSON.parse(row.links) as LinkSpec;
    const issued = new Date(row.links_issued_at ?? row.created_at).getTime();
    // The token is the last path segment, so a page's language switch (`?lang=`) keeps it.
    const url = (path: string, token: string) => `${config.publicUrl}${path}/${token}`;
    const values = new Map<string, string>();
    const headers: Record<string, string> = { 'Auto-Submitted': 'auto-generated' };
    if (links.notice) {
      const expires = new Date(issued + LINK_TTL_MS);
      const { jti, contractNumber, kh } = links.notice;
      values.set(
        LINK.notice,
        url(LINK_PATHS.notice, await signer.sign({ pur: 'notice', sub: contractNumber, jti, kh }, expires)),
      );
      values.set(LINK.noticeExpires, formatInstant(expires.toISOString()));
    }
    if (links.confirm) {
      const expires = new Date(issued + LINK_TTL_MS);
      const token = await signer.sign({ pur: 'confirm', sub: links.confirm.subscriptionId }, expires);
      values.set(LINK.confirm, url(LINK_PATHS.confirm, token));
      values.set(LINK.confirmExpires, formatInstant(expires.toISOString()));
    }
    if (links.unsubscribe) {
      const expires = new Date(issued + UNSUBSCRIBE_TTL_MS);
      const token = await signer.sign({ pur: 'unsubscribe', sub: links.unsubscribe.subscriptionId }, expires);
      const target = url(LINK_PATHS.unsubscribe, token);
      values.set(LINK.unsubscribe, target);
      // RFC 8058 one-click: the mail client POSTs `List-Unsubscribe=One-Click` to this URL.
      headers['List-Unsubscribe'] = `<${target}>`;
      headers['List-Unsubscribe-Post'] = 'List-Unsubscribe=One-Click';
    }
    if (links.enrol) {
      const expires = new Date(issued + LINK_TTL_MS);
      const token = await signer.sign({ pur: 'enrol', sub: links.enrol.userId, jti: links.enrol.jti }, expires);
      values.set(LINK.enrol, url(LINK_PATHS.enrol, token));
      values.set(LINK.enrolExpires, formatInstant(expires.toISOString()));
    }
    if (links.log) values.set(LINK.log, await mailLogLine(this.ctx.db, links.log));
    const fill = (body: string, escape: (s: string) => string) =>
      body.replace(/\{\{(link|expires|log):(\w+)\}\}/g, (placeholder) => {
        const value = values.get(placeholder);
        if (value === undefined) throw new Error(`mail ${row.id} has no value for ${placeholder}`);
        return escape(value);
      });
    const host = new URL(config.publicUrl).hostname;
    return {
      from: { name: '電子保証プラットフォーム', address: config.mailFrom },
      to: row.recipient,
      subject: row.subject,
      text: fill(row.body_text, (s) => s),
      html: fill(row.body_html, escapeHtml),
      messageId: `<${row.id}@${host}>`,
      date: new Date(row.created_at),
      headers,
      baseBoundary: row.id.replace(/-/g, ''),
    };
  }

  private log(level: 'warn' | 'error', msg: string, detail: Record<string, unknown>): void {
    // Failures are logged with the outbox id and the SMTP reply: never a body, a link or a key.
    this.ctx.logger[level](detail, msg);
  }
}

/** The server's worker: sends through SMTP_URL when set; without it, mail waits in the outbox. */
export function startMailWorker(ctx: ServiceContext, owner?: string): MailWorker {
  const worker = new MailWorker(ctx, {
    transport: ctx.config.smtpUrl ? createSmtpTransport(ctx.config.smtpUrl) : null,
    ...(owner === undefined ? {} : { owner }),
  });
  worker.start();
  return worker;
}

/** One start-up line saying where mail goes (never the SMTP credentials) and what waits in the outbox. */
export async function describeMailSetup(ctx: ServiceContext): Promise<string> {
  const counts = await countOutboxByState(ctx.db);
  const waiting = `${counts.pending} pending, ${counts.dead} dead-lettered`;
  if (!ctx.config.smtpUrl) {
    return `mail: SMTP_URL is not set — notification mail is kept in the outbox (${waiting}) and sent once SMTP_URL is configured`;
  }
  const url = new URL(ctx.config.smtpUrl);
  return `mail: delivering through ${url.protocol}//${url.hostname}${url.port ? `:${url.port}` : ''} (${waiting})`;
}
