import { readFile } from 'node:fs/promises';
import * as z from 'zod';
import { UserInputError } from '../model/errors.ts';
import { fileKindOf } from '../model/file-kind.ts';
import { SEVERITIES, STATUSES } from '../model/result.ts';
import { jsonPath } from '../model/snapshot.ts';
import type { PreviousScan } from './delta.ts';

/**
 * Only what the comparison reads, so that a report written by an older or newer version of the
 * scanner still serves as a baseline.
 */
const previousReportSchema = z.looseObject({
  scanId: z.string(),
  startedAt: z.string(),
  results: z.array(
    z.looseObject({
      id: z.string(),
      ruleId: z.string(),
      status: z.enum(STATUSES),
      severity: z.enum(SEVERITIES),
      accountId: z.string(),
      region: z.string(),
      resourceId: z.string(),
      title: z.string(),
      delta: z.looseObject({ firstSeen: z.string().optional() }).optional(),
      muted: z.looseObject({}).optional(),
    }),
  ),
});

/** Validates a previous JSON report; the error names the source and the JSON path at fault. */
export function parseBaseline(data: unknown, source: string): PreviousScan {
  if (fileKindOf(data) === 'evidence') {
    throw new UserInputError(
      `${source}: this is an evidence file (written by snapshot), not a report; judge it with --input, and give --baseline a report written by scan --format json`,
    );
  }
  const parsed = previousReportSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UserInputError(
      `${source}: not a scanner JSON report at ${jsonPath(issue?.path ?? [])}: ${issue?.message}`,
    );
  }
  return parsed.data as unknown as PreviousScan;
}

export function parseBaselineText(text: string, source: string): PreviousScan {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new UserInputError(`${source}: not valid JSON (${(error as Error).message})`);
  }
  return parseBaseline(data, source);
}

/**
 * Reads the `--baseline` file: a report written by `scan --format json` (or stored by the Lambda).
 * A file that cannot be read is not a reason to skip the scan: the comparison says why it is
 * missing and every problem counts as new. A file that reads but is not a report is a mistake in
 * the command line and fails.
 */
export async function loadBaseline(path: string): Promise<{ previous: PreviousScan } | { error: string }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    return { error: `${path}: cannot read the baseline report (${(error as NodeJS.ErrnoException).code})` };
  }
  return { previous: parseBaselineText(text, path) };
}
