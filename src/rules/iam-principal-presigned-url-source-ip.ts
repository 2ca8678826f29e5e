import { accountIam, type Principal } from '../iam/account.ts';
import { evaluatePolicySet } from '../iam/evaluate.ts';
import {
  approvalOf,
  describeOrigin,
  describeStatement,
  guardrailHint,
  midSentence,
  missingIamError,
  verdictEvidence,
} from '../iam/rule-support.ts';
import { GLOBAL_REGION, type ResultDraft, type SkippedScope } from '../model/result.ts';
import { shellQuote } from './support.ts';
import type { Rule, RuleContext, RuleMeta, RuleOutput } from './types.ts';

export const meta: RuleMeta = {
  id: 'iam-principal-presigned-url-source-ip',
  title: 'IAM users and roles can create presigned notebook URLs only from approved source IPs',
  severity: 'high',
  resourceType: 'AWS::IAM::User|AWS::IAM::Role',
  needs: ['iam'],
  rationale:
    'A presigned notebook URL opens Jupyter with the notebook’s role. A principal that can create one from any address lets a stolen credential reach the notebook, and its data, from the public internet. Every granting path must be limited to approved networks with an aws:SourceIp condition (an Allow with IpAddress or a Deny with NotIpAddress). Service control policies are not visible from IAM and are not evaluated.',
  remediation: {
    text: 'Add a Deny on sagemaker:CreatePresignedNotebookInstanceUrl with NotIpAddress aws:SourceIp [approved CIDRs] to the principal (or a group or boundary it has), or limit each granting Allow with an IpAddress condition.',
    cli: 'a user: aws iam put-user-policy --user-name <user> --policy-name deny-presigned-url-outside-approved-networks --policy-document file://deny.json; a role: the same with aws iam put-role-policy --role-name <role>',
  },
  references: [
    'https://docs.aws.amazon.com/sagemaker/latest/dg/howitworks-access-ws.html',
    'https://docs.aws.amazon.com/sagemaker/latest/dg/notebook-interface-endpoint.html',
    'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html',
    'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-sourceip',
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

function judge(principal: Principal, accountId: string, context: RuleContext): ResultDraft {
  const approval = approvalOf(context);
  const verdict = evaluatePolicySet(principal.set, approval);
  const who = `${principal.kind === 'user' ? 'User' : 'Role'} ${principal.name}`;
  const evidence: Record<string, unknown> = {
    principal: { type: principal.kind, name: principal.name, arn: principal.arn, path: principal.path },
    ...verdictEvidence(verdict, context),
    scpsEvaluated: false,
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
  const restricted =
    verdict.allowedFrom.length === 0
      ? 'from no address (its grants are blocked by a deny or its permissions boundary)'
      : `only from ${verdict.allowedFrom.slice(0, 4).join(', ')}${verdict.allowedFrom.length > 4 ? ', …' : ''}`;
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
    const iam = accountIam(account.iam, {
      partition: context.inventory.partition,
      accountId: account.accountId,
    });
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
      if (principal.grants) results.push(judge(principal, account.accountId, context));
    }
  }
  return { results, skipped, evaluated: { principals } };
}

export const rule: Rule = { meta, check };
