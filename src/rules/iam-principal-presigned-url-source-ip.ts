import { accountIam, type Principal } from '../iam/account.ts';
import { evaluatePolicySet, type PolicySet, type Verdict } from '../iam/evaluate.ts';
import {
  approvalOf,
  describeOrigin,
  describeStatement,
  guardrailHint,
  midSentence,
  missingIamError,
  verdictEvidence,
} from '../iam/rule-support.ts';
import { type AccountScps, accountScps } from '../iam/scp.ts';
import type { AccountInventory } from '../model/inventory.ts';
import { GLOBAL_REGION, type ResultDraft, type SkippedScope } from '../model/result.ts';
import { shellQuote } from './support.ts';
import type { Rule, RuleContext, RuleMeta, RuleOutput } from './types.ts';

export const meta: RuleMeta = {
  id: 'iam-principal-presigned-url-source-ip',
  title: 'IAM users and roles can create presigned notebook URLs only from approved source IPs',
  severity: 'high',
  resourceType: 'AWS::IAM::User|AWS::IAM::Role',
  needs: ['iam', 'organization'],
  permissions: [
    'iam:GetAccountAuthorizationDetails',
    'organizations:DescribeOrganization',
    'organizations:DescribePolicy',
    'organizations:ListParents',
    'organizations:ListPoliciesForTarget',
    'organizations:ListRoots',
  ],
  rationale:
    'A presigned notebook URL opens Jupyter with the notebook’s role. A principal that can create one from any address lets a stolen credential reach the notebook, and its data, from the public internet. Every granting path must be limited to approved networks with an aws:SourceIp condition (an Allow with IpAddress or a Deny with NotIpAddress), in the principal’s own policies or in the service control policies of its Organization, which are evaluated when the scanner can read them.',
  remediation: {
    text: 'Add a Deny on sagemaker:CreatePresignedNotebookInstanceUrl with NotIpAddress aws:SourceIp [approved CIDRs] to the principal (or a group or boundary it has), or limit each granting Allow with an IpAddress condition.',
    cli: 'aws iam put-role-policy --role-name <role> --policy-name deny-presigned-url-outside-approved-networks --policy-document file://deny.json',
  },
  references: [
    'https://docs.aws.amazon.com/sagemaker/latest/dg/howitworks-access-ws.html',
    'https://docs.aws.amazon.com/sagemaker/latest/dg/notebook-interface-endpoint.html',
    'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html',
    'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-sourceip',
    'https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_evaluation.html',
  ],
};

const SERVICE_LINKED_PATH = '/aws-service-role/';

function resourceType(principal: Principal): string {
  return principal.kind === 'user' ? 'AWS::IAM::User' : 'AWS::IAM::Role';
}

function remediationFor(principal: Principal, context: RuleContext): string {
  const command =
    principal.kind === 'user'
      ? `aws iam put-user-policy --user-name ${shellQuote(principal.name)}`
      : `aws iam put-role-policy --role-name ${shellQuote(principal.name)}`;
  return `For ${principal.kind} ${principal.name}, ${guardrailHint(context)} (${command} --policy-name deny-presigned-url-outside-approved-networks --policy-document file://deny.json), or remove the grant.`;
}

function scpEvidence(scps: AccountScps, verdict: Verdict): Record<string, unknown> {
  if (!scps.evaluated) return { scpsEvaluated: false, scpsNotEvaluated: scps.reason };
  return {
    scpsEvaluated: true,
    serviceControlPolicies: {
      considered: scps.considered,
      ...(scps.note ? { note: scps.note } : {}),
      ...(verdict.scps ?? {}),
    },
  };
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

function judge(
  principal: Principal,
  account: AccountInventory,
  scps: AccountScps,
  context: RuleContext,
): ResultDraft {
  const accountId = account.accountId;
  const approval = approvalOf(context);
  const set: PolicySet =
    scps.evaluated && scps.levels.length > 0 ? { ...principal.set, scpLevels: scps.levels } : principal.set;
  const verdict = evaluatePolicySet(set, approval);
  const who = `${principal.kind === 'user' ? 'User' : 'Role'} ${principal.name}`;
  const evidence: Record<string, unknown> = {
    principal: { type: principal.kind, name: principal.name, arn: principal.arn, path: principal.path },
    ...verdictEvidence(verdict, context),
    ...scpEvidence(scps, verdict),
  };
  if (principal.trustedPrincipals) evidence.trustedPrincipals = principal.trustedPrincipals;
  const base = {
    accountId,
    region: GLOBAL_REGION,
    resourceType: resourceType(principal),
    resourceId: principal.arn,
    resourceArn: principal.arn,
    evidence,
  };
  if (verdict.status === 'FAIL') {
    const through = verdict.grants.map(describeStatement).join('; ');
    return {
      ...base,
      status: 'FAIL',
      message: `${who} can create presigned notebook URLs from ${describeOrigin(verdict, approval)} through ${through}.`,
      remediation: remediationFor(principal, context),
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
  const limit = scpPhrase(verdict);
  const restricted =
    verdict.allowedFrom.length === 0
      ? `from no address${limit || ' (its grants are blocked by a deny or its permissions boundary)'}`
      : `only from ${verdict.allowedFrom.slice(0, 4).join(', ')}${verdict.allowedFrom.length > 4 ? ', …' : ''}${limit}`;
  return {
    ...base,
    status: 'PASS',
    message: `${who} can create presigned notebook URLs ${restricted}.`,
  };
}

/**
 * One result per IAM user and role that can be granted `sagemaker:CreatePresignedNotebookInstanceUrl`,
 * judged over its effective policy set (inline, attached, its groups', its permissions boundary).
 */
export function check(context: RuleContext): RuleOutput {
  const results: ResultDraft[] = [];
  const skipped: SkippedScope[] = [];
  let principals = 0;
  for (const account of context.inventory.accounts) {
    if (!account.iam) {
      results.push(missingIamError(account, 'AWS::IAM::Account'));
      continue;
    }
    const target = { partition: context.inventory.partition, accountId: account.accountId };
    const iam = accountIam(account.iam, target);
    const scps = accountScps(account, target);
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
      if (principal.grants) results.push(judge(principal, account, scps, context));
    }
  }
  return { results, skipped, evaluated: { principals } };
}

export const rule: Rule = { meta, check };
