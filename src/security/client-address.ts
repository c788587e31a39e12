// Who is the client (DESIGN §6/§7): the socket address or the X-Forwarded-For entry N trusted hops from the right;
// an IPv6 client is its /64, so one host cannot rotate through its own subnet to dodge limits.
import { BlockList, isIP } from 'node:net';

export function clientAddress(
  socketAddress: string | undefined,
  forwardedFor: string | undefined,
  trustProxy: number,
): string {
  let address = socketAddress ?? 'unknown';
  if (trustProxy > 0 && forwardedFor) {
    const hops = forwardedFor
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const candidate = hops[hops.length - trustProxy];
    if (candidate) address = candidate;
  }
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

/** The throttling identity: an IPv4 address as is, an IPv6 address reduced to its /64 prefix. */
export function clientKey(address: string): string {
  if (isIP(address) !== 6) return address;
  const expanded = expandIpv6(address);
  return `${expanded.slice(0, 4).join(':')}::/64`;
}

function expandIpv6(address: string): string[] {
  const [head = '', tail = ''] = address.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const fill = address.includes('::') ? Array(8 - h.length - t.length).fill('0') : [];
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
