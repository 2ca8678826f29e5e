import type { ResolvedEntry } from '../model/annotations.ts';
import type { Report } from '../model/report.ts';
import {
  type FindingSubject,
  GLOBAL_REGION,
  type Result,
  type Severity,
  type Status,
} from '../model/result.ts';
import { RULES } from '../rules/index.ts';
import { partitionOf } from './asff.ts';
import { TOOL } from './build.ts';

/** The OCSF schema version the events follow. */
export const OCSF_VERSION = '1.3.0';

/** Findings category (2), Compliance Finding class (2003 = category × 1000 + 3). */
export const OCSF_CATEGORY_UID = 2;
export const OCSF_CLASS_UID = 2003;

const STANDARD = 'SageMaker private networking (sagemaker-compliance-scanner rules)';

const ACTIVITY = { create: [1, 'Create'], update: [2, 'Update'], close: [3, 'Close'] } as const;

const SEVERITY_ID: Record<Severity, [number, string]> = {
  informational: [1, 'Informational'],
  low: [2, 'Low'],
  medium: [3, 'Medium'],
  high: [4, 'High'],
  critical: [5, 'Critical'],
};

/** `Warning` is OCSF's "the compliance check did not yield a result due to missing information". */
const COMPLIANCE_STATUS: Record<Status, [number, string]> = {
  PASS: [1, 'Pass'],
  ERROR: [2, 'Warning'],
  FAIL: [3, 'Fail'],
};

/** The finding's lifecycle: new, suppressed (an accepted exception) or resolved (the resource is gone). */
const FINDING_STATUS = { new: [1, 'New'], suppressed: [3, 'Suppressed'], resolved: [4, 'Resolved'] } as const;

export interface OcsfEvent {
  activity_id: number;
  activity_name: string;
  category_uid: number;
  category_name: string;
  class_uid: number;
  class_name: string;
  type_uid: number;
  type_name: string;
  time: number;
  severity_id: number;
  severity: string;
  status_id: number;
  status: string;
  message: string;
  metadata: {
    version: string;
    product: { name: string; uid: string; vendor_name: string; version: string };
    profiles: string[];
    event_code: string;
    uid: string;
  };
  cloud: { provider: 'AWS'; account: { uid: string; type_id: 10; type: 'AWS Account' }; region?: string };
  finding_info: {
    uid: string;
    title: string;
    desc: string;
    created_time: number;
    first_seen_time: number;
    last_seen_time: number;
    src_url?: string;
  };
  compliance: {
    standards: string[];
    control: string;
    status_id?: number;
    status?: string;
    status_code: string;
    status_detail: string;
  };
  resources: Array<{ uid: string; name: string; type?: string; region?: string; cloud_partition: string }>;
  remediation?: { desc: string; references?: string[] };
  unmapped: Record<string, unknown>;
}

function epochMillis(timestamp: string): number {
  return Date.parse(timestamp);
}

function event(
  entry: FindingSubject,
  report: Report,
  parts: {
    activity: readonly [number, string];
    findingStatus: readonly [number, string];
    /** Absent for a closed finding: there is no resource left to judge. */
    compliance?: readonly [number, string];
    statusCode: string;
    message: string;
    firstSeen: string;
    remediation?: string;
    unmapped: Record<string, unknown>;
  },
): OcsfEvent {
  const [activityId, activityName] = parts.activity;
  const [severityId, severityName] = SEVERITY_ID[entry.severity];
  const global = entry.region === GLOBAL_REGION;
  const references = RULES.find((rule) => rule.meta.id === entry.ruleId)?.meta.references ?? [];
  const scanned = epochMillis(report.startedAt);
  return {
    activity_id: activityId,
    activity_name: activityName,
    category_uid: OCSF_CATEGORY_UID,
    category_name: 'Findings',
    class_uid: OCSF_CLASS_UID,
    class_name: 'Compliance Finding',
    type_uid: OCSF_CLASS_UID * 100 + activityId,
    type_name: `Compliance Finding: ${activityName}`,
    time: scanned,
    severity_id: severityId,
    severity: severityName,
    status_id: parts.findingStatus[0],
    status: parts.findingStatus[1],
    message: parts.message,
    metadata: {
      version: OCSF_VERSION,
      product: { name: TOOL.name, uid: TOOL.name, vendor_name: TOOL.name, version: TOOL.version },
      profiles: ['cloud'],
      event_code: entry.ruleId,
      uid: `${report.scanId}/${entry.id}`,
    },
    cloud: {
      provider: 'AWS',
      account: { uid: entry.accountId, type_id: 10, type: 'AWS Account' },
      ...(global ? {} : { region: entry.region }),
    },
    finding_info: {
      uid: entry.id,
      title: entry.title,
      desc: parts.message,
      created_time: epochMillis(parts.firstSeen),
      first_seen_time: epochMillis(parts.firstSeen),
      last_seen_time: scanned,
      ...(references[0] ? { src_url: references[0] } : {}),
    },
    compliance: {
      standards: [STANDARD],
      control: entry.ruleId,
      ...(parts.compliance ? { status_id: parts.compliance[0], status: parts.compliance[1] } : {}),
      status_code: parts.statusCode,
      status_detail: parts.message,
    },
    resources: [
      {
        uid: entry.resourceArn ?? entry.resourceId,
        name: entry.resourceId,
        ...(entry.resourceType ? { type: entry.resourceType } : {}),
        ...(global ? {} : { region: entry.region }),
        cloud_partition: partitionOf(entry.region, entry.resourceArn),
      },
    ],
    ...(parts.remediation ? { remediation: { desc: parts.remediation, references } } : {}),
    unmapped: parts.unmapped,
  };
}

function resultEvent(result: Result, report: Report): OcsfEvent {
  const change = result.delta?.change;
  return event(result, report, {
    activity: change === undefined || change === 'new' ? ACTIVITY.create : ACTIVITY.update,
    findingStatus: result.muted ? FINDING_STATUS.suppressed : FINDING_STATUS.new,
    compliance: COMPLIANCE_STATUS[result.status],
    statusCode: result.status,
    message: result.message,
    firstSeen: result.delta?.firstSeen ?? report.startedAt,
    ...(result.status === 'PASS' ? {} : { remediation: result.remediation }),
    unmapped: {
      region: result.region,
      evidence: result.evidence,
      ...(result.muted ? { muted: result.muted } : {}),
      ...(result.delta ? { delta: result.delta } : {}),
    },
  });
}

/** A previous problem whose resource is gone: the finding is closed. */
function goneEvent(entry: ResolvedEntry, report: Report): OcsfEvent {
  return event(entry, report, {
    activity: ACTIVITY.close,
    findingStatus: FINDING_STATUS.resolved,
    statusCode: 'RESOLVED',
    message: `Resolved: ${entry.resourceId} no longer exists (it was ${entry.previousStatus} in the previous scan).`,
    firstSeen: report.startedAt,
    unmapped: { region: entry.region, previousStatus: entry.previousStatus },
  });
}

/**
 * OCSF Compliance Finding events (class 2003, schema 1.3.0): one per result, and a Close event
 * per previous problem whose resource is gone.
 *
 * @example toOcsfEvents(report).map((event) => event.compliance.status)
 */
export function toOcsfEvents(report: Report): OcsfEvent[] {
  return [
    ...report.results.map((result) => resultEvent(result, report)),
    ...(report.resolved ?? [])
      .filter((entry) => entry.now === 'gone')
      .map((entry) => goneEvent(entry, report)),
  ];
}

/** `--format ocsf`: one JSON object per line (JSON Lines), for Security Lake and SIEMs. */
export function formatOcsf(report: Report): string {
  return toOcsfEvents(report)
    .map((item) => `${JSON.stringify(item)}\n`)
    .join('');
}
