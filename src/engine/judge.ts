import { randomUUID } from 'node:crypto';
import type { Inventory } from '../model/inventory.ts';
import { buildReport } from '../report/build.ts';
import { evaluate } from './evaluate.ts';
import type { ScanOptions, ScanOutcome, SnapshotSource } from './scan.ts';
import { regionsOf, scopeSnapshot } from './scope.ts';

/** What judging needs besides the inventory: the rules and their configuration. */
export type JudgeOptions = Omit<ScanOptions, 'source'>;

/**
 * evaluate → report over an inventory already at hand. Apart from `runScan`, which also collects,
 * so that judging an evidence file loads neither the collectors nor the AWS SDK beneath them.
 */
export function judgeInventory(
  inventory: Inventory,
  options: JudgeOptions,
  run: { startedAt: Date; complete: boolean; apiCalls: Record<string, number> },
): ScanOutcome {
  const now = options.now ?? (() => new Date());
  const evaluation = evaluate(inventory, options.rules, options.config);
  const report = buildReport({
    scanId: options.scanId ?? randomUUID(),
    startedAt: run.startedAt,
    finishedAt: now(),
    complete: run.complete,
    accounts: inventory.accounts.map((account) => account.accountId),
    aliases: {
      read: Object.fromEntries(
        inventory.accounts.flatMap(({ accountId, alias }) =>
          alias === undefined ? [] : [[accountId, alias]],
        ),
      ),
      unread: Object.fromEntries(
        inventory.accounts.flatMap(({ accountId, aliasUnread }) =>
          aliasUnread === undefined ? [] : [[accountId, aliasUnread]],
        ),
      ),
    },
    regions: regionsOf(inventory),
    rules: options.rules,
    evaluation,
    apiCalls: run.apiCalls,
  });
  return { report, inventory };
}

/** The regions of an evidence file that the source asks for (every one without a list), judged. */
export function judgeSnapshot(source: SnapshotSource, options: JudgeOptions): ScanOutcome {
  const startedAt = (options.now ?? (() => new Date()))();
  return judgeInventory(scopeSnapshot(source.inventory, source.regions), options, {
    startedAt,
    complete: true,
    apiCalls: {},
  });
}
