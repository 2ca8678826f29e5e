import ipaddr from 'ipaddr.js';
import { parseIpRange } from '../iam/ip.ts';
import { UserInputError } from '../model/errors.ts';
import { SEVERITIES, type Severity } from '../model/result.ts';

/** `a, b,,c` → `['a', 'b', 'c']`. */
export function splitList(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

/**
 * Approved source ranges as canonical CIDRs. A bare address is a single host (/32 or /128), as IAM
 * reads it. Only standard notation is taken, as for the policies themselves: `10.1` or `0x0a.0.0.1`
 * would otherwise become some other range than the one meant. A range with host bits set is refused
 * rather than widened (`10.0.0.1/8` is more likely a typo for a /32 than a wish for all of 10/8), and
 * a range covering every address is refused: it would approve any source and switch the rule off.
 * `source` names the option or variable in the error.
 */
export function parseCidrs(values: readonly string[], source: string): string[] {
  return values.map((value) => {
    let canonical: { network: string; prefix: number; kind: string };
    try {
      if (!parseIpRange(value)) throw new Error('not standard notation');
      if (!value.includes('/')) {
        const address = ipaddr.parse(value);
        return `${address.toString()}/${address.kind() === 'ipv4' ? 32 : 128}`;
      }
      const [address, prefix] = ipaddr.parseCIDR(value);
      const network =
        address.kind() === 'ipv4'
          ? ipaddr.IPv4.networkAddressFromCIDR(value)
          : ipaddr.IPv6.networkAddressFromCIDR(value);
      canonical = { network: network.toString(), prefix, kind: address.kind() };
      if (network.toString() !== address.toString()) {
        const host = `${address.toString()}/${address.kind() === 'ipv4' ? 32 : 128}`;
        throw new UserInputError(
          `${source}: "${value}" has host bits set; did you mean ${canonical.network}/${prefix} (the whole range) or ${host} (the one address)?`,
        );
      }
    } catch (error) {
      if (error instanceof UserInputError) throw error;
      throw new UserInputError(
        `${source}: "${value}" is not an IPv4 or IPv6 CIDR (e.g. 203.0.113.0/24, 2001:db8::/32)`,
      );
    }
    if (canonical.prefix === 0) {
      throw new UserInputError(
        `${source}: "${value}" covers every ${canonical.kind === 'ipv4' ? 'IPv4' : 'IPv6'} address, which would approve any source and switch the source-IP rule off`,
      );
    }
    return `${canonical.network}/${canonical.prefix}`;
  });
}

/** EC2's VPC endpoint IDs: `vpce-` and 8 or 17 lower-case hexadecimal digits. */
const VPC_ENDPOINT_ID = /^vpce-([0-9a-f]{8}|[0-9a-f]{17})$/;

/**
 * Approved VPC endpoint IDs, exactly as EC2 writes them. A wildcard is refused: `vpce-*` would
 * approve every endpoint of every account, the very thing the rule reports.
 */
export function parseVpceIds(values: readonly string[], source: string): string[] {
  for (const value of values) {
    if (!VPC_ENDPOINT_ID.test(value)) {
      throw new UserInputError(
        `${source}: "${value}" is not a VPC endpoint ID (vpce- and 8 or 17 hexadecimal digits, e.g. vpce-0a1b2c3d4e5f67890)`,
      );
    }
  }
  return [...new Set(values)];
}

const REGION_NAME = /^[a-z]{2}(-[a-z]+)+-\d+$/;

export function parseRegions(values: readonly string[], source: string): string[] {
  for (const value of values) {
    if (!REGION_NAME.test(value)) {
      throw new UserInputError(`${source}: "${value}" is not an AWS region name (e.g. eu-west-1)`);
    }
  }
  return [...new Set(values)];
}

export function parsePositiveInteger(value: string, source: string, max = 64): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1 || number > max) {
    throw new UserInputError(`${source}: "${value}" is not a whole number from 1 to ${max}`);
  }
  return number;
}

/** `all`, or a whole number of regions from 1 to 64; `source` names the option or variable in the error. */
export function parseRegionConcurrency(value: string, source: string): number | 'all' {
  if (value.trim().toLowerCase() === 'all') return 'all';
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1 || number > 64) {
    throw new UserInputError(`${source}: "${value}" is not all or a whole number from 1 to 64`);
  }
  return number;
}

/** A share of the documented AWS request rates: a number above 0 and at most 1 (`0.5` is half). */
export function parseRateShare(value: string, source: string): number {
  const number = Number(value.trim());
  if (value.trim() === '' || !(number > 0 && number <= 1)) {
    throw new UserInputError(
      `${source}: "${value}" is not a share above 0 and at most 1 (e.g. 0.5 for half)`,
    );
  }
  return number;
}

export function parseBoolean(value: string, source: string): boolean {
  const normalized = value.trim().toLowerCase();
  if (['true', '1', 'yes'].includes(normalized)) return true;
  if (['false', '0', 'no', ''].includes(normalized)) return false;
  throw new UserInputError(`${source}: "${value}" is not true or false`);
}

/** A severity name, in any case; `source` names the option in the error. */
export function parseSeverity(value: string, source: string): Severity {
  const severity = SEVERITIES.find((known) => known === value.trim().toLowerCase());
  if (severity === undefined) {
    throw new UserInputError(`${source}: "${value}" is not a severity (${SEVERITIES.join(', ')})`);
  }
  return severity;
}

export function parseSeverities(values: readonly string[], source: string): Severity[] {
  if (values.length === 0)
    throw new UserInputError(`${source}: no severity given (${SEVERITIES.join(', ')})`);
  return [...new Set(values.map((value) => parseSeverity(value, source)))];
}
