import { describe, expect, it } from 'vitest';
import type { RegionInventory, SageMakerNotebook } from '../../src/model/inventory.ts';
import { resultId } from '../../src/model/result.ts';
import { rule } from '../../src/rules/sagemaker-notebook-network.ts';
import { ACCOUNT_ID, inventory, notebook, region, runRule } from '../support/inventory.ts';

const REGION = 'eu-west-1';
const SUBNET = 'subnet-0private';

function judgeOne(item: SageMakerNotebook) {
  const { results, skipped } = runRule(rule, inventory([region(REGION, { notebooks: [item] })]));
  expect(skipped).toEqual([]);
  expect(results).toHaveLength(1);
  return results[0];
}

describe('sagemaker-notebook-network', () => {
  it.each([
    { case: 'direct internet access disabled, in a subnet', item: notebook('ds-1', SUBNET) },
    { case: 'a stopped notebook', item: notebook('ds-1', SUBNET, { NotebookInstanceStatus: 'Stopped' }) },
    {
      case: 'the value in another casing',
      item: notebook('ds-1', SUBNET, { DirectInternetAccess: 'DISABLED' as 'Disabled' }),
    },
  ])('passes $case', ({ item }) => {
    // Act
    const result = judgeOne(item);

    // Assess
    expect(result).toMatchObject({
      status: 'PASS',
      id: resultId('sagemaker-notebook-network', ACCOUNT_ID, REGION, 'ds-1'),
      resourceType: 'AWS::SageMaker::NotebookInstance',
      resourceId: 'ds-1',
      resourceArn: `arn:aws:sagemaker:eu-west-1:${ACCOUNT_ID}:notebook-instance/ds-1`,
      evidence: { directInternetAccess: item.DirectInternetAccess, subnetId: SUBNET },
    });
    expect(result?.message).toContain('ds-1');
  });

  it.each([
    {
      case: 'direct internet access enabled in a subnet',
      item: notebook('ds-1', SUBNET, { DirectInternetAccess: 'Enabled' }),
      wrong: ['direct internet access is enabled'],
      right: ['not in a subnet'],
    },
    {
      case: 'no subnet (a notebook in the SageMaker-managed network)',
      item: notebook('ds-1', undefined, { DirectInternetAccess: 'Disabled' }),
      wrong: ['not in a subnet of a customer VPC'],
      right: ['direct internet access is enabled'],
    },
    {
      case: 'an empty SubnetId',
      item: notebook('ds-1', undefined, { SubnetId: '' }),
      wrong: ['not in a subnet of a customer VPC'],
      right: ['direct internet access is enabled'],
    },
    {
      case: 'both wrong (the AWS defaults)',
      item: notebook('ds-1', undefined, { DirectInternetAccess: 'Enabled' }),
      wrong: ['direct internet access is enabled', 'not in a subnet of a customer VPC'],
      right: [],
    },
  ])('fails a notebook with $case, naming what is wrong', ({ item, wrong, right }) => {
    // Act
    const result = judgeOne(item);

    // Assess
    expect(result?.status).toBe('FAIL');
    expect(result?.message).toMatch(/^Notebook instance ds-1: /);
    for (const part of wrong) expect(result?.message).toContain(part);
    for (const part of right) expect(result?.message).not.toContain(part);
    expect(result?.remediation).toContain('can only be changed by recreating the notebook');
    expect(result?.remediation).toContain(
      `aws sagemaker create-notebook-instance --region eu-west-1 --notebook-instance-name ds-1-private`,
    );
    expect(result?.remediation).toContain('--direct-internet-access Disabled');
  });

  it('puts the subnet it knows into the fix', () => {
    // Act
    const result = judgeOne(notebook('ds-1', SUBNET, { DirectInternetAccess: 'Enabled' }));

    // Assess
    expect(result?.remediation).toContain(`--subnet-id ${SUBNET} `);
  });

  it.each([
    {
      case: 'DirectInternetAccess absent (a ListNotebookInstances summary)',
      value: undefined,
      says: 'not in the inventory',
    },
    {
      case: 'an unknown DirectInternetAccess',
      value: 'Sometimes',
      says: '"Sometimes", neither Enabled nor Disabled',
    },
  ])('returns ERROR, not PASS or FAIL, for $case', ({ value, says }) => {
    // Prepare
    const item = notebook('ds-1', SUBNET);
    if (value === undefined) delete item.DirectInternetAccess;
    else item.DirectInternetAccess = value as 'Enabled';

    // Act
    const result = judgeOne(item);

    // Assess
    expect(result?.status).toBe('ERROR');
    expect(result?.message).toContain(says);
  });

  it.each(['Deleting', 'Failed'])(
    'lists a notebook in state %s under scope.skipped and judges the others',
    (state) => {
      // Prepare
      const items = [
        notebook('going', undefined, {
          DirectInternetAccess: 'Enabled',
          NotebookInstanceStatus: state as 'Failed',
        }),
        notebook('ds-1', SUBNET),
      ];

      // Act
      const { results, skipped } = runRule(rule, inventory([region(REGION, { notebooks: items })]));

      // Assess
      expect(results.map((result) => [result.resourceId, result.status])).toEqual([['ds-1', 'PASS']]);
      expect(skipped).toEqual([
        {
          ruleId: 'sagemaker-notebook-network',
          accountId: ACCOUNT_ID,
          region: REGION,
          resourceId: 'going',
          reason: `notebook instance going is ${state}: not judged`,
        },
      ]);
    },
  );

  it('has nothing to say about a region without notebook instances', () => {
    // Act
    const { results, skipped } = runRule(rule, inventory([region(REGION, { notebooks: [] })]));

    // Assess
    expect(results).toEqual([]);
    expect(skipped).toEqual([]);
  });

  it('returns ERROR for a region whose notebook listing could not be read, quoting the error', () => {
    // Prepare
    const unreadable = region(REGION);
    unreadable.collectionErrors = [
      { section: 'sagemakerNotebooks', code: 'AccessDeniedException', message: 'not authorized' },
    ];

    // Act
    const { results } = runRule(rule, inventory([unreadable]));

    // Assess
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({
      status: 'ERROR',
      resourceType: 'AWS::EC2::Region',
      resourceId: REGION,
      evidence: { missingSections: ['sagemakerNotebooks'] },
    });
    expect(results[0]?.message).toBe(
      'Could not judge region eu-west-1: missing sagemakerNotebooks (AccessDeniedException: not authorized), which could not be read.',
    );
  });

  it('returns one ERROR for a region the scan did not scan, giving the estimate once and the fix for it', () => {
    // Prepare
    const notScanned: RegionInventory = {
      region: REGION,
      sections: ['endpointServices', 'sagemakerNotebooks'],
      collectionErrors: [
        {
          section: '*',
          code: 'NotScanned',
          message: 'the estimated 7,400 calls need about 735 s at the paced rate, more than the 540 s left',
        },
      ],
    };

    // Act
    const { results } = runRule(rule, inventory([notScanned]));

    // Assess
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({
      status: 'ERROR',
      resourceType: 'AWS::EC2::Region',
      resourceId: REGION,
      evidence: { missingSections: ['endpointServices', 'sagemakerNotebooks'] },
    });
    expect([results[0]?.message, results[0]?.remediation]).toEqual([
      'Could not judge region eu-west-1: it was not scanned (NotScanned), because the estimated 7,400 calls need about 735 s at the paced rate, more than the 540 s left.',
      "Give the scan more time (the Lambda's timeout, up to 15 minutes, or the CLI's --timeout), a higher rate share (API_RATE_SHARE, or the CLI's --rate-share), or fewer regions (SCAN_REGIONS, or the CLI's --regions), and scan again.",
    ]);
  });

  it.each([
    {
      case: 'the snapshot records the sections it was taken for',
      sections: ['vpcs' as const, 'vpcEndpoints' as const],
      says: 'sagemakerNotebooks, not collected: the snapshot was taken for other rules (it holds vpcs, vpcEndpoints)',
    },
    {
      case: 'a version-1 snapshot that does not record them',
      sections: undefined,
      says: 'sagemakerNotebooks, not collected (the inventory does not record which sections were collected)',
    },
  ])('returns ERROR saying the notebooks were not collected when $case', ({ sections, says }) => {
    // Prepare
    const without = { ...region(REGION), ...(sections ? { sections } : {}) };

    // Act
    const { results } = runRule(rule, inventory([without]));

    // Assess
    expect(results.map((result) => result.status)).toEqual(['ERROR']);
    expect(results[0]?.message).toContain(says);
  });
});

describe('sagemaker-notebook-network where SageMaker is not offered', () => {
  it('judges nothing and lists the region as skipped, although the SageMaker sections were not read', () => {
    // Prepare
    const unoffered = region(REGION, { services: [] });

    // Act
    const { results, skipped } = runRule(rule, inventory([unoffered]));

    // Assess
    expect(results).toEqual([]);
    expect(skipped).toEqual([
      {
        ruleId: 'sagemaker-notebook-network',
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
