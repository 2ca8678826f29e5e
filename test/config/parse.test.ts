import { describe, expect, it } from 'vitest';
import { parseCidrs } from '../../src/config/parse.ts';

describe('approved source ranges', () => {
  it.each([
    ['203.0.113.7/24', '203.0.113.0/24'],
    ['198.51.100.9', '198.51.100.9/32'],
    ['2001:DB8::1/32', '2001:db8::/32'],
    ['2001:db8::1', '2001:db8::1/128'],
  ])('reads %s in standard notation as %s', (value, canonical) => {
    expect(parseCidrs([value], '--allowed-cidrs')).toEqual([canonical]);
  });

  it.each(['10.1', '167772161', '0x0a.0.0.1', '010.0.0.1/8', '10.0.0.0/33', 'fe80::1%eth0', '10.0.0.0/ 8'])(
    'refuses %s, which is not standard CIDR notation, naming the option',
    (value) => {
      expect(() => parseCidrs([value], '--allowed-cidrs')).toThrow(
        `--allowed-cidrs: "${value}" is not an IPv4 or IPv6 CIDR (e.g. 203.0.113.0/24, 2001:db8::/32)`,
      );
    },
  );
});
