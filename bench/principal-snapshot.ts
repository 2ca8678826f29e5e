import { writeFileSync } from 'node:fs';
import type { Inventory } from '../src/model/inventory.ts';
import { encode, teamPolicy } from './synthetic.ts';

export const PRINCIPALS_ACCOUNT_ID = '111122223333';
/** The approved range the bench scans with: the office of the generated policies. */
export const APPROVED_CIDR = '203.0.113.0/24';

/** A small deterministic generator, so every run and every commit measures the same account. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

const NOTEBOOK = 'sagemaker:CreatePresignedNotebookInstanceUrl';
const DOMAIN = 'sagemaker:CreatePresignedDomainUrl';

/** Address ranges as teams write them: offices, NAT gateways, a few IPv6 prefixes, private ranges. */
function cidrPool(next: () => number): string[] {
  const pool = [APPROVED_CIDR, '198.51.100.0/24', '10.0.0.0/8', '2001:db8:1::/48', '2600:1f18::/32'];
  for (let i = 0; i < 300; i += 1) {
    const a = 20 + Math.floor(next() * 180);
    const b = Math.floor(next() * 256);
    const c = Math.floor(next() * 256);
    const prefix = [16, 20, 24, 24, 24, 28, 32][Math.floor(next() * 7)] as number;
    pool.push(`${a}.${b}.${c}.0/${prefix}`);
  }
  for (let i = 0; i < 40; i += 1) {
    pool.push(`2a0${Math.floor(next() * 10)}:${Math.floor(next() * 65_536).toString(16)}::/48`);
  }
  return pool;
}

function pick<T>(items: readonly T[], count: number, next: () => number): T[] {
  return Array.from({ length: count }, () => items[Math.floor(next() * items.length)] as T);
}

/**
 * Statements that bear on the presigned-URL actions, in the mix a large account has: grants from a
 * few ranges or from many scattered ones (more than the 64 CIDRs the evidence lists), unconditional
 * grants, office-only Denies and carve-outs.
 */
function presignStatements(next: () => number, pool: readonly string[]): unknown[] {
  const roll = next();
  if (roll < 0.15) {
    return [
      {
        Sid: 'NotebooksFromNetworks',
        Effect: 'Allow',
        Action: NOTEBOOK,
        Resource: `arn:aws:sagemaker:*:${PRINCIPALS_ACCOUNT_ID}:notebook-instance/team-*`,
        Condition: { IpAddress: { 'aws:SourceIp': pick(pool, 2 + Math.floor(next() * 4), next) } },
      },
    ];
  }
  if (roll < 0.2) {
    return [
      {
        Sid: 'EverywhereWeWork',
        Effect: 'Allow',
        Action: [NOTEBOOK, DOMAIN],
        Resource: '*',
        Condition: { IpAddress: { 'aws:SourceIp': pick(pool, 80 + Math.floor(next() * 40), next) } },
      },
    ];
  }
  if (roll < 0.3) return [{ Sid: 'SageMakerAll', Effect: 'Allow', Action: 'sagemaker:*', Resource: '*' }];
  if (roll < 0.4) {
    return [
      {
        Sid: 'OnlyFromOffice',
        Effect: 'Deny',
        Action: '*',
        Resource: '*',
        Condition: {
          NotIpAddress: { 'aws:SourceIp': [APPROVED_CIDR, ...pick(pool, 3, next)] },
          Bool: { 'aws:ViaAWSService': 'false' },
        },
      },
    ];
  }
  if (roll < 0.45) {
    return [
      {
        Sid: 'StudioFromNetworks',
        Effect: 'Allow',
        Action: DOMAIN,
        Resource: '*',
        Condition: { IpAddress: { 'aws:SourceIp': pick(pool, 3, next) } },
      },
    ];
  }
  if (roll < 0.5) {
    return [
      {
        Sid: 'NotFromTheseNetworks',
        Effect: 'Deny',
        Action: 'sagemaker:CreatePresigned*',
        Resource: '*',
        Condition: { IpAddress: { 'aws:SourceIp': pick(pool, 2, next) } },
      },
    ];
  }
  return [];
}

function managedPolicy(i: number, next: () => number, pool: readonly string[]) {
  const statements: unknown[] = [
    { Sid: 'ReadLogs', Effect: 'Allow', Action: ['logs:Get*', 'logs:Describe*'], Resource: '*' },
    {
      Sid: 'Buckets',
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:PutObject'],
      Resource: [`arn:aws:s3:::bucket-${i}/*`, `arn:aws:s3:::shared-${i % 17}/*`],
    },
    ...presignStatements(next, pool),
  ];
  return teamPolicy(PRINCIPALS_ACCOUNT_ID, i, `ANPA${String(i).padStart(17, '0')}`, statements);
}

export interface PrincipalCounts {
  users: number;
  roles: number;
  groups: number;
  policies: number;
}

/** 50,000 principals: the size the evaluation targets are set for. */
export const PRINCIPALS_50K: PrincipalCounts = { users: 15_000, roles: 35_000, groups: 600, policies: 4_000 };

/**
 * An evidence file of one account with `counts` IAM users, roles, groups and managed policies, and
 * an Organization whose SCPs deny presigned URLs outside the office. Inline policies are per
 * principal, as IaC writes them: some carry their own address ranges.
 */
export function principalSnapshot(counts: PrincipalCounts): Inventory {
  const next = random(17);
  const pool = cidrPool(next);
  const policies = Array.from({ length: counts.policies }, (_, i) => managedPolicy(i, next, pool));
  const attach = () => {
    const policy = policies[Math.floor(next() * policies.length)] as ReturnType<typeof managedPolicy>;
    return { PolicyName: policy.PolicyName, PolicyArn: policy.Arn };
  };
  const inline = (name: string) => [
    {
      PolicyName: name,
      PolicyDocument: encode({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Action: ['sqs:SendMessage', 'sqs:ReceiveMessage'], Resource: '*' },
          ...(next() < 0.3 ? presignStatements(next, pool) : []),
        ],
      }),
    },
  ];
  const groups = Array.from({ length: counts.groups }, (_, i) => ({
    GroupName: `group-${i}`,
    GroupId: `AGPA${String(i).padStart(17, '0')}`,
    Arn: `arn:aws:iam::${PRINCIPALS_ACCOUNT_ID}:group/group-${i}`,
    Path: '/',
    GroupPolicyList: i % 3 === 0 ? inline(`group-inline-${i}`) : [],
    AttachedManagedPolicies: [attach()],
  }));
  const users = Array.from({ length: counts.users }, (_, i) => ({
    UserName: `user-${i}`,
    UserId: `AIDA${String(i).padStart(17, '0')}`,
    Arn: `arn:aws:iam::${PRINCIPALS_ACCOUNT_ID}:user/user-${i}`,
    Path: '/',
    GroupList: [`group-${i % counts.groups}`, `group-${(i * 7) % counts.groups}`],
    UserPolicyList: i % 5 === 0 ? inline(`user-inline-${i}`) : [],
    AttachedManagedPolicies: i % 2 === 0 ? [attach()] : [],
  }));
  const trust = encode({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Principal: { Service: 'sagemaker.amazonaws.com' }, Action: 'sts:AssumeRole' },
    ],
  });
  const roles = Array.from({ length: counts.roles }, (_, i) => {
    const serviceLinked = i % 50 === 0;
    return {
      RoleName: `role-${i}`,
      RoleId: `AROA${String(i).padStart(17, '0')}`,
      Arn: `arn:aws:iam::${PRINCIPALS_ACCOUNT_ID}:role/${serviceLinked ? 'aws-service-role/' : ''}role-${i}`,
      Path: serviceLinked ? '/aws-service-role/' : '/',
      AssumeRolePolicyDocument: trust,
      RolePolicyList: i % 4 === 0 ? inline(`role-inline-${i}`) : [],
      AttachedManagedPolicies: [attach(), attach()],
      ...(i % 10 === 0
        ? {
            PermissionsBoundary: {
              PermissionsBoundaryType: 'PermissionsBoundaryPolicy',
              PermissionsBoundaryArn: attach().PolicyArn,
            },
          }
        : {}),
    };
  });
  const fullAccess = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };
  const officeOnly = {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'PresignOnlyFromApprovedNetworks',
        Effect: 'Deny',
        Action: NOTEBOOK,
        Resource: '*',
        Condition: { NotIpAddress: { 'aws:SourceIp': [APPROVED_CIDR, '198.51.100.0/24'] } },
      },
    ],
  };
  const scp = (id: string, name: string, content: unknown) => ({
    id,
    name,
    content: JSON.stringify(content),
  });
  return {
    snapshotVersion: 1,
    collectedAt: '2026-12-01T02:00:00.000Z',
    partition: 'aws',
    accounts: [
      {
        accountId: PRINCIPALS_ACCOUNT_ID,
        iam: { UserDetailList: users, GroupDetailList: groups, RoleDetailList: roles, Policies: policies },
        organization: {
          membership: 'member',
          organizationId: 'o-bench12345',
          managementAccountId: '999988887777',
          scpsEnabled: true,
          scpPath: [
            { type: 'ROOT', id: 'r-ab12', policies: [scp('p-FullAWSAccess', 'FullAWSAccess', fullAccess)] },
            {
              type: 'ORGANIZATIONAL_UNIT',
              id: 'ou-ab12-cd34ef56',
              policies: [
                scp('p-FullAWSAccess', 'FullAWSAccess', fullAccess),
                scp('p-officeonly1', 'presign-office-only', officeOnly),
              ],
            },
            {
              type: 'ACCOUNT',
              id: PRINCIPALS_ACCOUNT_ID,
              policies: [scp('p-FullAWSAccess', 'FullAWSAccess', fullAccess)],
            },
          ],
        },
        regions: [],
      },
    ],
  } as unknown as Inventory;
}

/** Writes the evidence file of {@link principalSnapshot}; returns its size in bytes. */
export function writePrincipalSnapshot(path: string, counts: PrincipalCounts = PRINCIPALS_50K): number {
  const text = JSON.stringify(principalSnapshot(counts));
  writeFileSync(path, text);
  return Buffer.byteLength(text);
}
