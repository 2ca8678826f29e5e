import type { Delta, ResolvedEntry } from '../model/annotations.ts';
import type { Result, Status } from '../model/result.ts';

export interface PreviousScan {
  scanId: string;
  startedAt: string;
  results: (Result & { delta?: Delta })[];
}

export interface CurrentScope {
  startedAt: string;
  accounts: readonly string[];
  regions: readonly string[];
  rules: readonly string[];
}

export interface DeltaOutcome<R extends Result> {
  results: (R & { delta: Delta })[];
  resolved: ResolvedEntry[];
}

const isProblem = (status: Status) => status !== 'PASS';

/**
 * Compares a scan's results with the previous scan's by their deterministic ids. Without a previous
 * scan every problem is `new`. A previous problem counts as resolved-because-gone only when the
 * current scan covered its rule, account and region, and judged that rule there without an ERROR:
 * a one-region audit resolves nothing elsewhere, and a region that could not be read resolves nothing.
 */
export function compareWithPrevious<R extends Result>(
  results: readonly R[],
  previous: PreviousScan | undefined,
  scope: CurrentScope,
): DeltaOutcome<R> {
  const before = new Map((previous?.results ?? []).map((result) => [result.id, result]));
  const withDelta = results.map((result) => {
    const earlier = before.get(result.id);
    let delta: Delta;
    if (!isProblem(result.status)) {
      delta =
        earlier && isProblem(earlier.status)
          ? { change: 'resolved', previousStatus: earlier.status }
          : { change: 'unchanged', ...(earlier ? { previousStatus: earlier.status } : {}) };
    } else if (earlier === undefined) {
      delta = { change: 'new', firstSeen: scope.startedAt };
    } else if (!isProblem(earlier.status)) {
      delta = { change: 'regressed', firstSeen: scope.startedAt, previousStatus: earlier.status };
    } else {
      delta = {
        change: 'persisting',
        firstSeen: earlier.delta?.firstSeen ?? previous?.startedAt ?? scope.startedAt,
        previousStatus: earlier.status,
      };
    }
    if (earlier?.muted !== undefined) delta.previouslyMuted = true;
    return { ...result, delta };
  });
  const current = new Map(results.map((result) => [result.id, result]));
  // Where the rule could not judge something tonight, a missing result may be a resource that was
  // not read rather than one that is gone: nothing there is resolved-because-gone.
  const scopeKey = (result: Result) => `${result.ruleId}\u0000${result.accountId}\u0000${result.region}`;
  const unreadScopes = new Set(results.filter((result) => result.status === 'ERROR').map(scopeKey));
  const covered = (result: Result) =>
    scope.rules.includes(result.ruleId) &&
    scope.accounts.includes(result.accountId) &&
    (result.region === 'global' || scope.regions.includes(result.region)) &&
    !unreadScopes.has(scopeKey(result));
  const resolved: ResolvedEntry[] = [];
  for (const earlier of previous?.results ?? []) {
    if (!isProblem(earlier.status)) continue;
    const now = current.get(earlier.id);
    const outcome =
      now === undefined
        ? covered(earlier)
          ? 'gone'
          : undefined
        : now.status === 'PASS'
          ? 'PASS'
          : undefined;
    if (outcome === undefined) continue;
    resolved.push({
      id: earlier.id,
      ruleId: earlier.ruleId,
      accountId: earlier.accountId,
      region: earlier.region,
      resourceId: earlier.resourceId,
      previousStatus: earlier.status,
      now: outcome,
      title: earlier.title,
      severity: earlier.severity,
    });
  }
  return { results: withDelta, resolved };
}
