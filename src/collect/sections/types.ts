import type { EC2Client } from '@aws-sdk/client-ec2';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { SageMakerClient } from '@aws-sdk/client-sagemaker';
import type { ZodType } from 'zod';
import type { AccountInventory, InventorySection, RegionInventory } from '../../model/inventory.ts';
import type { OrganizationSource } from '../organization.ts';
import type { ResponseContract } from '../responses.ts';

/** The SDK client each service name stands for; `AwsClients` creates them, one per region. */
export interface SectionClients {
  ec2: EC2Client;
  iam: IAMClient;
  /**
   * Not a client of the account but the scan's reader of its Organization: it caches every answer,
   * so that the accounts of a multi-account scan share one reading with the scan's own credentials.
   */
  organizations: OrganizationSource;
  sagemaker: SageMakerClient;
}
export type ClientName = keyof SectionClients;

/** Where a snapshot file holds a section: on the account (`accounts[].<id>`) or per region (`regions[].<id>`). */
export type SectionScope = 'account' | 'region';

/**
 * A key that identifies an item of the section, e.g. `VpcId`: a snapshot file that lists one twice
 * is invalid, since the item would be judged twice under one result id.
 */
export interface UniqueKey {
  /** The list within the section's value; absent when the value is itself the list. */
  list?: string;
  field: string;
  /** What the item is called in the error, e.g. `VPC`. */
  noun: string;
}

export interface CollectContext<Client extends ClientName, Scope extends SectionScope> {
  client: SectionClients[Client];
  /** The region the client calls: the scanned region, or for an account section the account's anchor region. */
  region: string;
  accountId: string;
  partition: string;
  /**
   * What this scan has read so far in the section's scope: every section of `requires` and
   * `consults` that the scan reads has settled (read, or recorded as a collection error), and those
   * of `after` too once {@link afterSettled} has resolved.
   */
  inventory: Readonly<Scope extends 'region' ? RegionInventory : AccountInventory>;
  /** Resolves once every section of `after` that the scan reads has settled. */
  afterSettled(): Promise<void>;
  /**
   * Says that `calls` requests of `operation` (e.g. `DescribeVpcAttribute`) are about to go, before
   * a batch or the next page: a region scan whose calls still due cannot finish before the deadline
   * at the paced rate is given up here (this throws), rather than cut off half-way.
   */
  expect(operation: string, calls: number): void;
}

/**
 * One section of the inventory: a kind of data the rules read, and everything about reading it.
 * Its id is the key under which the inventory and a snapshot file hold it.
 */
export interface SectionDefinition<
  Id extends string = InventorySection,
  Scope extends SectionScope = SectionScope,
  Client extends ClientName = ClientName,
  Value = unknown,
> {
  id: Id;
  scope: Scope;
  client: Client;
  /** What progress says once it is read, e.g. `IAM authorization details` (account sections only report it). */
  title: string;
  /** The IAM read actions that collecting the section takes: the deployed role grants exactly these. */
  permissions: readonly string[];
  /**
   * What the answer of each operation it calls always carries, by `service:Operation`: an answer
   * without it is a collection error (`IncompleteResponse`), never an empty account.
   */
  responses: Readonly<Record<string, ResponseContract>>;
  /** Its value in a snapshot file. */
  schema: ZodType;
  /**
   * Sections read before this one, and whenever this one is. When one of them could not be read,
   * this one is not read either: it is recorded as `DependencyFailed`, naming them in this order.
   */
  requires?: readonly InventorySection[];
  /**
   * Sections read before this one, and whenever this one is, but this one is read even when they
   * could not be: it only uses them to skip calls, e.g. where a service is not offered.
   */
  consults?: readonly InventorySection[];
  /**
   * Sections this one also uses when the scan reads them for other reasons. It starts without
   * them and waits for them itself (`context.afterSettled()`), so that its first calls overlap
   * theirs: they take tokens from other throttling buckets.
   */
  after?: readonly InventorySection[];
  /**
   * Reads the section: every page, each resource once. `undefined` leaves it out without an
   * error (the service is not offered where it was asked); a throw becomes its collection error.
   */
  collect(context: CollectContext<Client, Scope>): Promise<Value | undefined>;
  /** The keys that no two items of the section may share in a snapshot file. */
  unique?: readonly UniqueKey[];
}

/** The value a section's `collect` produces, as the inventory holds it. */
export type SectionValue<S> =
  S extends SectionDefinition<string, SectionScope, ClientName, infer V> ? V : never;
