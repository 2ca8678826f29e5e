import { type AccountsPlan, collectAccounts } from '../collect/accounts.ts';
import type { AwsClients } from '../collect/clients.ts';
import type { RegionConcurrency } from '../collect/defaults.ts';
import { type CollectionStep, collectLive } from '../collect/index.ts';
import type { RuleConfig } from '../model/config.ts';
import type { Inventory } from '../model/inventory.ts';
import type { Report } from '../model/report.ts';
import type { Rule } from '../rules/types.ts';
import { judgeInventory, judgeSnapshot } from './judge.ts';
import { sectionsNeeded } from './select.ts';

export interface SnapshotSource {
  kind: 'snapshot';
  inventory: Inventory;
  /** Regions to judge; every region of the snapshot when absent. */
  regions?: string[];
}

export interface LiveSource {
  kind: 'live';
  /** The scan's own credentials: the account scanned, or those that assume the roles of `accounts`. */
  clients: AwsClients;
  /** Other accounts to scan through roles, instead of the credentials' own account. */
  accounts?: AccountsPlan;
  regions: string[] | 'all';
  homeRegion: string;
  regionConcurrency?: RegionConcurrency;
  /** Aborts when the scan must stop: what is unread by then is ERROR (`DeadlineExceeded`). */
  deadline?: AbortSignal;
  /** Milliseconds left before `deadline`: regions that cannot finish in time are given up early (`NotScanned`). */
  timeLeftMs?: () => number;
  /** Told of each region given up, with the estimate. */
  onNotice?: (message: string) => void;
  onProgress?: (message: string) => void;
  onStep?: (step: CollectionStep) => void;
}

export interface ScanOptions {
  rules: readonly Rule[];
  config: RuleConfig;
  source: SnapshotSource | LiveSource;
  scanId?: string;
  now?: () => Date;
}

export interface ScanOutcome {
  report: Report;
  /** What the rules read: written out as the evidence (snapshot) file. */
  inventory: Inventory;
}

/** collect → evaluate → report, for a live account or a snapshot alike. */
export async function runScan(options: ScanOptions): Promise<ScanOutcome> {
  const { source } = options;
  if (source.kind === 'snapshot') return judgeSnapshot(source, options);
  const now = options.now ?? (() => new Date());
  const startedAt = now();
  const collectOptions = {
    clients: source.clients,
    regions: source.regions,
    homeRegion: source.homeRegion,
    needs: sectionsNeeded(options.rules),
    regionConcurrency: source.regionConcurrency,
    deadline: source.deadline,
    timeLeftMs: source.timeLeftMs,
    onNotice: source.onNotice,
    onProgress: source.onProgress,
    onStep: source.onStep,
    now,
  };
  const collection = source.accounts
    ? await collectAccounts({ ...collectOptions, plan: source.accounts })
    : await collectLive(collectOptions);
  return judgeInventory(collection.inventory, options, {
    startedAt,
    complete: collection.complete,
    apiCalls: source.clients.counter.toJSON(),
  });
}
