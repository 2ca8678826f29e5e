import pLimit from 'p-limit';
import { UserInputError } from '../model/errors.ts';
import type { CollectionError, Inventory, InventorySection, RegionInventory } from '../model/inventory.ts';
import type { AwsClients } from './clients.ts';
import { collectRegion, listEnabledRegions } from './ec2.ts';
import { collectionError, describeAwsError } from './errors.ts';
import { collectIam } from './iam.ts';
import { whoAmI } from './identity.ts';

export const DEFAULT_REGION_CONCURRENCY = 4;

export interface LiveCollectOptions {
  clients: AwsClients;
  /** Region names, or `all` for every region enabled in the account. */
  regions: string[] | 'all';
  /** Where account-wide calls go (STS, DescribeRegions, IAM) when `regions` does not say. */
  homeRegion: string;
  needs: ReadonlySet<InventorySection>;
  regionConcurrency?: number;
  /** Asked before each region starts; false stops new regions (the Lambda deadline). */
  shouldStartRegion?: () => boolean;
  onProgress?: (message: string) => void;
  now?: () => Date;
}

export interface LiveCollection {
  inventory: Inventory;
  regions: string[];
  /** False when regions were not started (their sections carry a `DeadlineExceeded` error). */
  complete: boolean;
}

const EC2_SECTIONS: readonly InventorySection[] = [
  'endpointServices',
  'vpcs',
  'vpcEndpoints',
  'vpcAttributes',
];

/**
 * Reads what the enabled rules need from one account, each resource once, regions in parallel.
 * Failures become `collectionErrors` on the part they affect; only an unknown account (no usable
 * credentials) stops the scan.
 */
export async function collectLive(options: LiveCollectOptions): Promise<LiveCollection> {
  const { clients, needs, homeRegion } = options;
  const progress = options.onProgress ?? (() => {});
  const anchorRegion = options.regions === 'all' ? homeRegion : (options.regions[0] ?? homeRegion);
  let caller: Awaited<ReturnType<typeof whoAmI>>;
  try {
    caller = await whoAmI(clients.sts(anchorRegion));
  } catch (error) {
    const { code, message } = describeAwsError(error);
    throw new UserInputError(
      `Could not identify the AWS account (${code}: ${message}); check the credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID) and AWS_REGION`,
    );
  }
  let regions = options.regions === 'all' ? [] : options.regions;
  let regionListingError: CollectionError | undefined;
  if (options.regions === 'all') {
    try {
      regions = await listEnabledRegions(clients.ec2(anchorRegion));
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
    ? collectIam(clients.iam(anchorRegion)).then(
        (iam) => {
          account.iam = iam;
          progress('IAM authorization details read');
        },
        (error: unknown) => {
          account.collectionErrors = [collectionError('iam', error)];
        },
      )
    : Promise.resolve();

  const ec2Needs = new Set([...needs].filter((section) => EC2_SECTIONS.includes(section)));
  // A region section no collector reads yet still puts the region in the inventory, so the rules
  // needing it report it as not collected instead of finding no region to judge.
  const needsRegions = [...needs].some((section) => section !== 'iam');
  let complete = true;
  const limit = pLimit(options.regionConcurrency ?? DEFAULT_REGION_CONCURRENCY);
  const regionReads = !needsRegions
    ? []
    : regions.map((region) =>
        limit(async (): Promise<RegionInventory> => {
          if (regionListingError) {
            complete = false;
            return { region, collectionErrors: [regionListingError] };
          }
          if (options.shouldStartRegion && !options.shouldStartRegion()) {
            complete = false;
            return {
              region,
              collectionErrors: [
                { section: '*', code: 'DeadlineExceeded', message: 'not reached before the scan deadline' },
              ],
            };
          }
          const inventory = await collectRegion({
            client: clients.ec2(region),
            region,
            accountId: caller.accountId,
            partition: caller.partition,
            needs: ec2Needs,
          });
          progress(`${region} read`);
          return inventory;
        }),
      );
  account.regions = await Promise.all(regionReads);
  await iamRead;
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
