import * as z from 'zod';
import { UserInputError } from './errors.ts';
import { fileKindOf } from './file-kind.ts';
import { DEFAULT_MAX_INPUT_BYTES, readInputFile } from './input-file.ts';
import {
  type AccountInventory,
  type CollectionError,
  type Inventory,
  type InventorySection,
  REGION_SECTIONS,
  type RegionInventory,
  type RegionSection,
} from './inventory.ts';

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

// Names are optional: the rules name a policy or principal by its ARN when the name is missing (moto,
// for one, leaves a managed policy's PolicyName out of GetAccountAuthorizationDetails).
const attachedPolicy = z.looseObject({ PolicyName: z.string().optional(), PolicyArn: z.string() });
const inlinePolicy = z.looseObject({ PolicyName: z.string().optional(), PolicyDocument: policyDocument });
const boundary = z
  .looseObject({ PermissionsBoundaryType: z.string().optional(), PermissionsBoundaryArn: z.string() })
  .optional();
const iam = z.looseObject({
  UserDetailList: z
    .array(
      z.looseObject({
        UserName: z.string().optional(),
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
        GroupName: z.string().optional(),
        Arn: z.string(),
        GroupPolicyList: z.array(inlinePolicy).optional(),
        AttachedManagedPolicies: z.array(attachedPolicy).optional(),
      }),
    )
    .optional(),
  RoleDetailList: z
    .array(
      z.looseObject({
        RoleName: z.string().optional(),
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
        PolicyName: z.string().optional(),
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

export const snapshotSchema = z
  .strictObject({
    snapshotVersion: z.literal(1),
    collectedAt: z.string(),
    partition: z.string().regex(/^aws(-[a-z]+)*$/, 'expected an AWS partition such as aws or aws-cn'),
    takenFor: z
      .strictObject({
        rules: z.array(z.string()),
        sections: z.array(z.enum(['iam', ...REGION_SECTIONS])),
      })
      .optional(),
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
  })
  .superRefine((snapshot, context) => {
    for (const duplicate of duplicates(snapshot)) context.addIssue({ code: 'custom', ...duplicate });
  });

/** `$.accounts[0].regions[2].vpcs[5].VpcId`: where in the file a problem is. */
export function jsonPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (text, key) => (typeof key === 'number' ? `${text}[${key}]` : `${text}.${String(key)}`),
    '$',
  );
}

/** How many problems of a file one error lists: enough to fix a file in one pass, short enough to read. */
export const MAX_LISTED_PROBLEMS = 20;

/**
 * The problems of a file as one line: `at $.a: …; at $.b: …`, at most {@link MAX_LISTED_PROBLEMS} of
 * them, then how many more there are.
 */
export function listProblems(problems: readonly { where: string; message: string }[]): string {
  const listed = problems
    .slice(0, MAX_LISTED_PROBLEMS)
    .map((problem) => `${problem.where}: ${problem.message}`)
    .join('; ');
  const more = problems.length - MAX_LISTED_PROBLEMS;
  return more > 0 ? `${listed} (and ${more} more problems)` : listed;
}

/** Validates parsed JSON as a snapshot; the error names the source and every JSON path at fault (up to 20). */
export function parseSnapshot(data: unknown, source: string): Inventory {
  const parsed = snapshotSchema.safeParse(data);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => ({
      where: `at ${jsonPath(issue.path)}`,
      message: issue.message,
    }));
    throw new UserInputError(`${source}: invalid snapshot ${listProblems(problems)}`);
  }
  return parsed.data as unknown as Inventory;
}

/** The section of the inventory a problem's path lies in, if it lies in one. */
function sectionAt(
  path: readonly PropertyKey[],
): { account: number; region?: number; section: InventorySection } | undefined {
  const [top, account, part, region, section] = path;
  if (top !== 'accounts' || typeof account !== 'number') return undefined;
  if (part === 'iam') return { account, section: 'iam' };
  if (
    part === 'regions' &&
    typeof region === 'number' &&
    REGION_SECTIONS.includes(section as RegionSection)
  ) {
    return { account, region, section: section as RegionSection };
  }
  return undefined;
}

/**
 * Checks what a live collection read against the schema `scan --input` applies, before it is written
 * as evidence: a section that does not pass is left out and becomes a collection error
 * (`InvalidCollectedData`, naming every path at fault), so that scanning the file judges it ERROR,
 * as when AWS could not be read. A problem outside any section is a defect of the collector.
 */
export function checkCollected(inventory: Inventory): { inventory: Inventory; errors: string[] } {
  const parsed = snapshotSchema.safeParse(inventory);
  if (parsed.success) return { inventory, errors: [] };
  const bySection = new Map<
    string,
    { at: NonNullable<ReturnType<typeof sectionAt>>; problems: { where: string; message: string }[] }
  >();
  for (const issue of parsed.error.issues) {
    const at = sectionAt(issue.path);
    if (at === undefined)
      throw new Error(`collected inventory invalid at ${jsonPath(issue.path)}: ${issue.message}`);
    const key = `${at.account}/${at.region ?? ''}/${at.section}`;
    const entry = bySection.get(key) ?? { at, problems: [] };
    entry.problems.push({ where: `at ${jsonPath(issue.path)}`, message: issue.message });
    bySection.set(key, entry);
  }
  const checked = structuredClone(inventory);
  const errors: string[] = [];
  for (const { at, problems } of bySection.values()) {
    const account = checked.accounts[at.account] as AccountInventory;
    const error: CollectionError = {
      section: at.section,
      code: 'InvalidCollectedData',
      message: `the data read does not pass the evidence file schema, ${listProblems(problems)}`,
    };
    if (at.region === undefined) {
      delete account.iam;
      account.collectionErrors = [...(account.collectionErrors ?? []), error];
      errors.push(`account ${account.accountId} iam: ${error.message}`);
    } else {
      const region = account.regions[at.region] as RegionInventory;
      delete region[at.section as RegionSection];
      region.collectionErrors = [...(region.collectionErrors ?? []), error];
      errors.push(`account ${account.accountId} ${region.region} ${at.section}: ${error.message}`);
    }
  }
  // Each pass removes a section, so this ends; a second pass sees the file-wide checks (duplicates)
  // that run only once the shapes pass.
  const next = checkCollected(checked);
  return { inventory: next.inventory, errors: [...errors, ...next.errors] };
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
