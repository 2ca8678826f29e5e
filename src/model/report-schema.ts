import * as z from 'zod';
import { SEVERITIES, STATUSES } from './result.ts';

const counts = z.strictObject({
  pass: z.number().int().nonnegative(),
  fail: z.number().int().nonnegative(),
  error: z.number().int().nonnegative(),
});

const isoTimestamp = z.iso.datetime({ offset: true });

const skipped = z.strictObject({
  ruleId: z.string().optional(),
  accountId: z.string().optional(),
  region: z.string(),
  resourceId: z.string().optional(),
  reason: z.string(),
});

const result = z.strictObject({
  id: z.string().regex(/^[0-9a-f]{24}$/, 'hash of rule id, account, region and resource id'),
  ruleId: z.string(),
  status: z.enum(STATUSES),
  severity: z.enum(SEVERITIES),
  accountId: z.string(),
  region: z.string().meta({ description: 'an AWS region, or "global" for IAM resources' }),
  resourceType: z.string(),
  resourceId: z.string(),
  resourceArn: z.string().optional(),
  resourceName: z.string().optional().meta({
    description:
      "what a person calls the resource: a VPC's or endpoint's Name tag, a Studio domain's name, an IAM user's, role's or policy's name",
  }),
  defaultVpc: z.literal(true).optional().meta({ description: "the resource is its region's default VPC" }),
  title: z.string(),
  message: z.string(),
  remediation: z.string(),
  evidence: z.record(z.string(), z.unknown()),
  muted: z
    .strictObject({
      reason: z.string(),
      expires: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
      owner: z.string().optional(),
      entry: z.union([z.number().int().nonnegative(), z.literal('tag')]),
    })
    .optional()
    .meta({ description: 'an accepted exception covers this FAIL: it stays FAIL but does not count' }),
  delta: z
    .strictObject({
      change: z.enum(['new', 'persisting', 'regressed', 'resolved', 'unchanged']),
      firstSeen: isoTimestamp.optional(),
      previousStatus: z.enum(STATUSES).optional(),
      previouslyMuted: z.literal(true).optional().meta({
        description: 'the previous scan had this result muted by an accepted exception',
      }),
    })
    .optional()
    .meta({ description: 'the comparison with the previous scan, when there was one to compare with' }),
});

const suppressionSummary = z.strictObject({
  entry: z.number().int().nonnegative(),
  rule: z.string(),
  reason: z.string(),
  expires: z.string(),
  owner: z.string().optional(),
});

/**
 * The JSON report (`--format json`, the Lambda's result, the SNS payload), schema version 1.
 * `schemas/report.schema.json` is generated from it (`npm run schemas`).
 */
export const reportSchema = z
  .strictObject({
    schemaVersion: z.literal(1),
    tool: z.strictObject({ name: z.string(), version: z.string() }),
    scanId: z.string(),
    startedAt: isoTimestamp,
    finishedAt: isoTimestamp,
    complete: z.boolean().meta({
      description: 'false when part of the scope was not reached (deadline); those parts are ERROR results',
    }),
    scope: z.strictObject({
      accounts: z.array(z.string()),
      regions: z.array(z.string()),
      rules: z.array(z.string()),
      skipped: z.array(skipped),
      accountAliases: z
        .record(z.string(), z.string())
        .optional()
        .meta({ description: "each account's alias (iam:ListAccountAliases), for those that have one" }),
      accountAliasesUnread: z.record(z.string(), z.string()).optional().meta({
        description:
          'accounts whose alias could not be read, and why: not an error of the scan, only no alias to show',
      }),
    }),
    summary: z.strictObject({
      ...counts.shape,
      byRule: z.record(z.string(), counts),
      bySeverity: z.partialRecord(z.enum(SEVERITIES), counts),
      evaluated: z.record(z.string(), z.record(z.string(), z.number())),
      muted: z
        .number()
        .int()
        .nonnegative()
        .meta({ description: 'FAIL results muted by an accepted exception' }),
    }),
    results: z.array(result),
    stats: z.strictObject({
      apiCalls: z
        .record(z.string().regex(/^[a-z0-9-]+:[A-Za-z0-9]+$/), z.number().int().nonnegative())
        .meta({ description: 'requests per `service:Operation` (retries not counted); empty for --input' }),
    }),
    expiredSuppressions: z.array(suppressionSummary).optional(),
    unusedSuppressions: z.array(suppressionSummary).optional(),
    invalidSuppressionTags: z
      .array(
        z.strictObject({
          accountId: z.string(),
          resourceId: z.string(),
          value: z.string(),
          problem: z.string(),
        }),
      )
      .optional(),
    baseline: z
      .union([
        z.strictObject({ scanId: z.string(), startedAt: isoTimestamp, source: z.string() }),
        z.strictObject({ firstScan: z.literal(true), source: z.string() }),
        z.strictObject({ error: z.string() }),
      ])
      .optional(),
    resolved: z
      .array(
        z.strictObject({
          id: z.string(),
          ruleId: z.string(),
          accountId: z.string(),
          region: z.string(),
          resourceId: z.string(),
          previousStatus: z.enum(STATUSES),
          now: z.enum(['PASS', 'gone']),
          title: z.string(),
          severity: z.enum(SEVERITIES),
        }),
      )
      .optional(),
    storedAt: z.string().optional().meta({ description: 'where the Lambda stored this report' }),
    storedHtmlAt: z.string().optional().meta({
      description:
        "where the Lambda stored this report's HTML page, beside storedAt. Set on the returned report; the dated JSON copy in S3 is written before and does not carry it.",
    }),
    baselineUpdate: z
      .discriminatedUnion('outcome', [
        z.strictObject({ outcome: z.literal('moved'), source: z.string() }),
        z.strictObject({
          outcome: z.literal('kept'),
          source: z.string(),
          reason: z.string(),
          heldBy: z.strictObject({ scanId: z.string(), startedAt: isoTimestamp }).optional(),
        }),
      ])
      .optional()
      .meta({
        description:
          'Lambda, scans of the deployed scope only: whether this report became latest.json, the next baseline. "kept": another scan replaced latest.json while this one ran and it was not overwritten (a scan that started later holds it, named in heldBy, or its version could not be established). Set on the returned report; the dated copy in S3 is written before and does not carry it.',
      }),
    topicReach: z
      .union([
        z.strictObject({
          topicArn: z.string(),
          confirmed: z.number().int().nonnegative(),
          pending: z.number().int().nonnegative(),
          warning: z.string().optional(),
        }),
        z.strictObject({ topicArn: z.string(), error: z.string() }),
      ])
      .optional()
      .meta({
        description:
          'Lambda, with a findings topic: its confirmed and pending subscriptions (SNS ListSubscriptionsByTopic), a warning when none is confirmed (then findings and alarms on the topic reach nobody), or why they could not be listed.',
      }),
  })
  .meta({ title: 'SageMaker compliance scanner report', description: 'schemaVersion 1' });
