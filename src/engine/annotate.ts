import { compareWithPrevious, type PreviousScan } from '../history/delta.ts';
import type { BaselineInfo } from '../model/annotations.ts';
import type { Inventory } from '../model/inventory.ts';
import type { Report } from '../model/report.ts';
import { applySuppressions } from '../suppress/apply.ts';
import type { Suppression } from '../suppress/suppressions.ts';

export interface Annotations {
  /** Accepted exceptions from the suppressions file; none when absent. */
  suppressions?: readonly Suppression[];
  /** Honour `sagemaker-compliance:suppress` tags (off by default: anyone who can tag could mute). */
  tagSuppression?: { horizonDays: number };
  /**
   * The previous scan to compare with (`previous` absent: there is none yet), or why it could not
   * be read. Either way without one every problem is new, and the report says which case it was.
   * Absent: no comparison at all.
   */
  baseline?: { previous?: PreviousScan; source: string } | { error: string };
  inventory: Inventory;
  now: Date;
}

/**
 * Adds what turns a scan into an alert people keep reading: accepted exceptions (muted FAILs that
 * keep their status) and the change since the previous scan. Every result stays in the report.
 */
export function annotateReport(report: Report, annotations: Annotations): Report {
  let annotated: Report = report;
  if (annotations.suppressions !== undefined || annotations.tagSuppression !== undefined) {
    const outcome = applySuppressions(
      report.results,
      annotations.suppressions ?? [],
      annotations.now,
      annotations.tagSuppression && { inventory: annotations.inventory, ...annotations.tagSuppression },
    );
    annotated = {
      ...annotated,
      results: outcome.results,
      summary: { ...annotated.summary, muted: outcome.results.filter((result) => result.muted).length },
      expiredSuppressions: outcome.expiredSuppressions,
      unusedSuppressions: outcome.unusedSuppressions,
      ...(annotations.tagSuppression ? { invalidSuppressionTags: outcome.invalidSuppressionTags } : {}),
    };
  }
  if (annotations.baseline !== undefined) {
    const given = annotations.baseline;
    const previous = 'source' in given ? given.previous : undefined;
    const { results, resolved } = compareWithPrevious(annotated.results, previous, {
      startedAt: annotated.startedAt,
      ...annotated.scope,
    });
    const baseline: BaselineInfo =
      'error' in given
        ? { error: given.error }
        : previous
          ? { scanId: previous.scanId, startedAt: previous.startedAt, source: given.source }
          : { firstScan: true, source: given.source };
    annotated = { ...annotated, results, resolved, baseline };
  }
  return annotated;
}
