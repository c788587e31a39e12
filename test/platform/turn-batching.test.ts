// src/turn-batching.ts: the server's answers of one event-loop turn are released together at its end, never later.
import { describe, expect, it } from 'vitest';
import { turnBatch } from '../../src/turn-batching.js';

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('answers at turn end', () => {
  it('holds each answer until the other requests of its turn are answered, then releases them together', async () => {
    const events: string[] = [];
    const fetch = turnBatch().answers(async (name: string) => {
      // Some asynchronous work, the longer the later the request: without batching 'a' would be sent before 'c' is done.
      for (let i = 0; i < (name === 'a' ? 1 : name === 'b' ? 5 : 10); i++) await Promise.resolve();
      events.push(`answered ${name}`);
      return new Response(name);
    });
    const sent = ['a', 'b', 'c'].map((name) => fetch(name).then(() => events.push(`sent ${name}`)));
    await Promise.all(sent);
    // 'a' was answered first but is sent only once 'c' is answered too.
    expect(events).toEqual(['answered a', 'answered b', 'answered c', 'sent a', 'sent b', 'sent c']);
  });

  it('releases a lone answer at the end of its own turn, and one of a later turn at the end of that one', async () => {
    const fetch = turnBatch().answers(async (n: number) => new Response(String(n)));
    for (const n of [1, 2]) {
      let done = false;
      void fetch(n).then(() => (done = true));
      for (let i = 0; i < 20; i++) await Promise.resolve();
      expect(done).toBe(false); // answered, but held for the rest of the turn
      await nextTurn(); // an immediate queued before the release…
      await nextTurn(); // …and one after it
      expect(done).toBe(true);
    }
  });

  it('releases the answers of the app and of the direct verify path of one turn together', async () => {
    const batch = turnBatch();
    const events: string[] = [];
    const fetch = batch.answers(async () => {
      for (let i = 0; i < 10; i++) await Promise.resolve();
      events.push('app answered');
      return new Response('');
    });
    const direct = (async () => {
      events.push('verify answered');
      await batch.end();
      events.push('verify sent');
    })();
    await Promise.all([fetch().then(() => events.push('app sent')), direct]);
    expect(events).toEqual(['verify answered', 'app answered', 'verify sent', 'app sent']);
  });

  it('passes a failure straight through', async () => {
    const fetch = turnBatch().answers(async () => {
      throw new Error('broken');
    });
    await expect(fetch()).rejects.toThrow('broken');
  });
});
