import { describe, expect, it } from 'vitest';
import { resultId } from '../../src/model/result.ts';
import { rule } from '../../src/rules/sagemaker-notebook-root-access.ts';
import { ACCOUNT_ID, inventory, notebook, region, runRule } from '../support/inventory.ts';

const REGION = 'eu-west-1';

function judgeOne(rootAccess: string | undefined, name = 'ds-1') {
  const item = notebook(name, 'subnet-0private');
  if (rootAccess === undefined) delete item.RootAccess;
  else item.RootAccess = rootAccess as 'Enabled';
  const { results, skipped } = runRule(rule, inventory([region(REGION, { notebooks: [item] })]));
  expect(skipped).toEqual([]);
  expect(results).toHaveLength(1);
  return results[0];
}

describe('sagemaker-notebook-root-access', () => {
  it.each(['Disabled', 'disabled'])('passes a notebook whose RootAccess is %s', (value) => {
    // Act
    const result = judgeOne(value);

    // Assess
    expect(result).toMatchObject({
      status: 'PASS',
      id: resultId('sagemaker-notebook-root-access', ACCOUNT_ID, REGION, 'ds-1'),
      severity: 'medium',
      resourceType: 'AWS::SageMaker::NotebookInstance',
      resourceId: 'ds-1',
      evidence: { notebookInstanceName: 'ds-1', rootAccess: value },
    });
  });

  it('fails a notebook that gives its users root access, with the stop-and-update fix', () => {
    // Act
    const result = judgeOne('Enabled');

    // Assess
    expect(result?.status).toBe('FAIL');
    expect(result?.message).toBe('Notebook instance ds-1 gives its users root access.');
    expect(result?.remediation).toBe(
      'Stop notebook instance ds-1, turn root access off and start it again (lifecycle configurations still run as root): aws sagemaker stop-notebook-instance --region eu-west-1 --notebook-instance-name ds-1 && aws sagemaker wait notebook-instance-stopped --region eu-west-1 --notebook-instance-name ds-1 && aws sagemaker update-notebook-instance --region eu-west-1 --notebook-instance-name ds-1 --root-access Disabled && aws sagemaker start-notebook-instance --region eu-west-1 --notebook-instance-name ds-1',
    );
  });

  it('shell-quotes a name it puts into the fix', () => {
    // Act
    const result = judgeOne('Enabled', "ds 1'x");

    // Assess
    expect(result?.remediation).toContain(`--notebook-instance-name 'ds 1'\\''x' --root-access Disabled`);
  });

  it.each([
    { case: 'RootAccess absent', value: undefined, says: 'RootAccess is not in the inventory' },
    {
      case: 'an unknown RootAccess',
      value: 'Partly',
      says: 'RootAccess is "Partly", neither Enabled nor Disabled',
    },
  ])('returns ERROR, not PASS or FAIL, for $case', ({ value, says }) => {
    // Act
    const result = judgeOne(value);

    // Assess
    expect(result?.status).toBe('ERROR');
    expect(result?.message).toContain(says);
  });

  it.each(['Deleting', 'Failed'])('lists a notebook in state %s under scope.skipped', (state) => {
    // Prepare
    const item = notebook('going', undefined, {
      RootAccess: 'Enabled',
      NotebookInstanceStatus: state as 'Failed',
    });

    // Act
    const { results, skipped } = runRule(rule, inventory([region(REGION, { notebooks: [item] })]));

    // Assess
    expect(results).toEqual([]);
    expect(skipped.map((entry) => [entry.ruleId, entry.resourceId])).toEqual([
      ['sagemaker-notebook-root-access', 'going'],
    ]);
  });

  it('returns ERROR for a region without the notebook section, saying it was not collected', () => {
    // Act
    const { results } = runRule(rule, inventory([{ ...region(REGION), sections: ['vpcs'] }]));

    // Assess
    expect(results.map((result) => [result.resourceId, result.status])).toEqual([[REGION, 'ERROR']]);
    expect(results[0]?.message).toContain(
      'sagemakerNotebooks, not collected: the snapshot was taken for other rules',
    );
  });

  it('returns ERROR for a region whose notebooks could not be read', () => {
    // Prepare
    const unreadable = {
      ...region(REGION),
      collectionErrors: [
        { section: 'sagemakerNotebooks' as const, code: 'ThrottlingException', message: 'Rate exceeded' },
      ],
    };

    // Act
    const { results } = runRule(rule, inventory([unreadable]));

    // Assess
    expect(results[0]?.status).toBe('ERROR');
    expect(results[0]?.message).toContain(
      'sagemakerNotebooks (ThrottlingException: Rate exceeded), which could not be read',
    );
  });
});

describe('sagemaker-notebook-root-access where SageMaker is not offered', () => {
  it('judges nothing and lists the region as skipped, although the SageMaker sections were not read', () => {
    // Prepare
    const unoffered = region(REGION, { services: [] });

    // Act
    const { results, skipped } = runRule(rule, inventory([unoffered]));

    // Assess
    expect(results).toEqual([]);
    expect(skipped).toEqual([
      {
        ruleId: 'sagemaker-notebook-root-access',
        accountId: ACCOUNT_ID,
        region: REGION,
        reason:
          'com.amazonaws.eu-west-1.sagemaker.api is not offered in eu-west-1 (DescribeVpcEndpointServices does not list it)',
      },
    ]);
  });

  it('is ERROR when the endpoint services could not be read, naming them', () => {
    // Prepare
    const unread = {
      ...region(REGION, { notebooks: [], domains: [], subnets: [] }),
      endpointServices: undefined,
    };

    // Act
    const { results } = runRule(rule, inventory([unread]));

    // Assess
    expect(results.map((result) => result.status)).toEqual(['ERROR']);
    expect(results[0]?.message).toContain('missing endpointServices, not collected');
  });
});
