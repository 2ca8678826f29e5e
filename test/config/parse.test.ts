import { describe, expect, it } from 'vitest';
import { parseCidrs, parseVpceIds } from '../../src/config/parse.ts';

describe('approved source ranges', () => {
  it.each([
    ['203.0.113.0/24', '203.0.113.0/24'],
    ['198.51.100.9', '198.51.100.9/32'],
    ['2001:DB8::/32', '2001:db8::/32'],
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

  it.each([
    ['10.0.0.1/8', '10.0.0.0/8', '10.0.0.1/32'],
    ['203.0.113.7/24', '203.0.113.0/24', '203.0.113.7/32'],
    ['2001:DB8::1/32', '2001:db8::/32', '2001:db8::1/128'],
  ])('refuses %s, whose host bits are set, and says what was probably meant', (value, range, host) => {
    expect(() => parseCidrs([value], '--allowed-cidrs')).toThrow(
      `--allowed-cidrs: "${value}" has host bits set; did you mean ${range} (the whole range) or ${host} (the one address)?`,
    );
  });

  it.each([
    ['0.0.0.0/0', 'IPv4'],
    ['::/0', 'IPv6'],
  ])('refuses %s, which covers every address and would switch the rule off', (value, family) => {
    expect(() => parseCidrs(['203.0.113.0/24', value], 'ALLOWED_SOURCE_CIDRS')).toThrow(
      `ALLOWED_SOURCE_CIDRS: "${value}" covers every ${family} address, which would approve any source and switch the source-IP rule off`,
    );
  });
});

describe('approved VPC endpoint IDs', () => {
  it('reads IDs of 8 and 17 hexadecimal digits, once each', () => {
    expect(
      parseVpceIds(['vpce-1a2b3c4d', 'vpce-0a1b2c3d4e5f67890', 'vpce-1a2b3c4d'], '--approved-vpces'),
    ).toEqual(['vpce-1a2b3c4d', 'vpce-0a1b2c3d4e5f67890']);
  });

  it.each(['vpce-*', 'vpce-0a1b2c3d4e5f6789?', 'vpc-0a1b2c3d4e5f67890', 'VPCE-1A2B3C4D', 'vpce-1a2b3c'])(
    'refuses %s, naming the option',
    (value) => {
      expect(() => parseVpceIds([value], '--approved-vpces')).toThrow(
        `--approved-vpces: "${value}" is not a VPC endpoint ID (vpce- and 8 or 17 hexadecimal digits, e.g. vpce-0a1b2c3d4e5f67890)`,
      );
    },
  );
});
