import {
  GetAccountAuthorizationDetailsCommand,
  IAMClient,
  IAMServiceException,
  type RoleDetail,
  type UserDetail,
} from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { collectLive } from '../../../src/collect/index.ts';
import { iam as iamSection } from '../../../src/collect/sections/iam.ts';
import { fastClients, throttlingError } from '../../support/aws-faults.ts';
import { collectContext } from '../../support/sections.ts';

const ACCOUNT = '111122223333';
const ENCODED =
  '%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Sid%22%3A%22a%2Bb%22%7D%5D%7D';

function userDetail(name: string): UserDetail {
  return { UserName: name, Arn: `arn:aws:iam::${ACCOUNT}:user/${name}`, GroupList: ['ml'] };
}

function roleDetail(name: string): RoleDetail {
  return { RoleName: name, Arn: `arn:aws:iam::${ACCOUNT}:role/${name}`, AssumeRolePolicyDocument: ENCODED };
}

describe('the iam section', () => {
  let iam: ReturnType<typeof mockClient>;
  let sts: ReturnType<typeof mockClient>;

  beforeAll(() => {
    iam = mockClient(IAMClient);
    sts = mockClient(STSClient);
  });

  afterAll(() => {
    iam.restore();
    sts.restore();
  });

  beforeEach(() => {
    iam.reset();
    sts.reset();
  });

  it('follows Marker through short pages while IsTruncated is true and merges every list', async () => {
    // Prepare
    iam
      .on(GetAccountAuthorizationDetailsCommand, { Marker: undefined })
      .resolves({ UserDetailList: [userDetail('alice')], IsTruncated: true, Marker: 'm1' })
      .on(GetAccountAuthorizationDetailsCommand, { Marker: 'm1' })
      .resolves({ RoleDetailList: [roleDetail('etl')], IsTruncated: true, Marker: 'm2' })
      .on(GetAccountAuthorizationDetailsCommand, { Marker: 'm2' })
      .resolves({
        UserDetailList: [userDetail('bob')],
        GroupDetailList: [{ GroupName: 'ml' }],
        IsTruncated: false,
      });
    const clients = fastClients();
    // Act
    const details = await iamSection.collect(collectContext(clients.iam('eu-west-1')));
    // Assess
    // The paginator reuses one input object, so the Marker routing is proven by the merged pages.
    expect(iam.commandCalls(GetAccountAuthorizationDetailsCommand)).toHaveLength(3);
    expect(details?.UserDetailList?.map((user) => user.UserName)).toEqual(['alice', 'bob']);
    expect(details?.RoleDetailList?.map((role) => role.RoleName)).toEqual(['etl']);
    expect(details?.GroupDetailList).toEqual([{ GroupName: 'ml' }]);
  });

  it('keeps URL-encoded documents exactly as delivered', async () => {
    // Prepare
    iam
      .on(GetAccountAuthorizationDetailsCommand)
      .resolves({ RoleDetailList: [roleDetail('etl')], IsTruncated: false });
    // Act
    const details = await iamSection.collect(collectContext(fastClients().iam('eu-west-1')));
    // Assess
    expect(details?.RoleDetailList?.[0]?.AssumeRolePolicyDocument).toBe(ENCODED);
  });

  it('leaves the iam section out and records the error when IAM keeps throttling', async () => {
    // Prepare
    sts
      .on(GetCallerIdentityCommand)
      .resolves({ Account: ACCOUNT, Arn: `arn:aws:iam::${ACCOUNT}:role/scanner` });
    iam.on(GetAccountAuthorizationDetailsCommand).callsFake(() => {
      throw throttlingError(IAMServiceException, 'Throttling', 400);
    });
    // Act
    const { inventory } = await collectLive({
      clients: fastClients(2),
      regions: ['eu-west-1'],
      homeRegion: 'eu-west-1',
      needs: new Set(['iam']),
    });
    // Assess
    const [account] = inventory.accounts;
    expect(account?.iam).toBeUndefined();
    expect(account?.collectionErrors).toEqual([
      expect.objectContaining({
        section: 'iam',
        code: 'Throttling',
        message: expect.stringContaining('Request limit exceeded'),
      }),
    ]);
  });
});
