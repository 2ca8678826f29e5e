import type {
  AwsSecurityFinding,
  ComplianceStatus,
  Partition,
  SeverityLabel,
} from '@aws-sdk/client-securityhub';
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
import { TOOL } from './build.ts';

export const ASFF_SCHEMA_VERSION = '2018-10-08';

/** Security Hub's limits on the free-text fields (characters). */
export const ASFF_LIMITS = { title: 256, description: 1024, recommendation: 512, note: 512 } as const;

/** Security Hub keeps at most this many characters of a `ProductFields` value. */
const PRODUCT_FIELD_LIMIT = 2048;

const FINDING_TYPE = 'Software and Configuration Checks/AWS Security Best Practices';

const SEVERITY_LABEL: Record<Severity, SeverityLabel> = {
  critical: 'CRITICAL',
  high: 'HIGH',
  medium: 'MEDIUM',
  low: 'LOW',
  informational: 'INFORMATIONAL',
};

const COMPLIANCE_STATUS: Record<Status, ComplianceStatus> = {
  PASS: 'PASSED',
  FAIL: 'FAILED',
  ERROR: 'NOT_AVAILABLE',
};

/** ASFF resource types for the CloudFormation-style types the rules report; `Other` for the rest. */
const RESOURCE_TYPE: Record<string, string> = {
  'AWS::EC2::VPC': 'AwsEc2Vpc',
  'AWS::IAM::Policy': 'AwsIamPolicy',
  'AWS::IAM::Role': 'AwsIamRole',
  'AWS::IAM::User': 'AwsIamUser',
  'AWS::SageMaker::NotebookInstance': 'AwsSageMakerNotebookInstance',
};

export interface AsffOptions {
  /**
   * The region whose Security Hub receives findings about global (IAM) resources; default the
   * first scanned region.
   */
  homeRegion?: string;
}

function clip(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;
}

/** The partition of a result: from its ARN, else from its region's name. */
export function partitionOf(region: string, arn?: string): string {
  const fromArn = arn?.split(':')[1];
  if (fromArn) return fromArn;
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/** The finding id: the result id, so the same problem updates the same finding night after night. */
export function findingId(resultId: string): string {
  return `${TOOL.name}/${resultId}`;
}

/** The account's own "default" product: the one a customer imports its own findings into. */
export function productArn(partition: string, region: string, accountId: string): string {
  return `arn:${partition}:securityhub:${region}:${accountId}:product/${accountId}/default`;
}

function baseFinding(
  entry: FindingSubject,
  report: Report,
  homeRegion: string,
  observed: { createdAt: string; description: string },
): AwsSecurityFinding {
  const { createdAt } = observed;
  const global = entry.region === GLOBAL_REGION;
  const region = global ? homeRegion : entry.region;
  const partition = partitionOf(region, entry.resourceArn);
  const severity = { Label: SEVERITY_LABEL[entry.severity], Original: entry.severity };
  const types = [FINDING_TYPE];
  const rule = RULES.find((candidate) => candidate.meta.id === entry.ruleId);
  return {
    SchemaVersion: ASFF_SCHEMA_VERSION,
    Id: findingId(entry.id),
    ProductArn: productArn(partition, region, entry.accountId),
    ProductName: TOOL.name,
    GeneratorId: `${TOOL.name}/${entry.ruleId}`,
    AwsAccountId: entry.accountId,
    Types: types,
    CreatedAt: createdAt,
    UpdatedAt: report.finishedAt,
    FirstObservedAt: createdAt,
    LastObservedAt: report.finishedAt,
    Severity: severity,
    FindingProviderFields: { Severity: severity, Types: types },
    Title: clip(entry.title, ASFF_LIMITS.title),
    Description: clip(observed.description, ASFF_LIMITS.description),
    Resources: [
      {
        Type: (entry.resourceType && RESOURCE_TYPE[entry.resourceType]) ?? 'Other',
        Id: entry.resourceArn ?? entry.resourceId,
        Partition: partition as Partition,
        Region: region,
      },
    ],
    ProductFields: {
      [`${TOOL.name}/RuleId`]: entry.ruleId,
      [`${TOOL.name}/ResultId`]: entry.id,
      [`${TOOL.name}/ScanId`]: report.scanId,
      [`${TOOL.name}/Region`]: entry.region,
      [`${TOOL.name}/ResourceId`]: entry.resourceId,
    },
    ...(rule?.meta.references[0] ? { SourceUrl: rule.meta.references[0] } : {}),
    RecordState: 'ACTIVE',
  };
}

function resultFinding(result: Result, report: Report, homeRegion: string): AwsSecurityFinding {
  const finding = baseFinding(result, report, homeRegion, {
    createdAt: result.delta?.firstSeen ?? report.startedAt,
    description: result.message,
  });
  const productFields = { ...finding.ProductFields, [`${TOOL.name}/Status`]: result.status };
  if (result.muted) {
    productFields[`${TOOL.name}/MutedUntil`] = result.muted.expires;
    productFields[`${TOOL.name}/MutedReason`] = clip(result.muted.reason, PRODUCT_FIELD_LIMIT);
  }
  return {
    ...finding,
    Compliance: { Status: COMPLIANCE_STATUS[result.status] },
    ...(result.status === 'PASS'
      ? {}
      : {
          Remediation: {
            Recommendation: {
              Text: clip(result.remediation, ASFF_LIMITS.recommendation),
              ...(finding.SourceUrl ? { Url: finding.SourceUrl } : {}),
            },
          },
        }),
    ProductFields: productFields,
    ...(result.muted
      ? {
          Workflow: { Status: 'SUPPRESSED' as const },
          Note: {
            Text: clip(
              `Accepted exception until ${result.muted.expires}${result.muted.owner ? ` (owner ${result.muted.owner})` : ''}: ${result.muted.reason}`,
              ASFF_LIMITS.note,
            ),
            UpdatedBy: TOOL.name,
            UpdatedAt: report.finishedAt,
          },
        }
      : {}),
  };
}

/**
 * A problem of the previous scan whose resource is gone: no result of this scan updates its
 * finding any more, so it is archived from the scanner's own baseline (never by reading back).
 */
function goneFinding(entry: ResolvedEntry, report: Report, homeRegion: string): AwsSecurityFinding {
  const finding = baseFinding(entry, report, homeRegion, {
    createdAt: report.startedAt,
    description: `Resolved: ${entry.resourceId} no longer exists (it was ${entry.previousStatus} in the previous scan).`,
  });
  return {
    ...finding,
    Compliance: { Status: 'NOT_AVAILABLE' },
    ProductFields: { ...finding.ProductFields, [`${TOOL.name}/Status`]: 'RESOLVED' },
    RecordState: 'ARCHIVED',
  };
}

/**
 * One ASFF finding per result (PASS, FAIL and ERROR alike), plus an archived one per previous
 * problem whose resource is gone.
 *
 * @example toAsffFindings(report, { homeRegion: 'eu-west-1' })
 */
export function toAsffFindings(report: Report, options: AsffOptions = {}): AwsSecurityFinding[] {
  const homeRegion = options.homeRegion ?? report.scope.regions[0] ?? 'us-east-1';
  return [
    ...report.results.map((result) => resultFinding(result, report, homeRegion)),
    ...(report.resolved ?? [])
      .filter((entry) => entry.now === 'gone')
      .map((entry) => goneFinding(entry, report, homeRegion)),
  ];
}

/** A finding's workflow status that Security Hub must be told, since a re-import cannot change it. */
export interface WorkflowChange {
  Id: string;
  ProductArn: string;
  AwsAccountId: string;
  status: 'NEW' | 'RESOLVED' | 'SUPPRESSED';
}

/**
 * The findings whose mute state changed since the baseline. `BatchImportFindings` sets `Workflow`
 * only when it creates a finding, so a finding first imported SUPPRESSED would stay suppressed
 * after its exception ends: it goes back to NEW (RESOLVED when it now passes), and a finding
 * muted tonight becomes SUPPRESSED. Without a baseline to compare with, every muted finding is
 * (again) SUPPRESSED, and no other finding is touched: its workflow may be someone's triage.
 *
 * @example workflowChanges(report) // [{ Id, ProductArn, AwsAccountId, status: 'NEW' }]
 */
export function workflowChanges(report: Report, options: AsffOptions = {}): WorkflowChange[] {
  const homeRegion = options.homeRegion ?? report.scope.regions[0] ?? 'us-east-1';
  const compared = report.baseline !== undefined && !('error' in report.baseline);
  return report.results.flatMap((result): WorkflowChange[] => {
    const muted = result.muted !== undefined;
    if (compared ? muted === (result.delta?.previouslyMuted === true) : !muted) return [];
    const { Id, ProductArn, AwsAccountId } = resultFinding(result, report, homeRegion);
    const status = muted ? 'SUPPRESSED' : result.status === 'PASS' ? 'RESOLVED' : 'NEW';
    return [
      { Id: Id as string, ProductArn: ProductArn as string, AwsAccountId: AwsAccountId as string, status },
    ];
  });
}

/** `--format asff`: a JSON array, the shape `aws securityhub batch-import-findings --findings` takes. */
export function formatAsff(report: Report, options: AsffOptions = {}): string {
  return `${JSON.stringify(toAsffFindings(report, options), null, 2)}\n`;
}
