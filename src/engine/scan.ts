import { randomUUID } from 'node:crypto';
import { type AccountsPlan, collectAccounts } from '../collect/accounts.ts';
import type { AwsClients } from '../collect/clients.ts';
import { collectLive } from '../collect/index.ts';
import type { RuleConfig } from '../model/config.ts';
import type { Inventory } from '../model/inventory.ts';
import type { Report } from '../model/report.ts';
import { buildReport } from '../report/build.ts';
import type { Rule } from '../rules/types.ts';
import { evaluate } from './evaluate.ts';
import { regionsOf, scopeSnapshot } from './scope.ts';
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
  regionConcurrency?: number;
  /** Aborts when the scan must stop: what is unread by then is ERROR (`DeadlineExceeded`). */
  deadline?: AbortSignal;
  onProgress?: (message: string) => void;
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
  const now = options.now ?? (() => new Date());
  const startedAt = now();
  const { source } = options;
  let inventory: Inventory;
  let complete = true;
  let apiCalls: Record<string, number> = {};
  if (source.kind === 'snapshot') {
    inventory = scopeSnapshot(source.inventory, source.regions);
  } else {
    const collectOptions = {
      clients: source.clients,
      regions: source.regions,
      homeRegion: source.homeRegion,
      needs: sectionsNeeded(options.rules),
      regionConcurrency: source.regionConcurrency,
      deadline: source.deadline,
      onProgress: source.onProgress,
      now,
    };
    const collection = source.accounts
      ? await collectAccounts({ ...collectOptions, plan: source.accounts })
      : await collectLive(collectOptions);
    inventory = collection.inventory;
    complete = collection.complete;
    apiCalls = source.clients.counter.toJSON();
  }
  const evaluation = evaluate(inventory, options.rules, options.config);
  const report = buildReport({
    scanId: options.scanId ?? randomUUID(),
    startedAt,
    finishedAt: now(),
    complete,
    accounts: inventory.accounts.map((account) => account.accountId),
    regions: regionsOf(inventory),
    rules: options.rules,
    evaluation,
    apiCalls,
  });
  return { report, inventory };
}
