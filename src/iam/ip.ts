import ipaddr from 'ipaddr.js';

export type IpFamily = 'ipv4' | 'ipv6';

/** A CIDR block as an inclusive integer range, which makes splitting and containment plain arithmetic. */
export interface IpRange {
  family: IpFamily;
  first: bigint;
  last: bigint;
}

const BITS: Record<IpFamily, number> = { ipv4: 32, ipv6: 128 };

function toBigInt(bytes: number[]): bigint {
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  return value;
}

/**
 * A CIDR or bare address (a /32 or /128) as AWS reads an `aws:SourceIp` condition value; host bits
 * are ignored as AWS ignores them. Undefined when the text is not an address in standard notation:
 * AWS documents "standard CIDR format", while ipaddr.js also takes the inet_aton forms (`3232235777`,
 * `0x7f.0.0.1`, `010.0.0.1`, `10.1`) and IPv6 zone ids, whose meaning to IAM nobody can vouch for.
 *
 * @example parseIpRange('203.0.113.7/24') // 203.0.113.0 – 203.0.113.255
 */
export function parseIpRange(text: string): IpRange | undefined {
  if (!rangeCache.has(text)) rangeCache.set(text, parseUncached(text));
  return rangeCache.get(text);
}

/** Policies repeat the same few ranges thousands of times; parsing is the costly part. */
const rangeCache = new Map<string, IpRange | undefined>();

const OCTET = '(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
const DOTTED_QUAD = new RegExp(`^${OCTET}(?:\\.${OCTET}){3}$`);
/** Hex groups and colons, perhaps ending in a dotted quad (`::ffff:192.0.2.1`); no zone id (`%eth0`). */
const IPV6_TEXT = /^[0-9A-Fa-f:.]+$/;
const PREFIX: Record<IpFamily, RegExp> = {
  ipv4: /^(?:3[0-2]|[12]?[0-9])$/,
  ipv6: /^(?:12[0-8]|1[01][0-9]|[1-9]?[0-9])$/,
};

/** Whether the address text is in standard notation for its family (ipaddr.js then reads it). */
function isStandardAddress(family: IpFamily, address: string): boolean {
  if (family === 'ipv4') return DOTTED_QUAD.test(address);
  if (!IPV6_TEXT.test(address) || !ipaddr.IPv6.isValid(address)) return false;
  const tail = address.slice(address.lastIndexOf(':') + 1);
  return !tail.includes('.') || DOTTED_QUAD.test(tail);
}

function parseUncached(text: string): IpRange | undefined {
  // ipaddr.js tries IPv6 first; going straight to the right family is several times faster.
  const family: IpFamily = text.includes(':') ? 'ipv6' : 'ipv4';
  const slash = text.indexOf('/');
  const address = slash < 0 ? text : text.slice(0, slash);
  const prefixText = slash < 0 ? String(BITS[family]) : text.slice(slash + 1);
  if (!isStandardAddress(family, address) || !PREFIX[family].test(prefixText)) return undefined;
  const parsed = family === 'ipv6' ? ipaddr.IPv6.parse(address) : ipaddr.IPv4.parse(address);
  const hostBits = BigInt(BITS[family] - Number(prefixText));
  const value = toBigInt(parsed.toByteArray());
  const first = (value >> hostBits) << hostBits;
  return { family, first, last: first + (1n << hostBits) - 1n };
}

/** The address at integer `value`, in the family's canonical text form. */
export function formatAddress(family: IpFamily, value: bigint): string {
  if (family === 'ipv4') return ipv4Text(Number(value));
  const bytes: number[] = [];
  for (let index = 15; index >= 0; index--) bytes.push(Number((value >> BigInt(index * 8)) & 255n));
  return ipaddr.fromByteArray(bytes).toString();
}

/** Dotted-quad text of an IPv4 address held as a number (0 to 2^32 - 1), as ipaddr.js writes it. */
function ipv4Text(value: number): string {
  return `${value >>> 24}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;
}

export function contains(range: IpRange, family: IpFamily, value: bigint): boolean {
  return range.family === family && range.first <= value && value <= range.last;
}

/** One piece of the address space in which no CIDR of the policies or the approved list changes. */
export interface IpPiece {
  family: IpFamily;
  first: bigint;
  last: bigint;
  /** Inside an approved range (the whole piece is, since approved boundaries are cut points). */
  approved: boolean;
  /**
   * The address judged for the piece. Any address of the piece gives the same verdict; a publicly
   * routable one is chosen where the piece has one, because the threat is a caller on the internet
   * and that is the address a person can recognise in the finding.
   */
  representative: bigint;
  /** Whether {@link representative} is publicly routable (the piece may lie wholly in a private range). */
  routable: boolean;
}

/** Special-purpose ranges that are not globally routable (RFC 6890), in address order. */
const NOT_PUBLIC: Record<IpFamily, readonly IpRange[]> = {
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
  ].map((cidr) => parseUncached(cidr) as IpRange),
  // Only 2000::/3 is global unicast, and 2001:db8::/32 within it is for documentation.
  ipv6: ['::/3', '2001:db8::/32', '4000::/2', '8000::/1'].map((cidr) => parseUncached(cidr) as IpRange),
};

function publicRepresentative(family: IpFamily, first: bigint, last: bigint): bigint | undefined {
  let candidate = first;
  for (const range of NOT_PUBLIC[family]) {
    if (range.first <= candidate && candidate <= range.last) candidate = range.last + 1n;
  }
  return candidate <= last ? candidate : undefined;
}

/** {@link NOT_PUBLIC} IPv4 as numbers: first, last, first, last… */
const NOT_PUBLIC_IPV4 = NOT_PUBLIC.ipv4.flatMap((range) => [Number(range.first), Number(range.last)]);

function publicIpv4Representative(first: number, last: number): number | undefined {
  let candidate = first;
  for (let index = 0; index < NOT_PUBLIC_IPV4.length; index += 2) {
    if (
      (NOT_PUBLIC_IPV4[index] as number) <= candidate &&
      candidate <= (NOT_PUBLIC_IPV4[index + 1] as number)
    )
      candidate = (NOT_PUBLIC_IPV4[index + 1] as number) + 1;
  }
  return candidate <= last ? candidate : undefined;
}

/**
 * Cuts both address families at every boundary of `ranges` and `approved`. The outcome of
 * `IpAddress`/`NotIpAddress` conditions over these CIDRs is constant inside each piece, so judging
 * one representative address per piece is exact. Pieces come in address order, IPv4 first.
 */
export function splitAddressSpace(ranges: readonly IpRange[], approved: readonly IpRange[]): IpPiece[] {
  const pieces: IpPiece[] = [];
  splitIpv4(ranges, approved, pieces);
  splitIpv6(ranges, approved, pieces);
  return pieces;
}

/** IPv4 in plain numbers, which are exact up to 2^53: no BigInt is made but for the pieces themselves. */
function splitIpv4(ranges: readonly IpRange[], approved: readonly IpRange[], pieces: IpPiece[]): void {
  const approvedBounds: number[] = [];
  for (const range of approved) {
    if (range.family === 'ipv4') approvedBounds.push(Number(range.first), Number(range.last));
  }
  const cuts = new Float64Array(2 * (ranges.length + approved.length) + 1);
  let count = 0;
  cuts[count++] = 2 ** 32;
  for (const list of [ranges, approved]) {
    for (const range of list) {
      if (range.family !== 'ipv4') continue;
      cuts[count++] = Number(range.first);
      cuts[count++] = Number(range.last) + 1;
    }
  }
  // The unused tail stays 0, the start of the first piece, and sorts to the front.
  cuts.sort();
  const isApproved = (address: number) => {
    for (let index = 0; index < approvedBounds.length; index += 2) {
      if ((approvedBounds[index] as number) <= address && address <= (approvedBounds[index + 1] as number))
        return true;
    }
    return false;
  };
  let first = 0;
  for (const cut of cuts) {
    // Sorted, so a repeated cut (or 0) is where the current piece starts: it starts no new one.
    if (cut === first) continue;
    const routable = publicIpv4Representative(first, cut - 1);
    pieces.push({
      family: 'ipv4',
      first: BigInt(first),
      last: BigInt(cut - 1),
      approved: isApproved(first),
      representative: BigInt(routable ?? first),
      routable: routable !== undefined,
    });
    first = cut;
  }
}

function splitIpv6(ranges: readonly IpRange[], approved: readonly IpRange[], pieces: IpPiece[]): void {
  const cuts: bigint[] = [1n << 128n];
  for (const list of [ranges, approved]) {
    for (const range of list) {
      if (range.family === 'ipv6') cuts.push(range.first, range.last + 1n);
    }
  }
  cuts.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  let first = 0n;
  for (const cut of cuts) {
    if (cut === first) continue;
    const last = cut - 1n;
    const routable = publicRepresentative('ipv6', first, last);
    pieces.push({
      family: 'ipv6',
      first,
      last,
      approved: approved.some((range) => contains(range, 'ipv6', first)),
      representative: routable ?? first,
      routable: routable !== undefined,
    });
    first = cut;
  }
}

/**
 * The fewest CIDRs that exactly cover the inclusive range first–last, in address order; only the
 * first `max` of them when there are more (the evidence lists a few, and a range of scattered
 * holes has thousands).
 */
export function rangeToCidrs(family: IpFamily, first: bigint, last: bigint, max = Infinity): string[] {
  return family === 'ipv4'
    ? ipv4RangeToCidrs(Number(first), Number(last), max)
    : ipv6RangeToCidrs(first, last, max);
}

/** IPv4 in plain numbers: every address and block size up to 2^32 is exact in a double. */
function ipv4RangeToCidrs(first: number, last: number, max: number): string[] {
  const cidrs: string[] = [];
  let start = first;
  while (start <= last && cidrs.length < max) {
    // The largest block that starts at `start` is as large as its lowest set bit allows.
    let size = start === 0 ? 32 : 31 - Math.clz32(start & -start);
    while (start + 2 ** size - 1 > last) size--;
    cidrs.push(`${ipv4Text(start)}/${32 - size}`);
    start += 2 ** size;
  }
  return cidrs;
}

/** The position of the highest set bit of a positive value: floor(log2(value)). */
function highestBit(value: bigint): number {
  return value.toString(2).length - 1;
}

function ipv6RangeToCidrs(first: bigint, last: bigint, max: number): string[] {
  const cidrs: string[] = [];
  let start = first;
  while (start <= last && cidrs.length < max) {
    // The largest block that starts at `start` is as large as its lowest set bit allows, and no
    // larger than what is left of the range: a few operations instead of one step per bit.
    const aligned = start === 0n ? 128 : highestBit(start & -start);
    const size = Math.min(aligned, highestBit(last - start + 1n));
    cidrs.push(`${formatAddress('ipv6', start)}/${128 - size}`);
    start += 1n << BigInt(size);
  }
  return cidrs;
}

/**
 * Adjacent pieces merged and written as CIDRs, for evidence a person can read; only the first
 * `max` CIDRs when there are more, so that a capped list costs what it shows.
 */
export function piecesToCidrs(pieces: readonly IpPiece[], max = Infinity): string[] {
  const cidrs: string[] = [];
  let current: { family: IpFamily; first: bigint; last: bigint } | undefined;
  const flush = (range: { family: IpFamily; first: bigint; last: bigint }) =>
    cidrs.push(...rangeToCidrs(range.family, range.first, range.last, max - cidrs.length));
  for (const piece of pieces) {
    if (current && current.family === piece.family && current.last + 1n === piece.first) {
      current.last = piece.last;
      continue;
    }
    if (current) flush(current);
    if (cidrs.length >= max) return cidrs;
    current = { family: piece.family, first: piece.first, last: piece.last };
  }
  if (current) flush(current);
  return cidrs;
}
