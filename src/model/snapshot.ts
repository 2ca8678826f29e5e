import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { UserInputError } from './errors.ts';
import { type Inventory, REGION_SECTIONS } from './inventory.ts';

const policyDocument = z.union([z.string(), z.record(z.string(), z.unknown())]);
const collectionError = z.strictObject({
  section: z.enum(['*', 'iam', ...REGION_SECTIONS]),
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

export const snapshotSchema = z.strictObject({
  snapshotVersion: z.literal(1),
  collectedAt: z.string(),
  partition: z.string().regex(/^aws(-[a-z]+)*$/, 'expected an AWS partition such as aws or aws-cn'),
  accounts: z
    .array(
      z.strictObject({
        accountId: z.string().regex(/^\d{12}$/, 'expected a 12-digit account id'),
        iam: iam.optional(),
        collectionErrors: z.array(collectionError).optional(),
        regions: z.array(region),
      }),
    )
    .min(1),
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

export async function loadSnapshot(path: string): Promise<Inventory> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new UserInputError(`${path}: cannot read the snapshot file (${code})`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new UserInputError(`${path}: not valid JSON (${(error as Error).message})`);
  }
  return parseSnapshot(data, path);
}
