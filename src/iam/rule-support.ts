import { type AccountInventory, findCollectionError } from '../model/inventory.ts';
import { GLOBAL_REGION, type ResultDraft } from '../model/result.ts';
import type { RuleContext } from '../rules/types.ts';
import type { Approval, StatementEvidence, Verdict } from './evaluate.ts';
import { type IpRange, parseIpRange } from './ip.ts';
import type { PresignedUrlAction } from './request.ts';

/** The approved ranges of the configuration, parsed (the configuration layer already validated them). */
export function approvalOf(context: RuleContext): Approval {
  let approval = approvals.get(context.config.allowedSourceCidrs);
  if (!approval) {
    approval = {
      ranges: context.config.allowedSourceCidrs
        .map(parseIpRange)
        .filter((range): range is IpRange => range !== undefined),
    };
    approvals.set(context.config.allowedSourceCidrs, approval);
  }
  return approval;
}

const approvals = new WeakMap<readonly string[], Approval>();

/** What gets the account's IAM data read; without a full stop, to end a remediation or join other fixes. */
export const IAM_READ_FIX =
  'Grant the scanner iam:GetAccountAuthorizationDetails (see `sagemaker-compliance-scanner rules`) and scan again';

/** One ERROR per account whose IAM data is missing, quoting why collection did not get it. */
export function missingIamError(account: AccountInventory, resourceType: string): ResultDraft {
  const error = findCollectionError(account.collectionErrors, 'iam');
  const reason = error ? `${error.code}: ${error.message}` : 'the inventory has no iam section';
  return {
    status: 'ERROR',
    accountId: account.accountId,
    region: GLOBAL_REGION,
    resourceType,
    resourceId: `${account.accountId}/iam`,
    message: `Could not judge the IAM principals and policies of account ${account.accountId}: ${reason}.`,
    remediation: `${IAM_READ_FIX}.`,
    evidence: { missingSection: 'iam', ...(error ? { collectionError: error } : {}) },
  };
}

/**
 * A sentence's subject moved mid-sentence: only the first letter drops its capital, so that IAM
 * names (case-sensitive, e.g. `DataScientist`) stay as the user finds them in the console.
 */
export function midSentence(text: string): string {
  return `${text.charAt(0).toLowerCase()}${text.slice(1)}`;
}

/** `policy AmazonSageMakerFullAccess (attached via group ds), statement 1 (Sid AllowAll)`. */
export function describeStatement(statement: StatementEvidence): string {
  const sid = statement.sid ? ` (Sid ${statement.sid})` : '';
  const place = statement.statementIndex >= 0 ? `, statement ${statement.statementIndex}${sid}` : '';
  return `policy ${statement.policyName} (${statement.attachment})${place}`;
}

/** Where the request is allowed from, phrased for a message. */
export function describeOrigin(verdict: Verdict, approval: Approval): string {
  if (approval.ranges.length === 0) {
    return `every ${verdict.offendingAddress?.includes(':') ? 'IPv6' : 'IPv4'} address (no source-IP restriction; no approved ranges configured)`;
  }
  return `${verdict.offendingAddress} (outside the approved ranges)`;
}

const evidenceOf = new WeakMap<Verdict, { context: RuleContext; evidence: Record<string, unknown> }>();

/**
 * The evidence every IAM verdict carries, made once per verdict: every principal of the verdict
 * cites the same statements and ranges.
 */
export function verdictEvidence(
  verdict: Verdict,
  context: RuleContext,
  presign: PresignedUrlAction,
): Record<string, unknown> {
  const known = evidenceOf.get(verdict);
  if (known?.context === context) return known.evidence;
  const evidence = freshVerdictEvidence(verdict, context, presign);
  evidenceOf.set(verdict, { context, evidence });
  return evidence;
}

function freshVerdictEvidence(
  verdict: Verdict,
  context: RuleContext,
  presign: PresignedUrlAction,
): Record<string, unknown> {
  const evidence: Record<string, unknown> = {
    action: presign.action,
    approvedRanges: context.config.allowedSourceCidrs,
    grantingStatements: verdict.grants,
    deniesConsidered: verdict.denies,
    allowedFrom: verdict.allowedFrom,
  };
  if (verdict.allowedFromTruncated) evidence.allowedFromTruncated = true;
  if (verdict.offendingAddress) evidence.offendingAddress = verdict.offendingAddress;
  if (verdict.boundaryAllows !== undefined) evidence.permissionsBoundaryAllows = verdict.boundaryAllows;
  if (verdict.blocksPrivateLink !== undefined) evidence.blocksPrivateLink = verdict.blocksPrivateLink;
  if (verdict.notUnderstood.length > 0) evidence.notUnderstood = verdict.notUnderstood;
  return evidence;
}

const hints = new WeakMap<readonly string[], Map<string, string>>();

/** The fix that fits the approved ranges (or the lack of them); written once per action for every principal. */
export function guardrailHint(context: RuleContext, presign: PresignedUrlAction): string {
  const ranges = context.config.allowedSourceCidrs;
  let byAction = hints.get(ranges);
  if (!byAction) {
    byAction = new Map();
    hints.set(ranges, byAction);
  }
  let hint = byAction.get(presign.action);
  if (hint === undefined) {
    const list = ranges.length > 0 ? JSON.stringify(ranges) : '["<approved CIDRs>"]';
    hint = `add a statement {"Effect":"Deny","Action":"${presign.action}","Resource":"*","Condition":{"NotIpAddress":{"aws:SourceIp":${list}}}}`;
    byAction.set(presign.action, hint);
  }
  return hint;
}
