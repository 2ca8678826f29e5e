import type { SageMakerNotebook } from '../model/inventory.ts';
import type { ResultDraft } from '../model/result.ts';
import {
  checkEachRegion,
  notebooksToJudge,
  type RegionScope,
  sageMakerRegionVerdict,
  sameValue,
  shellQuote,
} from './support.ts';
import type { Rule, RuleContext, RuleMeta, RuleOutput } from './types.ts';

export const meta: RuleMeta = {
  id: 'sagemaker-notebook-network',
  title: 'SageMaker notebook instance has no direct internet access and runs in a customer VPC subnet',
  severity: 'high',
  resourceType: 'AWS::SageMaker::NotebookInstance',
  needs: ['endpointServices', 'sagemakerNotebooks'],
  rationale:
    'A notebook instance with direct internet access reaches the internet through a network SageMaker manages, around the VPC, its endpoints, security groups and flow logs; one without a subnet of a customer VPC has no private path at all. Either way code in the notebook can send data anywhere.',
  remediation: {
    text: 'Direct internet access and the subnet of a notebook instance can only be changed by recreating the notebook: copy its work to S3 or a Git repository, create a new notebook instance in a private subnet of your VPC with direct internet access disabled, and delete the old one.',
    cli: 'aws sagemaker create-notebook-instance --notebook-instance-name <new-name> --instance-type <type> --role-arn <role-arn> --subnet-id <subnet-id> --security-group-ids <sg-ids> --direct-internet-access Disabled',
  },
  references: [
    'https://docs.aws.amazon.com/sagemaker/latest/dg/appendix-notebook-and-internet-access.html',
    'https://docs.aws.amazon.com/securityhub/latest/userguide/sagemaker-controls.html',
    'https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DescribeNotebookInstance.html',
  ],
};

function judgeNotebook(scope: RegionScope, notebook: SageMakerNotebook): ResultDraft {
  const name = notebook.NotebookInstanceName as string;
  const region = scope.region.region;
  const directInternetAccess = notebook.DirectInternetAccess;
  const subnetId = notebook.SubnetId || undefined;
  const base = {
    accountId: scope.account.accountId,
    region,
    resourceType: meta.resourceType,
    resourceId: name,
    ...(notebook.NotebookInstanceArn ? { resourceArn: notebook.NotebookInstanceArn } : {}),
    evidence: {
      notebookInstanceName: name,
      notebookInstanceStatus: notebook.NotebookInstanceStatus,
      directInternetAccess,
      subnetId,
      securityGroups: notebook.SecurityGroups,
    },
  };
  const enabled = sameValue(directInternetAccess, 'Enabled');
  if (!enabled && !sameValue(directInternetAccess, 'Disabled')) {
    return {
      ...base,
      status: 'ERROR',
      message: `Could not judge notebook instance ${name}: DirectInternetAccess is ${directInternetAccess === undefined ? 'not in the inventory' : `"${directInternetAccess}", neither Enabled nor Disabled`}.`,
    };
  }
  const wrong: string[] = [];
  if (enabled) wrong.push('direct internet access is enabled');
  if (subnetId === undefined) wrong.push('it is not in a subnet of a customer VPC (no SubnetId)');
  if (wrong.length === 0) {
    return {
      ...base,
      status: 'PASS',
      message: `Notebook instance ${name} has direct internet access disabled and runs in subnet ${subnetId}.`,
    };
  }
  return {
    ...base,
    status: 'FAIL',
    message: `Notebook instance ${name}: ${wrong.join(', and ')}.`,
    remediation: `${meta.remediation.text} For example: aws sagemaker create-notebook-instance --region ${shellQuote(region)} --notebook-instance-name ${shellQuote(`${name}-private`)} --instance-type <type> --role-arn <role-arn> --subnet-id ${subnetId ? shellQuote(subnetId) : '<private-subnet-id>'} --security-group-ids <sg-ids> --direct-internet-access Disabled`,
  };
}

function checkRegion(context: RuleContext, scope: RegionScope): RuleOutput {
  const verdict = sageMakerRegionVerdict(context, scope, meta);
  if (verdict) return verdict;
  const { notebooks, skipped } = notebooksToJudge(scope, meta.id);
  return { results: notebooks.map((notebook) => judgeNotebook(scope, notebook)), skipped };
}

export function check(context: RuleContext): RuleOutput {
  return checkEachRegion(context, checkRegion);
}

export const rule: Rule = { meta, check };
