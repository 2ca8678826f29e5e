import type { Vpc, VpcEndpoint } from '@aws-sdk/client-ec2';
import {
  type AccountInventory,
  describeMissingSection,
  findCollectionError,
  type InventorySection,
  NOT_SCANNED,
  type Plain,
  type RegionInventory,
  type RegionSection,
  type SageMakerDomain,
  type SageMakerNotebook,
} from '../model/inventory.ts';
import type { ResultDraft, SkippedScope } from '../model/result.ts';
import type { RuleContext, RuleOutput } from './types.ts';

/**
 * The DNS-style prefix of AWS service names: `com.amazonaws` everywhere but the China partition,
 * which uses `cn.com.amazonaws`.
 */
export function serviceNamePrefix(partition: string, region: string): string {
  return partition === 'aws-cn' || region.startsWith('cn-') ? 'cn.com.amazonaws' : 'com.amazonaws';
}

export type SageMakerEndpointKind = 'sagemaker.api' | 'sagemaker.runtime';
export const SAGEMAKER_ENDPOINT_KINDS: readonly SageMakerEndpointKind[] = [
  'sagemaker.api',
  'sagemaker.runtime',
];

/** SageMaker's browser-facing services: named `aws.sagemaker.<region>.<kind>`, with no FIPS variant. */
export type SageMakerAppEndpointKind = 'notebook' | 'studio';
/** Every endpoint a private SageMaker path may need, by the last part of its service name. */
export type EndpointKind = SageMakerEndpointKind | SageMakerAppEndpointKind | 'sts' | 's3';

/** The SageMaker interface endpoints whose traffic vpc-sagemaker-endpoint-reachable judges. */
export const REACHABLE_ENDPOINT_KINDS: readonly EndpointKind[] = [
  ...SAGEMAKER_ENDPOINT_KINDS,
  'notebook',
  'studio',
];

/** The exact service names (standard and FIPS where AWS has one) that satisfy one endpoint kind. */
export function acceptedServiceNames(partition: string, region: string, kind: EndpointKind): string[] {
  if (kind === 'notebook' || kind === 'studio') return [`aws.sagemaker.${region}.${kind}`];
  const base = `${serviceNamePrefix(partition, region)}.${region}.${kind}`;
  return [base, `${base}-fips`];
}

/** The required SageMaker kind a service name is, compared exactly; undefined for any other name. */
export function sageMakerKindOf(
  serviceName: string,
  partition: string,
  region: string,
): SageMakerEndpointKind | undefined {
  return SAGEMAKER_ENDPOINT_KINDS.find((kind) =>
    acceptedServiceNames(partition, region, kind).includes(serviceName),
  );
}

const SHELL_SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * A value as one word of a POSIX shell command line: as is when it holds only characters that no
 * shell treats specially, else single-quoted. Names in fix commands come from the inventory, and
 * an evidence file can hold `$(…)` where a role name should be.
 *
 * @example
 * shellQuote("ml-role"); // ml-role
 * shellQuote("x$(curl evil)'y"); // 'x$(curl evil)'\''y'
 */
export function shellQuote(value: string): string {
  return SHELL_SAFE.test(value) ? value : `'${value.replaceAll("'", "'\\''")}'`;
}

/** EC2 answers `available`, the SDK's enum says `Available`: compare without case. */
export function sameValue(actual: string | undefined, expected: string): boolean {
  return actual !== undefined && actual.toLowerCase() === expected.toLowerCase();
}

const JUDGED_ENDPOINT_FIELDS = ['ServiceName', 'VpcEndpointType', 'State', 'VpcId'] as const;

/** The fields an endpoint verdict rests on that this endpoint lacks. */
export function missingEndpointFields(endpoint: Plain<VpcEndpoint>): string[] {
  return JUDGED_ENDPOINT_FIELDS.filter((field) => typeof endpoint[field] !== 'string');
}

export function ec2Arn(partition: string, region: string, accountId: string, resource: string): string {
  return `arn:${partition}:ec2:${region}:${accountId}:${resource}`;
}

export interface RegionScope {
  account: AccountInventory;
  region: RegionInventory;
}

/** What lets a region given up on its estimate finish next time: more time, a faster pace, or less to read. */
const NOT_SCANNED_REMEDIATION =
  "Give the scan more time (the Lambda's timeout, up to 15 minutes, or the CLI's --timeout), a higher rate share (API_RATE_SHARE, or the CLI's --rate-share), or fewer regions (SCAN_REGIONS, or the CLI's --regions), and scan again.";

/**
 * One ERROR result for a region that lacks sections the rule needs, saying of each whether it could
 * not be read or was not collected; for a region not scanned, that alone, with the estimate.
 */
export function missingSectionErrors(
  scope: RegionScope,
  sections: readonly InventorySection[],
): ResultDraft[] {
  const missing = sections.filter(
    (section): section is RegionSection =>
      section !== 'iam' && section !== 'organization' && scope.region[section] === undefined,
  );
  if (missing.length === 0) return [];
  const where = {
    status: 'ERROR',
    accountId: scope.account.accountId,
    region: scope.region.region,
    resourceType: 'AWS::EC2::Region',
    resourceId: scope.region.region,
    evidence: { missingSections: missing },
  } as const;
  // A region given up on its estimate misses every section for that one reason: said once, with its own fix.
  const notScanned = missing
    .map((section) => findCollectionError(scope.region.collectionErrors, section))
    .find((error) => error?.code === NOT_SCANNED);
  if (notScanned) {
    return [
      {
        ...where,
        message: `Could not judge region ${scope.region.region}: it was not scanned (${NOT_SCANNED}), because ${notScanned.message}.`,
        remediation: NOT_SCANNED_REMEDIATION,
      },
    ];
  }
  const reasons = missing.map((section) => describeMissingSection(scope.region, section));
  return [
    {
      ...where,
      message: `Could not judge region ${scope.region.region}: missing ${reasons.join('; ')}.`,
      remediation:
        'Grant the scanner the read permissions listed by `sagemaker-compliance-scanner rules`, check that the region is enabled, and scan again.',
    },
  ];
}

/** Whether a region whose `DescribeVpcEndpointServices` lists `endpointServices` offers SageMaker. */
export function sageMakerOffered(
  endpointServices: readonly string[],
  partition: string,
  region: string,
): boolean {
  const names = acceptedServiceNames(partition, region, 'sagemaker.api');
  return endpointServices.some((name) => names.includes(name));
}

/** Whether the region offers SageMaker over PrivateLink at all; when it does not, a skip entry says so. */
function notOfferedSkip(scope: RegionScope, partition: string, ruleId: string): SkippedScope | undefined {
  const names = acceptedServiceNames(partition, scope.region.region, 'sagemaker.api');
  if (sageMakerOffered(scope.region.endpointServices ?? [], partition, scope.region.region)) return undefined;
  return {
    ruleId,
    accountId: scope.account.accountId,
    region: scope.region.region,
    reason: `${names[0]} is not offered in ${scope.region.region} (DescribeVpcEndpointServices does not list it)`,
  };
}

/**
 * The VPCs a VPC rule judges: owned by the account (a shared VPC is judged in its owner's account),
 * and not default when the configuration leaves default VPCs out. The others come back as skips.
 */
function vpcsInScope(
  context: RuleContext,
  scope: RegionScope,
  ruleId: string,
): { vpcs: Plain<Vpc>[]; skipped: SkippedScope[] } {
  const vpcs: Plain<Vpc>[] = [];
  const skipped: SkippedScope[] = [];
  const where = { ruleId, accountId: scope.account.accountId, region: scope.region.region };
  for (const vpc of scope.region.vpcs ?? []) {
    if (vpc.OwnerId !== undefined && vpc.OwnerId !== scope.account.accountId) {
      skipped.push({
        ...where,
        resourceId: vpc.VpcId,
        reason: `shared VPC owned by ${vpc.OwnerId}: judged in the owner's account`,
      });
    } else if (vpc.IsDefault === true && context.config.skipDefaultVpcs) {
      skipped.push({ ...where, resourceId: vpc.VpcId, reason: 'default VPC left out (skipDefaultVpcs)' });
    } else {
      vpcs.push(vpc);
    }
  }
  return { vpcs, skipped };
}

/**
 * What every VPC rule does first in a region: ERROR when a needed section is missing, nothing but a
 * skip entry when SageMaker is not offered there, else the VPCs to judge (shared VPCs skipped).
 */
export function vpcsToJudge(
  context: RuleContext,
  scope: RegionScope,
  meta: { id: string; needs: readonly InventorySection[] },
): { done: RuleOutput } | { vpcs: Plain<Vpc>[]; skipped: SkippedScope[] } {
  const sectionErrors = missingSectionErrors(scope, meta.needs);
  if (sectionErrors.length > 0) return { done: { results: sectionErrors, skipped: [] } };
  const notOffered = notOfferedSkip(scope, context.inventory.partition, meta.id);
  if (notOffered) return { done: { results: [], skipped: [notOffered] } };
  return vpcsInScope(context, scope, meta.id);
}

/**
 * What every SageMaker rule does first in a region: nothing but a skip entry when the region's
 * endpoint services show that SageMaker is not offered there (collection then reads no SageMaker
 * section), else ERROR when a needed section is missing. Undefined when the region is to be judged.
 */
export function sageMakerRegionVerdict(
  context: RuleContext,
  scope: RegionScope,
  meta: { id: string; needs: readonly InventorySection[] },
): RuleOutput | undefined {
  if (scope.region.endpointServices !== undefined) {
    const notOffered = notOfferedSkip(scope, context.inventory.partition, meta.id);
    if (notOffered) return { results: [], skipped: [notOffered] };
  }
  const sectionErrors = missingSectionErrors(scope, meta.needs);
  if (sectionErrors.length > 0) return { results: sectionErrors, skipped: [] };
  return undefined;
}

/** Every (account, region) pair of the inventory, in order. */
export function* regionScopes(context: RuleContext): Generator<RegionScope> {
  for (const account of context.inventory.accounts) {
    for (const region of account.regions) yield { account, region };
  }
}

/** Runs a per-region check over every region of the inventory and gathers what it says. */
export function checkEachRegion(
  context: RuleContext,
  checkRegion: (context: RuleContext, scope: RegionScope) => RuleOutput,
): RuleOutput {
  const results: ResultDraft[] = [];
  const skipped: SkippedScope[] = [];
  for (const scope of regionScopes(context)) {
    const output = checkRegion(context, scope);
    // A loop, not push(...spread): spread passes every element as an argument, and a region of
    // 130,000 VPCs overflows the call stack.
    for (const result of output.results) results.push(result);
    for (const entry of output.skipped) skipped.push(entry);
  }
  return { results, skipped };
}

/**
 * States of a notebook instance or Studio domain in which there is nothing left to judge: it is
 * going, or never came up.
 */
const UNJUDGED_STATES = ['Deleting', 'Failed'];

/** The notebooks of a region a notebook rule judges; those being deleted or failed come back as skips. */
export function notebooksToJudge(
  scope: RegionScope,
  ruleId: string,
): { notebooks: SageMakerNotebook[]; skipped: SkippedScope[] } {
  const notebooks: SageMakerNotebook[] = [];
  const skipped: SkippedScope[] = [];
  for (const notebook of scope.region.sagemakerNotebooks ?? []) {
    const status = notebook.NotebookInstanceStatus;
    if (UNJUDGED_STATES.some((state) => sameValue(status, state))) {
      skipped.push({
        ruleId,
        accountId: scope.account.accountId,
        region: scope.region.region,
        resourceId: notebook.NotebookInstanceName,
        reason: `notebook instance ${notebook.NotebookInstanceName} is ${status}: not judged`,
      });
    } else {
      notebooks.push(notebook);
    }
  }
  return { notebooks, skipped };
}

/** `ml-team (d-abc123)`: a domain as people know it, with the id that tells two of a name apart. */
export function domainLabel(domain: SageMakerDomain): string {
  return domain.DomainName ? `${domain.DomainName} (${domain.DomainId})` : `${domain.DomainId}`;
}

/** The Studio domains of a region a domain rule judges; those being deleted or failed come back as skips. */
export function domainsToJudge(
  scope: RegionScope,
  ruleId: string,
): { domains: SageMakerDomain[]; skipped: SkippedScope[] } {
  const domains: SageMakerDomain[] = [];
  const skipped: SkippedScope[] = [];
  for (const domain of scope.region.sagemakerDomains ?? []) {
    if (UNJUDGED_STATES.some((state) => sameValue(domain.Status, state))) {
      skipped.push({
        ruleId,
        accountId: scope.account.accountId,
        region: scope.region.region,
        resourceId: domain.DomainId,
        reason: `Studio domain ${domainLabel(domain)} is ${domain.Status}: not judged`,
      });
    } else {
      domains.push(domain);
    }
  }
  return { domains, skipped };
}
