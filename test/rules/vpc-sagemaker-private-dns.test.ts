import { describe, expect, it } from 'vitest';
import type { VpcDnsAttributes } from '../../src/model/inventory.ts';
import { resultId } from '../../src/model/result.ts';
import { rule } from '../../src/rules/vpc-sagemaker-private-dns.ts';
import {
  ACCOUNT_ID,
  DNS_ON,
  endpoint,
  inventory,
  OTHER_ACCOUNT_ID,
  region,
  runRule,
  serviceName,
  vpc,
} from '../support/inventory.ts';

const REGION = 'eu-west-1';
const VPC_ID = 'vpc-0123456789abcdef0';
const API = serviceName(REGION, 'sagemaker.api');
const RUNTIME = serviceName(REGION, 'sagemaker.runtime');

describe('vpc-sagemaker-private-dns', () => {
  it('passes each required endpoint with private DNS on in a VPC with DNS support and hostnames', () => {
    // Prepare
    const snapshot = inventory([
      region(REGION, {
        vpcs: [vpc(VPC_ID)],
        endpoints: [endpoint('vpce-a', VPC_ID, API), endpoint('vpce-r', VPC_ID, RUNTIME)],
      }),
    ]);

    // Act
    const { results } = runRule(rule, snapshot);

    // Assess
    expect(results).toEqual([
      expect.objectContaining({
        status: 'PASS',
        ruleId: 'vpc-sagemaker-private-dns',
        resourceType: 'AWS::EC2::VPCEndpoint',
        resourceId: 'vpce-a',
        resourceArn: `arn:aws:ec2:${REGION}:${ACCOUNT_ID}:vpc-endpoint/vpce-a`,
        id: resultId('vpc-sagemaker-private-dns', ACCOUNT_ID, REGION, 'vpce-a'),
        evidence: {
          vpcEndpointId: 'vpce-a',
          vpcId: VPC_ID,
          serviceName: API,
          privateDnsEnabled: true,
          enableDnsSupport: true,
          enableDnsHostnames: true,
        },
      }),
      expect.objectContaining({ status: 'PASS', resourceId: 'vpce-r' }),
    ]);
  });

  it.each([
    {
      case: 'private DNS off on the endpoint',
      privateDns: false,
      attributes: DNS_ON,
      off: ['private DNS on the endpoint'],
    },
    {
      case: 'DNS support off on the VPC',
      privateDns: true,
      attributes: { enableDnsSupport: false, enableDnsHostnames: true },
      off: [`DNS support on VPC ${VPC_ID}`],
    },
    {
      case: 'DNS hostnames off on the VPC',
      privateDns: true,
      attributes: { enableDnsSupport: true, enableDnsHostnames: false },
      off: [`DNS hostnames on VPC ${VPC_ID}`],
    },
    {
      case: 'all three off',
      privateDns: false,
      attributes: { enableDnsSupport: false, enableDnsHostnames: false },
      off: ['private DNS on the endpoint', `DNS support on VPC ${VPC_ID}`, `DNS hostnames on VPC ${VPC_ID}`],
    },
  ])('fails an endpoint with $case and says which setting is off', ({ privateDns, attributes, off }) => {
    // Prepare
    const snapshot = inventory([
      region(REGION, {
        vpcs: [vpc(VPC_ID)],
        endpoints: [endpoint('vpce-a', VPC_ID, API, { PrivateDnsEnabled: privateDns })],
        attributes: { [VPC_ID]: attributes },
      }),
    ]);

    // Act
    const { results } = runRule(rule, snapshot);

    // Assess
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({
      status: 'FAIL',
      resourceId: 'vpce-a',
      evidence: { privateDnsEnabled: privateDns, ...attributes },
    });
    for (const setting of off) expect(results[0]?.message).toContain(setting);
    expect((results[0]?.message ?? '').split(' on ').length - 1).toBe(off.length);
  });

  it('judges FIPS endpoints and endpoints whose state is in upper case', () => {
    // Prepare
    const snapshot = inventory([
      region(REGION, {
        vpcs: [vpc(VPC_ID)],
        endpoints: [
          endpoint('vpce-af', VPC_ID, serviceName(REGION, 'sagemaker.api-fips'), { State: 'AVAILABLE' }),
          endpoint('vpce-rf', VPC_ID, serviceName(REGION, 'sagemaker.runtime-fips'), {
            PrivateDnsEnabled: false,
          }),
        ],
      }),
    ]);

    // Act
    const { results } = runRule(rule, snapshot);

    // Assess
    expect(results.map((result) => [result.resourceId, result.status])).toEqual([
      ['vpce-af', 'PASS'],
      ['vpce-rf', 'FAIL'],
    ]);
  });

  it.each([
    {
      case: 'a featurestore endpoint',
      item: endpoint('vpce-x', VPC_ID, serviceName(REGION, 'sagemaker.featurestore-runtime')),
    },
    { case: 'a notebook endpoint', item: endpoint('vpce-x', VPC_ID, `aws.sagemaker.${REGION}.notebook`) },
    {
      case: "another region's api endpoint",
      item: endpoint('vpce-x', VPC_ID, serviceName('us-east-1', 'sagemaker.api')),
    },
    {
      case: 'a Gateway endpoint with the api name',
      item: endpoint('vpce-x', VPC_ID, API, { VpcEndpointType: 'Gateway' }),
    },
    { case: 'a deleted api endpoint', item: endpoint('vpce-x', VPC_ID, API, { State: 'deleted' }) },
    { case: 'a Deleting api endpoint', item: endpoint('vpce-x', VPC_ID, API, { State: 'Deleting' }) },
    {
      case: 'an endpoint without ServiceName',
      item: { ...endpoint('vpce-x', VPC_ID, API), ServiceName: undefined },
    },
  ])('gives no result for $case, even with private DNS off', ({ item }) => {
    // Prepare
    const snapshot = inventory([
      region(REGION, { vpcs: [vpc(VPC_ID)], endpoints: [{ ...item, PrivateDnsEnabled: false }] }),
    ]);

    // Act
    const { results } = runRule(rule, snapshot);

    // Assess
    expect(results).toEqual([]);
  });

  it('still judges a pending endpoint, whose DNS settings will apply once it is accepted', () => {
    // Prepare
    const snapshot = inventory([
      region(REGION, {
        vpcs: [vpc(VPC_ID)],
        endpoints: [
          endpoint('vpce-a', VPC_ID, API, { State: 'pendingAcceptance', PrivateDnsEnabled: false }),
        ],
      }),
    ]);

    // Act
    const { results } = runRule(rule, snapshot);

    // Assess
    expect(results.map((result) => [result.resourceId, result.status])).toEqual([['vpce-a', 'FAIL']]);
  });

  it('gives no result for a VPC without SageMaker endpoints', () => {
    // Act
    const { results, skipped } = runRule(rule, inventory([region(REGION, { vpcs: [vpc(VPC_ID)] })]));

    // Assess
    expect(results).toEqual([]);
    expect(skipped).toEqual([]);
  });

  it('judges China endpoints by their cn.com.amazonaws names', () => {
    // Prepare
    const cnRegion = 'cn-northwest-1';
    const snapshot = inventory(
      [
        region(cnRegion, {
          vpcs: [vpc(VPC_ID)],
          endpoints: [
            endpoint('vpce-cn', VPC_ID, `cn.com.amazonaws.${cnRegion}.sagemaker.api`),
            endpoint('vpce-global-name', VPC_ID, `com.amazonaws.${cnRegion}.sagemaker.api`),
          ],
        }),
      ],
      { partition: 'aws-cn' },
    );

    // Act
    const { results } = runRule(rule, snapshot);

    // Assess
    expect(results.map((result) => [result.resourceId, result.status, result.resourceArn])).toEqual([
      ['vpce-cn', 'PASS', `arn:aws-cn:ec2:${cnRegion}:${ACCOUNT_ID}:vpc-endpoint/vpce-cn`],
    ]);
  });

  it.each<{ case: string; attributes: Record<string, VpcDnsAttributes>; unknown: string[] }>([
    {
      case: 'no attributes for the VPC',
      attributes: {},
      unknown: ['enableDnsSupport', 'enableDnsHostnames'],
    },
    {
      case: 'DNS hostnames not read',
      attributes: { [VPC_ID]: { enableDnsSupport: true } },
      unknown: ['enableDnsHostnames'],
    },
  ])('returns ERROR for an endpoint whose VPC has $case', ({ attributes, unknown }) => {
    // Prepare
    const snapshot = inventory([
      region(REGION, { vpcs: [vpc(VPC_ID)], endpoints: [endpoint('vpce-a', VPC_ID, API)], attributes }),
    ]);

    // Act
    const { results } = runRule(rule, snapshot);

    // Assess
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ status: 'ERROR', resourceId: 'vpce-a' });
    for (const name of unknown) expect(results[0]?.message).toContain(name);
  });

  it('returns ERROR for an endpoint that does not say whether private DNS is on', () => {
    // Prepare
    const snapshot = inventory([
      region(REGION, {
        vpcs: [vpc(VPC_ID)],
        endpoints: [{ ...endpoint('vpce-a', VPC_ID, API), PrivateDnsEnabled: undefined }],
      }),
    ]);

    // Act
    const { results } = runRule(rule, snapshot);

    // Assess
    expect(results.map((result) => [result.resourceId, result.status])).toEqual([['vpce-a', 'ERROR']]);
    expect(results[0]?.message).toContain('privateDnsEnabled');
  });

  it('returns one ERROR for the region when the VPC attributes section is missing', () => {
    // Prepare
    const regionInventory = region(REGION, {
      vpcs: [vpc(VPC_ID)],
      endpoints: [endpoint('vpce-a', VPC_ID, API)],
    });
    delete regionInventory.vpcAttributes;
    regionInventory.collectionErrors = [
      { section: 'vpcAttributes', code: 'UnauthorizedOperation', message: 'not authorized' },
    ];

    // Act
    const { results } = runRule(rule, inventory([regionInventory]));

    // Assess
    expect(results).toEqual([
      expect.objectContaining({
        status: 'ERROR',
        resourceId: REGION,
        evidence: { missingSections: ['vpcAttributes'] },
      }),
    ]);
    expect(results[0]?.message).toContain('UnauthorizedOperation');
  });

  it.each([
    { case: 'shared in from another account', item: vpc(VPC_ID, { OwnerId: OTHER_ACCOUNT_ID }), config: {} },
    {
      case: 'default while default VPCs are skipped',
      item: vpc(VPC_ID, { IsDefault: true }),
      config: { skipDefaultVpcs: true },
    },
  ])('skips the endpoints of a VPC $case', ({ item, config }) => {
    // Prepare
    const snapshot = inventory([
      region(REGION, {
        vpcs: [item],
        endpoints: [endpoint('vpce-a', VPC_ID, API, { PrivateDnsEnabled: false })],
      }),
    ]);

    // Act
    const { results, skipped } = runRule(rule, snapshot, config);

    // Assess
    expect(results).toEqual([]);
    expect(skipped).toEqual([
      expect.objectContaining({ ruleId: 'vpc-sagemaker-private-dns', resourceId: VPC_ID }),
    ]);
  });

  it('skips a region that does not offer SageMaker', () => {
    // Prepare
    const snapshot = inventory([
      region(REGION, { vpcs: [vpc(VPC_ID)], endpoints: [endpoint('vpce-a', VPC_ID, API)], services: [] }),
    ]);

    // Act
    const { results, skipped } = runRule(rule, snapshot);

    // Assess
    expect(results).toEqual([]);
    expect(skipped).toEqual([
      expect.objectContaining({ region: REGION, ruleId: 'vpc-sagemaker-private-dns' }),
    ]);
  });
});
