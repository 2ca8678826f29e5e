import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import {
  formatAddress,
  type IpFamily,
  type IpPiece,
  type IpRange,
  parseIpRange,
  piecesToCidrs,
  rangeToCidrs,
  splitAddressSpace,
} from '../../src/iam/ip.ts';

/**
 * The range arithmetic (IPv4 in plain numbers, cuts sorted without a set, CIDR lists built only as
 * far as they are listed) against a straightforward BigInt reference, on random CIDR sets.
 */

const BITS: Record<IpFamily, number> = { ipv4: 32, ipv6: 128 };

function referenceFormat(family: IpFamily, value: bigint): string {
  const bytes: number[] = [];
  for (let index = BITS[family] / 8 - 1; index >= 0; index--)
    bytes.push(Number((value >> BigInt(index * 8)) & 255n));
  return ipaddr.fromByteArray(bytes).toString();
}

function referenceRangeToCidrs(family: IpFamily, first: bigint, last: bigint): string[] {
  const bits = BITS[family];
  const cidrs: string[] = [];
  let start = first;
  while (start <= last) {
    let size = 0;
    while (
      size < bits &&
      (start & ((1n << BigInt(size + 1)) - 1n)) === 0n &&
      start + (1n << BigInt(size + 1)) - 1n <= last
    ) {
      size++;
    }
    cidrs.push(`${referenceFormat(family, start)}/${bits - size}`);
    start += 1n << BigInt(size);
  }
  return cidrs;
}

const NOT_PUBLIC: Record<IpFamily, string[]> = {
  ipv4: [
    '0.0.0.0/8',
    '10.0.0.0/8',
    '100.64.0.0/10',
    '127.0.0.0/8',
    '169.254.0.0/16',
    '172.16.0.0/12',
    '192.0.0.0/24',
    '192.0.2.0/24',
    '192.168.0.0/16',
    '198.18.0.0/15',
    '198.51.100.0/24',
    '203.0.113.0/24',
    '224.0.0.0/3',
  ],
  ipv6: ['::/3', '2001:db8::/32', '4000::/2', '8000::/1'],
};

function referenceSplit(ranges: readonly IpRange[], approved: readonly IpRange[]): IpPiece[] {
  const pieces: IpPiece[] = [];
  for (const family of ['ipv4', 'ipv6'] as const) {
    const cuts = new Set<bigint>([0n, 1n << BigInt(BITS[family])]);
    for (const range of [...ranges, ...approved]) {
      if (range.family !== family) continue;
      cuts.add(range.first);
      cuts.add(range.last + 1n);
    }
    const sorted = [...cuts].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const notPublic = NOT_PUBLIC[family].map((cidr) => parseIpRange(cidr) as IpRange);
    for (let index = 0; index + 1 < sorted.length; index++) {
      const first = sorted[index] as bigint;
      const last = (sorted[index + 1] as bigint) - 1n;
      let candidate = first;
      for (const range of notPublic) {
        if (range.first <= candidate && candidate <= range.last) candidate = range.last + 1n;
      }
      const routable = candidate <= last;
      pieces.push({
        family,
        first,
        last,
        approved: approved.some(
          (range) => range.first <= first && first <= range.last && range.family === family,
        ),
        representative: routable ? candidate : first,
        routable,
      });
    }
  }
  return pieces;
}

function referencePiecesToCidrs(pieces: readonly IpPiece[]): string[] {
  const merged: { family: IpFamily; first: bigint; last: bigint }[] = [];
  for (const piece of pieces) {
    const previous = merged.at(-1);
    if (previous && previous.family === piece.family && previous.last + 1n === piece.first)
      previous.last = piece.last;
    else merged.push({ family: piece.family, first: piece.first, last: piece.last });
  }
  return merged.flatMap((range) => referenceRangeToCidrs(range.family, range.first, range.last));
}

/** mulberry32, so that a failing seed can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Random CIDRs of both families, biased to share edges and nest, with the extremes among them. */
function randomCidrs(next: () => number, count: number): string[] {
  const cidrs: string[] = [];
  for (let index = 0; index < count; index++) {
    const roll = next();
    if (roll < 0.05) cidrs.push(next() < 0.5 ? '0.0.0.0/0' : '::/0');
    else if (roll < 0.7) {
      const octets = [Math.floor(next() * 256), Math.floor(next() * 4) * 64, Math.floor(next() * 256), 0];
      cidrs.push(`${octets.join('.')}/${Math.floor(next() * 33)}`);
    } else {
      const groups = Array.from({ length: 3 }, () => Math.floor(next() * 65_536).toString(16));
      cidrs.push(`${groups.join(':')}::/${Math.floor(next() * 129)}`);
    }
  }
  return cidrs;
}

const parse = (cidrs: string[]) => cidrs.map((cidr) => parseIpRange(cidr) as IpRange);

describe('the range arithmetic against a BigInt reference', () => {
  it.each(Array.from({ length: 200 }, (_, seed) => seed))('cuts the same pieces, seed %i', (seed) => {
    // Prepare
    const next = random(seed);
    const ranges = parse(randomCidrs(next, Math.floor(next() * 40)));
    const approved = parse(randomCidrs(next, Math.floor(next() * 4)));

    // Act
    const pieces = splitAddressSpace(ranges, approved);

    // Assess
    expect(pieces).toEqual(referenceSplit(ranges, approved));
  });

  it.each(Array.from({ length: 200 }, (_, seed) => seed))(
    'writes the same CIDRs, the capped list a prefix of the whole, seed %i',
    (seed) => {
      // Prepare
      const next = random(1000 + seed);
      const pieces = splitAddressSpace(parse(randomCidrs(next, 1 + Math.floor(next() * 60))), []);
      const chosen = pieces.filter(() => next() < 0.5);
      const max = Math.floor(next() * 80);

      // Act
      const whole = piecesToCidrs(chosen);
      const capped = piecesToCidrs(chosen, max);

      // Assess
      expect(whole).toEqual(referencePiecesToCidrs(chosen));
      expect(capped).toEqual(whole.slice(0, max));
    },
  );

  it.each<[IpFamily, bigint, bigint]>([
    ['ipv4', 0n, (1n << 32n) - 1n],
    ['ipv4', 1n, (1n << 32n) - 2n],
    ['ipv4', 0x7fffffffn, 0x80000000n],
    ['ipv4', 0xcb007100n, 0xcb0071ffn],
    ['ipv6', 0n, (1n << 128n) - 1n],
    ['ipv6', 1n, (1n << 128n) - 2n],
  ])('covers %s %s to %s exactly as the reference does', (family, first, last) => {
    // Act / Assess
    expect(rangeToCidrs(family, first, last)).toEqual(referenceRangeToCidrs(family, first, last));
  });

  it('writes IPv4 addresses as ipaddr.js does, at the edges of the space and of each octet', () => {
    // Prepare
    const next = random(7);
    const values = [0n, 255n, 256n, 0x7fffffffn, 0x80000000n, 0xffffffffn];
    for (let index = 0; index < 200; index++) values.push(BigInt(Math.floor(next() * 2 ** 32)));

    // Act / Assess
    for (const value of values) expect(formatAddress('ipv4', value)).toBe(referenceFormat('ipv4', value));
  });
});
