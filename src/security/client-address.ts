// Who is the client (DESIGN §6/§7): the socket address or the X-Forwarded-For entry N trusted hops from the right;
// an IPv6 client is its /64, so one host cannot rotate through its own subnet to dodge limits.
import { BlockList, isIP } from 'node:net';

/**
 * The client's address. Behind `trustProxy` hops the entry that many places from the right of X-Forwarded-For is
 * taken only when it is a bare IPv4 or IPv6 address: with a port (`ip:port`), in brackets, with an IPv6 zone, or junk,
 * it is not an address a proxy wrote, and each variant would otherwise count as a new client (a way round every
 * limit). Such an entry, or too few entries, falls back to the socket address.
 */
export function clientAddress(
  socketAddress: string | undefined,
  forwardedFor: string | undefined,
  trustProxy: number,
): string {
  let address = socketAddress ?? 'unknown';
  if (trustProxy > 0 && forwardedFor) {
    const hops = forwardedFor.split(',').map((s) => s.trim());
    const candidate = hops.length >= trustProxy ? hops[hops.length - trustProxy] : undefined;
    if (candidate !== undefined && isBareAddress(candidate)) address = candidate;
  }
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

/** An IPv4 address in dotted decimal or an IPv6 address, nothing around it (node:net refuses ports and brackets). */
const isBareAddress = (s: string): boolean => isIP(s) !== 0 && !s.includes('%');

/** The throttling identity: an IPv4 address as is, an IPv6 address reduced to its /64 prefix. */
export function clientKey(address: string): string {
  if (isIP(address) !== 6) return address;
  const expanded = expandIpv6(address);
  return `${expanded.slice(0, 4).join(':')}::/64`;
}

function expandIpv6(address: string): string[] {
  // A trailing dotted quad (`::ffff:192.0.2.1`, `64:ff9b::192.0.2.1`) is two groups, not one.
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(address);
  const hex = quad
    ? address.slice(0, quad.index) +
      [Number(quad[1]) * 256 + Number(quad[2]), Number(quad[3]) * 256 + Number(quad[4])]
        .map((n) => n.toString(16))
        .join(':')
    : address;
  const [head = '', tail = ''] = hex.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const fill = hex.includes('::') ? Array(8 - h.length - t.length).fill('0') : [];
  return [...h, ...fill, ...t].map((p) => p.toLowerCase().replace(/^0+(?=.)/, ''));
}

/** ESURETY_THROTTLE_EXEMPT as a matcher. */
export function exemptMatcher(cidrs: readonly string[]): (address: string) => boolean {
  if (cidrs.length === 0) return () => false;
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [net = '', bits] = cidr.split('/');
    const type = isIP(net) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(net, type);
    else list.addSubnet(net, Number(bits), type);
  }
  return (address) => {
    const type = isIP(address);
    return type !== 0 && list.check(address, type === 6 ? 'ipv6' : 'ipv4');
  };
}
