// The subscription form cannot be used to flood a mailbox (pen test issue 14): confirmation mails are budgeted per
// address (whatever the certificate) and per certificate (whatever the address); past a budget the officer is told
// to try later and nothing is sent or stored.
import { afterEach, beforeEach, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../src/config.js';
import { advanceBody, publish, registerMishima } from '../support/fixtures.js';
import { describeEachDatabase, setup, type TestEnv } from '../support/harness.js';
import { startSink, type MailSink } from './mail-sink.js';
import { grantFor, page, postForm, workerFor } from './support.js';

const VICTIM = 'higaisha@example.jp';

describeEachDatabase('limits on subscription confirmation mails', (kind) => {
  let env: TestEnv;
  let sink: MailSink;
  beforeEach(async () => {
    [env, sink] = await Promise.all([setup(kind), startSink()]);
    await registerMishima(env);
  });
  afterEach(async () => {
    await Promise.all([env.close(), sink.close()]);
  });

  const deliver = () => workerFor(env, sink).tick();
  const mailsTo = (address: string) => sink.received.filter((m) => m.envelopeTo.includes(address));
  const certificate = async () => {
    const { contractNumber, authKey } = await publish(env, advanceBody());
    return { n: contractNumber, key: authKey };
  };
  /** Opens the certificate (a fresh viewer grant: the clock moves past 30 minutes) and asks for alerts. */
  const subscribe = async (c: { n: string; key: string }, email: string) => {
    const cookie = await grantFor(env, c.n, c.key);
    const res = await postForm(env, `/certificates/${c.n}/subscriptions`, { email }, { cookie });
    return res.headers.get('location')?.replace(`/certificates/${c.n}?f=subscribe_`, '').replace('#subscribe', '');
  };
  const later = (minutes: number) => env.setNow(new Date(env.now().getTime() + minutes * 60_000).toISOString());

  it('sends one address a bounded number of confirmations, over repeats and certificates alike', async () => {
    const { limit, windowMs } = DEFAULT_LIMITS.subscriptionMailsPerAddress;
    const first = await certificate();
    const outcomes: (string | undefined)[] = [];
    // The same pending address asked again every 11 minutes (past the 10-minute resend pause), then elsewhere.
    for (let i = 0; i < limit + 2; i++) {
      outcomes.push(await subscribe(first, VICTIM));
      later(11);
    }
    const second = await certificate();
    outcomes.push(await subscribe(second, VICTIM.toUpperCase()));
    expect(outcomes).toEqual([...Array<string>(limit).fill('sent'), 'busy', 'busy', 'busy']);
    await deliver();
    expect(mailsTo(VICTIM)).toHaveLength(limit);
    const { html } = await page(
      env,
      `/certificates/${second.n}?f=subscribe_busy`,
      await grantFor(env, second.n, second.key),
    );
    expect(html).toContain('迷惑メールを防ぐため、今は送信できません');
    // Nothing was stored for the refused certificate; once the window has passed the address may be asked again.
    const stored = await env.ctx.db.selectFrom('mail_subscriptions').select('contract_number').execute();
    expect(stored.map((s) => s.contract_number)).toEqual([first.n]);
    later(windowMs / 60_000);
    expect(await subscribe(second, VICTIM)).toBe('sent');
  });

  it('sends one certificate a bounded number of confirmations, whatever the addresses', async () => {
    const { limit } = DEFAULT_LIMITS.subscriptionMailsPerCertificate;
    const target = await certificate();
    const addresses = Array.from({ length: limit + 1 }, (_, i) => `officer${i}@city.example.jp`);
    const outcomes: (string | undefined)[] = [];
    for (const address of addresses) outcomes.push(await subscribe(target, address));
    expect(outcomes).toEqual([...Array<string>(limit).fill('sent'), 'busy']);
    await deliver();
    expect(sink.received).toHaveLength(limit);
    expect(await env.ctx.db.selectFrom('mail_subscriptions').selectAll().execute()).toHaveLength(limit);
    // Another certificate still accepts the refused address.
    expect(await subscribe(await certificate(), addresses[limit] ?? '')).toBe('sent');
  });
});
