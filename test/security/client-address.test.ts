// The client address behind a trusted proxy (DESIGN §6 ESURETY_TRUST_PROXY, §7): only a bare address in the trusted
// position of X-Forwarded-For is believed; anything else is the socket's address.
import { describe, expect, it } from 'vitest';
import { clientAddress, clientKey } from '../../src/security/client-address.js';

const SOCKET = '10.0.0.5';

describe('client address', () => {
  it('takes the entry that many hops from the right when it is a bare IPv4 or IPv6 address', () => {
    expect(clientAddress(SOCKET, '203.0.113.7', 1)).toBe('203.0.113.7');
    expect(clientAddress(SOCKET, '198.51.100.1, 203.0.113.7', 1)).toBe('203.0.113.7');
    expect(clientAddress(SOCKET, '203.0.113.7, 10.0.0.9', 2)).toBe('203.0.113.7');
    expect(clientAddress(SOCKET, '2001:db8::1', 1)).toBe('2001:db8::1');
    expect(clientAddress(SOCKET, '::ffff:203.0.113.7', 1)).toBe('203.0.113.7');
  });

  it.each([
    ['ip:port', '203.0.113.7:5555'],
    ['bracketed IPv6', '[2001:db8::1]'],
    ['bracketed IPv6 with port', '[2001:db8::1]:443'],
    ['IPv6 zone', 'fe80::1%eth0'],
    ['leading zeros', '203.000.113.007'],
    ['junk', 'unknown'],
    ['junk with the address inside', 'x203.0.113.7'],
    ['empty entry', '203.0.113.7, '],
  ])('falls back to the socket address for %s', (_name, xff) => {
    expect(clientAddress(SOCKET, xff, 1)).toBe(SOCKET);
  });

  it('falls back to the socket address when there are fewer entries than trusted hops, and ignores the header untrusted', () => {
    expect(clientAddress(SOCKET, '203.0.113.7', 2)).toBe(SOCKET);
    expect(clientAddress(SOCKET, '203.0.113.7', 0)).toBe(SOCKET);
  });

  it('keys an IPv6 client by its /64, embedded IPv4 included', () => {
    expect(clientKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:DB8:1:2:bbbb:cccc:dddd:eeee')).toBe('2001:db8:1:2::/64');
    expect(clientKey('1::2:3:4:5:192.0.2.1')).toBe('1:0:2:3::/64');
    expect(clientKey('203.0.113.7')).toBe('203.0.113.7');
  });
});
