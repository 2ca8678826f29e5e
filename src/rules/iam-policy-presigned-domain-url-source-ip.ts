import { checkPolicies, DOMAIN_URL_CHECK } from '../iam/presign-rules.ts';
import type { Rule, RuleContext, RuleMeta, RuleOutput } from './types.ts';

export const meta: RuleMeta = {
  id: 'iam-policy-presigned-domain-url-source-ip',
  title: 'IAM policies that grant presigned Studio URLs carry an aws:SourceIp condition',
  severity: 'medium',
  resourceType: 'AWS::IAM::Policy',
  needs: ['iam', 'endpointServices', 'sagemakerDomains'],
  rationale:
    'Each customer managed or inline policy that grants sagemaker:CreatePresignedDomainUrl should limit it to approved networks by itself, so that attaching it anywhere cannot open Studio to the internet. AWS managed policies are not judged here (nobody can edit them); the principal rule judges whoever holds them. Domains in IAM Identity Center mode are listed in the evidence: the portal signs their users in whatever the policy says.',
  remediation: {
    text: 'Add an aws:SourceIp condition to the granting statement (IpAddress [approved CIDRs]) or a Deny with NotIpAddress [approved CIDRs] to the same policy.',
    cli: 'a managed policy: aws iam create-policy-version --policy-arn <arn> --policy-document file://policy.json --set-as-default; an inline policy: aws iam put-role-policy --role-name <role> (put-user-policy --user-name <user>, put-group-policy --group-name <group>) --policy-name <name> --policy-document file://policy.json',
  },
  references: [
    'https://docs.aws.amazon.com/sagemaker/latest/dg/studio-interface-endpoint.html',
    'https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsagemaker.html',
    'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-sourceip',
  ],
};

/** One result per customer managed policy and inline policy that grants the action, judged on its own. */
export function check(context: RuleContext): RuleOutput {
  return checkPolicies(DOMAIN_URL_CHECK, context);
}

export const rule: Rule = { meta, check };
