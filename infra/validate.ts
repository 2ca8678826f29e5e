/**
 * Deployment settings checked at synth, so that a value AWS or the function would refuse at deploy
 * or run time never deploys: the schedule expression and its time zone (EventBridge Scheduler,
 * "Schedule types in EventBridge Scheduler"), alert email addresses, and the size of the function's
 * environment (Lambda quotas: 4 KB for all environment variables together).
 */

const EMAIL = /^[^\s@,]+@[^\s@,]+\.[^\s@,]+$/;

/** Why `address` cannot be an email subscription, or undefined. */
export function emailProblem(address: string): string | undefined {
  return EMAIL.test(address) ? undefined : `"${address}" is not an email address`;
}

/** Why Scheduler would refuse the IANA time zone `zone`, or undefined. */
export function timeZoneProblem(zone: string): string | undefined {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return undefined;
  } catch {
    return `"${zone}" is not an IANA time zone such as Europe/Paris`;
  }
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

interface CronField {
  name: string;
  min: number;
  max: number;
  /** Names standing for 1, 2, … (months, weekdays). */
  names?: string[];
  /** Tokens beyond values, ranges and increments that only this field accepts. */
  special?: RegExp;
}

const CRON_FIELDS: CronField[] = [
  { name: 'minutes', min: 0, max: 59 },
  { name: 'hours', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31, special: /^(\?|L|LW|([1-9]|[12]\d|3[01])W)$/ },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  { name: 'day-of-week', min: 1, max: 7, names: WEEKDAYS, special: /^(\?|L|[1-7]L|[1-7]#[1-5])$/ },
  { name: 'year', min: 1970, max: 2199 },
];

function fieldValue(field: CronField, text: string): number | undefined {
  const named = field.names?.indexOf(text.toUpperCase()) ?? -1;
  if (named >= 0) return named + 1;
  if (!/^\d+$/.test(text)) return undefined;
  const value = Number(text);
  return value >= field.min && value <= field.max ? value : undefined;
}

function cronTokenProblem(field: CronField, token: string): string | undefined {
  if (field.special?.test(token.toUpperCase())) return undefined;
  const [range = '', step, extra] = token.split('/');
  const bad = `${field.name} "${token}" is not a value from ${field.min} to ${field.max}, a range, a list or an increment`;
  if (extra !== undefined || range === '') return bad;
  if (step !== undefined && !(/^\d+$/.test(step) && Number(step) >= 1)) return bad;
  if (range === '*') return undefined;
  const [from = '', to, more] = range.split('-');
  if (more !== undefined || fieldValue(field, from) === undefined) return bad;
  if (to !== undefined && fieldValue(field, to) === undefined) return bad;
  return undefined;
}

function cronProblem(body: string): string | undefined {
  const fields = body.trim().split(/\s+/);
  if (fields.length !== CRON_FIELDS.length) {
    return `a cron expression has 6 fields (minutes hours day-of-month month day-of-week year), got ${fields.length}`;
  }
  for (const [index, field] of CRON_FIELDS.entries()) {
    for (const token of (fields[index] as string).split(',')) {
      const problem = cronTokenProblem(field, token);
      if (problem !== undefined) return problem;
    }
  }
  const [, , dayOfMonth, , dayOfWeek] = fields;
  if ((dayOfMonth === '?') === (dayOfWeek === '?')) {
    return 'exactly one of day-of-month and day-of-week must be "?"';
  }
  return undefined;
}

function rateProblem(body: string): string | undefined {
  const match = /^(\d+) (minute|minutes|hour|hours|day|days)$/.exec(body);
  if (!match) return `a rate is "value unit" with unit minute(s), hour(s) or day(s), got "${body}"`;
  const value = Number(match[1]);
  if (value < 1) return 'a rate needs a positive value';
  const plural = (match[2] as string).endsWith('s');
  if (plural !== value > 1) return `the unit of rate(${body}) must be ${value > 1 ? 'plural' : 'singular'}`;
  return undefined;
}

function atProblem(body: string): string | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/.exec(body);
  const [year, month, day, hour, minute, second] = (match?.slice(1) ?? []).map(Number);
  const date = match
    ? new Date(Date.UTC(year as number, (month as number) - 1, day, hour, minute, second))
    : undefined;
  const sameDay = date !== undefined && date.toISOString().slice(0, 19) === body;
  return sameDay ? undefined : `a one-time schedule is at(yyyy-mm-ddThh:mm:ss) on a real date, got "${body}"`;
}

/**
 * Why EventBridge Scheduler would refuse `expression`, or undefined.
 *
 * @example
 * scheduleProblem('cron(0 2 * * ? *)'); // undefined
 * scheduleProblem('cron(0 2 * * * *)'); // 'exactly one of day-of-month and day-of-week must be "?"'
 */
export function scheduleProblem(expression: string): string | undefined {
  const match = /^(cron|rate|at)\((.*)\)$/.exec(expression);
  if (!match) return 'expected cron(…), rate(…) or at(…)';
  const [, kind, body = ''] = match;
  if (kind === 'cron') return cronProblem(body);
  return kind === 'rate' ? rateProblem(body) : atProblem(body);
}

/** Lambda's quota on the size of all environment variables of a function together. */
export const LAMBDA_ENVIRONMENT_LIMIT_BYTES = 4096;

/**
 * Counted for a value known only at deploy time (a topic ARN, a bucket name, the region): the
 * longest of them, an SNS topic ARN with a 256-character name in the longest partition and region.
 */
export const UNRESOLVED_VALUE_BYTES = 320;

/**
 * Why the environment would exceed Lambda's 4 KB, or undefined. Keys and values count in UTF-8
 * bytes; `isUnresolved` tells values CloudFormation fills in at deploy time.
 */
export function environmentProblem(
  variables: Record<string, string>,
  isUnresolved: (value: string) => boolean,
): string | undefined {
  const sizes = Object.entries(variables).map(([key, value]) => ({
    key,
    bytes: Buffer.byteLength(key) + (isUnresolved(value) ? UNRESOLVED_VALUE_BYTES : Buffer.byteLength(value)),
  }));
  const total = sizes.reduce((sum, { bytes }) => sum + bytes, 0);
  if (total <= LAMBDA_ENVIRONMENT_LIMIT_BYTES) return undefined;
  const largest = sizes.reduce((big, size) => (size.bytes > big.bytes ? size : big));
  return `the function's environment takes up to ${total} bytes, over Lambda's ${LAMBDA_ENVIRONMENT_LIMIT_BYTES}; ${largest.key} alone takes ${largest.bytes}`;
}
