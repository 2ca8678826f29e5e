import { checkPrincipals, NOTEBOOK_URL_CHECK } from '../iam/presign-rules.ts';
import type { Rule, RuleContext, RuleMeta, RuleOutput } from './types.ts';

export const meta: RuleMeta = {
  id: 'iam-principal-presigned-url-source-ip',
  title: 'IAM users and roles can create presigned notebook URLs only from approved source IPs',
  severity: 'high',
  resourceType: 'AWS::IAM::User|AWS::IAM::Role',
  needs: ['iam', 'organization'],
  rationale:
    'A presigned notebook URL opens Jupyter with the notebook’s role. A principal that can create one from any address lets a stolen credential reach the notebook, and its data, from the public internet. Every granting path must be limited to approved networks with an aws:SourceIp condition (an Allow with IpAddress or a Deny with NotIpAddress), in the principal’s own policies or in the service control policies of its Organization, which are evaluated when the scanner can read them.',
  remediation: {
    text: 'Add a Deny on sagemaker:CreatePresignedNotebookInstanceUrl with NotIpAddress aws:SourceIp [approved CIDRs] to the principal (or a group or boundary it has), or limit each granting Allow with an IpAddress condition.',
    cli: 'a user: aws iam put-user-policy --user-name <user> --policy-name deny-presigned-url-outside-approved-networks --policy-document file://deny.json; a role: the same with aws iam put-role-policy --role-name <role>',
  },
  references: [
    'https://docs.aws.amazon.com/sagemaker/latest/dg/howitworks-access-ws.html',
    'https://docs.aws.amazon.com/sagemaker/latest/dg/notebook-interface-endpoint.html',
    'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html',
    'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-sourceip',
    'https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_evaluation.html',
  ],
};

/**
 * One result per IAM user and role that can be granted `sagemaker:CreatePresignedNotebookInstanceUrl`,
 * judged over its effective policy set (inline, attached, its groups', its permissions boundary).
 */
export function check(context: RuleContext): RuleOutput {
  return checkPrincipals(NOTEBOOK_URL_CHECK, context);
}

export const rule: Rule = { meta, check };
