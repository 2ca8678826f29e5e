import type { Vpc, VpcEndpoint } from '@aws-sdk/client-ec2';
import type { GroupDetail, ManagedPolicyDetail, RoleDetail, UserDetail } from '@aws-sdk/client-iam';

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

export type RegionSection = 'endpointServices' | 'vpcs' | 'vpcAttributes' | 'vpcEndpoints';
export type InventorySection = RegionSection | 'iam';

export interface RegionInventory {
  region: string;
  /** The SageMaker-related service names that `DescribeVpcEndpointServices` lists in the region. */
  endpointServices?: string[];
  vpcs?: Plain<Vpc>[];
  /** DNS attributes, only for VPCs that hold a SageMaker endpoint. */
  vpcAttributes?: Record<string, VpcDnsAttributes>;
  vpcEndpoints?: Plain<VpcEndpoint>[];
  collectionErrors?: CollectionError[];
}

export interface AccountInventory {
  accountId: string;
  iam?: IamAuthorizationDetails;
  collectionErrors?: CollectionError[];
  regions: RegionInventory[];
}

/** Everything the rules read. A snapshot (evidence) file is exactly this, written as JSON. */
export interface Inventory {
  snapshotVersion: 1;
  collectedAt: string;
  partition: string;
  accounts: AccountInventory[];
}

/** The collection error that explains why `section` is missing, if the collector recorded one. */
export function findCollectionError(
  errors: CollectionError[] | undefined,
  section: InventorySection,
): CollectionError | undefined {
  return errors?.find((error) => error.section === section || error.section === '*');
}
