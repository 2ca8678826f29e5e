import type { GroupDetail, ManagedPolicyDetail, RoleDetail, UserDetail } from '@aws-sdk/client-iam';
import type { DescribeDomainResponse, DescribeNotebookInstanceOutput } from '@aws-sdk/client-sagemaker';
import type { Section, SectionOfScope } from '../collect/sections/index.ts';
import type { SectionScope, SectionValue } from '../collect/sections/types.ts';

/**
 * A policy document as it arrives: URL-encoded JSON from the IAM API, plain JSON text, or an
 * already-parsed object (AWS CLI output, snapshot files).
 */
export type PolicyDocumentInput = string | Record<string, unknown>;

const DOCUMENT_FIELDS = ['PolicyDocument', 'AssumeRolePolicyDocument', 'Document'] as const;
type DocumentField = (typeof DOCUMENT_FIELDS)[number];

/** An SDK shape as it looks once written to JSON: dates become ISO strings, documents may be objects. */
export type Plain<T> = T extends Date
  ? string
  : T extends (infer U)[]
    ? Plain<U>[]
    : T extends object
      ? { [K in keyof T]: K extends DocumentField ? PolicyDocumentInput : Plain<T[K]> }
      : T;

export interface IamAuthorizationDetails {
  UserDetailList?: Plain<UserDetail>[];
  GroupDetailList?: Plain<GroupDetail>[];
  RoleDetailList?: Plain<RoleDetail>[];
  Policies?: Plain<ManagedPolicyDetail>[];
}

export interface VpcDnsAttributes {
  enableDnsSupport?: boolean;
  enableDnsHostnames?: boolean;
}

/**
 * Why a section of the inventory is absent. The rules that need the section turn it into ERROR
 * results that quote this code and message.
 */
export interface CollectionError {
  section: InventorySection | '*';
  code: string;
  message: string;
}

/** A section of the inventory, as `src/collect/sections/index.ts` lists them. */
export type InventorySection = Section['id'];
export type RegionSection = SectionOfScope<'region'>['id'];

/** A notebook instance as `DescribeNotebookInstance` returns it; its VPC is that of `SubnetId` in `subnets`. */
export type SageMakerNotebook = Plain<DescribeNotebookInstanceOutput>;
/** A Studio domain as `DescribeDomain` returns it. */
export type SageMakerDomain = Plain<DescribeDomainResponse>;

/** The sections of one scope, each under its id, as its `collect` returns it; absent when not read. */
type SectionsOf<Scope extends SectionScope> = {
  [S in SectionOfScope<Scope> as S['id']]?: SectionValue<S>;
};

export interface RegionInventory extends SectionsOf<'region'> {
  region: string;
  /**
   * The sections collection was asked to read in this region, read or not. Absent in snapshots
   * written before it was recorded: there, why a section is missing is not known.
   */
  sections?: RegionSection[];
  collectionErrors?: CollectionError[];
}

/** A service control policy as `DescribePolicy` returns it. */
export interface ServiceControlPolicy {
  id: string;
  name: string;
  arn?: string;
  awsManaged?: boolean;
  /** `DescribePolicy`'s `Content`: JSON text, or the parsed document. */
  content: PolicyDocumentInput;
}

/** A node of the Organization's tree on the way from the root to an account, with the SCPs attached to it. */
export interface ScpLevel {
  type: 'ROOT' | 'ORGANIZATIONAL_UNIT' | 'ACCOUNT';
  id: string;
  policies: ServiceControlPolicy[];
}

/**
 * Where the account sits in its Organization, as far as service control policies go. `none`: the
 * account belongs to no Organization (`AWSOrganizationsNotInUseException`), so no SCP applies.
 */
export type AccountOrganization =
  | { membership: 'none' }
  | {
      membership: 'member';
      organizationId: string;
      managementAccountId: string;
      /**
       * Whether the root lists `SERVICE_CONTROL_POLICY` as `ENABLED` (`ListRoots`). When it does
       * not, no SCP is in force and `scpPath` is empty.
       */
      scpsEnabled: boolean;
      /** The root first, then each OU down to the account, then the account itself. */
      scpPath: ScpLevel[];
    };

/** Why nothing of an account could be read: its role could not be assumed, or its credentials not used. */
export interface AccountUnreadable {
  /** The role the scanner tried to assume in the account. */
  roleArn?: string;
  code: string;
  message: string;
}

export interface AccountInventory extends SectionsOf<'account'> {
  accountId: string;
  /** Set when nothing of the account was read: the account is one ERROR result, its sections are not judged. */
  unreadable?: AccountUnreadable;
  /** The account's alias (`iam:ListAccountAliases`), when it has one; a label for people only. */
  alias?: string;
  /** Why the alias could not be read: not an error of the scan, the report just shows none. */
  aliasUnread?: string;
  collectionErrors?: CollectionError[];
  regions: RegionInventory[];
}

/** Everything the rules read. A snapshot (evidence) file is exactly this, written as JSON. */
export interface Inventory {
  snapshotVersion: 1;
  collectedAt: string;
  partition: string;
  /**
   * The rules a snapshot was taken for and the sections they read (written by `snapshot`), so that a
   * scan with other rules can say the file lacks what they need.
   */
  takenFor?: { rules: string[]; sections: InventorySection[] };
  accounts: AccountInventory[];
}

/**
 * The code of a region the scan chose not to read, because its calls could not finish in the time
 * left at the paced rate: nothing failed, so its message is the estimate, not an AWS error.
 */
export const NOT_SCANNED = 'NotScanned';

/** The collection error that explains why `section` is missing, if the collector recorded one. */
export function findCollectionError(
  errors: CollectionError[] | undefined,
  section: InventorySection,
): CollectionError | undefined {
  return errors?.find((error) => error.section === section || error.section === '*');
}

/**
 * A missing section as an ERROR message names it: it could not be read (quoting the collection
 * error), its region was not scanned (with the estimate), or it was not collected, because the
 * snapshot was taken for other rules or predates the record of what was collected.
 *
 * @example describeMissingSection(region, 'vpcs') // 'vpcs (UnauthorizedOperation: …), which could not be read'
 */
export function describeMissingSection(region: RegionInventory, section: RegionSection): string {
  const error = findCollectionError(region.collectionErrors, section);
  if (error?.code === NOT_SCANNED) {
    return `${section}, not read because the region was not scanned (${NOT_SCANNED}): ${error.message}`;
  }
  if (error) return `${section} (${error.code}: ${error.message}), which could not be read`;
  if (region.sections === undefined) {
    return `${section}, not collected (the inventory does not record which sections were collected)`;
  }
  if (region.sections.includes(section)) {
    return `${section}, absent although collected, and no collection error says why`;
  }
  const held = region.sections.length > 0 ? region.sections.join(', ') : 'no region sections';
  return `${section}, not collected: the snapshot was taken for other rules (it holds ${held})`;
}
