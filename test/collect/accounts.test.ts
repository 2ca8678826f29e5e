import { afterEach, describe, expect, it } from 'vitest';
import { type AccountsPlan, collectAccounts } from '../../src/collect/accounts.ts';
import { ApiCallCounter } from '../../src/collect/clients.ts';
import { UserInputError } from '../../src/model/errors.ts';
import { healthy, WIRE_ACCOUNT_ID, WIRE_REGION, wireClients } from '../faults/wire-world.ts';
import {
  type FakeAws,
  fastClientOverrides,
  queryXml,
  STS_XMLNS,
  startFakeAws,
  type WireAnswer,
  type WireCall,
} from '../support/aws-faults.ts';

const OTHER_ACCOUNT = '444455556666';
const assumed = queryXml(
  'AssumeRole',
  STS_XMLNS,
  `<Credentials><AccessKeyId>ASIAEXAMPLE</AccessKeyId><SecretAccessKey>secret</SecretAccessKey><SessionToken>token</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials><AssumedRoleUser><Arn>arn:aws:sts::${WIRE_ACCOUNT_ID}:assumed-role/Scanner/s</Arn><AssumedRoleId>AROAEXAMPLE:s</AssumedRoleId></AssumedRoleUser>`,
);
const denied = `<ErrorResponse xmlns="${STS_XMLNS}"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>not authorized to perform: sts:AssumeRole</Message></Error><RequestId>r</RequestId></ErrorResponse>`;

let aws: FakeAws | undefined;
afterEach(async () => {
  await aws?.close();
  aws = undefined;
});

/** The wire world's account, reached through roles; STS refuses the roles of `refused` accounts. */
async function collectThrough(
  selection: AccountsPlan['selection'],
  refused: string[] = [],
  answer: (call: WireCall) => WireAnswer | undefined = () => undefined,
) {
  aws = await startFakeAws((call: WireCall) => {
    const answered = answer(call);
    if (answered !== undefined) return answered;
    if (call.action !== 'AssumeRole') return healthy(call);
    const account = call.params.get('RoleArn')?.split(':')[4] ?? '';
    return refused.includes(account) ? { status: 403, body: denied } : { body: assumed };
  });
  const endpoint = aws.endpoint;
  const counter = new ApiCallCounter();
  const overrides = { endpoint, ...fastClientOverrides(2) };
  const progress: string[] = [];
  const collection = await collectAccounts({
    clients: wireClients(endpoint, { counter }),
    regions: [WIRE_REGION],
    homeRegion: WIRE_REGION,
    needs: new Set(['iam']),
    onProgress: (message) => progress.push(message),
    plan: {
      selection,
      externalId: 'x-42',
      stsConfig: overrides,
      clientsFor: (credentials) => wireClients(endpoint, { counter, credentials }),
    },
  });
  return { collection, progress, calls: aws.calls };
}

describe('collectAccounts', () => {
  it('assumes the role with the external id and the default session name, then reads the account', async () => {
    // Act
    const { collection, progress, calls } = await collectThrough({
      kind: 'role',
      roleArn: `arn:aws:iam::${WIRE_ACCOUNT_ID}:role/Scanner`,
    });

    // Assess
    const assumeRole = calls.find((call) => call.action === 'AssumeRole');
    expect(Object.fromEntries(assumeRole?.params ?? [])).toMatchObject({
      RoleArn: `arn:aws:iam::${WIRE_ACCOUNT_ID}:role/Scanner`,
      RoleSessionName: 'sagemaker-compliance-scanner',
      ExternalId: 'x-42',
    });
    expect(collection.inventory.accounts.map((account) => account.accountId)).toEqual([WIRE_ACCOUNT_ID]);
    expect(collection.inventory.accounts[0]?.iam?.UserDetailList).toHaveLength(1);
    expect(progress).toEqual([`accounts 1/1 done (${WIRE_ACCOUNT_ID})`]);
  });

  it('records an account whose role STS refuses as unreadable, naming the role and the error, and reads the others', async () => {
    // Act
    const { collection, progress } = await collectThrough(
      { kind: 'accounts', accountIds: [WIRE_ACCOUNT_ID, OTHER_ACCOUNT], roleName: 'Scanner' },
      [OTHER_ACCOUNT],
    );

    // Assess
    expect(collection.inventory.accounts).toEqual([
      expect.objectContaining({ accountId: WIRE_ACCOUNT_ID, iam: expect.any(Object) }),
      {
        accountId: OTHER_ACCOUNT,
        unreadable: {
          roleArn: `arn:aws:iam::${OTHER_ACCOUNT}:role/Scanner`,
          code: 'AccessDenied',
          message: `could not assume role arn:aws:iam::${OTHER_ACCOUNT}:role/Scanner (sts:AssumeRole): not authorized to perform: sts:AssumeRole (HTTP 403)`,
        },
        regions: [],
      },
    ]);
    // The two accounts run in parallel: either may finish first.
    expect(progress.map((line) => line.slice(0, 'accounts 1/2'.length))).toEqual([
      'accounts 1/2',
      'accounts 2/2',
    ]);
    expect(progress.map((line) => line.slice('accounts 1/2 done '.length)).sort()).toEqual([
      `(${WIRE_ACCOUNT_ID})`,
      `(${OTHER_ACCOUNT}: unreadable)`,
    ]);
  });

  it('refuses credentials that answer for another account than the role’s', async () => {
    // Act
    const { collection } = await collectThrough({
      kind: 'role',
      roleArn: `arn:aws:iam::${OTHER_ACCOUNT}:role/Scanner`,
    });

    // Assess
    expect(collection.inventory.accounts[0]?.unreadable).toEqual({
      roleArn: `arn:aws:iam::${OTHER_ACCOUNT}:role/Scanner`,
      code: 'WrongAccount',
      message: `role arn:aws:iam::${OTHER_ACCOUNT}:role/Scanner gave credentials of account ${WIRE_ACCOUNT_ID}, not ${OTHER_ACCOUNT}`,
    });
  });

  it('refuses a --role-arn that is not a role ARN, before any call', async () => {
    // Act
    const collecting = collectThrough({ kind: 'role', roleArn: 'arn:aws:iam::1234:user/x' });

    // Assess
    await expect(collecting).rejects.toThrow('--role-arn arn:aws:iam::1234:user/x: expected a role ARN');
    expect(aws?.calls).toEqual([]);
  });

  it('names --ous when an OU it gives is not in the Organization', async () => {
    // Prepare: Organizations' awsJson1_1 error for a parent it does not have
    const parentNotFound = (call: WireCall): WireAnswer | undefined =>
      call.action === 'ListAccountsForParent' || call.action === 'ListChildren'
        ? {
            status: 400,
            contentType: 'application/x-amz-json-1.1',
            body: JSON.stringify({
              __type: 'ParentNotFoundException',
              Message: "You specified a parent that doesn't exist.",
            }),
          }
        : undefined;

    // Act
    const collecting = collectThrough(
      { kind: 'organization', roleName: 'Scanner', ous: ['ou-zz99-zzzzzzzz'], excludeAccounts: [] },
      [],
      parentNotFound,
    );

    // Assess
    await expect(collecting).rejects.toThrow(
      new UserInputError(
        "--ous: ou-zz99-zzzzzzzz is not an OU of the Organization (You specified a parent that doesn't exist. (HTTP 400))",
      ),
    );
  });
});
