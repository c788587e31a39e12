// An SMTP server that takes longer than half a minute to accept a message (a busy relay, a slow content scanner):
// the send waits for its answer instead of giving up and sending the mail again later, which would deliver it twice.
import { afterEach, expect, it } from 'vitest';
import { createSmtpTransport } from '../../src/mail/transport.js';
import { startSink, type MailSink } from './mail-sink.js';

let sink: MailSink | undefined;
afterEach(async () => sink?.close());

it('waits for a server that answers the end of DATA after 35 s, so the mail is delivered once and reported sent', async () => {
  sink = await startSink({ delayMs: 35_000 });
  const transport = createSmtpTransport(sink.url);
  try {
    await expect(
      transport.send({
        from: { name: '電子保証プラットフォーム', address: 'no-reply@localhost' },
        to: 'keiyaku@fujimi-kensetsu.example.jp',
        subject: 'テスト',
        text: '本文',
        html: '<p>本文</p>',
        messageId: '<slow-1@localhost>',
        date: new Date('2026-11-24T01:00:00Z'),
        headers: {},
        baseBoundary: 'slow1',
      }),
    ).resolves.toBeUndefined();
  } finally {
    transport.close();
  }
  expect(sink.received.map((m) => m.messageId)).toEqual(['<slow-1@localhost>']);
}, 90_000);
