import {
  AccessDeniedException,
  AWSOrganizationsNotInUseException,
  DescribeOrganizationCommand,
  DescribePolicyCommand,
  ListAccountsCommand,
  ListAccountsForParentCommand,
  ListChildrenCommand,
  ListParentsCommand,
  ListPoliciesForTargetCommand,
  ListRootsCommand,
  OrganizationsClient,
  ParentNotFoundException,
} from '@aws-sdk/client-organizations';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OrganizationReader } from '../../src/collect/organization.ts';

const MANAGEMENT = '999988887777';
const ROOT = 'r-ab12';
const OU = 'ou-ab12-cd34ef56';
const CHILD_OU = 'ou-ab12-99998888';
const MEMBER = '111122223333';
const OTHER = '444455556666';
const FULL = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}';
const DENY = '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"sagemaker:*","Resource":"*"}]}';

const summary = (Id: string, Name: string, AwsManaged = false) => ({
  Id,
  Name,
  Arn: `arn:aws:organizations::${MANAGEMENT}:policy/o-a1b2c3d4e5/service_control_policy/${Id}`,
  Type: 'SERVICE_CONTROL_POLICY' as const,
  AwsManaged,
});

describe('OrganizationReader', () => {
  let organizations: ReturnType<typeof mockClient>;

  beforeAll(() => {
    organizations = mockClient(OrganizationsClient);
  });

  afterAll(() => organizations.restore());

  beforeEach(() => {
    organizations.reset();
    organizations
      .on(DescribeOrganizationCommand)
      .resolves({ Organization: { Id: 'o-a1b2c3d4e5', MasterAccountId: MANAGEMENT, FeatureSet: 'ALL' } });
    organizations.on(ListRootsCommand).resolves({
      Roots: [
        { Id: ROOT, Name: 'Root', PolicyTypes: [{ Type: 'SERVICE_CONTROL_POLICY', Status: 'ENABLED' }] },
      ],
    });
    organizations
      .on(ListParentsCommand, { ChildId: MEMBER })
      .resolves({ Parents: [{ Id: CHILD_OU, Type: 'ORGANIZATIONAL_UNIT' }] });
    organizations
      .on(ListParentsCommand, { ChildId: OTHER })
      .resolves({ Parents: [{ Id: OU, Type: 'ORGANIZATIONAL_UNIT' }] });
    organizations
      .on(ListParentsCommand, { ChildId: CHILD_OU })
      .resolves({ Parents: [{ Id: OU, Type: 'ORGANIZATIONAL_UNIT' }] });
    organizations.on(ListParentsCommand, { ChildId: OU }).resolves({ Parents: [{ Id: ROOT, Type: 'ROOT' }] });
    organizations
      .on(ListPoliciesForTargetCommand)
      .resolves({ Policies: [summary('p-FullAWSAccess', 'FullAWSAccess', true)] });
    // Two pages at the OU: the second holds the deny.
    organizations
      .on(ListPoliciesForTargetCommand, { TargetId: OU, Filter: 'SERVICE_CONTROL_POLICY' })
      .resolves({ Policies: [summary('p-FullAWSAccess', 'FullAWSAccess', true)], NextToken: 'page-2' });
    organizations
      .on(ListPoliciesForTargetCommand, {
        TargetId: OU,
        Filter: 'SERVICE_CONTROL_POLICY',
        NextToken: 'page-2',
      })
      .resolves({ Policies: [summary('p-denysm1234', 'deny-sagemaker')] });
    organizations.on(DescribePolicyCommand, { PolicyId: 'p-FullAWSAccess' }).resolves({
      Policy: { PolicySummary: summary('p-FullAWSAccess', 'FullAWSAccess', true), Content: FULL },
    });
    organizations
      .on(DescribePolicyCommand, { PolicyId: 'p-denysm1234' })
      .resolves({ Policy: { PolicySummary: summary('p-denysm1234', 'deny-sagemaker'), Content: DENY } });
  });

  const reader = () =>
    new OrganizationReader(
      new OrganizationsClient({
        region: 'us-east-1',
        credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      }),
    );

  it('reads the SCPs of each level from the root down to the account, every page of each listing', async () => {
    // Act
    const section = await reader().accountSection(MEMBER);

    // Assess
    expect(section).toEqual({
      membership: 'member',
      organizationId: 'o-a1b2c3d4e5',
      managementAccountId: MANAGEMENT,
      scpsEnabled: true,
      scpPath: [
        {
          type: 'ROOT',
          id: ROOT,
          policies: [expect.objectContaining({ id: 'p-FullAWSAccess', content: FULL, awsManaged: true })],
        },
        {
          type: 'ORGANIZATIONAL_UNIT',
          id: OU,
          policies: [
            expect.objectContaining({ id: 'p-FullAWSAccess' }),
            {
              id: 'p-denysm1234',
              name: 'deny-sagemaker',
              arn: `arn:aws:organizations::${MANAGEMENT}:policy/o-a1b2c3d4e5/service_control_policy/p-denysm1234`,
              awsManaged: false,
              content: DENY,
            },
          ],
        },
        {
          type: 'ORGANIZATIONAL_UNIT',
          id: CHILD_OU,
          policies: [expect.objectContaining({ id: 'p-FullAWSAccess' })],
        },
        { type: 'ACCOUNT', id: MEMBER, policies: [expect.objectContaining({ id: 'p-FullAWSAccess' })] },
      ],
    });
  });

  it('asks once for what two accounts share: the organization, the roots, an OU, each policy', async () => {
    // Prepare
    const shared = reader();

    // Act
    await shared.accountSection(MEMBER);
    await shared.accountSection(OTHER);

    // Assess
    expect(organizations.commandCalls(DescribeOrganizationCommand)).toHaveLength(1);
    expect(organizations.commandCalls(ListRootsCommand)).toHaveLength(1);
    expect(organizations.commandCalls(ListParentsCommand).map((call) => call.args[0].input.ChildId)).toEqual([
      MEMBER,
      CHILD_OU,
      OU,
      OTHER,
    ]);
    expect(
      organizations.commandCalls(DescribePolicyCommand).map((call) => call.args[0].input.PolicyId),
    ).toEqual(['p-FullAWSAccess', 'p-denysm1234']);
  });

  it('reads no path for the management account, to which SCPs do not apply', async () => {
    // Act
    const section = await reader().accountSection(MANAGEMENT);

    // Assess
    expect(section).toEqual({
      membership: 'member',
      organizationId: 'o-a1b2c3d4e5',
      managementAccountId: MANAGEMENT,
      scpsEnabled: true,
      scpPath: [],
    });
    expect(organizations.commandCalls(ListParentsCommand)).toHaveLength(0);
  });

  it.each(['PENDING_ENABLE', 'PENDING_DISABLE'])(
    'counts SCPs as not enabled while their type is %s',
    async (Status) => {
      // Prepare
      organizations.on(ListRootsCommand).resolves({
        Roots: [
          {
            Id: ROOT,
            PolicyTypes: [{ Type: 'SERVICE_CONTROL_POLICY', Status: Status as 'PENDING_ENABLE' }],
          },
        ],
      });

      // Act
      const section = await reader().accountSection(MEMBER);

      // Assess
      expect(section).toMatchObject({ scpsEnabled: false, scpPath: [] });
    },
  );

  it('records an account of no Organization as such', async () => {
    // Prepare
    organizations
      .on(DescribeOrganizationCommand)
      .rejects(new AWSOrganizationsNotInUseException({ message: 'not in use', $metadata: {} }));

    // Act
    const section = await reader().accountSection(MEMBER);

    // Assess
    expect(section).toEqual({ membership: 'none' });
  });

  it('fails on a refused call, so the section becomes a collection error', async () => {
    // Prepare
    organizations
      .on(ListRootsCommand)
      .rejects(new AccessDeniedException({ message: 'not the management account', $metadata: {} }));

    // Act
    const reading = reader().accountSection(MEMBER);

    // Assess
    await expect(reading).rejects.toThrow('not the management account');
  });

  it('fails on a ListParents answer without exactly one parent', async () => {
    // Prepare
    organizations.on(ListParentsCommand, { ChildId: MEMBER }).resolves({ Parents: [] });

    // Act
    const reading = reader().accountSection(MEMBER);

    // Assess
    await expect(reading).rejects.toThrow(
      `ListParents for ${MEMBER} did not return exactly one root or OU ([])`,
    );
  });

  it('lists the ACTIVE accounts of every page of ListAccounts, less the excluded ones', async () => {
    // Prepare
    organizations.on(ListAccountsCommand).resolves({
      Accounts: [
        { Id: MANAGEMENT, State: 'ACTIVE' },
        { Id: '222233334444', State: 'SUSPENDED' },
      ],
      NextToken: 'next',
    });
    organizations.on(ListAccountsCommand, { NextToken: 'next' }).resolves({
      Accounts: [
        { Id: MEMBER, Status: 'ACTIVE' },
        { Id: OTHER, State: 'ACTIVE' },
        { Id: '555566667777', State: 'PENDING_CLOSURE' },
      ],
    });

    // Act
    const accounts = await reader().activeAccounts([], [OTHER], '--ous');

    // Assess
    expect(accounts).toEqual([MEMBER, MANAGEMENT]);
  });

  it('selects the accounts under an OU at any depth with ListAccountsForParent and ListChildren', async () => {
    // Prepare
    organizations
      .on(ListAccountsForParentCommand, { ParentId: OU })
      .resolves({ Accounts: [{ Id: OTHER, State: 'ACTIVE' }] });
    organizations
      .on(ListAccountsForParentCommand, { ParentId: CHILD_OU })
      .resolves({ Accounts: [{ Id: MEMBER, State: 'ACTIVE' }] });
    organizations
      .on(ListChildrenCommand, { ParentId: OU, ChildType: 'ORGANIZATIONAL_UNIT' })
      .resolves({ Children: [{ Id: CHILD_OU, Type: 'ORGANIZATIONAL_UNIT' }] });
    organizations
      .on(ListChildrenCommand, { ParentId: CHILD_OU, ChildType: 'ORGANIZATIONAL_UNIT' })
      .resolves({ Children: [] });

    // Act
    const accounts = await reader().activeAccounts([OU], [], '--ous');

    // Assess
    expect(accounts).toEqual([MEMBER, OTHER]);
    expect(organizations.commandCalls(ListAccountsCommand)).toHaveLength(0);
    expect(organizations.commandCalls(ListParentsCommand)).toHaveLength(0);
  });

  it('names an OU that is not in the Organization, and the input that gave it', async () => {
    // Prepare
    organizations
      .on(ListAccountsForParentCommand)
      .rejects(new ParentNotFoundException({ message: 'no such parent', $metadata: {} }));
    organizations.on(ListChildrenCommand).resolves({ Children: [] });

    // Act
    const listing = reader().activeAccounts(
      ['ou-zz99-zzzzzzzz'],
      [],
      'environment variable ORGANIZATION_OUS',
    );

    // Assess
    await expect(listing).rejects.toThrow(
      'environment variable ORGANIZATION_OUS: ou-zz99-zzzzzzzz is not an OU of the Organization (no such parent)',
    );
  });
});
