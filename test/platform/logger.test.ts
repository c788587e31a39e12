// The one log (src/logger.ts): JSON lines with time, level, service, version and msg; a per-request child carries the
// request id; secrets are censored even when a caller passes them by mistake.
import { describe, expect, it } from 'vitest';
import { memoryLogger } from '../../src/logger.js';

describe('logger', () => {
  it('writes each event as one JSON line with time, level, service, version and msg, then the fields', () => {
    const logger = memoryLogger();
    const before = Date.now();
    logger.info({ method: 'POST', route: '/api/v1/verify', status: 200, ms: 3.4 }, 'request');
    logger.warn('改行\nと"引用符"と\\');
    logger.error({ err: new Error('boom') }, 'failed');
    const [info, warn, error] = logger.lines();
    expect(info).toEqual({
      level: 'info',
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      service: 'esurety',
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      msg: 'request',
      method: 'POST',
      route: '/api/v1/verify',
      status: 200,
      ms: 3.4,
    });
    expect(Date.parse(info!.time as string)).toBeGreaterThanOrEqual(before - 1);
    expect(warn).toMatchObject({ level: 'warn', msg: '改行\nと"引用符"と\\' });
    expect(error).toMatchObject({ level: 'error', msg: 'failed', err: { type: 'Error', message: 'boom' } });
  });

  it('gives a request its own child logger that puts the request id on every line', () => {
    const logger = memoryLogger();
    logger.child({ requestId: 'r-1' }).info('request');
    logger.info('other');
    const [child, other] = logger.lines();
    expect(child).toMatchObject({ requestId: 'r-1', msg: 'request' });
    expect(other).not.toHaveProperty('requestId');
  });

  it('censors keys, passwords, tokens and cookies passed by mistake, at the top level and one object down', () => {
    const logger = memoryLogger();
    logger.info(
      {
        authKey: 'k7XyZ2aB3cD4',
        body: { authKey: 'k7XyZ2aB3cD5', password: 'hunter2hunter2', token: 'est_secret' },
        headers: { cookie: 'session=abc', authorization: 'Bearer est_secret2' },
      },
      'oops',
    );
    const text = JSON.stringify(logger.lines());
    for (const secret of ['k7XyZ2aB3cD4', 'k7XyZ2aB3cD5', 'hunter2hunter2', 'est_secret', 'session=abc']) {
      expect(text).not.toContain(secret);
    }
    expect(logger.lines()[0]).toMatchObject({ authKey: '[redacted]', body: { password: '[redacted]' } });
  });

  it('writes nothing at level silent (the test configuration)', () => {
    const logger = memoryLogger();
    logger.level = 'silent';
    logger.error('not written');
    expect(logger.lines()).toEqual([]);
  });
});
