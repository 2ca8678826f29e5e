import { describe, expect, it } from 'vitest';
import { permissionsFor } from '../../src/collect/sections/index.ts';
import type { IamAuthorizationDetails, Inventory, RegionInventory } from '../../src/model/inventory.ts';
import type { ResultDraft } from '../../src/model/result.ts';
import { check, meta } from '../../src/rules/iam-presigned-url-approved-endpoints.ts';
import {
  ACCOUNT,
  ACTION,
  APPROVED,
  DOMAIN_ACTION,
  doc,
  role,
  type Statement,
  userWith,
} from '../iam/builders.ts';
import { endpoint, region, serviceName } from '../support/inventory.ts';

const API = endpoint('vpce-0api', 'vpc-1', serviceName('eu-west-1', 'sagemaker.api'));
const STUDIO = endpoint('vpce-0studio', 'vpc-2', 'aws.sagemaker.eu-west-1.studio');
const RUNTIME = endpoint('vpce-0runtime', 'vpc-3', serviceName('eu-west-1', 'sagemaker.runtime'));
const STS = endpoint('vpce-0sts', 'vpc-3', 'com.amazonaws.eu-west-1.sts');
const GONE = endpoint('vpce-0gone', 'vpc-4', serviceName('eu-west-1', 'sagemaker.api'), { State: 'deleted' });
const PENDING = endpoint('vpce-0pending', 'vpc-4', 'aws.sagemaker.eu-west-1.notebook', { State: 'pending' });
const EU = region('eu-west-1', { endpoints: [API, STUDIO, RUNTIME, STS, GONE, PENDING] });

/** An Allow of the action only through the endpoints (or VPCs) named. */
function onlyThrough(values: string | string[], key = 'aws:SourceVpce', extra: Statement = {}): Statement {
  return {
    Effect: 'Allow',
    Action: ACTION,
    Resource: '*',
    Condition: { StringEquals: { [key]: values } },
    ...extra,
  };
}

function contextOf(
  iam: IamAuthorizationDetails,
  regions: RegionInventory[] = [EU],
  approvedVpces?: string[],
) {
  const inventory: Inventory = {
    snapshotVersion: 1,
    collectedAt: '2026-11-27T02:00:00.000Z',
    partition: 'aws',
    accounts: [{ accountId: ACCOUNT, iam, regions }],
  };
  return {
    inventory,
    config: {
      allowedSourceCidrs: APPROVED,
      skipDefaultVpcs: false,
      ...(approvedVpces ? { approvedVpces } : {}),
    },
  };
}

function only(context: ReturnType<typeof contextOf>): ResultDraft {
  const { results } = check(context);
  expect(results).toHaveLength(1);
  return results[0] as ResultDraft;
}

function verdicts(result: ResultDraft) {
  return (result.evidence.values as { value: string; verdict: string; reason: string }[]).map(
    ({ value, verdict, reason }) => [value, verdict, reason],
  );
}

describe('iam-presigned-url-approved-endpoints', () => {
  it.each([
    [
      'an available sagemaker.api endpoint',
      onlyThrough('vpce-0api'),
      'available com.amazonaws.eu-west-1.sagemaker.api endpoint in eu-west-1',
    ],
    [
      'an available studio endpoint',
      onlyThrough('vpce-0studio'),
      'available aws.sagemaker.eu-west-1.studio endpoint in eu-west-1',
    ],
    [
      'the VPC of an available SageMaker endpoint',
      onlyThrough('vpc-1', 'aws:SourceVpc'),
      'the VPC of an available SageMaker endpoint in eu-west-1',
    ],
  ])('passes a grant through %s', (_name, statement, reason) => {
    // Act
    const result = only(contextOf(userWith(doc(statement))));
    // Assess
    expect(result.status).toBe('PASS');
    expect(verdicts(result)).toEqual([[expect.any(String), 'approved', reason]]);
  });

  it('passes a Deny guardrail on both actions unless through the api endpoint, naming the value once', () => {
    // Prepare
    const iam = userWith(
      doc(
        { Effect: 'Allow', Action: 'sagemaker:*', Resource: '*' },
        {
          Effect: 'Deny',
          Action: 'sagemaker:CreatePresigned*',
          Resource: '*',
          Condition: { StringNotEquals: { 'aws:sourcevpce': 'vpce-0api' } },
        },
      ),
    );
    // Act
    const result = only(contextOf(iam));
    // Assess
    expect(result).toMatchObject({
      status: 'PASS',
      resourceId: `arn:aws:iam::${ACCOUNT}:user/alice`,
      message:
        'User alice has presigned-URL grants restricted only to the account’s SageMaker endpoints or approved ones: vpce-0api.',
    });
    expect(result.evidence.values).toEqual([
      expect.objectContaining({ key: 'aws:SourceVpce', action: `${ACTION}, ${DOMAIN_ACTION}` }),
    ]);
  });

  it('passes an endpoint of a shared-services account approved in the configuration', () => {
    // Act
    const result = only(contextOf(userWith(doc(onlyThrough('vpce-0shared'))), [EU], ['vpce-0shared']));
    // Assess
    expect(result.status).toBe('PASS');
    expect(result.evidence.approvedVpces).toEqual(['vpce-0shared']);
  });

  it.each([
    ['a typo', 'vpce-0apj', 'unknown: no endpoint has this ID in the scanned regions (eu-west-1)'],
    ['a deleted endpoint', 'vpce-0gone', 'deleted (com.amazonaws.eu-west-1.sagemaker.api, eu-west-1)'],
    [
      'a pending endpoint',
      'vpce-0pending',
      'not available (State pending; aws.sagemaker.eu-west-1.notebook, eu-west-1)',
    ],
    [
      'the runtime endpoint',
      'vpce-0runtime',
      'another service’s endpoint (com.amazonaws.eu-west-1.sagemaker.runtime, eu-west-1)',
    ],
    ['an STS endpoint', 'vpce-0sts', 'another service’s endpoint (com.amazonaws.eu-west-1.sts, eu-west-1)'],
  ])('fails %s, saying why', (_name, value, reason) => {
    // Act
    const result = only(contextOf(userWith(doc(onlyThrough(['vpce-0api', value])))));
    // Assess
    expect(result.status).toBe('FAIL');
    expect(result.message).toBe(
      `User alice has presigned-URL grants restricted to endpoints that are not the account’s SageMaker endpoints: aws:SourceVpce ${value} in policy p0 (inline), statement 0 (${reason}).`,
    );
    expect(verdicts(result)).toEqual([
      ['vpce-0api', 'approved', expect.any(String)],
      [value, 'not approved', reason],
    ]);
    expect(result.remediation).toContain(`Replace ${value} with the ID of an available SageMaker`);
    expect(result.evidence.accountEndpoints).toContainEqual({
      vpcEndpointId: 'vpce-0api',
      serviceName: 'com.amazonaws.eu-west-1.sagemaker.api',
      state: 'available',
      vpcId: 'vpc-1',
      region: 'eu-west-1',
    });
  });

  it.each([
    ['vpce-*', 'StringLike'],
    ['vpce-0a?i', 'StringLike'],
  ])('fails a wildcard value %s under %s: it approves every endpoint of every account', (value, operator) => {
    // Prepare
    const statement = { ...onlyThrough(value), Condition: { [operator]: { 'aws:SourceVpce': value } } };
    // Act
    const result = only(contextOf(userWith(doc(statement))));
    // Assess
    expect(result.status).toBe('FAIL');
    expect(verdicts(result)).toEqual([
      [value, 'not approved', 'a wildcard: it approves every matching endpoint of every account'],
    ]);
  });

  it('fails a literal vpce-* under StringEquals as unknown: no endpoint has that ID', () => {
    // Act
    const result = only(contextOf(userWith(doc(onlyThrough('vpce-*')))));
    // Assess
    expect(result.status).toBe('FAIL');
    expect(verdicts(result)[0]?.[2]).toMatch(/^unknown: /);
  });

  it('fails an aws:SourceVpc value of a VPC whose only endpoints are of other services', () => {
    // Act
    const result = only(contextOf(userWith(doc(onlyThrough('vpc-3', 'aws:SourceVpc')))));
    // Assess
    expect(result.status).toBe('FAIL');
    expect(verdicts(result)).toEqual([
      [
        'vpc-3',
        'not approved',
        'a VPC without an available SageMaker api, notebook or studio interface endpoint',
      ],
    ]);
  });

  it('gives ERROR naming the region to add when the grant is for a region the scan does not cover', () => {
    // Prepare
    const statement = onlyThrough('vpce-0east', 'aws:SourceVpce', {
      Resource: `arn:aws:sagemaker:us-east-1:${ACCOUNT}:notebook-instance/*`,
    });
    // Act
    const result = only(contextOf(userWith(doc(statement))));
    // Assess
    expect(result.status).toBe('ERROR');
    expect(result.message).toBe(
      'Could not judge user alice: aws:SourceVpce vpce-0east in policy p0 (inline), statement 0: no endpoint has this ID is not among the endpoints of the scanned regions, and the grant is for us-east-1, which the scan does not cover.',
    );
    expect(result.remediation).toBe(
      'Scan the regions the grants name as well (--region eu-west-1,us-east-1), or approve the endpoints with --approved-vpces.',
    );
  });

  it('gives ERROR, never PASS or an "unknown" FAIL, when a region’s endpoints could not be read', () => {
    // Prepare
    const unread: RegionInventory = {
      region: 'us-east-1',
      sections: ['vpcEndpoints'],
      collectionErrors: [{ section: 'vpcEndpoints', code: 'UnauthorizedOperation', message: 'denied' }],
    };
    // Act
    const result = only(contextOf(userWith(doc(onlyThrough('vpce-0east'))), [EU, unread]));
    // Assess
    expect(result.status).toBe('ERROR');
    expect(result.message).toContain(
      'us-east-1 is missing vpcEndpoints (UnauthorizedOperation: denied), which could not be read',
    );
  });

  it('gives ERROR saying a region was not scanned, with its estimate, not that its endpoints could not be read', () => {
    // Prepare
    const notScanned: RegionInventory = {
      region: 'us-east-1',
      sections: ['vpcEndpoints'],
      collectionErrors: [
        {
          section: '*',
          code: 'NotScanned',
          message: 'the estimated 7,400 calls need about 735 s at the paced rate, more than the 540 s left',
        },
      ],
    };
    // Act
    const result = only(contextOf(userWith(doc(onlyThrough('vpce-0east'))), [EU, notScanned]));
    // Assess
    expect(result.status).toBe('ERROR');
    expect(result.message).toBe(
      'Could not judge user alice: aws:SourceVpce vpce-0east in policy p0 (inline), statement 0: no endpoint has this ID is not among the endpoints read, and us-east-1 is missing vpcEndpoints, not read because the region was not scanned (NotScanned): the estimated 7,400 calls need about 735 s at the paced rate, more than the 540 s left.',
    );
  });

  it('gives one ERROR when the iam section is missing', () => {
    // Prepare
    const context = contextOf({});
    delete context.inventory.accounts[0]?.iam;
    // Act
    const result = only(context);
    // Assess
    expect(result).toMatchObject({ status: 'ERROR', resourceId: `${ACCOUNT}/iam` });
  });

  it('gives no result for grants without endpoint conditions, and skips service-linked roles', () => {
    // Prepare
    const iam: IamAuthorizationDetails = {
      ...userWith(doc({ Effect: 'Allow', Action: ACTION, Resource: '*' })),
      RoleDetailList: [
        role('AWSServiceRoleForX', { path: '/aws-service-role/', inline: { p: doc(onlyThrough('vpce-x')) } }),
      ],
    };
    // Act
    const output = check(contextOf(iam));
    // Assess
    expect(output.results).toEqual([]);
    expect(output.skipped).toHaveLength(1);
    expect(output.evaluated).toEqual({ principals: 1 });
  });

  it('reads the IAM data and the endpoint listing', () => {
    // Assess
    expect(meta.needs).toEqual(['iam', 'vpcEndpoints']);
    expect(permissionsFor(meta.needs)).toEqual([
      'iam:GetAccountAuthorizationDetails',
      'ec2:DescribeVpcEndpoints',
    ]);
  });
});
