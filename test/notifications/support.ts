// Helpers for the notification suites: a delivery worker bound to a sink, form posts as a browser sends them, and
// the officer's viewer grant.
import { sql } from 'kysely';
import { MailWorker, type MailWorkerOptions } from '../../src/mail/worker.js';
import { createSmtpTransport } from '../../src/mail/transport.js';
import type { TestEnv } from '../support/harness.js';
import type { MailSink } from './mail-sink.js';

export const ORIGIN = 'http://localhost:3000';

/** A worker that sends to the sink; no jitter, so retry times are predictable. */
export function workerFor(env: TestEnv, sink: MailSink, options: Partial<MailWorkerOptions> = {}): MailWorker {
  return new MailWorker(env.ctx, { transport: createSmtpTransport(sink.url), random: () => 0.5, ...options });
}

/** An absolute link from a mail as a path the test app answers. */
export const local = (url: string) => url.replace(ORIGIN, '');

export function postForm(
  env: TestEnv,
  path: string,
  fields: Record<string, string>,
  options: { cookie?: string; origin?: string | null; client?: string } = {},
) {
  return env.app.request(path, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-forwarded-for': options.client ?? '203.0.113.20',
      ...(options.origin === null ? {} : { origin: options.origin ?? ORIGIN }),
      ...(options.cookie ? { cookie: options.cookie } : {}),
    },
    body: new URLSearchParams(fields).toString(),
  });
}

/** Verifies number + key like an officer and returns the viewer-grant cookie. */
export async function grantFor(env: TestEnv, contractNumber: string, authKey: string): Promise<string> {
  const res = await postForm(env, '/verify', { contractNumber, authKey });
  if (res.status !== 303) throw new Error(`verification failed: ${res.status}`);
  return (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
}

export async function page(env: TestEnv, path: string, cookie = '') {
  const res = await env.app.request(path, { headers: cookie ? { cookie } : {} });
  return { res, html: await res.text() };
}

/** The PostgreSQL schema the test database lives in (the harness sets it as search_path). */
export async function currentSchema(env: TestEnv): Promise<string> {
  const { rows } = await sql<{ s: string }>`select current_schema() as s`.execute(env.ctx.db);
  return rows[0]?.s ?? '';
}

export async function outboxStates(env: TestEnv): Promise<string[]> {
  const rows = await env.ctx.db.selectFrom('mail_outbox').select('state').orderBy('seq').execute();
  return rows.map((r) => r.state);
}
