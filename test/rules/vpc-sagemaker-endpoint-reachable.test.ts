import type { IpPermission, SecurityGroup } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import type { IamAuthorizationDetails, Plain, RegionInventory } from '../../src/model/inventory.ts';
import { resultId } from '../../src/model/result.ts';
import { rule } from '../../src/rules/vpc-sagemaker-endpoint-reachable.ts';
import {
  ACCOUNT_ID,
  domain,
  endpoint,
  inventory,
  notebook,
  region,
  runRule,
  serviceName,
  subnet,
  vpc,
} from '../support/inventory.ts';

const REGION = 'eu-west-1';
const VPC_ID = 'vpc-0123456789abcdef0';
const API = serviceName(REGION, 'sagemaker.api');
const RUNTIME = serviceName(REGION, 'sagemaker.runtime');
const NOTEBOOK = `aws.sagemaker.${REGION}.notebook`;
const STUDIO = `aws.sagemaker.${REGION}.studio`;
const SG = 'sg-0endpoint';
const TWO_ZONES = [
  subnet('subnet-a', VPC_ID, { AvailabilityZone: 'eu-west-1a' }),
  subnet('subnet-b', VPC_ID, { AvailabilityZone: 'eu-west-1b' }),
  subnet('subnet-a2', VPC_ID, { AvailabilityZone: 'eu-west-1a' }),
];

const https = (extra: Partial<Plain<IpPermission>>): Plain<IpPermission> => ({
  IpProtocol: 'tcp',
  FromPort: 443,
  ToPort: 443,
  ...extra,
});
const fromCidrs = (...cidrs: string[]) => https({ IpRanges: cidrs.map((CidrIp) => ({ CidrIp })) });
const group = (GroupId: string, ...IpPermissions: Plain<IpPermission>[]): Plain<SecurityGroup> => ({
  GroupId,
  VpcId: VPC_ID,
  OwnerId: ACCOUNT_ID,
  IpPermissions,
});

/** One api endpoint in VPC_ID (10.0.0.0/16) with `groups`, in `subnetIds`, and whatever else `parts` adds. */
function world(
  options: {
    groups?: Plain<SecurityGroup>[];
    endpointGroups?: string[];
    subnetIds?: string[];
    vpcExtra?: Parameters<typeof vpc>[1];
    service?: string;
    policy?: string;
    parts?: Parameters<typeof region>[1];
  } = {},
): ReturnType<typeof inventory> {
  const regionInventory: RegionInventory = {
    ...region(REGION, {
      vpcs: [vpc(VPC_ID, options.vpcExtra)],
      endpoints: [
        endpoint('vpce-a', VPC_ID, options.service ?? API, {
          Groups: (options.endpointGroups ?? [SG]).map((GroupId) => ({ GroupId, GroupName: GroupId })),
          SubnetIds: options.subnetIds ?? ['subnet-a', 'subnet-b'],
          ...(options.policy === undefined ? {} : { PolicyDocument: options.policy }),
        }),
      ],
      subnets: TWO_ZONES,
      notebooks: [],
      domains: [],
      ...options.parts,
    }),
    securityGroups: options.groups ?? [group(SG, fromCidrs('10.0.0.0/16'))],
  };
  return inventory([regionInventory], { account: { iam: IAM } });
}

const IAM: IamAuthorizationDetails = {
  UserDetailList: [],
  GroupDetailList: [],
  RoleDetailList: [
    {
      RoleName: 'DataScientist',
      Arn: `arn:aws:iam::${ACCOUNT_ID}:role/DataScientist`,
      Path: '/',
    },
  ],
  Policies: [],
};
const POLICY_ACTIONS =
  'sagemaker:CreatePresignedNotebookInstanceUrl, sagemaker:CreatePresignedDomainUrl, sagemaker:CreateApp';
const allowAll = { Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' };
const endpointPolicy = (...Statement: Record<string, unknown>[]) => JSON.stringify({ Statement });
const denyDomainUrl = endpointPolicy(allowAll, {
  Sid: 'NoStudio',
  Effect: 'Deny',
  Principal: '*',
  Action: 'sagemaker:CreatePresignedDomainUrl',
  Resource: '*',
});

describe('vpc-sagemaker-endpoint-reachable', () => {
  it('passes an endpoint that lets HTTPS in from the VPC and spans two zones, with the evidence', () => {
    // Act
    const { results } = runRule(rule, world());

    // Assess
    expect(results).toEqual([
      expect.objectContaining({
        status: 'PASS',
        ruleId: 'vpc-sagemaker-endpoint-reachable',
        severity: 'medium',
        resourceType: 'AWS::EC2::VPCEndpoint',
        resourceId: 'vpce-a',
        resourceArn: `arn:aws:ec2:${REGION}:${ACCOUNT_ID}:vpc-endpoint/vpce-a`,
        id: resultId('vpc-sagemaker-endpoint-reachable', ACCOUNT_ID, REGION, 'vpce-a'),
        message: `Endpoint vpce-a (${API}) in VPC ${VPC_ID} accepts HTTPS from every CIDR block of the VPC and spans 2 Availability Zones (eu-west-1a, eu-west-1b). Its endpoint policy allows ${POLICY_ACTIONS} for every principal of the account.`,
        evidence: {
          vpcEndpointId: 'vpce-a',
          vpcId: VPC_ID,
          serviceName: API,
          securityGroupIds: [SG],
          vpcCidrBlocks: ['10.0.0.0/16'],
          clientSecurityGroups: {},
          subnetIds: ['subnet-a', 'subnet-b'],
          endpointPolicy: {
            status: 'PASS',
            judged: true,
            document: 'none attached: the default full-access policy',
            actions: POLICY_ACTIONS.split(', '),
            principalsJudged: 'every principal of the account',
          },
          availabilityZones: ['eu-west-1a', 'eu-west-1b'],
          uncoveredCidrBlocks: [],
          clientsWithoutAccess: [],
        },
      }),
    ]);
  });

  it.each([
    { case: 'a rule for exactly 443', permissions: [fromCidrs('10.0.0.0/16')] },
    { case: 'a wider CIDR', permissions: [fromCidrs('10.0.0.0/8')] },
    { case: 'two halves in two rules', permissions: [fromCidrs('10.0.0.0/17'), fromCidrs('10.0.128.0/17')] },
    {
      case: 'a port range holding 443',
      permissions: [https({ FromPort: 0, ToPort: 65535, IpRanges: [{ CidrIp: '10.0.0.0/16' }] })],
    },
    { case: 'all traffic (-1)', permissions: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '10.0.0.0/16' }] }] },
    {
      case: 'protocol number 6',
      permissions: [https({ IpProtocol: '6', IpRanges: [{ CidrIp: '10.0.0.0/16' }] })],
    },
  ])('passes with $case', ({ permissions }) => {
    // Act
    const { results } = runRule(rule, world({ groups: [group(SG, ...permissions)] }));

    // Assess
    expect(results.map((result) => result.status)).toEqual(['PASS']);
  });

  it('passes when a second security group of the endpoint holds the rule', () => {
    // Act
    const { results } = runRule(
      rule,
      world({
        endpointGroups: ['sg-empty', SG],
        groups: [group('sg-empty'), group(SG, fromCidrs('10.0.0.0/16'))],
      }),
    );

    // Assess
    expect(results.map((result) => result.status)).toEqual(['PASS']);
  });

  it('checks every CIDR block of the VPC, IPv6 included, and passes when all are allowed', () => {
    // Prepare
    const vpcExtra = {
      CidrBlockAssociationSet: [
        { CidrBlock: '10.0.0.0/16', CidrBlockState: { State: 'associated' as const } },
        { CidrBlock: '10.1.0.0/16', CidrBlockState: { State: 'associated' as const } },
        { CidrBlock: '10.9.0.0/16', CidrBlockState: { State: 'disassociated' as const } },
      ],
      Ipv6CidrBlockAssociationSet: [
        { Ipv6CidrBlock: '2001:db8:1234:1a00::/56', Ipv6CidrBlockState: { State: 'associated' as const } },
      ],
    };
    const permission = https({
      IpRanges: [{ CidrIp: '10.0.0.0/16' }, { CidrIp: '10.1.0.0/16' }],
      Ipv6Ranges: [{ CidrIpv6: '2001:db8:1234:1a00::/56' }],
    });

    // Act
    const { results } = runRule(rule, world({ vpcExtra, groups: [group(SG, permission)] }));

    // Assess
    expect(results[0]).toMatchObject({
      status: 'PASS',
      evidence: { vpcCidrBlocks: ['10.0.0.0/16', '10.1.0.0/16', '2001:db8:1234:1a00::/56'] },
    });
  });

  it('fails when the IPv6 block of the VPC is not allowed, and gives the command for it', () => {
    // Prepare
    const vpcExtra = {
      Ipv6CidrBlockAssociationSet: [
        { Ipv6CidrBlock: '2001:db8:1234:1a00::/56', Ipv6CidrBlockState: { State: 'associated' as const } },
      ],
    };

    // Act
    const { results } = runRule(rule, world({ vpcExtra }));

    // Assess
    expect(results[0]).toMatchObject({
      status: 'FAIL',
      message: `Endpoint vpce-a (${API}) in VPC ${VPC_ID} cannot carry all its traffic: its security groups ${SG} allow no inbound TCP 443 from 2001:db8:1234:1a00::/56.`,
      remediation: `Let HTTPS in from the VPC: aws ec2 authorize-security-group-ingress --region ${REGION} --group-id ${SG} --ip-permissions 'IpProtocol=tcp,FromPort=443,ToPort=443,Ipv6Ranges=[{CidrIpv6=2001:db8:1234:1a00::/56}]'`,
      evidence: { uncoveredCidrBlocks: ['2001:db8:1234:1a00::/56'] },
    });
  });

  it.each([
    { case: 'no inbound rule', permissions: [] },
    {
      case: 'another port',
      permissions: [https({ FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: '10.0.0.0/16' }] })],
    },
    { case: 'UDP 443', permissions: [https({ IpProtocol: 'udp', IpRanges: [{ CidrIp: '10.0.0.0/16' }] })] },
    {
      case: 'TCP without ports',
      permissions: [{ IpProtocol: 'tcp', IpRanges: [{ CidrIp: '10.0.0.0/16' }] }],
    },
    { case: 'only part of the VPC', permissions: [fromCidrs('10.0.0.0/17')] },
    { case: 'a CIDR outside the VPC', permissions: [fromCidrs('192.168.0.0/16')] },
    { case: 'an unreadable CIDR', permissions: [fromCidrs('10.0.0.0/99')] },
  ])('fails with $case and names the rule to add', ({ permissions }) => {
    // Act
    const { results } = runRule(rule, world({ groups: [group(SG, ...permissions)] }));

    // Assess
    expect(results[0]).toMatchObject({
      status: 'FAIL',
      message: `Endpoint vpce-a (${API}) in VPC ${VPC_ID} cannot carry all its traffic: its security groups ${SG} allow no inbound TCP 443 from 10.0.0.0/16.`,
      remediation: `Let HTTPS in from the VPC: aws ec2 authorize-security-group-ingress --region ${REGION} --group-id ${SG} --ip-permissions 'IpProtocol=tcp,FromPort=443,ToPort=443,IpRanges=[{CidrIp=10.0.0.0/16}]'`,
      evidence: { uncoveredCidrBlocks: ['10.0.0.0/16'] },
    });
  });

  it('does not count a rule from a managed prefix list, and says so in the FAIL', () => {
    // Prepare
    const fromPrefixList = https({
      PrefixListIds: [{ PrefixListId: 'pl-0vpc' }, { PrefixListId: 'pl-0corp' }],
    });

    // Act
    const { results } = runRule(rule, world({ groups: [group(SG, fromPrefixList)] }));

    // Assess
    expect(results[0]).toMatchObject({
      status: 'FAIL',
      message: `Endpoint vpce-a (${API}) in VPC ${VPC_ID} cannot carry all its traffic: its security groups ${SG} allow no inbound TCP 443 from 10.0.0.0/16 (the TCP 443 rules from managed prefix lists pl-0corp, pl-0vpc are not counted: the scanner does not read prefix-list entries, so it cannot tell which CIDRs they hold).`,
      evidence: { uncoveredCidrBlocks: ['10.0.0.0/16'], prefixListsNotCounted: ['pl-0corp', 'pl-0vpc'] },
    });
  });

  it('passes on the VPC CIDR rule beside a prefix-list rule, naming the list in the evidence', () => {
    // Prepare
    const fromPrefixList = https({ PrefixListIds: [{ PrefixListId: 'pl-0vpc' }] });

    // Act
    const { results } = runRule(
      rule,
      world({ groups: [group(SG, fromPrefixList, fromCidrs('10.0.0.0/16'))] }),
    );

    // Assess
    expect(results[0]).toMatchObject({ status: 'PASS', evidence: { prefixListsNotCounted: ['pl-0vpc'] } });
  });

  it('names a single uncounted prefix list in the singular', () => {
    // Act
    const { results } = runRule(
      rule,
      world({ groups: [group(SG, https({ PrefixListIds: [{ PrefixListId: 'pl-0vpc' }] }))] }),
    );

    // Assess
    expect(results[0]?.message).toContain(
      '(the TCP 443 rule from managed prefix list pl-0vpc is not counted: the scanner does not read prefix-list entries',
    );
  });

  describe('with notebooks and Studio domains in the VPC', () => {
    const clients = {
      notebooks: [notebook('nb-1', 'subnet-a', { SecurityGroups: ['sg-nb'] })],
      domains: [
        domain('d-1', 'team', VPC_ID, ['subnet-b'], {
          DomainSettings: { SecurityGroupIds: ['sg-studio'] },
          DefaultUserSettings: { SecurityGroups: ['sg-user'] },
        }),
      ],
    };
    const fromGroups = (...ids: string[]) => https({ UserIdGroupPairs: ids.map((GroupId) => ({ GroupId })) });

    it.each([
      { case: 'the notebook and domain groups', ids: ['sg-nb', 'sg-studio'] },
      { case: 'the notebook and user-profile groups', ids: ['sg-nb', 'sg-user'] },
    ])('passes when the endpoint lets HTTPS in from $case', ({ ids }) => {
      // Act
      const { results } = runRule(rule, world({ parts: clients, groups: [group(SG, fromGroups(...ids))] }));

      // Assess
      expect(results[0]).toMatchObject({
        status: 'PASS',
        message: expect.stringContaining(
          'accepts HTTPS from the security groups of its notebooks and Studio domains',
        ),
        evidence: {
          clientSecurityGroups: {
            'notebook nb-1': ['sg-nb'],
            'Studio domain team (d-1)': ['sg-studio', 'sg-user'],
          },
          clientsWithoutAccess: [],
        },
      });
    });

    it('fails when a client group is missing, naming the client left out', () => {
      // Act
      const { results } = runRule(rule, world({ parts: clients, groups: [group(SG, fromGroups('sg-nb'))] }));

      // Assess
      expect(results[0]).toMatchObject({
        status: 'FAIL',
        message: `Endpoint vpce-a (${API}) in VPC ${VPC_ID} cannot carry all its traffic: its security groups ${SG} allow no inbound TCP 443 from 10.0.0.0/16, nor from the security groups of Studio domain team (d-1).`,
        evidence: { clientsWithoutAccess: ['Studio domain team (d-1)'] },
      });
    });

    it('does not count a notebook of another VPC', () => {
      // Prepare
      const parts = {
        notebooks: [notebook('nb-x', 'subnet-x', { SecurityGroups: ['sg-nb'] })],
        subnets: [...TWO_ZONES, subnet('subnet-x', 'vpc-other')],
      };

      // Act
      const { results } = runRule(rule, world({ parts, groups: [group(SG, fromGroups('sg-nb'))] }));

      // Assess
      expect(results[0]).toMatchObject({ status: 'FAIL', evidence: { clientSecurityGroups: {} } });
    });
  });

  it.each([
    {
      case: 'one subnet',
      subnetIds: ['subnet-a'],
      problem: 'its subnets are all in one Availability Zone (eu-west-1a)',
    },
    {
      case: 'two subnets in one zone',
      subnetIds: ['subnet-a', 'subnet-a2'],
      problem: 'its subnets are all in one Availability Zone (eu-west-1a)',
    },
    { case: 'no subnet', subnetIds: [], problem: 'it has no subnet, so no Availability Zone' },
  ])('fails an endpoint with $case and gives the command to add a zone', ({ subnetIds, problem }) => {
    // Act
    const { results } = runRule(rule, world({ subnetIds }));

    // Assess
    expect(results[0]).toMatchObject({
      status: 'FAIL',
      message: `Endpoint vpce-a (${API}) in VPC ${VPC_ID} cannot carry all its traffic: ${problem}.`,
      remediation: `Add a subnet of ${VPC_ID} in another Availability Zone: aws ec2 modify-vpc-endpoint --region ${REGION} --vpc-endpoint-id vpce-a --add-subnet-ids <subnet-id>`,
    });
  });

  it('names both problems and both fixes when the endpoint has both', () => {
    // Act
    const { results } = runRule(rule, world({ subnetIds: ['subnet-a'], groups: [group(SG)] }));

    // Assess
    expect(results[0]?.status).toBe('FAIL');
    expect(results[0]?.message).toContain(
      'allow no inbound TCP 443 from 10.0.0.0/16; its subnets are all in one',
    );
    expect(results[0]?.remediation?.split(' ; ').map((fix) => fix.split(' --')[0])).toEqual([
      'Let HTTPS in from the VPC: aws ec2 authorize-security-group-ingress',
      `Add a subnet of ${VPC_ID} in another Availability Zone: aws ec2 modify-vpc-endpoint`,
    ]);
  });

  it.each([
    { case: 'a security group not read', groups: [], unread: `security group ${SG}` },
    {
      case: 'an endpoint listing no security group',
      endpointGroups: [],
      unread: 'its security groups (DescribeVpcEndpoints lists none)',
    },
    {
      case: 'a subnet not read',
      subnetIds: ['subnet-a', 'subnet-gone'],
      unread: 'the Availability Zone of subnet subnet-gone',
    },
    {
      case: 'a VPC without CIDR blocks',
      vpcExtra: { CidrBlock: undefined },
      unread: `the CIDR blocks of VPC ${VPC_ID}`,
    },
  ])('gives ERROR for $case', ({ unread, ...options }) => {
    // Act
    const { results } = runRule(rule, world(options));

    // Assess
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({
      status: 'ERROR',
      message: `Could not judge Endpoint vpce-a (${API}) in VPC ${VPC_ID}: ${unread} not read.`,
    });
  });

  it('gives a region ERROR when the security groups section could not be read', () => {
    // Prepare
    const snapshot = world();
    const regionInventory = snapshot.accounts[0]?.regions[0] as RegionInventory;
    delete regionInventory.securityGroups;
    regionInventory.collectionErrors = [
      {
        section: 'securityGroups',
        code: 'AccessDenied',
        message: 'not authorized to DescribeSecurityGroups',
      },
    ];

    // Act
    const { results } = runRule(rule, snapshot);

    // Assess
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({
      status: 'ERROR',
      resourceType: 'AWS::EC2::Region',
      message: expect.stringContaining('AccessDenied'),
      evidence: { missingSections: ['securityGroups'] },
    });
  });

  it.each([
    { case: 'runtime', service: RUNTIME },
    { case: 'FIPS api', service: serviceName(REGION, 'sagemaker.api-fips') },
    { case: 'notebook', service: NOTEBOOK },
    { case: 'Studio', service: STUDIO },
  ])('judges a $case endpoint', ({ service }) => {
    // Act
    const { results } = runRule(rule, world({ service, groups: [group(SG)] }));

    // Assess
    expect(results.map((result) => [result.resourceId, result.status])).toEqual([['vpce-a', 'FAIL']]);
  });

  it.each([
    { case: 'an STS endpoint', service: `com.amazonaws.${REGION}.sts` },
    { case: 'a featurestore endpoint', service: serviceName(REGION, 'sagemaker.featurestore-runtime') },
  ])('gives no result for $case', ({ service }) => {
    // Act
    const { results } = runRule(rule, world({ service, groups: [group(SG)] }));

    // Assess
    expect(results).toEqual([]);
  });

  it('gives no result for a deleted endpoint or a shared VPC, which is judged in its owner account', () => {
    // Prepare
    const deleted = world({ groups: [] });
    const deletedRegion = deleted.accounts[0]?.regions[0] as RegionInventory;
    deletedRegion.vpcEndpoints = [endpoint('vpce-a', VPC_ID, API, { State: 'deleted' })];
    const shared = world({ groups: [], vpcExtra: { OwnerId: '444455556666' } });

    // Act
    const deletedResults = runRule(rule, deleted).results;
    const sharedOutput = runRule(rule, shared);

    // Assess
    expect(deletedResults).toEqual([]);
    expect(sharedOutput.results).toEqual([]);
    expect(sharedOutput.skipped).toEqual([expect.objectContaining({ resourceId: VPC_ID })]);
  });
  describe('the endpoint policy', () => {
    const fix = `aws ec2 modify-vpc-endpoint --region ${REGION} --vpc-endpoint-id vpce-a --policy-document file://endpoint-policy.json (or --reset-policy for the default full-access policy)`;

    it('fails an api endpoint whose policy denies CreatePresignedDomainUrl, naming statement, action and fix', () => {
      // Act
      const { results } = runRule(rule, world({ policy: denyDomainUrl }));

      // Assess
      expect(results[0]).toMatchObject({
        status: 'FAIL',
        message: `Endpoint vpce-a (${API}) in VPC ${VPC_ID} cannot carry all its traffic: its endpoint policy refuses sagemaker:CreatePresignedDomainUrl for any principal of the account (statement 1 (Sid NoStudio) denies it).`,
        remediation: `Let the account’s principals through the endpoint: write a policy that allows ${POLICY_ACTIONS} for them on the account’s resources to endpoint-policy.json, then ${fix}`,
        evidence: {
          endpointPolicy: {
            status: 'FAIL',
            document: 'attached',
            refused: {
              'sagemaker:CreatePresignedDomainUrl': [
                {
                  principal: 'any principal of the account',
                  statementIndex: 1,
                  sid: 'NoStudio',
                  reason: 'statement 1 (Sid NoStudio) denies it',
                },
              ],
            },
          },
        },
      });
    });

    it('passes an api endpoint whose policy is the default full-access one as EC2 returns it', () => {
      // Act
      const { results } = runRule(rule, world({ policy: endpointPolicy(allowAll) }));

      // Assess
      expect(results[0]).toMatchObject({
        status: 'PASS',
        evidence: { endpointPolicy: { document: 'attached' } },
      });
    });

    it('gives ERROR when only the policy is in doubt, and says the rest passes', () => {
      // Act
      const { results } = runRule(rule, world({ policy: '{"Statement": [' }));

      // Assess
      expect(results[0]).toMatchObject({
        status: 'ERROR',
        message: expect.stringMatching(
          new RegExp(
            `^Could not judge Endpoint vpce-a \\(${API.replaceAll('.', '\\.')}\\) in VPC ${VPC_ID}: its endpoint policy cannot be read: the policy document does not parse as JSON .*\\. Its security groups and Availability Zones pass\\.$`,
          ),
        ),
        remediation: `Fix or replace the endpoint policy (see evidence), then scan again: Let the account’s principals through the endpoint: write a policy that allows ${POLICY_ACTIONS} for them on the account’s resources to endpoint-policy.json, then ${fix}.`,
      });
    });

    it('fails on the security groups and says, once, that the policy cannot be read beside it', () => {
      // Act
      const { results } = runRule(rule, world({ policy: '{"Statement": [', groups: [group(SG)] }));

      // Assess
      expect(results[0]?.status).toBe('FAIL');
      expect(results[0]?.message).toMatch(
        /allow no inbound TCP 443 from 10\.0\.0\.0\/16\. Its endpoint policy cannot be read: the policy document does not parse as JSON [^:]*\.$/,
      );
      expect(results[0]?.remediation).toBe(
        `Let HTTPS in from the VPC: aws ec2 authorize-security-group-ingress --region ${REGION} --group-id ${SG} --ip-permissions 'IpProtocol=tcp,FromPort=443,ToPort=443,IpRanges=[{CidrIp=10.0.0.0/16}]' ; Fix or replace the endpoint policy (see evidence), then scan again: Let the account’s principals through the endpoint: write a policy that allows ${POLICY_ACTIONS} for them on the account’s resources to endpoint-policy.json, then ${fix}`,
      );
    });

    describe('naming principals, when the account’s users and roles were not read', () => {
      const namesRole = endpointPolicy({
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${ACCOUNT_ID}:role/DataScientist` },
        Action: '*',
        Resource: '*',
      });
      const reason = `its endpoint policy is not known to allow ${POLICY_ACTIONS} for any principal of the account (statement 0 may allow it, not surely: its Principal: it names arn:aws:iam::${ACCOUNT_ID}:role/DataScientist, and the request is judged for any principal), and the account's users and roles, to judge it for each, were not read (AccessDenied: not authorized to GetAccountAuthorizationDetails)`;
      const iamFix =
        'Grant the scanner iam:GetAccountAuthorizationDetails (see `sagemaker-compliance-scanner rules`) and scan again';

      function withoutIam(options: Parameters<typeof world>[0]): ReturnType<typeof world> {
        const judged = world(options);
        const account = judged.accounts[0] as NonNullable<(typeof judged.accounts)[0]>;
        delete account.iam;
        account.collectionErrors = [
          {
            section: 'iam',
            code: 'AccessDenied',
            message: 'not authorized to GetAccountAuthorizationDetails',
          },
        ];
        return judged;
      }

      it('gives ERROR saying why once for the three actions, and asks for the IAM read, not a new policy', () => {
        // Act
        const { results } = runRule(rule, withoutIam({ policy: namesRole }));

        // Assess
        expect(results[0]).toMatchObject({
          status: 'ERROR',
          message: `Could not judge Endpoint vpce-a (${API}) in VPC ${VPC_ID}: ${reason}. Its security groups and Availability Zones pass.`,
          remediation: `${iamFix}.`,
          evidence: {
            endpointPolicy: {
              status: 'ERROR',
              judged: true,
              document: 'attached',
              actions: POLICY_ACTIONS.split(', '),
              missingSection: 'iam',
              collectionError: {
                section: 'iam',
                code: 'AccessDenied',
                message: 'not authorized to GetAccountAuthorizationDetails',
              },
            },
          },
        });
      });

      it('fails on the security groups, says why the policy is not judged as a sentence of its own, and asks for the IAM read too', () => {
        // Act
        const { results } = runRule(rule, withoutIam({ policy: namesRole, groups: [group(SG)] }));

        // Assess
        expect(results[0]).toMatchObject({
          status: 'FAIL',
          message: `Endpoint vpce-a (${API}) in VPC ${VPC_ID} cannot carry all its traffic: its security groups ${SG} allow no inbound TCP 443 from 10.0.0.0/16. I${reason.slice(1)}.`,
          remediation: `Let HTTPS in from the VPC: aws ec2 authorize-security-group-ingress --region ${REGION} --group-id ${SG} --ip-permissions 'IpProtocol=tcp,FromPort=443,ToPort=443,IpRanges=[{CidrIp=10.0.0.0/16}]' ; ${iamFix}`,
        });
      });
    });

    it.each([
      { case: 'runtime', service: RUNTIME },
      { case: 'notebook', service: NOTEBOOK },
      { case: 'Studio', service: STUDIO },
    ])('does not judge the policy of a $case endpoint and does not claim it passes', ({ service }) => {
      // Act
      const { results } = runRule(rule, world({ service, policy: denyDomainUrl }));

      // Assess
      expect(results[0]).toMatchObject({
        status: 'PASS',
        message: expect.stringMatching(
          /Its endpoint policy is not required to allow anything here and is not judged\.$/,
        ),
        evidence: { endpointPolicy: expect.stringMatching(/^not required: /) },
      });
    });
  });
});
