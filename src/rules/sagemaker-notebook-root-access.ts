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
  id: 'sagemaker-notebook-root-access',
  title: 'SageMaker notebook instance gives its users no root access',
  severity: 'medium',
  resourceType: 'AWS::SageMaker::NotebookInstance',
  needs: ['endpointServices', 'sagemakerNotebooks'],
  rationale:
    'With root access, any user of the notebook can change its network settings, install software and read what other users left on the instance; AWS turns it on by default.',
  remediation: {
    text: 'Stop the notebook instance, turn root access off, and start it again (lifecycle configurations still run as root).',
    cli: 'aws sagemaker stop-notebook-instance --notebook-instance-name <name> && aws sagemaker update-notebook-instance --notebook-instance-name <name> --root-access Disabled',
  },
  references: [
    'https://docs.aws.amazon.com/sagemaker/latest/dg/nbi-root-access.html',
    'https://docs.aws.amazon.com/securityhub/latest/userguide/sagemaker-controls.html',
  ],
};

function judgeNotebook(scope: RegionScope, notebook: SageMakerNotebook): ResultDraft {
  const name = notebook.NotebookInstanceName as string;
  const region = scope.region.region;
  const rootAccess = notebook.RootAccess;
  const base = {
    accountId: scope.account.accountId,
    region,
    resourceType: meta.resourceType,
    resourceId: name,
    ...(notebook.NotebookInstanceArn ? { resourceArn: notebook.NotebookInstanceArn } : {}),
    evidence: {
      notebookInstanceName: name,
      notebookInstanceStatus: notebook.NotebookInstanceStatus,
      rootAccess,
    },
  };
  if (sameValue(rootAccess, 'Disabled')) {
    return { ...base, status: 'PASS', message: `Notebook instance ${name} has root access disabled.` };
  }
  if (sameValue(rootAccess, 'Enabled')) {
    const quoted = shellQuote(name);
    return {
      ...base,
      status: 'FAIL',
      message: `Notebook instance ${name} gives its users root access.`,
      remediation: `Stop notebook instance ${name}, turn root access off and start it again (lifecycle configurations still run as root): aws sagemaker stop-notebook-instance --region ${shellQuote(region)} --notebook-instance-name ${quoted} && aws sagemaker wait notebook-instance-stopped --region ${shellQuote(region)} --notebook-instance-name ${quoted} && aws sagemaker update-notebook-instance --region ${shellQuote(region)} --notebook-instance-name ${quoted} --root-access Disabled && aws sagemaker start-notebook-instance --region ${shellQuote(region)} --notebook-instance-name ${quoted}`,
    };
  }
  return {
    ...base,
    status: 'ERROR',
    message: `Could not judge notebook instance ${name}: RootAccess is ${rootAccess === undefined ? 'not in the inventory' : `"${rootAccess}", neither Enabled nor Disabled`}.`,
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
