// Why a mail failed, in words staff can act on: the stored reason (an SMTP reply or a Node error code, see
// failureReason) sorted into a few kinds that the staff screen explains in plain Japanese. Pure, no I/O.

export const MAIL_FAILURE_KINDS = [
  'recipient',
  'mailboxFull',
  'policy',
  'rejected',
  'temporary',
  'auth',
  'tls',
  'connection',
  'internal',
  'unknown',
] as const;

export type MailFailureKind = (typeof MAIL_FAILURE_KINDS)[number];

export interface MailFailure {
  kind: MailFailureKind;
  /** The SMTP reply code when there was one (e.g. "550"). */
  smtpCode: string | null;
}

const CONNECTION =
  /\b(ECONNREFUSED|ECONNRESET|ECONNECTION|ETIMEDOUT|ESOCKET|ENOTFOUND|EAI_AGAIN|EDNS|EHOSTUNREACH|ENETUNREACH|EPIPE)\b/;

/**
 * 530 is mostly "5.7.0 Must issue a STARTTLS command first": the server wants TLS before anything else, so the fix is
 * in SMTP_URL's scheme or port, not its password. It is an authentication failure when it says so, or when it
 * answered a log-in (nodemailer's EAUTH) without mentioning TLS.
 */
function startTlsFirst(reason: string): boolean {
  if (/STARTTLS|\bTLS\b/i.test(reason)) return true;
  if (/\bEAUTH\b|authenticat/i.test(reason)) return false;
  return /\b5\.7\.0\b/.test(reason);
}

/** Sorts a stored failure reason into a kind. Order matters: a TLS failure also mentions the socket, and a
 * connection error's message may hold a port that looks like a reply code. */
export function classifyMailFailure(reason: string): MailFailure {
  const reply = /(?:^|\s)([45]\d\d)(?=[\s-]|$)/.exec(reason);
  const smtpCode = reply?.[1] ?? null;
  const enhanced = /\b([45])\.(\d{1,3})\.(\d{1,3})\b/.exec(reason);
  const kind = ((): MailFailureKind => {
    if (/has no value for|unreachable:/.test(reason)) return 'internal';
    if (smtpCode === '530' && startTlsFirst(reason)) return 'tls';
    if (/\bEAUTH\b/.test(reason) || smtpCode === '535' || smtpCode === '534' || smtpCode === '530') return 'auth';
    if (/\bETLS\b|certificate|self[- ]signed|\bSSL\b|wrong version number/i.test(reason)) return 'tls';
    if (CONNECTION.test(reason)) return 'connection';
    if (smtpCode?.startsWith('4')) return 'temporary';
    if (enhanced?.[1] === '5' && enhanced[2] === '1') return 'recipient';
    if (smtpCode === '552' || (enhanced?.[2] === '2' && enhanced[3] === '2')) return 'mailboxFull';
    if (enhanced?.[2] === '7' || smtpCode === '554') return 'policy';
    if (
      smtpCode === '550' ||
      smtpCode === '551' ||
      smtpCode === '553' ||
      /user unknown|no such user|does not exist|unknown recipient|recipient address rejected/i.test(reason)
    )
      return 'recipient';
    if (smtpCode?.startsWith('5')) return 'rejected';
    return 'unknown';
  })();
  return { kind, smtpCode };
}

/**
 * The reason as it may be shown to staff: addresses masked (an SMTP reply often repeats the recipient), anything
 * token-like (a signed link, a long base64url run) removed, cut short.
 */
export function scrubMailReason(reason: string): string {
  return reason
    .replace(/[^\s<>"'()[\],;:]+@([A-Za-z0-9.-]+)/g, (_, domain: string) => `***@${domain}`)
    .replace(/eyJ[\w-]*\.[\w-]*\.[\w-]*/g, '[…]')
    .replace(/[A-Za-z0-9_-]{32,}/g, '[…]')
    .slice(0, 300);
}

/** `ta***@example.jp`: enough to recognise an address on the telephone, not enough to harvest it. */
export function maskAddress(address: string): string {
  const at = address.lastIndexOf('@');
  if (at < 1) return address ? '***' : '';
  const local = address.slice(0, at);
  return `${local.slice(0, local.length > 2 ? 2 : 1)}***${address.slice(at)}`;
}
