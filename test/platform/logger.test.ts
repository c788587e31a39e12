// The structured log (src/logger.ts): one JSON object per line — time, level, then the fields as given — and the
// lines of one event-loop turn leave together in one write.
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('logger', () => {
  it('writes each event as one JSON line: t, level, then the fields in their order, escaped and without undefined', async () => {
    const writes: string[] = [];
    const logger = createLogger((chunk) => writes.push(chunk));
    const before = Date.now();
    logger.info({ requestId: 'a1', method: 'POST', route: '/api/v1/verify', status: 200, ms: 3.4 });
    logger.error({ msg: '改行\nと"引用符"と\\', error: undefined, ok: false, none: null });
    logger.info({});
    expect(writes).toEqual([]); // nothing written before the turn ends
    await nextTurn();
    expect(writes).toHaveLength(1);
    const lines = writes[0]!.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(3);
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(Object.keys(parsed[0]!)).toEqual(['t', 'level', 'requestId', 'method', 'route', 'status', 'ms']);
    expect(parsed[0]).toMatchObject({ level: 'info', requestId: 'a1', status: 200, ms: 3.4 });
    expect(parsed[1]).toEqual({ t: parsed[1]!.t, level: 'error', msg: '改行\nと"引用符"と\\', ok: false, none: null });
    expect(parsed[2]).toEqual({ t: parsed[2]!.t, level: 'info' });
    for (const p of parsed) {
      const t = Date.parse(p.t as string);
      expect(t).toBeGreaterThanOrEqual(before - 1);
      expect(t).toBeLessThanOrEqual(Date.now() + 1);
      expect(p.t).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    }
  });

  it('flush() writes what is buffered at once', () => {
    const writes: string[] = [];
    const logger = createLogger((chunk) => writes.push(chunk));
    logger.info({ n: 1 });
    logger.flush();
    expect(writes.map((w) => JSON.parse(w) as unknown)).toEqual([expect.objectContaining({ level: 'info', n: 1 })]);
    logger.flush();
    expect(writes).toHaveLength(1);
  });
});
