import type { InvalidSuppressionTag, Muted, SuppressionSummary } from '../model/annotations.ts';
import type { Inventory } from '../model/inventory.ts';
import type { Result } from '../model/result.ts';
import { matchesAny } from './glob.ts';
import { beyondHorizon, expiryOf, type Suppression } from './suppressions.ts';
import { parseSuppressTag } from './tag.ts';

export const SUPPRESS_TAG_KEY = 'sagemaker-compliance:suppress';

export interface SuppressionOutcome<R extends Result> {
  results: (R & { muted?: Muted })[];
  expiredSuppressions: SuppressionSummary[];
  unusedSuppressions: SuppressionSummary[];
  invalidSuppressionTags: InvalidSuppressionTag[];
}

export interface TagSuppressionOptions {
  inventory: Inventory;
  horizonDays: number;
}

function summary(suppression: Suppression): SuppressionSummary {
  const { entry, rule, reason, expires, owner } = suppression;
  return { entry, rule, reason, expires, ...(owner ? { owner } : {}) };
}

function applies(suppression: Suppression, result: Result): boolean {
  const { matchers } = suppression;
  return (
    (suppression.rule === '*' || suppression.rule === result.ruleId) &&
    matchesAny(matchers.accounts, result.accountId) &&
    matchesAny(matchers.regions, result.region) &&
    matchesAny(matchers.resources, result.resourceId, result.resourceArn)
  );
}

type Tags = { Key?: string; Value?: string }[] | undefined;

/** Tags of the resources a result can name: VPCs, endpoints, IAM users and roles. */
function tagIndex(inventory: Inventory): Map<string, Tags> {
  const index = new Map<string, Tags>();
  for (const account of inventory.accounts) {
    const key = (id: string | undefined) => `${account.accountId}|${id}`;
    for (const region of account.regions) {
      for (const vpc of region.vpcs ?? []) index.set(key(vpc.VpcId), vpc.Tags);
      for (const endpoint of region.vpcEndpoints ?? []) index.set(key(endpoint.VpcEndpointId), endpoint.Tags);
    }
    for (const user of account.iam?.UserDetailList ?? []) index.set(key(user.Arn), user.Tags);
    for (const role of account.iam?.RoleDetailList ?? []) index.set(key(role.Arn), role.Tags);
  }
  return index;
}

function suppressTagOf(index: Map<string, Tags>, result: Result): string | undefined {
  const tagsOf = (id: string | undefined) =>
    id === undefined ? undefined : index.get(`${result.accountId}|${id}`);
  const tags = tagsOf(result.resourceId) ?? tagsOf(result.resourceArn);
  return tags?.find((tag) => tag.Key === SUPPRESS_TAG_KEY)?.Value;
}

/**
 * Parses `<rule-ids> until <date>: <reason>`. Returns the mute for this rule, or a problem that the
 * report lists (a malformed or too-distant tag never mutes).
 */
function muteFromTag(
  value: string,
  ruleId: string,
  now: Date,
  horizonDays: number,
): { muted?: Muted; problem?: string } {
  const tag = parseSuppressTag(value);
  if (!tag) return { problem: 'expected "<rule-ids> until <YYYY-MM-DD>: <reason>"' };
  const { rules, expires, reason } = tag;
  const expiresAt = expiryOf(expires);
  if (expiresAt === undefined) return { problem: `${expires} is not a calendar date` };
  const tooFar = beyondHorizon(expiresAt, now, horizonDays);
  if (tooFar) return { problem: tooFar };
  if (!rules.includes('*') && !rules.includes(ruleId)) return {};
  if (expiresAt <= now) return { problem: `expired on ${expires}` };
  return { muted: { reason, expires, entry: 'tag' } };
}

/**
 * Marks FAIL results that an active suppression covers as muted; their status stays FAIL, so the
 * record is whole. ERROR is never muted: it means "not checked", and nobody can accept that.
 */
export function applySuppressions<R extends Result>(
  results: readonly R[],
  suppressions: readonly Suppression[],
  now: Date,
  tags?: TagSuppressionOptions,
): SuppressionOutcome<R> {
  const active = suppressions.filter((suppression) => suppression.expiresAt > now);
  const used = new Set<number>();
  const index = tags ? tagIndex(tags.inventory) : undefined;
  const invalidSuppressionTags: InvalidSuppressionTag[] = [];
  const marked = results.map((result) => {
    if (result.status !== 'FAIL') return result;
    const suppression = active.find((candidate) => applies(candidate, result));
    if (suppression) {
      used.add(suppression.entry);
      const { reason, expires, owner, entry } = suppression;
      return { ...result, muted: { reason, expires, ...(owner ? { owner } : {}), entry } };
    }
    const value = index && suppressTagOf(index, result);
    if (value === undefined || tags === undefined) return result;
    const { muted, problem } = muteFromTag(value, result.ruleId, now, tags.horizonDays);
    if (problem) {
      invalidSuppressionTags.push({
        accountId: result.accountId,
        resourceId: result.resourceId,
        value,
        problem,
      });
    }
    return muted ? { ...result, muted } : result;
  });
  return {
    results: marked,
    expiredSuppressions: suppressions.filter((suppression) => suppression.expiresAt <= now).map(summary),
    unusedSuppressions: active.filter((suppression) => !used.has(suppression.entry)).map(summary),
    invalidSuppressionTags,
  };
}
