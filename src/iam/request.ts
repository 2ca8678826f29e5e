import { globIncludes, globIntersects, globMatch } from './glob.ts';

/**
 * A presigned-URL action the rules ask about, with the shape of the ARNs it is authorized on, from
 * the Service Authorization Reference (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsagemaker.html):
 * `notebook-instance/${NotebookInstanceName}` and `user-profile/${DomainId}/${UserProfileName}`.
 * Neither a notebook name, a domain id nor a profile name can hold `/` or `:`, so the name is
 * exactly `nameParts` segments.
 */
export interface PresignedUrlAction {
  action: string;
  resourceType: string;
  nameParts: number;
  /** What messages call the resources the URLs open, e.g. `notebooks`. */
  resources: string;
  /** What messages call the URLs, e.g. `presigned notebook URLs`. */
  urls: string;
}

export const NOTEBOOK_URL: PresignedUrlAction = {
  action: 'sagemaker:CreatePresignedNotebookInstanceUrl',
  resourceType: 'notebook-instance',
  nameParts: 1,
  resources: 'notebooks',
  urls: 'presigned notebook URLs',
};

export const DOMAIN_URL: PresignedUrlAction = {
  action: 'sagemaker:CreatePresignedDomainUrl',
  resourceType: 'user-profile',
  nameParts: 2,
  resources: 'Studio user profiles',
  urls: 'presigned Studio URLs',
};

/** Where the request may land: the resources of one presigned-URL action in one account and partition. */
export interface AccountTarget {
  partition: string;
  accountId: string;
  presign: PresignedUrlAction;
}

function anyName(presign: PresignedUrlAction): string {
  return Array.from({ length: presign.nameParts }, () => '*').join('/');
}

/** Every ARN the action applies to in the account, as a pattern (any region, any name). */
export function allResources(target: AccountTarget): string {
  return `arn:${target.partition}:sagemaker:*:${target.accountId}:${target.presign.resourceType}/${anyName(target.presign)}`;
}

/** Action names are case-insensitive, with `*` and `?` anywhere. */
export function actionMatches(pattern: string, action: string): boolean {
  const key = `${action}\u0000${pattern}`;
  let matches = actionCache.get(key);
  if (matches === undefined) {
    matches = globMatch(pattern, action, true);
    actionCache.set(key, matches);
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

/**
 * The name part of a scope: exactly `nameParts` segments, so that the scope's wildcards never need
 * to stand for a `/` (see `resourceMayMatch` in statement-elements.ts). A real name has exactly
 * `nameParts - 1` slashes, so an entry's name with as many literal slashes matches segment by
 * segment, one with more matches no real resource, and one with fewer can match only where a
 * wildcard spans a slash: it is widened to every name.
 */
function scopeName(name: string, presign: PresignedUrlAction): string | undefined {
  const segments = name.split('/');
  if (segments.length === presign.nameParts) return name;
  if (segments.length > presign.nameParts) return undefined;
  return name.includes('*') ? anyName(presign) : undefined;
}

/**
 * The ARNs a `Resource` entry of an Allow can reach, over-approximated as one pattern
 * (`arn:<p>:sagemaker:<region>:<account>:<type>/<name>`); undefined when it reaches none.
 * Over-approximation is the cautious side for an Allow.
 */
export function allowScope(entry: string, target: AccountTarget): string | undefined {
  const every = allResources(target);
  if (entry === '*') return every;
  const arn = splitArn(entry);
  if (!arn) return globIntersects(entry, every) ? every : undefined;
  const prefix = `${target.presign.resourceType}/`;
  if (
    !globMatch(arn.partition, target.partition) ||
    !globMatch(arn.service, 'sagemaker') ||
    !globMatch(arn.account, target.accountId) ||
    arn.region === '' ||
    !globIntersects(arn.resource, `${prefix}*`)
  ) {
    return undefined;
  }
  const name = arn.resource.startsWith(prefix)
    ? scopeName(arn.resource.slice(prefix.length), target.presign)
    : anyName(target.presign);
  if (name === undefined) return undefined;
  const region = arn.region.includes(':') ? '*' : arn.region;
  return `arn:${target.partition}:sagemaker:${region}:${target.accountId}:${prefix}${name}`;
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
