// The watch feed of DESIGN §11 (contract): every later version (hidden ones with their target), expiry and key
// reissue in one total order; an opaque cursor whose pages never change, across pages and app restarts; `next` never
// null; a new key never sent.
import { afterEach, beforeEach, expect, it } from 'vitest';
import { MailWorker } from '../../src/mail/worker.js';
import { addVersion } from '../support/fixtures.js';
import { describeEachDatabase } from '../support/harness.js';
import { publish, watchWorld, type WatchWorld } from './support.js';

interface Event {
  cursor: string;
  contractNumber: string;
  seq: number | null;
  event: string;
  target: number | null;
  status: string;
  issuedAt: string;
  jws: string | null;
}

describeEachDatabase('the watch feed', (kind) => {
  let w: WatchWorld;
  let n: string;
  let key: string;
  beforeEach(async () => {
    w = await watchWorld(kind);
    ({ contractNumber: n, authKey: key } = await publish(w.env));
  });
  afterEach(async () => w.close());

  const feed = async (query = '') => {
    const res = await w.as(w.mishima, 'GET', `/api/v1/watch/events${query}`);
    expect(res.status, res.text).toBe(200);
    return res.json as { events: Event[]; next: string };
  };
  const watch = async (number = n, authKey = key) => {
    const res = await w.as(w.mishima, 'PUT', `/api/v1/watch/${number}`, { authKey });
    expect(res.status, res.text).toBe(201);
  };
  const increase = { event: 'change', changes: { guaranteeAmount: 22_000_000, advanceAmount: 22_000_000 } };

  it('carries every version published after registration, hidden ones with their target, with the stored JWS', async () => {
    await addVersion(w.env, n, increase); // before registration: not in the feed
    await watch();
    await addVersion(w.env, n, {
      event: 'change',
      changes: { guaranteeAmount: 24_000_000, advanceAmount: 24_000_000 },
    });
    await addVersion(w.env, n, { event: 'correction', target: 3, changes: { depositBank: '静岡中央銀行 本店' } });
    await addVersion(w.env, n, { event: 'change_cancellation', target: 4 });
    await addVersion(w.env, n, { event: 'cancellation', reason: '契約解除' });
    const { events, next } = await feed();
    expect(events.map((e) => [e.seq, e.event, e.target, e.status])).toEqual([
      [3, 'change', null, 'active'],
      [4, 'correction', 3, 'active'],
      [5, 'change_cancellation', 4, 'active'],
      [6, 'cancellation', null, 'cancelled'],
    ]);
    const stored = (await w.env.api('GET', `/api/v1/sureties/${n}`)).json.versions as {
      seq: number;
      jws: string;
      issuedAt: string;
    }[];
    for (const e of events) {
      const version = stored.find((v) => v.seq === e.seq)!;
      expect(e).toMatchObject({ contractNumber: n, jws: version.jws, issuedAt: version.issuedAt });
    }
    expect(next).toBe(events.at(-1)!.cursor);
    // Another organisation's feed is empty.
    expect((await w.as(w.numazu, 'GET', '/api/v1/watch/events')).json.events).toEqual([]);
  });

  it('pages with an opaque cursor: the same cursor gives the same events, later ones only follow, across a restart', async () => {
    const start = await feed();
    expect(start.events).toEqual([]);
    expect(typeof start.next).toBe('string');
    expect(start.next).not.toBe('');
    await watch();
    for (let i = 1; i <= 5; i++) {
      await addVersion(w.env, n, { event: 'change', changes: { contractAmount: 50_000_000 + i } });
    }
    const page1 = await feed('?limit=2');
    expect(page1.events.map((e) => e.seq)).toEqual([2, 3]);
    const page2 = await feed(`?after=${page1.next}&limit=2`);
    expect(page2.events.map((e) => e.seq)).toEqual([4, 5]);
    // Reading from the start cursor again equals reading without one.
    expect(await feed(`?after=${start.next}&limit=2`)).toEqual(page1);
    // More events arrive; the page already read does not change.
    await addVersion(w.env, n, { event: 'change', changes: { contractAmount: 60_000_000 } });
    expect(await feed(`?after=${page1.next}&limit=2`)).toEqual(page2);

    await w.restart();
    expect(await feed(`?after=${page1.next}&limit=2`)).toEqual(page2);
    const rest = await feed(`?after=${page2.next}`);
    expect(rest.events.map((e) => e.seq)).toEqual([6, 7]);
    // At the end `next` is `after` itself: polling with it again misses nothing and repeats nothing.
    const end = await feed(`?after=${rest.next}`);
    expect(end).toEqual({ events: [], next: rest.next });
    await addVersion(w.env, n, { event: 'change', changes: { contractAmount: 61_000_000 } });
    expect((await feed(`?after=${end.next}`)).events.map((e) => e.seq)).toEqual([8]);
    const all = [...page1.events, ...page2.events, ...rest.events].map((e) => e.cursor);
    expect(new Set(all).size).toBe(all.length);
  });

  it('refuses a cursor it did not issue and a limit outside 1–1000 (422)', async () => {
    for (const query of [
      '?after=abc',
      '?after=' + Buffer.from('wf1:01').toString('base64url'),
      '?limit=0',
      '?limit=1001',
      '?limit=x',
    ]) {
      const res = await w.as(w.mishima, 'GET', `/api/v1/watch/events${query}`);
      expect(res.status, query).toBe(422);
      expect(res.json.error.code).toBe('validation_failed');
    }
    expect((await w.as(w.mishima, 'GET', '/api/v1/watch/events?limit=1000')).status).toBe(200);
  });

  it('records a key reissue without the new key anywhere in the answers', async () => {
    await watch();
    const reissued = await w.env.api('POST', `/api/v1/sureties/${n}/auth-key`);
    expect(reissued.status).toBe(200);
    const newKey = reissued.json.authKey as string;
    const res = await w.as(w.mishima, 'GET', '/api/v1/watch/events');
    expect(res.json.events).toEqual([
      {
        cursor: expect.any(String),
        contractNumber: n,
        seq: null,
        event: 'key_reissued',
        target: null,
        status: 'active',
        issuedAt: expect.stringMatching(/\+09:00$/),
        jws: null,
      },
    ]);
    expect(res.text).not.toContain(newKey);
    expect((await w.as(w.mishima, 'GET', '/api/v1/watch')).text).not.toContain(newKey);
    // The watch stays: it was registered with the old key, the feed keeps coming.
    await addVersion(w.env, n, increase);
    expect((await feed()).events.map((e) => e.event)).toEqual(['key_reissued', 'change']);
  });

  it('records expiry once, on the first housekeeping pass after the JST day the guarantee period ended', async () => {
    await watch(); // guaranteePeriod.to 2027-04-30
    const worker = new MailWorker(w.env.ctx, { transport: null, owner: 'test-housekeeper' });
    w.env.setNow('2027-04-30T14:59:59.000Z'); // 23:59:59 JST on the last day: still active
    await worker.housekeeping();
    expect((await feed()).events).toEqual([]);
    w.env.setNow('2027-04-30T15:00:01.000Z'); // 00:00:01 JST the day after
    await Promise.all([worker.housekeeping(), new MailWorker(w.env.ctx, { transport: null }).housekeeping()]);
    await worker.housekeeping();
    const after = await feed();
    expect(after.events.map((e) => [e.event, e.seq, e.status, e.jws, e.target])).toEqual([
      ['expired', null, 'expired', null, null],
    ]);
    expect(after.events[0]!.issuedAt).toMatch(/^2027-05-01T00:00:01\.000\+09:00$/);
    // A late 保証期限変更 makes it active again; its own end is recorded once more when that day has passed.
    await addVersion(w.env, n, { event: 'change', changes: { guaranteePeriod: { to: '2027-06-30' } } });
    w.env.setNow('2027-07-01T00:00:00.000Z');
    await worker.housekeeping();
    await worker.housekeeping();
    expect((await feed()).events.map((e) => [e.event, e.status])).toEqual([
      ['expired', 'expired'],
      ['change', 'active'],
      ['expired', 'expired'],
    ]);
  });

  it('records no expiry for a certificate that was expired or cancelled before the pass', async () => {
    const other = await publish(w.env);
    await watch();
    await watch(other.contractNumber, other.authKey);
    await addVersion(w.env, n, { event: 'cancellation' });
    w.env.setNow('2027-05-02T00:00:00.000Z');
    const expiredAlready = await publish(w.env);
    await watch(expiredAlready.contractNumber, expiredAlready.authKey);
    await new MailWorker(w.env.ctx, { transport: null }).housekeeping();
    expect((await feed()).events.map((e) => [e.contractNumber, e.event])).toEqual([
      [n, 'cancellation'],
      [other.contractNumber, 'expired'],
    ]);
  });
});
