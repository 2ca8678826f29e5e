import * as z from 'zod';
import { organization } from '../collect/sections/organization.ts';
import type { AccountOrganization } from './inventory.ts';

/**
 * The payloads of one Organization run, as the Step Functions state machine passes them between
 * the `plan` Lambda, the Distributed Map that runs the scan Lambda once per account, and the
 * `aggregate` Lambda. The state machine (infra) builds these shapes from the same names; the
 * handlers validate what they receive against these schemas, so a drift between the ASL and the
 * code is a clear error naming the field, not a silently empty digest.
 *
 * The run's data lives in the reports bucket:
 * - `organization/runs/<runId>/plan.json`: the account list the Map reads (`ItemReader`, JSON array);
 * - `organization/runs/<runId>/results/`: the Map's `ResultWriter` output (manifest.json and result files);
 * - `reports/<accountId>/…`: each account's report and `latest.json`, as a single-account scan stores them;
 * - `reports/organization/<yyyy>/<mm>/<dd>/<runId>.json`: the Organization digest.
 */

const accountId = z.string().regex(/^\d{12}$/, 'expected a 12-digit account id');
/** Step Functions execution names: 1–80 characters of letters, digits, `-` and `_`. */
const runId = z.string().regex(/^[A-Za-z0-9_-]{1,80}$/, 'expected a Step Functions execution name');

/** The prefix under which a run keeps its plan and its Map results. */
export function runPrefix(id: string): string {
  return `organization/runs/${id}/`;
}

/** The `plan` Lambda's input: the state machine passes `{ "runId.$": "$$.Execution.Name" }`. */
export const planInput = z.strictObject({ runId });
export type PlanInput = z.infer<typeof planInput>;

/**
 * One element of the plan file: one account to scan, with its place in the Organization and the
 * SCPs on its path, read once by `plan` for the whole Organization.
 */
export const planItem = z.strictObject({
  accountId,
  accountName: z.string(),
  // The section registry types its schemas loosely; this one parses to the section's own type.
  organization: organization.schema as z.ZodType<AccountOrganization>,
});
export type PlanItem = z.infer<typeof planItem>;

/** The `plan` Lambda's result, kept by the state machine at `$.plan`. */
export const planOutput = z.strictObject({
  runId,
  bucket: z.string().min(3),
  /** The plan file's key: the Distributed Map's `ItemReader` reads it. */
  key: z.string().min(1),
  accountCount: z.number().int().nonnegative(),
  /** The management account: StackSets do not reach it, so the digest says whether it was covered. */
  managementAccountId: accountId.optional(),
});
export type PlanOutput = z.infer<typeof planOutput>;

/**
 * What the Map's `ItemSelector` gives the scan Lambda for one account:
 * `{ "kind": "organization-account", "runId.$": "$.plan.runId", "account.$": "$$.Map.Item.Value" }`.
 */
export const ORGANIZATION_ACCOUNT_EVENT = 'organization-account';
export const organizationAccountEvent = z.strictObject({
  kind: z.literal(ORGANIZATION_ACCOUNT_EVENT),
  runId,
  account: planItem,
});
export type OrganizationAccountEvent = z.infer<typeof organizationAccountEvent>;

const counts = z.strictObject({
  pass: z.number().int().nonnegative(),
  fail: z.number().int().nonnegative(),
  error: z.number().int().nonnegative(),
  muted: z.number().int().nonnegative(),
});

/**
 * The scan Lambda's answer for one account (the Map's per-item output, written by `ResultWriter`).
 * Small on purpose: the digest reads each account's stored report for the findings themselves.
 */
export const accountScanOutcome = z.strictObject({
  accountId,
  /** `unreadable`: the member role could not be assumed; the report holds the one ERROR result. */
  status: z.enum(['scanned', 'unreadable']),
  /** The stored report (`reports/<accountId>/…`); absent when storing it failed. */
  reportKey: z.string().optional(),
  storageError: z.string().optional(),
  complete: z.boolean(),
  summary: counts,
});
export type AccountScanOutcome = z.infer<typeof accountScanOutcome>;

/**
 * The `aggregate` Lambda's input:
 * `{ "runId.$": "$.plan.runId", "plan.$": "$.plan", "results.$": "$.map.ResultWriterDetails" }`.
 */
export const aggregateInput = z.strictObject({
  runId,
  plan: planOutput,
  /** Where the Distributed Map's `ResultWriter` put its manifest. */
  results: z.strictObject({ Bucket: z.string().min(3), Key: z.string().min(1) }),
});
export type AggregateInput = z.infer<typeof aggregateInput>;
