import { checkPrincipals, DOMAIN_URL_CHECK } from '../iam/presign-rules.ts';
import type { Rule, RuleContext, RuleMeta, RuleOutput } from './types.ts';

export const meta: RuleMeta = {
  id: 'iam-principal-presigned-domain-url-source-ip',
  title: 'IAM users and roles can create presigned Studio URLs only from approved source IPs',
  severity: 'high',
  resourceType: 'AWS::IAM::User|AWS::IAM::Role',
  needs: ['iam', 'endpointServices', 'sagemakerDomains', 'organization'],
  rationale:
    'A presigned domain URL (sagemaker:CreatePresignedDomainUrl, authorized on user-profile/<domain-id>/<profile-name>) signs its holder in to Studio as the user profile, with its execution role and home directory. A principal that can create one from any address lets a stolen credential open Studio from the public internet. Every granting path must be limited to approved networks with an aws:SourceIp condition. The action exists only for domains in IAM auth mode: a domain in IAM Identity Center mode signs users in through the portal, which no IAM restriction on this action governs; the evidence lists such domains. The service control policies of its Organization are evaluated when the scanner can read them, as for presigned notebook URLs.',
  remediation: {
    text: 'Add a Deny on sagemaker:CreatePresignedDomainUrl with NotIpAddress aws:SourceIp [approved CIDRs] to the principal (or a group or boundary it has), or limit each granting Allow with an IpAddress condition.',
    cli: 'a user: aws iam put-user-policy --user-name <user> --policy-name deny-presigned-domain-url-outside-approved-networks --policy-document file://deny.json; a role: the same with aws iam put-role-policy --role-name <role>',
  },
  references: [
    'https://docs.aws.amazon.com/sagemaker/latest/dg/studio-interface-endpoint.html',
    'https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreatePresignedDomainUrl.html',
    'https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsagemaker.html',
    'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-sourceip',
  ],
};

/**
 * One result per IAM user and role that can be granted `sagemaker:CreatePresignedDomainUrl`,
 * judged over its effective policy set, with the account's Identity Center domains as evidence.
 */
export function check(context: RuleContext): RuleOutput {
  return checkPrincipals(DOMAIN_URL_CHECK, context);
}

export const rule: Rule = { meta, check };
