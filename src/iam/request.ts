import { globIncludes, globIntersects, globMatch } from './glob.ts';

/** The action the rules ask about. */
export const PRESIGNED_URL_ACTION = 'sagemaker:CreatePresignedNotebookInstanceUrl';

/** Where the request may land: the notebook instances of one account in one partition. */
export interface AccountTarget {
  partition: string;
  accountId: string;
}

/** Every notebook instance ARN of the account, as a pattern (any region, any name). */
export function allNotebooks(target: AccountTarget): string {
  return `arn:${target.partition}:sagemaker:*:${target.accountId}:notebook-instance/*`;
}

/** Action names are case-insensitive, with `*` and `?` anywhere. */
export function actionMatches(pattern: string): boolean {
  let matches = actionCache.get(pattern);
  if (matches === undefined) {
    matches = globMatch(pattern, PRESIGNED_URL_ACTION, true);
    actionCache.set(pattern, matches);
  }
  return matches;
}

const actionCache = new Map<string, boolean>();

interface ArnParts {
  partition: string;
  service: string;
  region: string;
  account: string;
  resource: string;
}

/** An ARN pattern's five fixed segments and its resource part; undefined when it is not an ARN. */
export function splitArn(pattern: string): ArnParts | undefined {
  const parts = pattern.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return undefined;
  const [, partition, service, region, account, ...rest] = parts as [string, ...string[]];
  return {
    partition: partition as string,
    service: service as string,
    region: region as string,
    account: account as string,
    resource: rest.join(':'),
  };
}

const NOTEBOOK_PREFIX = 'notebook-instance/';

/**
 * The notebook ARNs a `Resource` entry of an Allow can reach, over-approximated as one pattern
 * (`arn:<p>:sagemaker:<region>:<account>:notebook-instance/<name>`); undefined when it reaches
 * none. Over-approximation is the cautious side for an Allow.
 */
export function allowScope(entry: string, target: AccountTarget): string | undefined {
  if (entry === '*') return allNotebooks(target);
  const arn = splitArn(entry);
  if (!arn) return globIntersects(entry, allNotebooks(target)) ? allNotebooks(target) : undefined;
  if (
    !globMatch(arn.partition, target.partition) ||
    !globMatch(arn.service, 'sagemaker') ||
    !globMatch(arn.account, target.accountId) ||
    arn.region === '' ||
    !globIntersects(arn.resource, `${NOTEBOOK_PREFIX}*`)
  ) {
    return undefined;
  }
  const name = arn.resource.startsWith(NOTEBOOK_PREFIX) ? arn.resource.slice(NOTEBOOK_PREFIX.length) : '*';
  const region = arn.region.includes(':') ? '*' : arn.region;
  return `arn:${target.partition}:sagemaker:${region}:${target.accountId}:${NOTEBOOK_PREFIX}${name}`;
}

/**
 * Whether a `Resource` entry surely covers every ARN of `scope`, segment by segment (a wildcard
 * never spans a colon before the resource part). Under-approximated: the cautious side for a Deny.
 */
export function resourceCovers(entry: string, scope: string): boolean {
  if (entry === '*') return true;
  const outer = splitArn(entry);
  const inner = splitArn(scope);
  if (!outer || !inner) return false;
  return (
    globIncludes(outer.partition, inner.partition) &&
    globIncludes(outer.service, inner.service) &&
    globIncludes(outer.region, inner.region) &&
    globIncludes(outer.account, inner.account) &&
    globIncludes(outer.resource, inner.resource)
  );
}
