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
