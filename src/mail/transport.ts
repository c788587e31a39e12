// SMTP delivery through nodemailer, and the one rule that decides whether a failure is worth retrying.
import nodemailer from 'nodemailer';

export interface OutgoingMail {
  from: { name: string; address: string };
  to: string;
  subject: string;
  text: string;
  html: string;
  /** Deterministic per outbox row: a retry after a lost acknowledgement is recognisably the same mail. */
  messageId: string;
  date: Date;
  headers: Record<string, string>;
  /** Fixed MIME boundary, so that a retry produces the same bytes. */
  baseBoundary: string;
}

export interface MailTransport {
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

/** How long a send waits for the server's next reply (RFC 5321's DATA termination time-out). */
export const SMTP_REPLY_TIMEOUT_MS = 10 * 60_000;

export function createSmtpTransport(url: string): MailTransport {
  const transporter = nodemailer.createTransport({
    url,
    connectionTimeout: 10_000,
    greetingTimeout: 30_000,
    // RFC 5321 §4.5.3.2: a client waits up to 10 minutes for the reply to the end of DATA. Giving up sooner does not
    // stop a slow server from delivering the mail; it only makes us send it again (a duplicate). The worker renews
    // the lease while the send waits, and other lanes keep sending meanwhile.
    socketTimeout: SMTP_REPLY_TIMEOUT_MS,
  });
  return {
    async send(mail) {
      await transporter.sendMail({
        from: mail.from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        messageId: mail.messageId,
        date: mail.date,
        headers: mail.headers,
        baseBoundary: mail.baseBoundary,
      });
    },
    close() {
      transporter.close();
    },
  };
}

/**
 * A permanent failure is a 5xx answer to the message itself (MAIL FROM, RCPT TO, DATA): sending it again cannot
 * help. A 5xx to the connection or the login is our configuration, not the mail, and is retried like a 4xx or a
 * network error until staff fix it.
 */
export function isPermanentFailure(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { responseCode, command } = error as { responseCode?: unknown; command?: unknown };
  if (typeof responseCode !== 'number' || responseCode < 500 || responseCode > 599) return false;
  const cmd = typeof command === 'string' ? command.toUpperCase() : '';
  return !/^(AUTH|CONN|EHLO|HELO|STARTTLS|GREETING)/.test(cmd);
}

/** A one-line reason for staff: the SMTP reply or the error code, cut short. */
export function failureReason(error: unknown): string {
  if (typeof error !== 'object' || error === null) return String(error).slice(0, 500);
  const { response, code, message } = error as { response?: unknown; code?: unknown; message?: unknown };
  const text = typeof response === 'string' ? response : typeof message === 'string' ? message : 'unknown error';
  return `${typeof code === 'string' ? `${code}: ` : ''}${text}`.replace(/\s+/g, ' ').slice(0, 500);
}
