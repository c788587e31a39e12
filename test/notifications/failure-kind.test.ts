// How the staff mail screen explains a failure: stored reasons (failureReason's "<code>: <reply or message>") sorted
// into kinds, addresses masked and token-like strings removed before a reason is shown.
import { describe, expect, it } from 'vitest';
import { classifyMailFailure, maskAddress, scrubMailReason } from '../../src/mail/failure-kind.js';
import { failureReason } from '../../src/mail/transport.js';

describe('mail failure kinds', () => {
  it.each([
    ['EENVELOPE: 550 5.1.1 <taro@example.jp>: Recipient address rejected: User unknown', 'recipient', '550'],
    ['EENVELOPE: 550 mailbox unavailable', 'recipient', '550'],
    ['EENVELOPE: 552 5.2.2 Mailbox full', 'mailboxFull', '552'],
    ['EMESSAGE: 554 5.7.1 Message rejected as spam', 'policy', '554'],
    ['EENVELOPE: 550 5.7.26 Unauthenticated email is not accepted', 'policy', '550'],
    ['EMESSAGE: 500 5.5.0 command unrecognised', 'rejected', '500'],
    ['EENVELOPE: 451 4.7.1 Greylisted, try again later', 'temporary', '451'],
    ['EAUTH: Invalid login: 535 5.7.8 Authentication credentials invalid', 'auth', '535'],
    // 530 is usually the server asking for TLS first (SMTP_URL's scheme or port), not a wrong password.
    ['EENVELOPE: 530 5.7.0 Must issue a STARTTLS command first', 'tls', '530'],
    ['EAUTH: Invalid login: 530 5.7.0 Must issue a STARTTLS command first', 'tls', '530'],
    ['EENVELOPE: 530 5.7.0 Authentication required', 'auth', '530'],
    ['EAUTH: Invalid login: 530 5.7.0 Access denied', 'auth', '530'],
    ['EMESSAGE: 530 5.7.0 Not available', 'tls', '530'],
    ['ESOCKET: self-signed certificate in certificate chain', 'tls', null],
    ['ECONNECTION: connect ECONNREFUSED 127.0.0.1:465', 'connection', null],
    ['ETIMEDOUT: Connection timeout', 'connection', null],
    ['EDNS: getaddrinfo ENOTFOUND smtp.example.jp', 'connection', null],
    ['Error: mail 9f0c has no value for {{link:notice}}', 'internal', null],
    ['something odd', 'unknown', null],
  ] as const)('%s → %s', (reason, kind, code) => {
    expect(classifyMailFailure(reason)).toEqual({ kind, smtpCode: code });
  });

  it('classifies what the delivery worker really stores', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:2525'), { code: 'ECONNECTION' });
    expect(classifyMailFailure(failureReason(refused)).kind).toBe('connection');
    const rejected = Object.assign(new Error("Can't send mail - all recipients were rejected"), {
      code: 'EENVELOPE',
      response: '550 5.1.1 mailbox unavailable',
      responseCode: 550,
    });
    expect(classifyMailFailure(failureReason(rejected))).toEqual({ kind: 'recipient', smtpCode: '550' });
  });

  it('masks addresses and drops token-like strings before a reason is shown', () => {
    const shown = scrubMailReason(
      'EENVELOPE: 550 <taro.yamada@example.jp>: rejected; link eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlc2lnbmF0dXJl',
    );
    expect(shown).toBe('EENVELOPE: 550 <***@example.jp>: rejected; link […]');
    expect(scrubMailReason('x'.repeat(1000))).toBe('[…]');
    expect(scrubMailReason('a '.repeat(400))).toHaveLength(300);
  });

  it('masks a recipient to its first letters and its domain', () => {
    expect(maskAddress('keiyaku@fujimi-kensetsu.example.jp')).toBe('ke***@fujimi-kensetsu.example.jp');
    expect(maskAddress('ab@example.jp')).toBe('a***@example.jp');
    expect(maskAddress('a@example.jp')).toBe('a***@example.jp');
    expect(maskAddress('')).toBe('');
    expect(maskAddress('not-an-address')).toBe('***');
  });
});
