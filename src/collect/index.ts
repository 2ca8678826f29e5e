import { setMaxListeners } from 'node:events';
import pLimit from 'p-limit';
import { UserInputError } from '../model/errors.ts';
import {
  type CollectionError,
  type Inventory,
  type InventorySection,
  REGION_SECTIONS,
  type RegionInventory,
} from '../model/inventory.ts';
import type { AwsClients } from './clients.ts';
import { beforeDeadline, DeadlineExceededError, NOT_FINISHED, NOT_STARTED } from './deadline.ts';
import { collectRegion, listEnabledRegions } from './ec2.ts';
import { AccountUnidentifiedError, collectionError, describeAwsError } from './errors.ts';
import { collectIam } from './iam.ts';
import { type CallerAccount, whoAmI } from './identity.ts';
import { OrganizationReader } from './organization.ts';

export const DEFAULT_REGION_CONCURRENCY = 4;

export interface LiveCollectOptions {
  clients: AwsClients;
  /** Region names, or `all` for every region enabled in the account. */
  regions: string[] | 'all';
  /** Where account-wide calls go (STS, DescribeRegions, IAM) when `regions` does not say. */
  homeRegion: string;
  needs: ReadonlySet<InventorySection>;
  regionConcurrency?: number;
  /**
   * The scan's deadline (the Lambda's remaining time less its margin, the CLI's `--timeout`). When
   * it aborts, requests in flight are cancelled, and every section not read by then, started or
   * not, becomes a `DeadlineExceeded` error.
   */
  deadline?: AbortSignal;
  onProgress?: (message: string) => void;
  now?: () => Date;
  /**
   * Reads the SCPs (the `organization` section). Default: one over `clients`, which answers when
   * they are the management account's or a delegated administrator's; in a multi-account scan, one
   * over the scan's own credentials, shared by every account.
   */
  organization?: OrganizationReader;
}

export interface LiveCollection {
  inventory: Inventory;
  regions: string[];
  /** False when the deadline cut the scan short or the regions could not be listed. */
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

  const iamRead = needs.has('iam')
    ? beforeDeadline(collectIam(clients.iam(anchorRegion)), deadline).then(
        (iam) => {
          account.iam = iam;
          progress('IAM authorization details read');
        },
        (error: unknown) => {
          const cause = deadline?.aborted ? new DeadlineExceededError(NOT_FINISHED) : error;
          account.collectionErrors = [...(account.collectionErrors ?? []), collectionError('iam', cause)];
        },
      )
    : Promise.resolve();

  const organizationRead = needs.has('organization')
    ? beforeDeadline(
        (options.organization ?? new OrganizationReader(clients.organizations(anchorRegion))).accountSection(
          caller.accountId,
        ),
        deadline,
      ).then(
        (organization) => {
          account.organization = organization;
          progress('service control policies read');
        },
        (error: unknown) => {
          const cause = deadline?.aborted ? new DeadlineExceededError(NOT_FINISHED) : error;
          account.collectionErrors = [
            ...(account.collectionErrors ?? []),
            collectionError('organization', cause),
          ];
        },
      )
    : Promise.resolve();

  const regionSections = REGION_SECTIONS.filter((section) => needs.has(section));
  const needsSageMaker =
    needs.has('sagemakerNotebooks') || needs.has('sagemakerDomains') || needs.has('subnets');
  let complete = true;
  const limit = pLimit(options.regionConcurrency ?? DEFAULT_REGION_CONCURRENCY);
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
              client: clients.ec2(region),
              ...(needsSageMaker ? { sagemaker: clients.sagemaker(region) } : {}),
              region,
              accountId: caller.accountId,
              partition: caller.partition,
              needs,
              deadline,
            });
            progress(`${region} read`);
            return inventory;
          }),
        );
  account.regions = await Promise.all(regionReads);
  await iamRead;
  await organizationRead;
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
