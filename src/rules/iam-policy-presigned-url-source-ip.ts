import { accountIam, type EditablePolicy } from '../iam/account.ts';
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
import { GLOBAL_REGION, type ResultDraft } from '../model/result.ts';
import { shellQuote } from './support.ts';
import type { Rule, RuleContext, RuleMeta, RuleOutput } from './types.ts';

export const meta: RuleMeta = {
  id: 'iam-policy-presigned-url-source-ip',
  title: 'IAM policies that grant presigned notebook URLs carry an aws:SourceIp condition',
  severity: 'medium',
  resourceType: 'AWS::IAM::Policy',
  needs: ['iam'],
  rationale:
    'Each customer managed or inline policy that grants sagemaker:CreatePresignedNotebookInstanceUrl should limit it to approved networks by itself, so that attaching it anywhere cannot open notebooks to the internet. AWS managed policies are not judged here (nobody can edit them); the principal rule judges whoever holds them.',
  remediation: {
    text: 'Add an aws:SourceIp condition to the granting statement (IpAddress [approved CIDRs]) or a Deny with NotIpAddress [approved CIDRs] to the same policy.',
    cli: 'a managed policy: aws iam create-policy-version --policy-arn <arn> --policy-document file://policy.json --set-as-default; an inline policy: aws iam put-role-policy --role-name <role> (put-user-policy --user-name <user>, put-group-policy --group-name <group>) --policy-name <name> --policy-document file://policy.json',
  },
  references: [
    'https://docs.aws.amazon.com/sagemaker/latest/dg/howitworks-access-ws.html',
    'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-sourceip',
  ],
};

function describe(policy: EditablePolicy): string {
  return policy.owner
    ? `Inline policy ${policy.name} of ${policy.owner.kind} ${policy.owner.name}`
    : `Customer managed policy ${policy.name}`;
}

function remediationFor(policy: EditablePolicy, context: RuleContext): string {
  const how = policy.owner
    ? `aws iam put-${policy.owner.kind}-policy --${policy.owner.kind}-name ${shellQuote(policy.owner.name)} --policy-name ${shellQuote(policy.name)} --policy-document file://policy.json`
    : `aws iam create-policy-version --policy-arn ${shellQuote(policy.arn ?? policy.id)} --policy-document file://policy.json --set-as-default`;
  return `In ${midSentence(describe(policy))}, limit the granting statement with IpAddress aws:SourceIp or ${guardrailHint(context)}; then ${how}.`;
}

function judge(policy: EditablePolicy, accountId: string, context: RuleContext): ResultDraft {
  const approval = approvalOf(context);
  const verdict = evaluatePolicySet(policy.set, approval);
  const evidence: Record<string, unknown> = {
    policy: { kind: policy.kind, name: policy.name, ...(policy.arn ? { arn: policy.arn } : {}) },
    ...(policy.owner ? { owner: policy.owner } : {}),
    ...verdictEvidence(verdict, context),
  };
  const base = {
    accountId,
    region: GLOBAL_REGION,
    resourceType: meta.resourceType,
    resourceId: policy.id,
    resourceArn: policy.arn ?? policy.owner?.arn,
    evidence,
  };
  if (verdict.status === 'FAIL') {
    const statements = verdict.grants
      .map((statement) => describeStatement(statement).replace(/^policy .* \(policy itself\), /, ''))
      .join('; ');
    return {
      ...base,
      status: 'FAIL',
      message: `${describe(policy)} allows presigned notebook URLs from ${describeOrigin(verdict, approval)} in ${statements}.`,
      remediation: remediationFor(policy, context),
    };
  }
  if (verdict.status === 'ERROR') {
    const problems = verdict.notUnderstood.map((entry) => entry.problem);
    return {
      ...base,
      status: 'ERROR',
      message: `Could not judge ${midSentence(describe(policy))}: ${problems.join('; ')}.`,
      remediation: `Fix the policy document (${problems[0] ?? 'see evidence'}) and scan again.`,
    };
  }
  return {
    ...base,
    status: 'PASS',
    message: `${describe(policy)} allows presigned notebook URLs only from ${
      verdict.allowedFrom.length > 0 ? verdict.allowedFrom.slice(0, 4).join(', ') : 'no address'
    }${verdict.allowedFrom.length > 4 ? ', …' : ''}.`,
  };
}

/** One result per customer managed policy and inline policy that grants the action, judged on its own. */
export function check(context: RuleContext): RuleOutput {
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
    });
    for (const policy of iam.editablePolicies()) {
      policies++;
      if (policy.compiled.grants) results.push(judge(policy, account.accountId, context));
    }
  }
  return { results, skipped: [], evaluated: { policies } };
}

export const rule: Rule = { meta, check };
