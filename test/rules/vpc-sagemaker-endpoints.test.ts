import type { VpcEndpoint } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import type { Plain } from '../../src/model/inventory.ts';
import { resultId } from '../../src/model/result.ts';
import { rule } from '../../src/rules/vpc-sagemaker-endpoints.ts';
import {
  ACCOUNT_ID,
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

function judgeOneVpc(endpoints: Plain<VpcEndpoint>[]) {
  const { results } = runRule(rule, inventory([region(REGION, { vpcs: [vpc(VPC_ID)], endpoints })]));
  expect(results).toHaveLength(1);
  return results[0];
}

describe('vpc-sagemaker-endpoints', () => {
  it.each([
    {
      case: 'both endpoints available',
      endpoints: [endpoint('vpce-a', VPC_ID, API), endpoint('vpce-r', VPC_ID, RUNTIME)],
    },
    {
      case: 'both FIPS variants available',
      endpoints: [
        endpoint('vpce-a', VPC_ID, serviceName(REGION, 'sagemaker.api-fips')),
        endpoint('vpce-r', VPC_ID, serviceName(REGION, 'sagemaker.runtime-fips')),
      ],
    },
    {
      case: 'state in the SDK enum casing (Available)',
      endpoints: [
        endpoint('vpce-a', VPC_ID, API, { State: 'Available' }),
        endpoint('vpce-r', VPC_ID, RUNTIME, { State: 'AVAILABLE' }),
      ],
    },
    {
      case: 'a usable endpoint next to a failed duplicate',
      endpoints: [
        endpoint('vpce-old', VPC_ID, API, { State: 'failed' }),
        endpoint('vpce-a', VPC_ID, API),
        endpoint('vpce-r', VPC_ID, RUNTIME),
      ],
    },
  ])('passes a VPC with $case', ({ endpoints }) => {
    // Prepare
    const usable = endpoints.filter((item) => item.VpcEndpointId !== 'vpce-old');

    // Act
    const result = judgeOneVpc(endpoints);

    // Assess
    expect(result).toMatchObject({
      status: 'PASS',
      ruleId: 'vpc-sagemaker-endpoints',
      severity: 'high',
      accountId: ACCOUNT_ID,
      region: REGION,
      resourceType: 'AWS::EC2::VPC',
      resourceId: VPC_ID,
      resourceArn: `arn:aws:ec2:${REGION}:${ACCOUNT_ID}:vpc/${VPC_ID}`,
      id: resultId('vpc-sagemaker-endpoints', ACCOUNT_ID, REGION, VPC_ID),
      evidence: {
        vpcId: VPC_ID,
        endpoints: {
          'sagemaker.api': usable[0]?.VpcEndpointId,
          'sagemaker.runtime': usable[1]?.VpcEndpointId,
        },
      },
    });
  });

  it.each([
    {
      case: 'no endpoint at all',
      endpoints: [],
      missing: ['sagemaker.api', 'sagemaker.runtime'],
      unusable: [],
    },
    {
      case: 'the runtime endpoint missing',
      endpoints: [endpoint('vpce-a', VPC_ID, API)],
      missing: ['sagemaker.runtime'],
      unusable: [],
    },
    {
      case: 'the api endpoint missing',
      endpoints: [endpoint('vpce-r', VPC_ID, RUNTIME)],
      missing: ['sagemaker.api'],
      unusable: [],
    },
    ...['pending', 'pendingAcceptance', 'failed', 'rejected', 'deleting', 'deleted', 'expired'].map(
      (state) => ({
        case: `the api endpoint ${state}`,
        endpoints: [endpoint('vpce-a', VPC_ID, API, { State: state }), endpoint('vpce-r', VPC_ID, RUNTIME)],
        missing: ['sagemaker.api'],
        unusable: [{ requirement: 'sagemaker.api', vpcEndpointId: 'vpce-a', state }],
      }),
    ),
    {
      case: 'a Gateway endpoint with the api name',
      endpoints: [
        endpoint('vpce-a', VPC_ID, API, { VpcEndpointType: 'Gateway' }),
        endpoint('vpce-r', VPC_ID, RUNTIME),
      ],
      missing: ['sagemaker.api'],
      unusable: [{ requirement: 'sagemaker.api', vpcEndpointId: 'vpce-a', vpcEndpointType: 'Gateway' }],
    },
    {
      case: 'featurestore and metrics endpoints instead of runtime',
      endpoints: [
        endpoint('vpce-a', VPC_ID, API),
        endpoint('vpce-f', VPC_ID, serviceName(REGION, 'sagemaker.featurestore-runtime')),
        endpoint('vpce-m', VPC_ID, serviceName(REGION, 'sagemaker.metrics')),
      ],
      missing: ['sagemaker.runtime'],
      unusable: [],
    },
    {
      case: 'notebook and studio endpoints instead of api',
      endpoints: [
        endpoint('vpce-n', VPC_ID, `aws.sagemaker.${REGION}.notebook`),
        endpoint('vpce-s', VPC_ID, `aws.sagemaker.${REGION}.studio`),
        endpoint('vpce-r', VPC_ID, RUNTIME),
      ],
      missing: ['sagemaker.api'],
      unusable: [],
    },
    {
      case: "another region's service names",
      endpoints: [
        endpoint('vpce-a', VPC_ID, serviceName('us-east-1', 'sagemaker.api')),
        endpoint('vpce-r', VPC_ID, serviceName('us-east-1', 'sagemaker.runtime')),
      ],
      missing: ['sagemaker.api', 'sagemaker.runtime'],
      unusable: [],
    },
    {
      case: 'endpoints that belong to another VPC',
      endpoints: [endpoint('vpce-a', 'vpc-other', API), endpoint('vpce-r', 'vpc-other', RUNTIME)],
      missing: ['sagemaker.api', 'sagemaker.runtime'],
      unusable: [],
    },
  ])('fails a VPC with $case', ({ endpoints, missing, unusable }) => {
    // Act
    const result = judgeOneVpc(endpoints);

    // Assess
    expect(result?.status).toBe('FAIL');
    expect(result?.resourceId).toBe(VPC_ID);
    expect(result?.evidence.missing).toEqual(missing);
    expect(result?.evidence.unusable).toEqual(unusable.map((entry) => expect.objectContaining(entry)));
    for (const kind of missing) expect(result?.message).toContain(kind);
    for (const kind of missing)
      expect(result?.remediation).toContain(serviceName(REGION, kind as 'sagemaker.api'));
  });

  it('names the unusable endpoint and its state in the message', () => {
    // Act
    const result = judgeOneVpc([
      endpoint('vpce-0aaa', VPC_ID, API, { State: 'pendingAcceptance' }),
      endpoint('vpce-r', VPC_ID, RUNTIME),
    ]);

    // Assess
    expect(result?.status).toBe('FAIL');
    expect(result?.message).toContain('vpce-0aaa is pendingAcceptance');
    expect(result?.message).not.toContain('sagemaker.runtime');
  });

  it('judges China regions by their cn.com.amazonaws names in the aws-cn partition', () => {
    // Prepare
    const cnRegion = 'cn-north-1';
    const cnVpc = 'vpc-0cn';
    const snapshot = inventory(
      [
        region(cnRegion, {
          vpcs: [vpc(cnVpc), vpc('vpc-0global-names')],
          endpoints: [
            endpoint('vpce-a', cnVpc, `cn.com.amazonaws.${cnRegion}.sagemaker.api`),
            endpoint('vpce-r', cnVpc, `cn.com.amazonaws.${cnRegion}.sagemaker.runtime`),
            endpoint('vpce-ga', 'vpc-0global-names', `com.amazonaws.${cnRegion}.sagemaker.api`),
            endpoint('vpce-gr', 'vpc-0global-names', `com.amazonaws.${cnRegion}.sagemaker.runtime`),
          ],
        }),
      ],
      { partition: 'aws-cn' },
    );

    // Act
    const { results } = runRule(rule, snapshot);

    // Assess
    expect(results.map((result) => [result.resourceId, result.status])).toEqual([
      ['vpc-0cn', 'PASS'],
      ['vpc-0global-names', 'FAIL'],
    ]);
    expect(results[0]?.resourceArn).toBe(`arn:aws-cn:ec2:${cnRegion}:${ACCOUNT_ID}:vpc/${cnVpc}`);
  });

  it('skips a VPC shared in from another account and lists it as skipped', () => {
    // Prepare
    const snapshot = inventory([
      region(REGION, { vpcs: [vpc('vpc-own'), vpc('vpc-shared', { OwnerId: OTHER_ACCOUNT_ID })] }),
    ]);

    // Act
    const { results, skipped } = runRule(rule, snapshot);

    // Assess
    expect(results.map((result) => result.resourceId)).toEqual(['vpc-own']);
    expect(skipped).toEqual([
      expect.objectContaining({
        ruleId: 'vpc-sagemaker-endpoints',
        accountId: ACCOUNT_ID,
        region: REGION,
        resourceId: 'vpc-shared',
      }),
    ]);
    expect(skipped[0]?.reason).toContain(OTHER_ACCOUNT_ID);
  });

  it.each([
    { skipDefaultVpcs: false, judged: ['vpc-custom', 'vpc-default'], skippedIds: [] },
    { skipDefaultVpcs: true, judged: ['vpc-custom'], skippedIds: ['vpc-default'] },
  ])(
    'judges the default VPC unless skipDefaultVpcs is $skipDefaultVpcs',
    ({ skipDefaultVpcs, judged, skippedIds }) => {
      // Prepare
      const snapshot = inventory([
        region(REGION, { vpcs: [vpc('vpc-default', { IsDefault: true }), vpc('vpc-custom')] }),
      ]);

      // Act
      const { results, skipped } = runRule(rule, snapshot, { skipDefaultVpcs });

      // Assess
      expect(results.map((result) => result.resourceId)).toEqual(judged);
      expect(results.every((result) => result.status === 'FAIL')).toBe(true);
      expect(skipped.map((entry) => entry.resourceId)).toEqual(skippedIds);
    },
  );

  it('records that a default VPC is default in the evidence', () => {
    // Act
    const { results } = runRule(
      rule,
      inventory([region(REGION, { vpcs: [vpc('vpc-default', { IsDefault: true })] })]),
    );

    // Assess
    expect(results[0]?.evidence).toMatchObject({ vpcId: 'vpc-default', isDefault: true });
  });

  it.each([
    { case: 'lists no SageMaker service', services: [] },
    {
      case: 'lists only other SageMaker services',
      services: [serviceName(REGION, 'sagemaker.runtime'), `aws.sagemaker.${REGION}.notebook`],
    },
    { case: "lists another region's api", services: [serviceName('us-east-1', 'sagemaker.api')] },
  ])('skips a region that $case, with no results', ({ services }) => {
    // Prepare
    const snapshot = inventory([region(REGION, { vpcs: [vpc(VPC_ID)], services })]);

    // Act
    const { results, skipped } = runRule(rule, snapshot);

    // Assess
    expect(results).toEqual([]);
    expect(skipped).toEqual([
      expect.objectContaining({ ruleId: 'vpc-sagemaker-endpoints', accountId: ACCOUNT_ID, region: REGION }),
    ]);
    expect(skipped[0]?.reason).toContain(API);
  });

  it.each(['endpointServices', 'vpcs', 'vpcEndpoints'] as const)(
    'returns one ERROR for the region when %s is missing',
    (section) => {
      // Prepare
      const regionInventory = region(REGION, { vpcs: [vpc(VPC_ID)] });
      delete regionInventory[section];
      regionInventory.collectionErrors = [
        { section, code: 'UnauthorizedOperation', message: 'You are not authorized' },
      ];

      // Act
      const { results } = runRule(rule, inventory([regionInventory]));

      // Assess
      expect(results).toHaveLength(1);
      expect(results[0]).toMatchObject({
        status: 'ERROR',
        region: REGION,
        resourceType: 'AWS::EC2::Region',
        resourceId: REGION,
        evidence: { missingSections: [section] },
      });
      expect(results[0]?.message).toContain('UnauthorizedOperation');
    },
  );

  it('returns ERROR for a region the collector never reached', () => {
    // Prepare
    const unreached = {
      region: REGION,
      collectionErrors: [{ section: '*' as const, code: 'DeadlineExceeded', message: 'not reached' }],
    };

    // Act
    const { results } = runRule(rule, inventory([unreached]));

    // Assess
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({
      status: 'ERROR',
      resourceId: REGION,
      evidence: { missingSections: ['endpointServices', 'vpcs', 'vpcEndpoints'] },
    });
  });

  it.each([
    { case: 'without ServiceName', broken: { ServiceName: undefined } },
    { case: 'without State', broken: { State: undefined } },
    { case: 'without VpcEndpointType', broken: { VpcEndpointType: undefined } },
    { case: 'without VpcId', broken: { VpcId: undefined } },
  ])(
    'returns ERROR, not PASS or FAIL, for a VPC lacking an endpoint when one endpoint is $case',
    ({ broken }) => {
      // Prepare
      const incomplete = { ...endpoint('vpce-broken', VPC_ID, API), ...broken };

      // Act
      const result = judgeOneVpc([incomplete, endpoint('vpce-r', VPC_ID, RUNTIME)]);

      // Assess
      expect(result?.status).toBe('ERROR');
      expect(result?.resourceId).toBe(VPC_ID);
      expect(result?.evidence.incompleteEndpoints).toEqual([
        expect.objectContaining({ vpcEndpointId: 'vpce-broken' }),
      ]);
      expect(result?.message).toContain('vpce-broken');
    },
  );

  it('still passes a VPC whose requirements are met when another of its endpoints is incomplete', () => {
    // Prepare
    const incomplete = { ...endpoint('vpce-broken', VPC_ID, API), ServiceName: undefined };

    // Act
    const result = judgeOneVpc([
      incomplete,
      endpoint('vpce-a', VPC_ID, API),
      endpoint('vpce-r', VPC_ID, RUNTIME),
    ]);

    // Assess
    expect(result?.status).toBe('PASS');
    expect(result?.evidence.endpoints).toEqual({ 'sagemaker.api': 'vpce-a', 'sagemaker.runtime': 'vpce-r' });
  });

  it('gives every VPC of every region its own stable result id', () => {
    // Prepare
    const snapshot = inventory([
      region('us-east-1', { vpcs: [vpc('vpc-b'), vpc('vpc-a')] }),
      region(REGION, { vpcs: [vpc('vpc-a')] }),
    ]);

    // Act
    const first = runRule(rule, snapshot).results;
    const second = runRule(rule, structuredClone(snapshot)).results;

    // Assess
    expect(first.map((result) => [result.region, result.resourceId])).toEqual([
      [REGION, 'vpc-a'],
      ['us-east-1', 'vpc-a'],
      ['us-east-1', 'vpc-b'],
    ]);
    expect(new Set(first.map((result) => result.id)).size).toBe(3);
    expect(second).toEqual(first);
  });
});
