import { z } from 'zod';
import { UserInputError } from './errors.ts';
import { fileKindOf } from './file-kind.ts';
import { DEFAULT_MAX_INPUT_BYTES, readInputFile } from './input-file.ts';
import { ACCOUNT_SECTIONS, type Inventory, REGION_SECTIONS } from './inventory.ts';

const policyDocument = z.union([z.string(), z.record(z.string(), z.unknown())]);
const collectionError = z.strictObject({
  section: z.enum(['*', ...ACCOUNT_SECTIONS, ...REGION_SECTIONS]),
  code: z.string(),
  message: z.string(),
});
const tag = z.looseObject({ Key: z.string().optional(), Value: z.string().optional() });

const vpc = z.looseObject({
  VpcId: z.string(),
  OwnerId: z.string().optional(),
  IsDefault: z.boolean().optional(),
  CidrBlock: z.string().optional(),
  Tags: z.array(tag).optional(),
});
const vpcEndpoint = z.looseObject({
  VpcEndpointId: z.string(),
  VpcEndpointType: z.string().optional(),
  VpcId: z.string().optional(),
  ServiceName: z.string().optional(),
  State: z.string().optional(),
  PrivateDnsEnabled: z.boolean().optional(),
  OwnerId: z.string().optional(),
  Tags: z.array(tag).optional(),
});
const stringList = z.array(z.string());
const notebook = z.looseObject({
  NotebookInstanceName: z.string(),
  NotebookInstanceArn: z.string().optional(),
  NotebookInstanceStatus: z.string().optional(),
  DirectInternetAccess: z.string().optional(),
  SubnetId: z.string().optional(),
  SecurityGroups: stringList.optional(),
  RootAccess: z.string().optional(),
  KmsKeyId: z.string().optional(),
});
const domain = z.looseObject({
  DomainId: z.string(),
  DomainName: z.string().optional(),
  DomainArn: z.string().optional(),
  Status: z.string().optional(),
  AppNetworkAccessType: z.string().optional(),
  AuthMode: z.string().optional(),
  VpcId: z.string().optional(),
  SubnetIds: stringList.optional(),
  DomainSettings: z.looseObject({ SecurityGroupIds: stringList.optional() }).optional(),
});
const subnet = z.looseObject({
  SubnetId: z.string(),
  VpcId: z.string().optional(),
  AvailabilityZone: z.string().optional(),
  OwnerId: z.string().optional(),
});
const region = z.strictObject({
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'expected an AWS region name such as eu-west-1'),
  endpointServices: z.array(z.string()).optional(),
  vpcs: z.array(vpc).optional(),
  vpcAttributes: z
    .record(
      z.string(),
      z.strictObject({
        enableDnsSupport: z.boolean().optional(),
        enableDnsHostnames: z.boolean().optional(),
      }),
    )
    .optional(),
  vpcEndpoints: z.array(vpcEndpoint).optional(),
  sagemakerNotebooks: z.array(notebook).optional(),
  sagemakerDomains: z.array(domain).optional(),
  subnets: z.array(subnet).optional(),
  sections: z.array(z.enum(REGION_SECTIONS)).optional(),
  collectionErrors: z.array(collectionError).optional(),
});

const attachedPolicy = z.looseObject({ PolicyName: z.string().optional(), PolicyArn: z.string() });
const inlinePolicy = z.looseObject({ PolicyName: z.string(), PolicyDocument: policyDocument });
const boundary = z
  .looseObject({ PermissionsBoundaryType: z.string().optional(), PermissionsBoundaryArn: z.string() })
  .optional();
const iam = z.looseObject({
  UserDetailList: z
    .array(
      z.looseObject({
        UserName: z.string(),
        Arn: z.string(),
        Path: z.string().optional(),
        GroupList: z.array(z.string()).optional(),
        UserPolicyList: z.array(inlinePolicy).optional(),
        AttachedManagedPolicies: z.array(attachedPolicy).optional(),
        PermissionsBoundary: boundary,
      }),
    )
    .optional(),
  GroupDetailList: z
    .array(
      z.looseObject({
        GroupName: z.string(),
        Arn: z.string(),
        GroupPolicyList: z.array(inlinePolicy).optional(),
        AttachedManagedPolicies: z.array(attachedPolicy).optional(),
      }),
    )
    .optional(),
  RoleDetailList: z
    .array(
      z.looseObject({
        RoleName: z.string(),
        Arn: z.string(),
        Path: z.string().optional(),
        AssumeRolePolicyDocument: policyDocument.optional(),
        RolePolicyList: z.array(inlinePolicy).optional(),
        AttachedManagedPolicies: z.array(attachedPolicy).optional(),
        PermissionsBoundary: boundary,
      }),
    )
    .optional(),
  Policies: z
    .array(
      z.looseObject({
        PolicyName: z.string(),
        Arn: z.string(),
        DefaultVersionId: z.string().optional(),
        PolicyVersionList: z
          .array(
            z.looseObject({
              Document: policyDocument.optional(),
              VersionId: z.string().optional(),
              IsDefaultVersion: z.boolean().optional(),
            }),
          )
          .optional(),
      }),
    )
    .optional(),
});

const serviceControlPolicy = z.strictObject({
  id: z
    .string()
    .regex(/^p-[0-9a-zA-Z_]{8,128}$/, 'expected a policy id such as p-FullAWSAccess or p-abcd1234'),
  name: z.string(),
  arn: z.string().optional(),
  awsManaged: z.boolean().optional(),
  content: policyDocument,
});
const scpLevel = z.strictObject({
  type: z.enum(['ROOT', 'ORGANIZATIONAL_UNIT', 'ACCOUNT']),
  id: z.string(),
  policies: z.array(serviceControlPolicy),
});
const organization = z.discriminatedUnion('membership', [
  z.strictObject({ membership: z.literal('none') }),
  z.strictObject({
    membership: z.literal('member'),
    organizationId: z.string(),
    managementAccountId: z.string().regex(/^\d{12}$/, 'expected a 12-digit account id'),
    scpsEnabled: z.boolean(),
    scpPath: z.array(scpLevel),
  }),
]);

type Duplicate = { path: PropertyKey[]; message: string };

/** The items of `items` whose key an earlier item already has, each with where and what. */
function repeated<T>(
  items: readonly T[] | undefined,
  at: PropertyKey[],
  field: string,
  kind: string,
  keyOf: (item: T) => string,
): Duplicate[] {
  const first = new Map<string, number>();
  const found: Duplicate[] = [];
  (items ?? []).forEach((item, index) => {
    const key = keyOf(item);
    const earlier = first.get(key);
    if (earlier === undefined) first.set(key, index);
    else {
      found.push({
        path: [...at, index, field],
        message: `${kind} ${key} is listed twice (first at ${jsonPath([...at, earlier])})`,
      });
    }
  });
  return found;
}

/**
 * An account, region, VPC, endpoint or IAM item listed twice would be judged twice under one result id, and
 * counted twice: that is an invalid file, not two resources.
 */
const IAM_LISTS = ['UserDetailList', 'GroupDetailList', 'RoleDetailList', 'Policies'] as const;

function duplicates(snapshot: {
  accounts: {
    accountId: string;
    iam?: Partial<Record<(typeof IAM_LISTS)[number], { Arn: string }[]>>;
    regions: { region: string; vpcs?: { VpcId: string }[]; vpcEndpoints?: { VpcEndpointId: string }[] }[];
  }[];
}): Duplicate[] {
  const found = repeated(
    snapshot.accounts,
    ['accounts'],
    'accountId',
    'account',
    (account) => account.accountId,
  );
  snapshot.accounts.forEach((account, accountIndex) => {
    for (const list of IAM_LISTS) {
      const items = account.iam?.[list] as { Arn: string }[] | undefined;
      for (const duplicate of repeated(
        items,
        ['accounts', accountIndex, 'iam', list],
        'Arn',
        'ARN',
        (item) => item.Arn,
      ))
        found.push(duplicate);
    }
    const at = ['accounts', accountIndex, 'regions'];
    for (const duplicate of repeated(account.regions, at, 'region', 'region', (region) => region.region))
      found.push(duplicate);
    account.regions.forEach((region, regionIndex) => {
      const within = [...at, regionIndex];
      for (const duplicate of repeated(region.vpcs, [...within, 'vpcs'], 'VpcId', 'VPC', (vpc) => vpc.VpcId))
        found.push(duplicate);
      for (const duplicate of repeated(
        region.vpcEndpoints,
        [...within, 'vpcEndpoints'],
        'VpcEndpointId',
        'endpoint',
        (endpoint) => endpoint.VpcEndpointId,
      ))
        found.push(duplicate);
    });
  });
  return found;
}

/**
 * An SCP path that does not run from the root through OUs to its own account would have SCPs
 * judged for the wrong account: the file is invalid.
 */
function scpPathProblems(snapshot: {
  accounts: { accountId: string; organization?: z.infer<typeof organization> }[];
}): Duplicate[] {
  const found: Duplicate[] = [];
  snapshot.accounts.forEach((account, index) => {
    const organizationOf = account.organization;
    if (organizationOf?.membership !== 'member' || organizationOf.scpPath.length === 0) return;
    const levels = organizationOf.scpPath;
    const at = ['accounts', index, 'organization', 'scpPath'];
    const last = levels.length - 1;
    levels.forEach((level, position) => {
      const expected = position === 0 ? 'ROOT' : position === last ? 'ACCOUNT' : 'ORGANIZATIONAL_UNIT';
      if (level.type !== expected) {
        found.push({
          path: [...at, position, 'type'],
          message: `expected ${expected} at this place of the path from the root to the account`,
        });
      }
    });
    if (levels[last]?.id !== account.accountId) {
      found.push({
        path: [...at, last, 'id'],
        message: `the path ends at ${levels[last]?.id}, not at the account ${account.accountId}`,
      });
    }
  });
  return found;
}

export const snapshotSchema = z
  .strictObject({
    snapshotVersion: z.literal(1),
    collectedAt: z.string(),
    partition: z.string().regex(/^aws(-[a-z]+)*$/, 'expected an AWS partition such as aws or aws-cn'),
    accounts: z
      .array(
        z.strictObject({
          accountId: z.string().regex(/^\d{12}$/, 'expected a 12-digit account id'),
          unreadable: z
            .strictObject({ roleArn: z.string().optional(), code: z.string(), message: z.string() })
            .optional(),
          iam: iam.optional(),
          organization: organization.optional(),
          collectionErrors: z.array(collectionError).optional(),
          regions: z.array(region),
        }),
      )
      .min(1),
  })
  .superRefine((snapshot, context) => {
    for (const duplicate of duplicates(snapshot)) context.addIssue({ code: 'custom', ...duplicate });
    for (const problem of scpPathProblems(snapshot)) context.addIssue({ code: 'custom', ...problem });
  });

/** `$.accounts[0].regions[2].vpcs[5].VpcId`: where in the file a problem is. */
export function jsonPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (text, key) => (typeof key === 'number' ? `${text}[${key}]` : `${text}.${String(key)}`),
    '$',
  );
}

/** Validates parsed JSON as a snapshot; the error names the source and the first JSON path at fault. */
export function parseSnapshot(data: unknown, source: string): Inventory {
  const parsed = snapshotSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue ? jsonPath(issue.path) : '$';
    const more =
      parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more problems)` : '';
    throw new UserInputError(
      `${source}: invalid snapshot at ${where}: ${issue?.message ?? 'invalid'}${more}`,
    );
  }
  return parsed.data as unknown as Inventory;
}

/** Reads and validates an evidence file of at most `maxBytes` (checked before reading it). */
export async function loadSnapshot(path: string, maxBytes = DEFAULT_MAX_INPUT_BYTES): Promise<Inventory> {
  const text = await readInputFile(path, {
    what: 'the snapshot file',
    maxBytes,
    option: '--max-input-bytes',
  });
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new UserInputError(`${path}: not valid JSON (${(error as Error).message})`);
  }
  if (fileKindOf(data) === 'report') {
    throw new UserInputError(
      `${path}: this is a scan report, not an evidence file; give it to --baseline, and --input an evidence file written by snapshot`,
    );
  }
  return parseSnapshot(data, path);
}
