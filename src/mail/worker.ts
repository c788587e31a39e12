// The delivery worker: leases due outbox rows, signs their links, sends them over SMTP, and retries with exponential
// backoff and jitter until they are sent or dead-lettered. Safe with several instances on one database (a row is
// leased by one worker at a time). Also runs the periodic jobs: expiry reminders and purging old records.
import { randomUUID } from 'node:crypto';
import { formatInstant } from '../domain/format.js';
import {
  countOutboxByState,
  findOutbox,
  finishOutboxAttempt,
  leaseOutbox,
  listDueOutbox,
  type OutboxRow,
} from '../repositories/outbox.js';
import type { ServiceContext } from '../services/context.js';
import { runMailHousekeeping } from '../services/reminders.js';
import { escapeHtml } from './render.js';
import { LINK_PATHS, LINK_TTL_MS, linkSignerFor, UNSUBSCRIBE_TTL_MS } from './links.js';
import type { LinkSpec } from './outbox.js';
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
  batchSize?: number;
  /** Longer than the transport's own time-outs, so a lease never runs out under a send still in progress. */
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
  leaseMs: 2 * 60_000,
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
  private running: Promise<unknown> | null = null;

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
      if (this.running) return;
      this.running = job()
        .catch((error: unknown) => this.log('error', `${name} failed`, { error: String(error) }))
        .finally(() => {
          this.running = null;
        });
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
    if (this.running) await this.running;
    this.transport?.close();
  }

  /** Expiry reminders and purging; idempotent across instances. */
  housekeeping(): Promise<{ reminders: number; purged: number }> {
    return runMailHousekeeping(this.ctx);
  }

  /** Sends every due mail this worker manages to lease, one at a time. */
  async tick(): Promise<TickResult> {
    const result: TickResult = { sent: 0, retried: 0, dead: 0 };
    if (!this.transport) return result;
    const ids = await listDueOutbox(this.ctx.db, this.ctx.clock().toISOString(), this.o.batchSize);
    for (const id of ids) {
      // Each lease starts when its own send does, however long the mails before it took.
      const now = this.ctx.clock();
      const leaseUntil = new Date(now.getTime() + this.o.leaseMs).toISOString();
      if (!(await leaseOutbox(this.ctx.db, id, this.o.owner, now.toISOString(), leaseUntil))) continue;
      const row = await findOutbox(this.ctx.db, id);
      if (!row) continue;
      result[await this.deliver(row)] += 1;
    }
    return result;
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
    await finishOutboxAttempt(db, row.id, this.o.owner, { state: 'sent', at: this.ctx.clock().toISOString() });
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
    const fill = (body: string, escape: (s: string) => string) =>
      body.replace(/\{\{(link|expires):(\w+)\}\}/g, (placeholder) => {
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
export function startMailWorker(ctx: ServiceContext): MailWorker {
  const worker = new MailWorker(ctx, {
    transport: ctx.config.smtpUrl ? createSmtpTransport(ctx.config.smtpUrl) : null,
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
