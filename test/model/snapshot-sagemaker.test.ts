import { describe, expect, it } from 'vitest';
import { evaluate } from '../../src/engine/evaluate.ts';
import { DEFAULT_RULE_CONFIG } from '../../src/model/config.ts';
import { parseSnapshot } from '../../src/model/snapshot.ts';
import { rule as privatePath } from '../../src/rules/sagemaker-private-path.ts';
import { ACCOUNT_ID } from '../support/inventory.ts';

/** A version-1 snapshot as written before notebooks, domains and subnets were part of it. */
function versionOne(region: Record<string, unknown> = {}) {
  return {
    snapshotVersion: 1,
    collectedAt: '2026-01-01T00:00:00.000Z',
    partition: 'aws',
    accounts: [
      {
        accountId: ACCOUNT_ID,
        regions: [
          {
            region: 'eu-west-1',
            endpointServices: ['com.amazonaws.eu-west-1.sagemaker.api'],
            vpcs: [],
            vpcAttributes: {},
            vpcEndpoints: [],
            ...region,
          },
        ],
      },
    ],
  };
}

describe('snapshot files and the SageMaker sections', () => {
  it('loads a version-1 file without them, and the rules needing them say they were not collected', () => {
    // Act
    const inventory = parseSnapshot(versionOne(), 'old.json');
    const { results } = evaluate(inventory, [privatePath], DEFAULT_RULE_CONFIG);

    // Assess
    expect(results.map((result) => result.status)).toEqual(['ERROR']);
    expect(results[0]?.message).toBe(
      'Could not judge region eu-west-1: missing sagemakerNotebooks, not collected (the inventory does not record which sections were collected); sagemakerDomains, not collected (the inventory does not record which sections were collected); subnets, not collected (the inventory does not record which sections were collected).',
    );
  });

  it('loads notebooks, domains, subnets, the record of sections and their collection errors', () => {
    // Prepare
    const data = versionOne({
      sagemakerNotebooks: [
        {
          NotebookInstanceName: 'ds-1',
          DirectInternetAccess: 'Disabled',
          PlatformIdentifier: 'notebook-al2-v3',
        },
      ],
      subnets: [{ SubnetId: 'subnet-1', VpcId: 'vpc-1', AvailabilityZone: 'eu-west-1a' }],
      sections: ['sagemakerNotebooks', 'sagemakerDomains', 'subnets'],
      collectionErrors: [{ section: 'sagemakerDomains', code: 'AccessDeniedException', message: 'denied' }],
    });

    // Act
    const region = parseSnapshot(data, 'new.json').accounts[0]?.regions[0];

    // Assess
    expect(region?.sagemakerNotebooks?.[0]).toEqual({
      NotebookInstanceName: 'ds-1',
      DirectInternetAccess: 'Disabled',
      PlatformIdentifier: 'notebook-al2-v3',
    });
    expect(region?.sections).toEqual(['sagemakerNotebooks', 'sagemakerDomains', 'subnets']);
    expect(region?.collectionErrors?.[0]?.section).toBe('sagemakerDomains');
  });

  it.each([
    {
      case: 'a notebook without its name',
      region: { sagemakerNotebooks: [{ NotebookInstanceStatus: 'InService' }] },
      where: '$.accounts[0].regions[0].sagemakerNotebooks[0].NotebookInstanceName',
    },
    {
      case: 'a domain without its id',
      region: { sagemakerDomains: [{ DomainName: 'ml' }] },
      where: '$.accounts[0].regions[0].sagemakerDomains[0].DomainId',
    },
    {
      case: 'subnet ids that are not a list',
      region: { sagemakerDomains: [{ DomainId: 'd-1', SubnetIds: 'subnet-1' }] },
      where: '$.accounts[0].regions[0].sagemakerDomains[0].SubnetIds',
    },
    {
      case: 'a subnet without its id',
      region: { subnets: [{ VpcId: 'vpc-1' }] },
      where: '$.accounts[0].regions[0].subnets[0].SubnetId',
    },
    {
      case: 'an unknown section in the record of sections',
      region: { sections: ['notebooks'] },
      where: '$.accounts[0].regions[0].sections[0]',
    },
  ])('rejects $case, naming where', ({ region, where }) => {
    // Act
    const load = () => parseSnapshot(versionOne(region), 'bad.json');

    // Assess
    expect(load).toThrow(`bad.json: invalid snapshot at ${where}: `);
  });
});
