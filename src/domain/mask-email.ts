// An e-mail address as staff screens show it to confirm who will be mailed, without handing the whole address to
// anyone reading over a shoulder or a screenshot: t***@example.co.jp.

/** The first character of the local part, `***`, and the domain; an unparseable value gives `***`. */
export function maskEmail(address: string): string {
  const at = address.lastIndexOf('@');
  if (at < 1 || at === address.length - 1) return '***';
  return `${Array.from(address)[0]}***${address.slice(at)}`;
}
