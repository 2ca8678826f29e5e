import { setMaxListeners } from 'node:events';
import pLimit from 'p-limit';
import { UserInputError } from '../model/errors.ts';
import {
  type CollectionError,
  type Inventory,
  type InventorySection,
  NOT_SCANNED,
  type RegionInventory,
} from '../model/inventory.ts';
import type { AwsClients } from './clients.ts';
import { beforeDeadline, DeadlineExceededError, NOT_STARTED } from './deadline.ts';
import { DEFAULT_REGION_CONCURRENCY, type RegionConcurrency } from './defaults.ts';
import { listEnabledRegions } from './ec2.ts';
import { AccountUnidentifiedError, collectionError, describeAwsError } from './errors.ts';
import { accountAlias, type CallerAccount, whoAmI } from './identity.ts';
import { OrganizationReader, type OrganizationSource } from './organization.ts';
import { readSections } from './read-sections.ts';
import { collectRegion, type RegionRequest } from './region.ts';
import { type AnySection, REGION_SECTION_IDS, sectionsOfScope, sectionsToRead } from './sections/index.ts';

export { DEFAULT_REGION_CONCURRENCY };

export interface LiveCollectOptions {
  clients: AwsClients;
  /** Region names, or `all` for every region enabled in the account. */
  regions: string[] | 'all';
  /** Where account-wide calls go (STS, DescribeRegions, IAM) when `regions` does not say. */
  homeRegion: string;
  needs: ReadonlySet<InventorySection>;
  regionConcurrency?: RegionConcurrency;
  /**
   * The scan's deadline (the Lambda's remaining time less its margin, the CLI's `--timeout`). When
   * it aborts, requests in flight are cancelled, and every section not read by then, started or
   * not, becomes a `DeadlineExceeded` error.
   */
  deadline?: AbortSignal;
  onProgress?: (message: string) => void;
  /**
   * Milliseconds left before `deadline` (the Lambda's remaining time less its margin, what is left of
   * `--timeout`). With it, a region whose announced calls cannot finish in time at the paced rate
   * is given up early: its results are ERROR (`NotScanned`) with the estimate, and it says so.
   */
  timeLeftMs?: () => number;
  /** Told what the operator should know although the scan goes on: a region given up, and why. */
  onNotice?: (message: string) => void;
  /** Told the regions to read once they are known, then each region once it is done, read or not. */
  onStep?: (step: CollectionStep) => void;
  now?: () => Date;
  /**
   * Reads the SCPs (the `organization` section). Default: one over `clients`, which answers when
   * they are the management account's or a delegated administrator's; in a multi-account scan, one
   * over the scan's own credentials, shared by every account; in an Organization run, the SCP
   * paths its plan read.
   */
  organization?: OrganizationSource;
}

export type CollectionStep =
  | { kind: 'regions'; regions: readonly string[] }
  | { kind: 'region-done'; region: string };

export interface LiveCollection {
  inventory: Inventory;
  regions: string[];
  /** False when the deadline cut the scan short, a region was given up, or the regions could not be listed. */
  complete: boolean;
}

/**
 * Errors of the credentials themselves: the user can fix them, so the CLI reports bad usage. Any
 * other failure to identify the account (5xx, throttling, timeouts, a foreign answer) is a
 * failure to collect.
 */
const CREDENTIAL_ERRORS = new Set([
  'CredentialsProviderError',
  'ExpiredToken',
  'ExpiredTokenException',
  'IncompleteSignature',
  'InvalidAccessKeyId',
  'InvalidClientTokenId',
  'MissingAuthenticationToken',
  'SignatureDoesNotMatch',
  'UnrecognizedClientException',
]);

/**
 * The scan's deadline as this collection's own signal: every section in flight listens to it (more
 * than Node's default of 10 listeners before it warns), and it cancels the clients' requests.
 */
function sectionsDeadline(deadline: AbortSignal, clients: AwsClients): AbortSignal {
  const stop = new AbortController();
  setMaxListeners(Number.POSITIVE_INFINITY, stop.signal);
  const passed = () => {
    clients.abortAll();
    stop.abort();
  };
  if (deadline.aborted) passed();
  else deadline.addEventListener('abort', passed, { once: true });
  return stop.signal;
}

/**
 * The account and partition of the clients' credentials. Credential errors are the user's to fix
 * (bad usage); any other failure means nothing can be scanned or attributed to an account.
 */
export async function identifyCaller(
  clients: AwsClients,
  region: string,
  deadline?: AbortSignal,
): Promise<CallerAccount> {
  try {
    return await beforeDeadline(whoAmI(clients.sts(region)), deadline);
  } catch (error) {
    const { code, message } = describeAwsError(error);
    if (CREDENTIAL_ERRORS.has(code)) {
      throw new UserInputError(
        `Could not identify the AWS account (${code}: ${message}); check the credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID) and AWS_REGION`,
      );
    }
    throw new AccountUnidentifiedError(
      `Could not identify the AWS account (GetCallerIdentity failed: ${code}: ${message}), so nothing was scanned`,
    );
  }
}

/**
 * Reads what the enabled rules need from one account, each resource once, regions in parallel.
 * Failures become `collectionErrors` on the part they affect; only an unknown account (no usable
 * credentials) stops the scan.
 */
export async function collectLive(options: LiveCollectOptions): Promise<LiveCollection> {
  const { clients, needs, homeRegion } = options;
  const progress = options.onProgress ?? (() => {});
  const anchorRegion = options.regions === 'all' ? homeRegion : (options.regions[0] ?? homeRegion);
  const deadline = options.deadline && sectionsDeadline(options.deadline, clients);
  const caller = await identifyCaller(clients, anchorRegion, deadline);
  let regions = options.regions === 'all' ? [] : options.regions;
  let regionListingError: CollectionError | undefined;
  if (options.regions === 'all') {
    try {
      regions = await beforeDeadline(listEnabledRegions(clients.ec2(anchorRegion)), deadline);
    } catch (error) {
      // Without the list there is no scope to judge: the anchor region stands for it as an ERROR,
      // so the scan fails closed instead of reporting on no regions at all.
      const { code, message } = describeAwsError(error);
      regions = [anchorRegion];
      regionListingError = {
        section: '*',
        code,
        message: `could not list the enabled regions (DescribeRegions), so no region was scanned: ${message}`,
      };
    }
  }
  const account: Inventory['accounts'][number] = { accountId: caller.accountId, regions: [] };

  // The alias only labels the report: an alias that cannot be read is said, never an ERROR.
  const aliasRead = beforeDeadline(accountAlias(clients.iam(anchorRegion)), deadline).then(
    (alias) => {
      if (alias !== undefined) account.alias = alias;
    },
    (error: unknown) => {
      const { code, message } = describeAwsError(error);
      account.aliasUnread = `ListAccountAliases failed (${code}: ${message})`;
    },
  );

  let organizationReader: OrganizationSource | undefined = options.organization;
  const sectionClients: RegionRequest['clients'] = {
    ec2: (region) => clients.ec2(region),
    iam: (region) => clients.iam(region),
    // The Organization's answers do not depend on the region asked: one reader per scan.
    organizations: () => {
      organizationReader ??= new OrganizationReader(clients.organizations(anchorRegion));
      return organizationReader;
    },
    sagemaker: (region) => clients.sagemaker(region),
  };

  const read = new Set(sectionsToRead(needs));
  const accountSections = sectionsOfScope('account').filter((section) => read.has(section.id));
  const accountRead = readSections({
    sections: accountSections as AnySection[],
    into: account as unknown as Record<string, unknown>,
    client: (name) => sectionClients[name](anchorRegion),
    region: anchorRegion,
    accountId: caller.accountId,
    partition: caller.partition,
    deadline,
  }).then((errors) => {
    for (const section of accountSections)
      if (!errors.some((error) => error.section === section.id)) progress(`${section.title} read`);
    if (errors.length > 0) account.collectionErrors = errors;
  });

  const regionSections = REGION_SECTION_IDS.filter((section) => needs.has(section));
  let complete = true;
  const concurrency = options.regionConcurrency ?? DEFAULT_REGION_CONCURRENCY;
  const limit = pLimit(concurrency === 'all' ? Number.POSITIVE_INFINITY : concurrency);
  const step = options.onStep ?? (() => {});
  step({ kind: 'regions', regions: regionSections.length === 0 ? [] : regions });
  const regionReads =
    regionSections.length === 0
      ? []
      : regions.map((region) =>
          limit(async (): Promise<RegionInventory> => {
            if (regionListingError) {
              complete = false;
              return { region, sections: regionSections, collectionErrors: [regionListingError] };
            }
            if (deadline?.aborted) {
              return {
                region,
                sections: regionSections,
                collectionErrors: [collectionError('*', new DeadlineExceededError(NOT_STARTED))],
              };
            }
            const inventory = await collectRegion({
              clients: sectionClients,
              region,
              accountId: caller.accountId,
              partition: caller.partition,
              needs,
              deadline,
              timing: options.timeLeftMs && { timeLeftMs: options.timeLeftMs, pacer: clients.pacer },
              abandon: (reason) => clients.abortRegion(region, reason),
            });
            const skipped = inventory.collectionErrors?.find((error) => error.code === NOT_SCANNED);
            if (skipped) {
              complete = false;
              options.onNotice?.(
                `Region ${region} of account ${caller.accountId} not scanned: ${skipped.message}`,
              );
            } else progress(`${region} read`);
            return inventory;
          }).finally(() => step({ kind: 'region-done', region })),
        );
  account.regions = await Promise.all(regionReads);
  await accountRead;
  await aliasRead;
  if (deadline?.aborted) complete = false;
  return {
    inventory: {
      snapshotVersion: 1,
      collectedAt: (options.now ?? (() => new Date()))().toISOString(),
      partition: caller.partition,
      accounts: [account],
    },
    regions,
    complete,
  };
}
