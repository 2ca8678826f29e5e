import { IAMClient, ListAccountAliasesCommand } from '@aws-sdk/client-iam';
import {
  AccessDeniedException,
  DescribeOrganizationCommand,
  ListRootsCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { collectLive } from '../../../src/collect/index.ts';
import { OrganizationReader } from '../../../src/collect/organization.ts';
import { organization } from '../../../src/collect/sections/organization.ts';
import { fastClients } from '../../support/aws-faults.ts';
import { collectContext } from '../../support/sections.ts';

const MANAGEMENT = '999988887777';
const MEMBER = '111122223333';
const OTHER = '444455556666';
const ORGANIZATION = { Id: 'o-a1b2c3d4e5', MasterAccountId: MANAGEMENT, FeatureSet: 'ALL' as const };
// SCPs not enabled at the root: the section is complete without a path, so one call each is enough.
const ROOTS = { Roots: [{ Id: 'r-ab12', Name: 'Root', PolicyTypes: [] }] };
const UNENFORCED = {
  membership: 'member',
  organizationId: 'o-a1b2c3d4e5',
  managementAccountId: MANAGEMENT,
  scpsEnabled: false,
  scpPath: [],
};

describe('the organization section', () => {
  let organizations: ReturnType<typeof mockClient>;
  let sts: ReturnType<typeof mockClient>;
  let iam: ReturnType<typeof mockClient>;

  beforeAll(() => {
    organizations = mockClient(OrganizationsClient);
    sts = mockClient(STSClient);
    iam = mockClient(IAMClient);
  });

  afterAll(() => {
    organizations.restore();
    sts.restore();
    iam.restore();
  });

  beforeEach(() => {
    organizations.reset();
    sts.reset();
    iam.reset();
    organizations.on(DescribeOrganizationCommand).resolves({ Organization: ORGANIZATION });
    organizations.on(ListRootsCommand).resolves(ROOTS);
    iam.on(ListAccountAliasesCommand).resolves({ AccountAliases: [] });
  });

  const member = (accountId: string) =>
    sts
      .on(GetCallerIdentityCommand)
      .resolves({ Account: accountId, Arn: `arn:aws:iam::${accountId}:role/scanner`, UserId: 'AROA1' });

  it('reads the SCPs of the account it is collected for, from the reader it is given', async () => {
    // Prepare
    const reader = new OrganizationReader(new OrganizationsClient({ region: 'us-east-1' }));
    const context = { ...collectContext<'organizations', 'account'>(reader), accountId: OTHER };

    // Act
    const section = await organization.collect(context);

    // Assess
    expect(section).toEqual(UNENFORCED);
  });

  it('is read in a scan with the clients of the account when no reader is shared, and says so', async () => {
    // Prepare
    member(MEMBER);
    const clients = fastClients();
    const progress: string[] = [];

    // Act
    const { inventory } = await collectLive({
      clients,
      regions: ['eu-west-1'],
      homeRegion: 'eu-west-1',
      needs: new Set(['organization']),
      onProgress: (message) => progress.push(message),
    });

    // Assess
    expect(inventory.accounts[0]?.organization).toEqual(UNENFORCED);
    expect(progress).toContain('service control policies read');
    const own = clients.organizations('eu-west-1');
    expect(organizations.calls().map((call) => call.thisValue === own)).toEqual([true, true]);
  });

  it('is read once with the scan’s own credentials for every account that shares the reader, none through their roles', async () => {
    // Prepare
    const scanClients = fastClients();
    const reader = new OrganizationReader(scanClients.organizations('us-east-1'));
    const memberClients = [fastClients(), fastClients()];

    // Act
    const accounts = [];
    for (const [index, accountId] of [MEMBER, OTHER].entries()) {
      member(accountId);
      const { inventory } = await collectLive({
        clients: memberClients[index] as ReturnType<typeof fastClients>,
        regions: ['eu-west-1'],
        homeRegion: 'eu-west-1',
        needs: new Set(['organization']),
        organization: reader,
      });
      accounts.push(inventory.accounts[0]);
    }

    // Assess
    expect(accounts.map((account) => account?.organization)).toEqual([UNENFORCED, UNENFORCED]);
    const own = scanClients.organizations('us-east-1');
    expect(organizations.commandCalls(DescribeOrganizationCommand)).toHaveLength(1);
    expect(organizations.commandCalls(ListRootsCommand)).toHaveLength(1);
    expect(organizations.calls().every((call) => call.thisValue === own)).toBe(true);
  });

  it('records a refused read as the section’s collection error, not as an account of no Organization', async () => {
    // Prepare
    member(MEMBER);
    organizations
      .on(DescribeOrganizationCommand)
      .rejects(new AccessDeniedException({ message: 'not the management account', $metadata: {} }));

    // Act
    const { inventory } = await collectLive({
      clients: fastClients(),
      regions: ['eu-west-1'],
      homeRegion: 'eu-west-1',
      needs: new Set(['organization']),
    });

    // Assess
    const [account] = inventory.accounts;
    expect(account?.organization).toBeUndefined();
    expect(account?.collectionErrors).toEqual([
      { section: 'organization', code: 'AccessDeniedException', message: 'not the management account' },
    ]);
  });

  it.each([
    ['no Organization', { membership: 'none' }],
    ['SCPs not enabled', UNENFORCED],
    [
      'a path from the root',
      {
        ...UNENFORCED,
        scpsEnabled: true,
        scpPath: [
          {
            type: 'ROOT',
            id: 'r-ab12',
            policies: [{ id: 'p-FullAWSAccess', name: 'FullAWSAccess', awsManaged: true, content: {} }],
          },
        ],
      },
    ],
  ])('accepts in a snapshot file an account of %s', (_, value) => {
    // Act
    const parsed = organization.schema.safeParse(value);

    // Assess
    expect(parsed.success).toBe(true);
  });

  it.each([
    [
      'a policy id that is not one',
      {
        ...UNENFORCED,
        scpPath: [{ type: 'ROOT', id: 'r-ab12', policies: [{ id: 'x', name: 'n', content: '{}' }] }],
      },
      'expected a policy id such as p-FullAWSAccess or p-abcd1234',
    ],
    [
      'a management account id of 11 digits',
      { ...UNENFORCED, managementAccountId: '99998888777' },
      'expected a 12-digit account id',
    ],
  ])('refuses in a snapshot file %s, saying what it expected', (_, value, message) => {
    // Act
    const parsed = organization.schema.safeParse(value);

    // Assess
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((issue) => issue.message)).toContain(message);
  });
});
