import { createHash } from 'node:crypto';
import type { Delta, Muted } from './annotations.ts';

export const STATUSES = ['PASS', 'FAIL', 'ERROR'] as const;
export type Status = (typeof STATUSES)[number];

export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'informational'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** The region label of results about global (IAM) resources. */
export const GLOBAL_REGION = 'global';

/** What a rule says about one resource; the engine completes it into a {@link Result}. */
export interface ResultDraft {
  status: Status;
  accountId: string;
  region: string;
  resourceType: string;
  resourceId: string;
  resourceArn?: string;
  message: string;
  /** A fix for this resource in particular; the rule's generic remediation when absent. */
  remediation?: string;
  evidence: Record<string, unknown>;
}

export interface Result extends Required<Omit<ResultDraft, 'resourceArn'>> {
  id: string;
  ruleId: string;
  severity: Severity;
  title: string;
  resourceArn?: string;
  /** What a person calls the resource: a VPC's or endpoint's `Name` tag, a Studio domain's or IAM principal's name. */
  resourceName?: string;
  /** The resource is its region's default VPC. */
  defaultVpc?: true;
  /** Set on a FAIL that an accepted exception covers: it stays FAIL but does not count. */
  muted?: Muted;
  /** How the result compares with the previous scan, when there is one to compare with. */
  delta?: Delta;
}

/**
 * What identifies a finding in an exported format: the part a current result shares with a
 * resolved entry of the baseline, so both export the same way.
 */
export type FindingSubject = Pick<
  Result,
  'id' | 'ruleId' | 'accountId' | 'region' | 'resourceId' | 'title' | 'severity'
> &
  Partial<Pick<Result, 'resourceArn' | 'resourceType'>>;

/** A part of the scope that a rule deliberately did not judge, and why. */
export interface SkippedScope {
  ruleId?: string;
  accountId?: string;
  region: string;
  resourceId?: string;
  reason: string;
}

/**
 * The same problem gets the same id tomorrow, so alerts and suppressions can follow it.
 *
 * @example resultId('vpc-sagemaker-endpoints', '123456789012', 'eu-west-1', 'vpc-0abc')
 */
export function resultId(ruleId: string, accountId: string, region: string, resourceId: string): string {
  return createHash('sha256')
    .update([ruleId, accountId, region, resourceId].join('\u0000'))
    .digest('hex')
    .slice(0, 24);
}
