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
  const count = BITS[family] / 8;
  const bytes: number[] = [];
  for (let index = count - 1; index >= 0; index--) bytes.push(Number((value >> BigInt(index * 8)) & 255n));
  return ipaddr.fromByteArray(bytes).toString();
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

/**
 * Cuts both address families at every boundary of `ranges` and `approved`. The outcome of
 * `IpAddress`/`NotIpAddress` conditions over these CIDRs is constant inside each piece, so judging
 * one representative address per piece is exact.
 */
export function splitAddressSpace(ranges: readonly IpRange[], approved: readonly IpRange[]): IpPiece[] {
  const pieces: IpPiece[] = [];
  for (const family of ['ipv4', 'ipv6'] as const) {
    const end = 1n << BigInt(BITS[family]);
    const cuts = new Set<bigint>([0n, end]);
    for (const range of [...ranges, ...approved]) {
      if (range.family !== family) continue;
      cuts.add(range.first);
      cuts.add(range.last + 1n);
    }
    const sorted = [...cuts].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (let index = 0; index + 1 < sorted.length; index++) {
      const first = sorted[index] as bigint;
      const last = (sorted[index + 1] as bigint) - 1n;
      const routable = publicRepresentative(family, first, last);
      pieces.push({
        family,
        first,
        last,
        approved: approved.some((range) => contains(range, family, first)),
        representative: routable ?? first,
        routable: routable !== undefined,
      });
    }
  }
  return pieces;
}

/** The fewest CIDRs that exactly cover the inclusive range first–last. */
export function rangeToCidrs(family: IpFamily, first: bigint, last: bigint): string[] {
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
    cidrs.push(`${formatAddress(family, start)}/${bits - size}`);
    start += 1n << BigInt(size);
  }
  return cidrs;
}

/** Adjacent pieces merged and written as CIDRs, for evidence a person can read. */
export function piecesToCidrs(pieces: readonly IpPiece[]): string[] {
  const cidrs: string[] = [];
  let current: { family: IpFamily; first: bigint; last: bigint } | undefined;
  for (const piece of pieces) {
    if (current && current.family === piece.family && current.last + 1n === piece.first) {
      current.last = piece.last;
      continue;
    }
    if (current) cidrs.push(...rangeToCidrs(current.family, current.first, current.last));
    current = { family: piece.family, first: piece.first, last: piece.last };
  }
  if (current) cidrs.push(...rangeToCidrs(current.family, current.first, current.last));
  return cidrs;
}
