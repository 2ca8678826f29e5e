import { describe, expect, it } from 'vitest';
import { formatAddress, parseIpRange, piecesToCidrs, splitAddressSpace } from '../../src/iam/ip.ts';

const range = (cidr: string) => {
  const parsed = parseIpRange(cidr);
  if (!parsed) throw new Error(`bad test CIDR ${cidr}`);
  return parsed;
};

describe('splitting the address space at CIDR boundaries', () => {
  it('cuts both families at every boundary and marks the approved pieces', () => {
    // Act
    const pieces = splitAddressSpace(
      [range('10.0.0.0/8')],
      [range('203.0.113.0/24'), range('2001:db8::/32')],
    );
    // Assess
    expect(piecesToCidrs(pieces.filter((piece) => piece.approved))).toEqual([
      '203.0.113.0/24',
      '2001:db8::/32',
    ]);
    expect(pieces.filter((piece) => piece.family === 'ipv4')).toHaveLength(5);
    expect(pieces.filter((piece) => piece.family === 'ipv6')).toHaveLength(3);
  });

  it('judges each piece by a publicly routable address when the piece holds one', () => {
    // Act
    const [firstV4, , lastV4] = splitAddressSpace([range('10.0.0.0/8')], []).filter(
      (piece) => piece.family === 'ipv4',
    );
    const v6 = splitAddressSpace([], []).find((piece) => piece.family === 'ipv6');
    // Assess
    expect(formatAddress('ipv4', firstV4?.representative ?? -1n)).toBe('1.0.0.0');
    expect(formatAddress('ipv4', lastV4?.representative ?? -1n)).toBe('11.0.0.0');
    expect(formatAddress('ipv6', v6?.representative ?? -1n)).toBe('2000::');
  });

  it('falls back to the first address of a piece that is private throughout', () => {
    // Act
    const pieces = splitAddressSpace([range('10.1.0.0/16')], []);
    const privatePiece = pieces.find((piece) => formatAddress('ipv4', piece.first) === '10.1.0.0');
    // Assess
    expect(formatAddress('ipv4', privatePiece?.representative ?? -1n)).toBe('10.1.0.0');
  });
});

describe('reading aws:SourceIp values strictly, in standard notation', () => {
  it.each<[string, string, bigint, bigint]>([
    ['203.0.113.0/24', 'ipv4', 0xcb007100n, 0xcb0071ffn],
    ['203.0.113.7/24', 'ipv4', 0xcb007100n, 0xcb0071ffn],
    ['203.0.113.7', 'ipv4', 0xcb007107n, 0xcb007107n],
    ['0.0.0.0/0', 'ipv4', 0n, 0xffffffffn],
    ['2001:db8::/32', 'ipv6', 0x20010db8n << 96n, ((0x20010db8n + 1n) << 96n) - 1n],
    ['2001:DB8::5', 'ipv6', (0x20010db8n << 96n) + 5n, (0x20010db8n << 96n) + 5n],
    ['::ffff:192.0.2.1/128', 'ipv6', 0xffffc0000201n, 0xffffc0000201n],
    ['::/0', 'ipv6', 0n, (1n << 128n) - 1n],
  ])('reads %s', (text, family, first, last) => {
    // Act / Assess
    expect(parseIpRange(text)).toEqual({ family, first, last });
  });

  it.each([
    ['a single integer (inet_aton)', '3405803783'],
    ['two parts (inet_aton)', '203.28935'],
    ['three parts (inet_aton)', '203.0.28935'],
    ['hex-looking octets', '0xcb.0.113.7'],
    ['octal-looking octets', '0313.0.113.7'],
    ['a zero-padded octet', '203.0.113.07'],
    ['an octet above 255', '203.0.113.256'],
    ['a zero-padded prefix', '203.0.113.0/024'],
    ['a prefix beyond the family', '203.0.113.0/33'],
    ['an IPv6 prefix beyond 128', '2001:db8::/129'],
    ['an empty prefix', '203.0.113.0/'],
    ['an IPv6 zone id', 'fe80::1%eth0'],
    ['an IPv4 tail in inet_aton form', '::ffff:0xc0.0.2.1'],
    ['surrounding spaces', ' 203.0.113.7 '],
    ['a host name', 'example.com'],
  ])('refuses %s: %j', (_name, text) => {
    // Act / Assess
    expect(parseIpRange(text)).toBeUndefined();
  });
});
