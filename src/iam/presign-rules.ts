import { type AccountInventory, describeMissingSection } from '../model/inventory.ts';
import { GLOBAL_REGION, type ResultDraft, type SkippedScope } from '../model/result.ts';
import { sageMakerOffered, sameValue, shellQuote } from '../rules/support.ts';
import type { RuleContext, RuleOutput } from '../rules/types.ts';
import { type AccountIam, accountIam, type EditablePolicy, type Principal } from './account.ts';
import { type Approval, evaluatePolicySet, type PolicySet, type Verdict } from './evaluate.ts';
import { DOMAIN_URL, NOTEBOOK_URL, type PresignedUrlAction } from './request.ts';
import {
  approvalOf,
  describeOrigin,
  describeStatement,
  guardrailHint,
  midSentence,
  missingIamError,
  verdictEvidence,
} from './rule-support.ts';
import { type AccountScps, accountScps } from './scp.ts';

/**
 * One presigned-URL question as the rules ask it: the action, and the name of the inline guardrail
 * policy the fix puts in place (one per action, so that adding one does not overwrite the other).
 */
export interface PresignCheck {
  presign: PresignedUrlAction;
  guardrailPolicyName: string;
  /** Whether the verdicts take the account's service control policies (the `organization` section) into account. */
  scps?: boolean;
  /** What the account holds beyond IAM that qualifies every verdict of the action, if anything. */
  accountNote?: (account: AccountInventory, context: RuleContext) => AccountNote | undefined;
}

export interface AccountNote {
  evidence: Record<string, unknown>;
  /** Appended to each message of the account, when the note changes what the verdict means. */
  sentence?: string;
}

const SERVICE_LINKED_PATH = '/aws-service-role/';

/** `with d-1 (eu-west-1), d-2 (us-east-1)` style list, capped. */
function listed(items: string[]): string {
  return `${items.slice(0, 4).join(', ')}${items.length > 4 ? ', …' : ''}`;
}

function withNote(message: string, note: AccountNote | undefined): string {
  return note?.sentence ? `${message} ${note.sentence}` : message;
}

function principalResourceType(principal: Principal): string {
  return principal.kind === 'user' ? 'AWS::IAM::User' : 'AWS::IAM::Role';
}

type EvaluatedScps = Extract<AccountScps, { evaluated: true }>;

/** By the account's SCPs, then by verdict. */
const scpEvidenceOf = new WeakMap<EvaluatedScps, WeakMap<Verdict, Record<string, unknown>>>();

/**
 * The SCP part of the evidence, one object for all the principals of one verdict: the account's
 * SCPs and what they say at the address judged are the same for each, and the JSON report writes a
 * shared object once.
 */
function serviceControlPolicyEvidence(scps: EvaluatedScps, verdict: Verdict): Record<string, unknown> {
  let byVerdict = scpEvidenceOf.get(scps);
  if (!byVerdict) {
    byVerdict = new WeakMap();
    scpEvidenceOf.set(scps, byVerdict);
  }
  let evidence = byVerdict.get(verdict);
  if (!evidence) {
    evidence = {
      considered: scps.considered,
      ...(scps.note ? { note: scps.note } : {}),
      ...(verdict.scps ?? {}),
    };
    byVerdict.set(verdict, evidence);
  }
  return evidence;
}

function scpEvidence(scps: AccountScps, verdict: Verdict): Record<string, unknown> {
  if (!scps.evaluated) return { scpsEvaluated: false, scpsNotEvaluated: scps.reason };
  return { scpsEvaluated: true, serviceControlPolicies: serviceControlPolicyEvidence(scps, verdict) };
}

/** How the SCPs limit a grant, for a PASS message; empty when they changed nothing. */
function scpPhrase(verdict: Verdict): string {
  const scps = verdict.scps;
  if (!scps?.blocked) return '';
  const reasons = [
    ...scps.blockedBy.map(describeStatement),
    ...scps.blockedAtLevels.map((target) => `no service control policy at ${target} allows it`),
  ];
  const where = verdict.allowedFrom.length > 0 ? ' from elsewhere' : '';
  return ` (the service control policies refuse it${where}: ${reasons.join('; ')})`;
}

const phrases = new WeakMap<Verdict, string>();

/**
 * Where a FAIL or PASS verdict lets the principal create URLs from, and through what: one phrase
 * for every principal of the verdict (the approval is the scan's one configuration).
 */
function verdictPhrase(verdict: Verdict, approval: Approval): string {
  let phrase = phrases.get(verdict);
  if (phrase === undefined) {
    if (verdict.status === 'FAIL') {
      phrase = `from ${describeOrigin(verdict, approval)} through ${verdict.grants.map(describeStatement).join('; ')}`;
    } else {
      const limit = scpPhrase(verdict);
      phrase =
        verdict.allowedFrom.length === 0
          ? `from no address${limit || ' (no grant reaches a caller on the internet: a deny or its permissions boundary blocks it, or it holds only through a VPC endpoint)'}`
          : `only from ${listed(verdict.allowedFrom)}${limit}`;
    }
    phrases.set(verdict, phrase);
  }
  return phrase;
}

function judgePrincipal(
  check: PresignCheck,
  iam: AccountIam,
  principal: Principal,
  accountId: string,
  context: RuleContext,
  note: AccountNote | undefined,
  scps: AccountScps | undefined,
): ResultDraft {
  const { presign } = check;
  const approval = approvalOf(context);
  const set: PolicySet =
    scps?.evaluated && scps.levels.length > 0 ? { ...principal.set, scpLevels: scps.levels } : principal.set;
  const verdict = iam.verdictOf(set, approval);
  const who = `${principal.kind === 'user' ? 'User' : 'Role'} ${principal.name}`;
  const evidence: Record<string, unknown> = {
    principal: { type: principal.kind, name: principal.name, arn: principal.arn, path: principal.path },
    ...verdictEvidence(verdict, context, presign),
    ...(scps ? scpEvidence(scps, verdict) : { scpsEvaluated: false }),
    ...note?.evidence,
  };
  if (principal.trustedPrincipals) evidence.trustedPrincipals = principal.trustedPrincipals();
  const base = {
    accountId,
    region: GLOBAL_REGION,
    resourceType: principalResourceType(principal),
    resourceId: principal.arn,
    resourceArn: principal.arn,
    evidence,
  };
  if (verdict.status === 'FAIL') {
    const command =
      principal.kind === 'user'
        ? `aws iam put-user-policy --user-name ${shellQuote(principal.name)}`
        : `aws iam put-role-policy --role-name ${shellQuote(principal.name)}`;
    return {
      ...base,
      status: 'FAIL',
      message: withNote(`${who} can create ${presign.urls} ${verdictPhrase(verdict, approval)}.`, note),
      remediation: `For ${principal.kind} ${principal.name}, ${guardrailHint(context, presign)} (${command} --policy-name ${check.guardrailPolicyName} --policy-document file://deny.json), or remove the grant.`,
    };
  }
  if (verdict.status === 'ERROR') {
    const problems = verdict.notUnderstood.map(
      (entry) => `${describeStatement(entry.statement)}: ${entry.problem}`,
    );
    return {
      ...base,
      status: 'ERROR',
      message: `Could not judge ${midSentence(who)}: ${problems.join('; ')}.`,
      remediation: `Fix or replace the unreadable policy (${problems[0] ?? 'see evidence'}), then scan again.`,
    };
  }
  return {
    ...base,
    status: 'PASS',
    message: withNote(`${who} can create ${presign.urls} ${verdictPhrase(verdict, approval)}.`, note),
  };
}

/**
 * The principal rule of an action: one result per IAM user and role that can be granted it,
 * judged over its effective policy set (inline, attached, its groups', its permissions boundary).
 * Service-linked roles are skipped: only their AWS service assumes them, and nobody can edit them.
 */
export function checkPrincipals(check: PresignCheck, context: RuleContext): RuleOutput {
  const results: ResultDraft[] = [];
  const skipped: SkippedScope[] = [];
  let principals = 0;
  for (const account of context.inventory.accounts) {
    if (!account.iam) {
      results.push(missingIamError(account, 'AWS::IAM::Account'));
      continue;
    }
    const target = {
      partition: context.inventory.partition,
      accountId: account.accountId,
      presign: check.presign,
    };
    const iam = accountIam(account.iam, target);
    const note = check.accountNote?.(account, context);
    const scps = check.scps ? accountScps(account, target) : undefined;
    for (const principal of [...iam.users(), ...iam.roles()]) {
      if (principal.kind === 'role' && principal.path.startsWith(SERVICE_LINKED_PATH)) {
        skipped.push({
          accountId: account.accountId,
          region: GLOBAL_REGION,
          resourceId: principal.arn,
          reason: 'service-linked role: assumed only by its AWS service and not editable',
        });
        continue;
      }
      principals++;
      if (principal.grants)
        results.push(judgePrincipal(check, iam, principal, account.accountId, context, note, scps));
    }
  }
  return { results, skipped, evaluated: { principals } };
}

function describePolicy(policy: EditablePolicy): string {
  return policy.owner
    ? `Inline policy ${policy.name} of ${policy.owner.kind} ${policy.owner.name}`
    : `Customer managed policy ${policy.name}`;
}

function judgePolicy(
  check: PresignCheck,
  policy: EditablePolicy,
  accountId: string,
  context: RuleContext,
  note: AccountNote | undefined,
): ResultDraft {
  const { presign } = check;
  const approval = approvalOf(context);
  const verdict = evaluatePolicySet(policy.set, approval);
  const evidence: Record<string, unknown> = {
    policy: { kind: policy.kind, name: policy.name, ...(policy.arn ? { arn: policy.arn } : {}) },
    ...(policy.owner ? { owner: policy.owner } : {}),
    ...verdictEvidence(verdict, context, presign),
    ...note?.evidence,
  };
  const base = {
    accountId,
    region: GLOBAL_REGION,
    resourceType: 'AWS::IAM::Policy',
    resourceId: policy.id,
    resourceArn: policy.arn ?? policy.owner?.arn,
    evidence,
  };
  const described = describePolicy(policy);
  if (verdict.status === 'FAIL') {
    const statements = verdict.grants
      .map((statement) => describeStatement(statement).replace(/^policy .* \(policy itself\), /, ''))
      .join('; ');
    const how = policy.owner
      ? `aws iam put-${policy.owner.kind}-policy --${policy.owner.kind}-name ${shellQuote(policy.owner.name)} --policy-name ${shellQuote(policy.name)} --policy-document file://policy.json`
      : `aws iam create-policy-version --policy-arn ${shellQuote(policy.arn ?? policy.id)} --policy-document file://policy.json --set-as-default`;
    return {
      ...base,
      status: 'FAIL',
      message: withNote(
        `${described} allows ${presign.urls} from ${describeOrigin(verdict, approval)} in ${statements}.`,
        note,
      ),
      remediation: `In ${midSentence(described)}, limit the granting statement with IpAddress aws:SourceIp or ${guardrailHint(context, presign)}; then ${how}.`,
    };
  }
  if (verdict.status === 'ERROR') {
    const problems = verdict.notUnderstood.map((entry) => entry.problem);
    return {
      ...base,
      status: 'ERROR',
      message: `Could not judge ${midSentence(described)}: ${problems.join('; ')}.`,
      remediation: `Fix the policy document (${problems[0] ?? 'see evidence'}) and scan again.`,
    };
  }
  const from = verdict.allowedFrom.length > 0 ? listed(verdict.allowedFrom) : 'no address';
  return {
    ...base,
    status: 'PASS',
    message: withNote(`${described} allows ${presign.urls} only from ${from}.`, note),
  };
}

/**
 * The policy rule of an action: one result per customer managed policy and inline policy that
 * grants it, judged on its own. AWS managed policies are left to the principal rule.
 */
export function checkPolicies(check: PresignCheck, context: RuleContext): RuleOutput {
  const results: ResultDraft[] = [];
  let policies = 0;
  for (const account of context.inventory.accounts) {
    if (!account.iam) {
      results.push(missingIamError(account, 'AWS::IAM::Account'));
      continue;
    }
    const iam = accountIam(account.iam, {
      partition: context.inventory.partition,
      accountId: account.accountId,
      presign: check.presign,
    });
    const note = check.accountNote?.(account, context);
    for (const policy of iam.editablePolicies()) {
      policies++;
      if (policy.compiled.grants) results.push(judgePolicy(check, policy, account.accountId, context, note));
    }
  }
  return { results, skipped: [], evaluated: { policies } };
}

const IDENTITY_CENTER_NOTE =
  'CreatePresignedDomainUrl can only be called for domains in IAM auth mode: the IAM restriction on it does not govern sign-in through the IAM Identity Center portal, which opens these domains whatever this verdict says.';

/**
 * The Studio domains of the account in IAM Identity Center auth mode (`AuthMode` `SSO`), which the
 * presigned-domain-URL verdict does not cover, and the regions whose domains could not be read. A
 * region where SageMaker is not offered has no domains to list.
 */
export function identityCenterDomains(
  account: AccountInventory,
  context: RuleContext,
): AccountNote | undefined {
  const domains: { domainId?: string; domainName?: string; region: string }[] = [];
  const notRead: { region: string; reason: string }[] = [];
  // In region order, so that the order of --regions changes no message.
  const regions = [...account.regions].sort((a, b) =>
    a.region < b.region ? -1 : a.region > b.region ? 1 : 0,
  );
  for (const region of regions) {
    if (region.sagemakerDomains === undefined) {
      const notOffered =
        region.endpointServices !== undefined &&
        !sageMakerOffered(region.endpointServices, context.inventory.partition, region.region);
      if (!notOffered)
        notRead.push({ region: region.region, reason: describeMissingSection(region, 'sagemakerDomains') });
      continue;
    }
    for (const domain of region.sagemakerDomains) {
      if (sameValue(domain.AuthMode, 'SSO'))
        domains.push({ domainId: domain.DomainId, domainName: domain.DomainName, region: region.region });
    }
  }
  if (domains.length === 0 && notRead.length === 0) return undefined;
  const evidence: Record<string, unknown> = {};
  if (domains.length > 0) evidence.identityCenterDomains = { domains, note: IDENTITY_CENTER_NOTE };
  if (notRead.length > 0) evidence.studioDomainsNotRead = notRead;
  const names = domains.map((domain) => `${domain.domainId ?? domain.domainName} (${domain.region})`);
  return {
    evidence,
    ...(domains.length > 0
      ? {
          sentence: `Studio domain${domains.length > 1 ? 's' : ''} ${listed(names)} sign${domains.length > 1 ? '' : 's'} in through IAM Identity Center, which this IAM restriction does not govern.`,
        }
      : {}),
  };
}

export const NOTEBOOK_URL_CHECK: PresignCheck = {
  presign: NOTEBOOK_URL,
  guardrailPolicyName: 'deny-presigned-url-outside-approved-networks',
  scps: true,
};

export const DOMAIN_URL_CHECK: PresignCheck = {
  presign: DOMAIN_URL,
  guardrailPolicyName: 'deny-presigned-domain-url-outside-approved-networks',
  scps: true,
  accountNote: identityCenterDomains,
};
