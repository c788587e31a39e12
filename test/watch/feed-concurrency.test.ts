// The feed under concurrent publications (DESIGN §11: nothing lost or repeated). On PostgreSQL a serial id could
// become visible out of order — a later id committed while an earlier one is still in flight — and a reader whose
// cursor passed it would never see the earlier event. These tests page while publishers run, and hold one writer
// open to show that a second one waits for it instead of becoming visible first.
import { sql } from 'kysely';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { appendWatchEvents, readWatchEvents } from '../../src/repositories/watches.js';
import { addVersion } from '../support/fixtures.js';
import { describeEachDatabase } from '../support/harness.js';
import { publish, watchWorld, type WatchWorld } from './support.js';

describeEachDatabase('the watch feed under concurrent publications', (kind) => {
  let w: WatchWorld;
  const numbers: string[] = [];
  beforeEach(async () => {
    w = await watchWorld(kind);
    numbers.length = 0;
    for (let i = 0; i < 4; i++) {
      const p = await publish(w.env);
      numbers.push(p.contractNumber);
      const res = await w.as(w.mishima, 'PUT', `/api/v1/watch/${p.contractNumber}`, { authKey: p.authKey });
      expect(res.status).toBe(201);
    }
  });
  afterEach(async () => w.close());

  it('a reader paging while four publishers run receives every event exactly once, in one order', async () => {
    const perCertificate = 6;
    let publishing = true;
    const publishers = Promise.all(
      numbers.map(async (n) => {
        for (let i = 1; i <= perCertificate; i++) {
          const res = await addVersion(w.env, n, { event: 'change', changes: { contractAmount: 50_000_000 + i } });
          expect(res.status, res.text).toBe(201);
        }
      }),
    ).finally(() => {
      publishing = false;
    });
    const seen: string[] = [];
    let after = '';
    const page = async () => {
      const res = await w.as(w.mishima, 'GET', `/api/v1/watch/events?limit=3${after ? `&after=${after}` : ''}`);
      expect(res.status).toBe(200);
      for (const e of res.json.events as { contractNumber: string; seq: number }[])
        seen.push(`${e.contractNumber}#${e.seq}`);
      after = res.json.next as string;
      return (res.json.events as unknown[]).length;
    };
    while (publishing) await page();
    await publishers;
    while ((await page()) > 0);
    const expected = numbers.flatMap((n) => Array.from({ length: perCertificate }, (_, i) => `${n}#${i + 2}`));
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort()).toEqual([...expected].sort());
    // Within one certificate the feed keeps publication order.
    for (const n of numbers) {
      const seqs = seen.filter((s) => s.startsWith(n)).map((s) => Number(s.split('#')[1]));
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    }
  });

  it.runIf(kind.name === 'postgres')(
    'a writer that takes a feed id after an open one waits for it, so no reader sees the later id first',
    async () => {
      const db = w.env.ctx.db;
      const event = (n: string) => ({
        contract_number: n,
        seq: null,
        event: 'key_reissued',
        target: null,
        status: 'active',
        issued_at: '2026-11-24T10:00:00.000+09:00',
      });
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let appended!: () => void;
      const first = new Promise<void>((r) => (appended = r));
      const t1 = db.transaction().execute(async (tx) => {
        await appendWatchEvents(tx, event(numbers[0]!));
        appended();
        await gate;
      });
      await first;
      let t2Committed = false;
      const t2 = db
        .transaction()
        .execute((tx) => appendWatchEvents(tx, event(numbers[1]!)))
        .then(() => {
          t2Committed = true;
        });
      // Until the second writer either commits (the bug) or is seen waiting on a lock (the design).
      for (;;) {
        const waiting = await sql<{ n: string }>`
          select count(*) as n from pg_stat_activity
          where wait_event_type = 'Lock' and query like '%watch_feed_clock%' and datname = current_database()`.execute(
          db,
        );
        if (t2Committed || Number(waiting.rows[0]?.n) > 0) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(t2Committed).toBe(false);
      expect(await readWatchEvents(db, 'mishima-city', 0, 10)).toEqual([]);
      release();
      await Promise.all([t1, t2]);
      const events = await readWatchEvents(db, 'mishima-city', 0, 10);
      expect(events.map((e) => e.contract_number)).toEqual([numbers[0], numbers[1]]);
      expect(events[1]!.id).toBe(events[0]!.id + 1);
    },
  );
});
