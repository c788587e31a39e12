// The small rules under mail delivery: retry timing, which SMTP failures are permanent, link tokens, HTML escaping
// and the sender configuration.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { createLinkSigner } from '../../src/mail/links.js';
import { render } from '../../src/mail/render.js';
import { isPermanentFailure } from '../../src/mail/transport.js';
import { backoffMs } from '../../src/mail/worker.js';

const SECRET = Buffer.alloc(32, 7).toString('base64url');

describe('mail delivery rules', () => {
  it('backs off exponentially from 30 s to a 2 h ceiling, with jitter within the upper half', () => {
    const base = 30_000;
    const max = 7_200_000;
    expect([1, 2, 3, 4].map((n) => backoffMs(n, base, max, () => 1))).toEqual([30_000, 60_000, 120_000, 240_000]);
    expect(backoffMs(1, base, max, () => 0)).toBe(15_000);
    expect(backoffMs(20, base, max, () => 1)).toBe(max);
    expect(backoffMs(20, base, max, () => 0)).toBe(max / 2);
  });

  it('dead-letters only a 5xx answer to the message itself, never a login or connection failure', () => {
    expect(isPermanentFailure({ responseCode: 550, command: 'RCPT TO' })).toBe(true);
    expect(isPermanentFailure({ responseCode: 552, command: 'DATA' })).toBe(true);
    expect(isPermanentFailure({ responseCode: 535, command: 'AUTH PLAIN' })).toBe(false);
    expect(isPermanentFailure({ responseCode: 554, command: 'CONN' })).toBe(false);
    expect(isPermanentFailure({ responseCode: 451, command: 'RCPT TO' })).toBe(false);
    expect(isPermanentFailure({ code: 'ECONNECTION' })).toBe(false);
    expect(isPermanentFailure(new Error('socket hang up'))).toBe(false);
  });

  it('signs links that open only their purpose, tell expired from altered, and sign the same token twice', async () => {
    const signer = createLinkSigner(SECRET);
    const now = new Date('2026-11-24T01:00:00.000Z');
    const expires = new Date('2026-12-01T01:00:00.000Z');
    const token = await signer.sign({ pur: 'confirm', sub: 'sub-1' }, expires);
    expect(await signer.sign({ pur: 'confirm', sub: 'sub-1' }, expires)).toBe(token);
    expect(await signer.verify(token, 'confirm', now)).toMatchObject({ ok: true, claims: { sub: 'sub-1' } });
    expect(await signer.verify(token, 'unsubscribe', now)).toEqual({ ok: false, reason: 'invalid' });
    expect(await signer.verify(token, 'confirm', new Date('2026-12-01T01:00:01.000Z'))).toMatchObject({
      ok: false,
      reason: 'expired',
    });
    const [head, , sig] = token.split('.');
    const forged = `${head}.${Buffer.from(JSON.stringify({ pur: 'confirm', sub: 'sub-2', exp: 1_900_000_000, aud: 'esurety-mail' })).toString('base64url')}.${sig}`;
    expect(await signer.verify(forged, 'confirm', now)).toEqual({ ok: false, reason: 'invalid' });
    // Another installation's secrets sign other links.
    expect(await createLinkSigner(Buffer.alloc(32, 8).toString('base64url')).verify(token, 'confirm', now)).toEqual({
      ok: false,
      reason: 'invalid',
    });
  });

  it('escapes published text in the HTML body', () => {
    const { html, text } = render(
      {
        subject: 's',
        intro: ['<script>alert(1)</script> & 工事'],
        sections: [{ heading: 'h', rows: [['工事名', '<b>']] }],
      },
      { issuerName: 'テスト保証株式会社', publicUrl: 'http://localhost:3000' },
    );
    expect(html).not.toContain('<script>');
    expect(html).toContain('&#60;script&#62;alert(1)&#60;/script&#62; &#38; 工事');
    expect(html).toContain('&#60;b&#62;');
    expect(text).toContain('<script>alert(1)</script> & 工事');
  });

  it('takes the sender from ESURETY_MAIL_FROM, else no-reply at the public host, and names a bad address', () => {
    expect(loadConfig({}).mailFrom).toBe('no-reply@localhost');
    expect(loadConfig({ ESURETY_PUBLIC_URL: 'https://esurety.example.jp' }).mailFrom).toBe(
      'no-reply@esurety.example.jp',
    );
    expect(loadConfig({ ESURETY_MAIL_FROM: 'hosho@example.jp' }).mailFrom).toBe('hosho@example.jp');
    expect(() => loadConfig({ ESURETY_MAIL_FROM: 'not an address' })).toThrow(ConfigError);
    expect(() => loadConfig({ ESURETY_MAIL_FROM: 'not an address' })).toThrow(/ESURETY_MAIL_FROM/);
  });
});
