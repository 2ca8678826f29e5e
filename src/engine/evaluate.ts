import type { RuleConfig } from '../model/config.ts';
import type { AccountInventory, Inventory } from '../model/inventory.ts';
import {
  GLOBAL_REGION,
  type Result,
  type ResultDraft,
  resultId,
  SEVERITIES,
  type SkippedScope,
} from '../model/result.ts';
import type { Rule, RuleMeta } from '../rules/types.ts';
import { nameResults } from './names.ts';

export interface Evaluation {
  results: Result[];
  skipped: SkippedScope[];
  evaluated: Record<string, Record<string, number>>;
}

/** Code-unit order: `localeCompare` depends on the host's locale, and reports must not. */
function compareText(a: string | undefined, b: string | undefined): number {
  const left = a ?? '';
  const right = b ?? '';
  return left < right ? -1 : left > right ? 1 : 0;
}

function compareResults(a: Result, b: Result): number {
  return (
    compareText(a.ruleId, b.ruleId) ||
    compareText(a.accountId, b.accountId) ||
    compareText(a.region, b.region) ||
    compareText(a.resourceId, b.resourceId) ||
    compareText(a.id, b.id)
  );
}

function compareSkipped(a: SkippedScope, b: SkippedScope): number {
  return (
    compareText(a.ruleId, b.ruleId) ||
    compareText(a.accountId, b.accountId) ||
    compareText(a.region, b.region) ||
    compareText(a.resourceId, b.resourceId) ||
    compareText(a.reason, b.reason)
  );
}

/** A rule's fix in general, for results that carry no fix of their own (and for the email). */
export function generalRemediation(meta: RuleMeta): string {
  return `${meta.remediation.text}${meta.remediation.cli ? ` (${meta.remediation.cli})` : ''}`;
}

function complete(meta: RuleMeta, draft: ResultDraft): Result {
  return {
    id: resultId(meta.id, draft.accountId, draft.region, draft.resourceId),
    ruleId: meta.id,
    severity: meta.severity,
    title: meta.title,
    ...draft,
    remediation: draft.remediation ?? generalRemediation(meta),
  };
}

/** The id of the result that stands for an account the scanner could not read at all. */
export const ACCOUNT_ACCESS_ID = 'account-access';

/**
 * One ERROR for an account of which nothing was read. It weighs as the most severe rule it
 * kept from judging the account: at worst it hides a FAIL of that severity.
 */
function unreadableAccountResult(account: AccountInventory, rules: readonly Rule[]): Result {
  const unreadable = account.unreadable as NonNullable<AccountInventory['unreadable']>;
  const severity = SEVERITIES.find((level) => rules.some((rule) => rule.meta.severity === level)) ?? 'high';
  return {
    id: resultId(ACCOUNT_ACCESS_ID, account.accountId, GLOBAL_REGION, account.accountId),
    ruleId: ACCOUNT_ACCESS_ID,
    severity,
    title: 'The scanner can read the account',
    status: 'ERROR',
    accountId: account.accountId,
    region: GLOBAL_REGION,
    resourceType: 'AWS::Organizations::Account',
    resourceId: account.accountId,
    ...(unreadable.roleArn ? { resourceArn: unreadable.roleArn } : {}),
    message: `Could not scan account ${account.accountId}: ${unreadable.message} (${unreadable.code}); no rule judged it.`,
    remediation: unreadable.roleArn
      ? `Create role ${unreadable.roleArn} with the scanner's read permissions and a trust policy that lets the scanner's credentials assume it (with the external id, if one is given), or leave the account out (--exclude-accounts).`
      : 'Check the credentials for the account and scan again.',
    evidence: { unreadable, rulesNotJudged: rules.map((rule) => rule.meta.id) },
  };
}

/**
 * The sections `rule` needs that an evidence file taken for other rules did not collect, with those
 * rules; undefined when the file holds what the rule reads (or does not record what it holds).
 */
function notCollectedFor(inventory: Inventory, meta: RuleMeta): string | undefined {
  const { takenFor } = inventory;
  if (takenFor === undefined) return undefined;
  const missing = meta.needs.filter((section) => !takenFor.sections.includes(section));
  if (missing.length === 0) return undefined;
  const sections =
    missing.length === 1 ? `section ${missing[0]} was` : `sections ${missing.join(' and ')} were`;
  return `this evidence file was taken for rules ${takenFor.rules.join(', ')}; ${sections} not collected`;
}

/**
 * Runs the rules over an inventory. A rule that throws is a defect, but still must not read as
 * compliant: it becomes one ERROR per account naming the rule.
 */
export function evaluate(inventory: Inventory, rules: readonly Rule[], config: RuleConfig): Evaluation {
  const results: Result[] = [];
  const skipped: SkippedScope[] = [];
  const evaluated: Record<string, Record<string, number>> = {};
  const readable = inventory.accounts.filter((account) => !account.unreadable);
  for (const account of inventory.accounts)
    if (account.unreadable) results.push(unreadableAccountResult(account, rules));
  const judged =
    readable.length === inventory.accounts.length ? inventory : { ...inventory, accounts: readable };
  for (const rule of rules) {
    const { meta } = rule;
    const uncollected = notCollectedFor(inventory, meta);
    if (uncollected !== undefined) {
      for (const account of inventory.accounts) {
        results.push(
          complete(meta, {
            status: 'ERROR',
            accountId: account.accountId,
            region: 'global',
            resourceType: 'Rule',
            resourceId: 'evidence-scope',
            message: `Could not judge ${meta.id}: ${uncollected}.`,
            remediation: `Take the snapshot again with this rule (snapshot --rules ${meta.id}, or without --rules) and scan that file.`,
            evidence: { takenFor: inventory.takenFor },
          }),
        );
      }
      continue;
    }
    try {
      const output = rule.check({ inventory: judged, config });
      if (output.evaluated) evaluated[meta.id] = output.evaluated;
      for (const entry of output.skipped) skipped.push({ ruleId: meta.id, ...entry });
      for (const draft of output.results) results.push(complete(meta, draft));
    } catch (error) {
      for (const account of judged.accounts) {
        results.push(
          complete(meta, {
            status: 'ERROR',
            accountId: account.accountId,
            region: 'global',
            resourceType: 'Rule',
            resourceId: 'rule-failure',
            message: `Rule ${meta.id} failed while evaluating: ${error instanceof Error ? error.message : String(error)}`,
            remediation: 'Report this to the scanner maintainers with the evidence file (npm run snapshot).',
            evidence: {},
          }),
        );
      }
    }
  }
  return {
    results: nameResults(inventory, results.sort(compareResults)),
    skipped: skipped.sort(compareSkipped),
    evaluated,
  };
}
