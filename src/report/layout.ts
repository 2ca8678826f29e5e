import { type Result, SEVERITIES, type Status } from '../model/result.ts';
import { printable } from './sanitize.ts';

const STATUS_ORDER: Record<Status, number> = { FAIL: 0, ERROR: 1, PASS: 2 };

/** Code-unit order, as the JSON report sorts: the host's locale must not change a report. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The reading order of the table and the text: what needs doing first (FAIL, then ERROR, then
 * PASS), the most severe first, then by rule, account, region and resource.
 */
export function compareForReading(a: Result, b: Result): number {
  return (
    STATUS_ORDER[a.status] - STATUS_ORDER[b.status] ||
    SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) ||
    compareText(a.ruleId, b.ruleId) ||
    compareText(a.accountId, b.accountId) ||
    compareText(a.region, b.region) ||
    compareText(a.resourceId, b.resourceId)
  );
}

const IAM_ARN = /^arn:[a-z-]+:iam::\d{12}:(user|role|group|policy)\/(?:.*\/)?([^/]+)$/;

function iamLabel(resourceId: string): string | undefined {
  const inline = resourceId.indexOf('/inline/');
  if (inline >= 0) {
    const owner = IAM_ARN.exec(resourceId.slice(0, inline));
    if (owner === null) return undefined;
    return `${resourceId.slice(inline + '/inline/'.length)} (inline, ${owner[1]} ${owner[2]})`;
  }
  const match = IAM_ARN.exec(resourceId);
  return match === null ? undefined : `${match[2]} (${match[1]})`;
}

/**
 * A short name for the resource that a person recognises: `ml-prod (vpc-0abc)`,
 * `vpc-0def (default VPC)`, `sam.contractor (user)`, `notebook-open (inline, user sam)`. Names come
 * from AWS accounts and are made printable.
 *
 * @example resourceLabel({ resourceId: 'vpc-0abc', resourceName: 'ml-prod', resourceType: 'AWS::EC2::VPC' }) // 'ml-prod (vpc-0abc)'
 */
export function resourceLabel(
  result: Pick<Result, 'resourceId' | 'resourceName' | 'resourceType' | 'defaultVpc'>,
): string {
  const id = printable(result.resourceId);
  if (result.resourceType.startsWith('AWS::IAM::')) return printable(iamLabel(result.resourceId) ?? id);
  const note = result.defaultVpc ? 'default VPC' : undefined;
  if (result.resourceName === undefined || result.resourceName === result.resourceId) {
    return note === undefined ? id : `${id} (${note})`;
  }
  return `${printable(result.resourceName)} (${note === undefined ? id : `${id}, ${note}`})`;
}

export interface WrapOptions {
  /** Starts the first line, and counts toward its width. */
  first?: string;
  /** Starts every further line. */
  rest?: string;
  /** Cut a word longer than a line into pieces (the table must fit); otherwise it overflows whole. */
  breakWords?: boolean;
  /** Parts of the text that are never broken across lines, such as shell commands. */
  keep?: RegExp;
}

function units(text: string, keep: RegExp | undefined): string[] {
  const words = (part: string) => part.split(/\s+/).filter((word) => word.length > 0);
  if (keep === undefined) return words(text);
  const found: string[] = [];
  let from = 0;
  for (const match of text.matchAll(new RegExp(keep.source, `${keep.flags.replace('g', '')}g`))) {
    const before = words(text.slice(from, match.index));
    // `(aws …`: what touches the kept part stays with it, as it would with a word.
    const touching = /\S$/.test(text.slice(0, match.index)) ? (before.pop() ?? '') : '';
    for (const word of before) found.push(word);
    found.push(`${touching}${match[0]}`);
    from = match.index + match[0].length;
  }
  for (const word of words(text.slice(from))) found.push(word);
  return found;
}

/**
 * Wraps `text` at word boundaries into lines of at most `width` characters, prefixes included.
 * A unit wider than a line starts a line of its own and is cut only with `breakWords`.
 *
 * @example wrapText('one two three', 9) // ['one two', 'three']
 */
export function wrapText(text: string, width: number, options: WrapOptions = {}): string[] {
  const first = options.first ?? '';
  const rest = options.rest ?? '';
  if (first.length + text.length <= width && !/[\n\r]/.test(text)) return [`${first}${text}`];
  const lines: string[] = [];
  let prefix = first;
  let line = '';
  const flush = () => {
    lines.push(`${prefix}${line}`);
    prefix = rest;
    line = '';
  };
  for (const unit of units(text, options.keep)) {
    if (line !== '' && prefix.length + line.length + 1 + unit.length > width) flush();
    let word = unit;
    const room = () => Math.max(1, width - prefix.length - (line === '' ? 0 : line.length + 1));
    while (options.breakWords && word.length > room()) {
      if (line !== '') flush();
      line = word.slice(0, room());
      word = word.slice(line.length);
      flush();
    }
    if (word !== '') line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '' || lines.length === 0) flush();
  return lines;
}
