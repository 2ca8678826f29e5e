import type { State, Subnet, Vpc, VpcEndpoint } from '@aws-sdk/client-ec2';
import type { GroupDetail, ManagedPolicyDetail, RoleDetail, UserDetail } from '@aws-sdk/client-iam';
import type { DescribeDomainResponse, DescribeNotebookInstanceOutput } from '@aws-sdk/client-sagemaker';

export const SIZES = {
  small: { vpcs: 10, roles: 50, users: 20, groups: 5, policies: 25 },
  medium: { vpcs: 200, roles: 1_000, users: 400, groups: 40, policies: 560 },
  large: { vpcs: 2_000, roles: 5_000, users: 2_000, groups: 200, policies: 3_000 },
  huge: { vpcs: 10_000, roles: 15_000, users: 6_000, groups: 600, policies: 9_000 },
} as const;
export type SizeName = keyof typeof SIZES;

export const ACCOUNT_ID = '111122223333';
export const REGIONS = ['eu-west-1', 'us-east-1', 'us-west-2', 'ap-southeast-2'];

export interface SyntheticRegion {
  vpcs: Vpc[];
  endpoints: VpcEndpoint[];
  serviceNames: string[];
  /** One notebook instance per 5 VPCs, one Studio domain per 50, as their Describe calls answer. */
  notebooks: DescribeNotebookInstanceOutput[];
  domains: DescribeDomainResponse[];
  /** Every subnet that the endpoints, notebooks and domains use. */
  subnets: Subnet[];
}

export interface SyntheticAccount {
  regions: Record<string, SyntheticRegion>;
  iam: { users: UserDetail[]; groups: GroupDetail[]; roles: RoleDetail[]; policies: ManagedPolicyDetail[] };
}

/** A small deterministic generator, so every run and every commit measures the same account. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

const hex = (n: number, width = 17) => n.toString(16).padStart(width, '0');

function regionOf(region: string, vpcCount: number, next: () => number, offset: number): SyntheticRegion {
  const vpcs: Vpc[] = [];
  const endpoints: VpcEndpoint[] = [];
  for (let i = 0; i < vpcCount; i += 1) {
    const VpcId = `vpc-${hex(offset + i)}`;
    vpcs.push({
      VpcId,
      OwnerId: next() < 0.05 ? '444455556666' : ACCOUNT_ID,
      IsDefault: i === 0,
      CidrBlock: `10.${i % 256}.0.0/16`,
      State: 'available',
      Tags: [{ Key: 'Name', Value: `workload-${i}` }],
    });
    // Realistic mix: most VPCs have both endpoints, some one, some none, a few in a bad state.
    const roll = next();
    const kinds = roll < 0.6 ? ['api', 'runtime'] : roll < 0.75 ? ['api'] : roll < 0.8 ? ['runtime'] : [];
    for (const kind of kinds) {
      endpoints.push({
        VpcEndpointId: `vpce-${hex(offset + i * 2 + (kind === 'api' ? 0 : 1))}`,
        VpcEndpointType: 'Interface',
        VpcId,
        ServiceName: `com.amazonaws.${region}.sagemaker.${kind}`,
        // EC2 answers in lower case, unlike the SDK's enum constants.
        State: (next() < 0.95 ? 'available' : 'pendingAcceptance') as State,
        PrivateDnsEnabled: next() < 0.9,
        SubnetIds: [`subnet-${hex(offset + i)}`],
        Groups: [{ GroupId: `sg-${hex(offset + i)}`, GroupName: 'sagemaker-endpoints' }],
        OwnerId: ACCOUNT_ID,
      });
    }
  }
  const notebooks: DescribeNotebookInstanceOutput[] = [];
  const domains: DescribeDomainResponse[] = [];
  const subnetVpcs = new Map<string, string>();
  for (const endpoint of endpoints) {
    for (const id of endpoint.SubnetIds ?? []) subnetVpcs.set(id, endpoint.VpcId as string);
  }
  for (let i = 0; i < vpcCount; i += 5) {
    const VpcId = vpcs[i]?.VpcId as string;
    const SubnetId = `subnet-${hex(offset + i)}`;
    subnetVpcs.set(SubnetId, VpcId);
    const NotebookInstanceName = `notebook-${hex(offset + i, 8)}`;
    notebooks.push({
      NotebookInstanceName,
      NotebookInstanceArn: `arn:aws:sagemaker:${region}:${ACCOUNT_ID}:notebook-instance/${NotebookInstanceName}`,
      NotebookInstanceStatus: next() < 0.9 ? 'InService' : 'Stopped',
      InstanceType: 'ml.t3.medium',
      SubnetId,
      SecurityGroups: [`sg-${hex(offset + i)}`],
      DirectInternetAccess: next() < 0.8 ? 'Disabled' : 'Enabled',
      RootAccess: next() < 0.5 ? 'Disabled' : 'Enabled',
    });
    if (i % 50 === 0) {
      const DomainId = `d-${hex(offset + i, 12)}`;
      domains.push({
        DomainId,
        DomainArn: `arn:aws:sagemaker:${region}:${ACCOUNT_ID}:domain/${DomainId}`,
        DomainName: `studio-${i}`,
        Status: 'InService',
        AuthMode: 'IAM',
        AppNetworkAccessType: next() < 0.7 ? 'VpcOnly' : 'PublicInternetOnly',
        VpcId,
        SubnetIds: [SubnetId],
        DomainSettings: { SecurityGroupIds: [`sg-${hex(offset + i)}`] },
      });
    }
  }
  const subnets: Subnet[] = [...subnetVpcs].map(([SubnetId, VpcId]) => ({
    SubnetId,
    VpcId,
    AvailabilityZone: `${region}a`,
    OwnerId: ACCOUNT_ID,
    State: 'available',
  }));
  const serviceNames = [
    ...['api', 'runtime', 'featurestore-runtime', 'metrics'].map(
      (kind) => `com.amazonaws.${region}.sagemaker.${kind}`,
    ),
    ...Array.from({ length: 250 }, (_, i) => `com.amazonaws.${region}.service${i}`),
    `com.amazonaws.${region}.s3`,
  ].sort();
  return { vpcs, endpoints, serviceNames, notebooks, domains, subnets };
}

/** A policy document as IAM sends it: URL-encoded JSON. */
export const encode = (document: unknown) => encodeURIComponent(JSON.stringify(document));

/**
 * A customer managed policy `team-policy-<i>` as GetAccountAuthorizationDetails lists it: the
 * statements in its default version v2, an empty v1 before it.
 */
export function teamPolicy(
  accountId: string,
  i: number,
  policyId: string,
  statements: unknown[],
): ManagedPolicyDetail {
  const name = `team-policy-${i}`;
  return {
    PolicyName: name,
    PolicyId: policyId,
    Arn: `arn:aws:iam::${accountId}:policy/${name}`,
    Path: '/',
    DefaultVersionId: 'v2',
    AttachmentCount: 1,
    IsAttachable: true,
    PolicyVersionList: [
      {
        Document: encode({ Version: '2012-10-17', Statement: statements }),
        VersionId: 'v2',
        IsDefaultVersion: true,
      },
      {
        Document: encode({ Version: '2012-10-17', Statement: [] }),
        VersionId: 'v1',
        IsDefaultVersion: false,
      },
    ],
  };
}

/** Customer policies of realistic size: several statements, a few SageMaker grants, some guarded. */
function customerPolicy(i: number, next: () => number): ManagedPolicyDetail {
  const statements: unknown[] = [
    { Sid: 'ReadLogs', Effect: 'Allow', Action: ['logs:Get*', 'logs:Describe*'], Resource: '*' },
    {
      Sid: 'Buckets',
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:PutObject'],
      Resource: [`arn:aws:s3:::bucket-${i}/*`, `arn:aws:s3:::shared-${i % 17}/*`],
    },
    { Effect: 'Allow', Action: 'ec2:Describe*', Resource: '*' },
  ];
  const roll = next();
  if (roll < 0.2) {
    statements.push({
      Sid: 'NotebooksFromOffice',
      Effect: 'Allow',
      Action: 'sagemaker:CreatePresignedNotebookInstanceUrl',
      Resource: `arn:aws:sagemaker:*:${ACCOUNT_ID}:notebook-instance/team-${i % 50}-*`,
      Condition: { IpAddress: { 'aws:SourceIp': ['203.0.113.0/24', '198.51.100.0/24'] } },
    });
  } else if (roll < 0.3) {
    statements.push({ Sid: 'SageMakerAll', Effect: 'Allow', Action: 'sagemaker:*', Resource: '*' });
  } else if (roll < 0.4) {
    statements.push({
      Sid: 'OnlyFromOffice',
      Effect: 'Deny',
      Action: '*',
      Resource: '*',
      Condition: {
        NotIpAddress: { 'aws:SourceIp': ['203.0.113.0/24'] },
        Bool: { 'aws:ViaAWSService': 'false' },
      },
    });
  }
  return teamPolicy(ACCOUNT_ID, i, `ANPA${hex(i, 17).toUpperCase()}`, statements);
}

function iamOf(size: (typeof SIZES)[SizeName], next: () => number): SyntheticAccount['iam'] {
  const policies = Array.from({ length: size.policies }, (_, i) => customerPolicy(i, next));
  const attach = () => {
    const policy = policies[Math.floor(next() * policies.length)] as ManagedPolicyDetail;
    return [{ PolicyName: policy.PolicyName, PolicyArn: policy.Arn }];
  };
  const inline = (name: string) => [
    {
      PolicyName: name,
      PolicyDocument: encode({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: ['sqs:SendMessage', 'sqs:ReceiveMessage'], Resource: '*' }],
      }),
    },
  ];
  const groups: GroupDetail[] = Array.from({ length: size.groups }, (_, i) => ({
    GroupName: `group-${i}`,
    GroupId: `AGPA${hex(i).toUpperCase()}`,
    Arn: `arn:aws:iam::${ACCOUNT_ID}:group/group-${i}`,
    Path: '/',
    GroupPolicyList: i % 3 === 0 ? inline(`group-inline-${i}`) : [],
    AttachedManagedPolicies: attach(),
  }));
  const users: UserDetail[] = Array.from({ length: size.users }, (_, i) => ({
    UserName: `user-${i}`,
    UserId: `AIDA${hex(i).toUpperCase()}`,
    Arn: `arn:aws:iam::${ACCOUNT_ID}:user/user-${i}`,
    Path: '/',
    GroupList: [`group-${i % size.groups}`, `group-${(i * 7) % size.groups}`],
    UserPolicyList: i % 5 === 0 ? inline(`user-inline-${i}`) : [],
    AttachedManagedPolicies: i % 2 === 0 ? attach() : [],
  }));
  const trust = encode({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Principal: { Service: 'sagemaker.amazonaws.com' }, Action: 'sts:AssumeRole' },
    ],
  });
  const roles: RoleDetail[] = Array.from({ length: size.roles }, (_, i) => ({
    RoleName: `role-${i}`,
    RoleId: `AROA${hex(i).toUpperCase()}`,
    Arn: `arn:aws:iam::${ACCOUNT_ID}:role/${i % 50 === 0 ? 'aws-service-role/' : ''}role-${i}`,
    Path: i % 50 === 0 ? '/aws-service-role/' : '/',
    AssumeRolePolicyDocument: trust,
    RolePolicyList: i % 4 === 0 ? inline(`role-inline-${i}`) : [],
    AttachedManagedPolicies: [...attach(), ...attach()],
    ...(i % 10 === 0
      ? {
          PermissionsBoundary: {
            PermissionsBoundaryType: 'PermissionsBoundaryPolicy' as const,
            PermissionsBoundaryArn: attach()[0]?.PolicyArn,
          },
        }
      : {}),
  }));
  return { users, groups, roles, policies };
}

export function syntheticAccount(sizeName: SizeName): SyntheticAccount {
  const size = SIZES[sizeName];
  const next = random(42);
  const perRegion = Math.ceil(size.vpcs / REGIONS.length);
  const regions = Object.fromEntries(
    REGIONS.map((region, index) => [region, regionOf(region, perRegion, next, index * 1_000_000)]),
  );
  return { regions, iam: iamOf(size, next) };
}
