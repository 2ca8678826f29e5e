import type { VpcEndpoint } from '@aws-sdk/client-ec2';
import { accountIam, type Principal } from '../iam/account.ts';
import { type StatementRef, statementEvidence } from '../iam/evaluate.ts';
import type { CompiledStatement } from '../iam/policy.ts';
import { DOMAIN_URL, NOTEBOOK_URL, splitArn } from '../iam/request.ts';
import { describeStatement, midSentence, missingIamError } from '../iam/rule-support.ts';
import { type AccountInventory, describeMissingSection, type Plain } from '../model/inventory.ts';
import { GLOBAL_REGION, type ResultDraft, type SkippedScope } from '../model/result.ts';
import { acceptedServiceNames, sameValue } from './support.ts';
import type { Rule, RuleContext, RuleMeta, RuleOutput } from './types.ts';

export const meta: RuleMeta = {
  id: 'iam-presigned-url-approved-endpoints',
  title:
    'Presigned-URL grants restricted by aws:SourceVpce or aws:SourceVpc name the account’s own SageMaker endpoints',
  severity: 'high',
  resourceType: 'AWS::IAM::User|AWS::IAM::Role',
  needs: ['iam', 'vpcEndpoints'],
  rationale:
    'AWS recommends aws:SourceVpce (or aws:SourceVpc) on sagemaker:CreatePresignedNotebookInstanceUrl and sagemaker:CreatePresignedDomainUrl for private access. The restriction is only as good as its values: a typo or a deleted endpoint locks users out, an endpoint of another service or account lets that network in, and a wildcard (vpce-*) approves every endpoint of every account. Each value must be an available SageMaker api, notebook or studio interface endpoint of the account (or its VPC), or an endpoint approved in the configuration.',
  remediation: {
    text: 'Name the IDs of the account’s available SageMaker api, notebook or studio interface endpoints (or their VPCs) in the condition, or approve endpoints of a shared-services account with --approved-vpces (APPROVED_VPCES, stack context approvedVpces).',
    cli: 'aws ec2 describe-vpc-endpoints --filters Name=service-name,Values=com.amazonaws.<region>.sagemaker.api --query "VpcEndpoints[].[VpcEndpointId,VpcId,State]"',
  },
  references: [
    'https://docs.aws.amazon.com/sagemaker/latest/dg/notebook-interface-endpoint.html',
    'https://docs.aws.amazon.com/sagemaker/latest/dg/studio-interface-endpoint.html',
    'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-sourcevpce',
  ],
};

const SERVICE_LINKED_PATH = '/aws-service-role/';
const ENDPOINT_KEYS = new Map([
  ['aws:sourcevpce', 'aws:SourceVpce'],
  ['aws:sourcevpc', 'aws:SourceVpc'],
]);

/** A value of `aws:SourceVpce` or `aws:SourceVpc` that a statement on a presign action names. */
interface NamedValue {
  key: string;
  value: string;
  /** Whether the operator reads `*` and `?` as wildcards (`StringLike`, `StringNotLike`). */
  like: boolean;
  action: string;
  ref: StatementRef;
}

type Judgement =
  | { verdict: 'approved'; reason: string }
  | { verdict: 'not approved'; reason: string }
  | { verdict: 'unresolved'; reason: string; addRegions: string[] };

interface KnownEndpoint {
  endpoint: Plain<VpcEndpoint>;
  region: string;
}

/** The account's endpoints as the scan read them, and what it could not read. */
interface AccountEndpoints {
  byId: Map<string, KnownEndpoint>;
  /** VPC id → regions of its available SageMaker api, notebook or studio interface endpoints. */
  approvedVpcs: Map<string, string>;
  vpcsWithEndpoints: Set<string>;
  scannedRegions: string[];
  unread: { region: string; reason: string }[];
}

function isApprovedKind(known: KnownEndpoint, partition: string): boolean {
  const names = (['sagemaker.api', 'notebook', 'studio'] as const).flatMap((kind) =>
    acceptedServiceNames(partition, known.region, kind),
  );
  return (
    names.includes(known.endpoint.ServiceName ?? '') && sameValue(known.endpoint.VpcEndpointType, 'Interface')
  );
}

function accountEndpoints(account: AccountInventory, partition: string): AccountEndpoints {
  const found: AccountEndpoints = {
    byId: new Map(),
    approvedVpcs: new Map(),
    vpcsWithEndpoints: new Set(),
    // Sorted: the order of --regions must not change a verdict's message or evidence.
    scannedRegions: account.regions.map((region) => region.region).sort(),
    unread: [],
  };
  for (const region of [...account.regions].sort((a, b) => compareText(a.region, b.region))) {
    if (!region.vpcEndpoints) {
      found.unread.push({ region: region.region, reason: describeMissingSection(region, 'vpcEndpoints') });
      continue;
    }
    for (const endpoint of region.vpcEndpoints) {
      const known = { endpoint, region: region.region };
      if (endpoint.VpcEndpointId) found.byId.set(endpoint.VpcEndpointId, known);
      if (!endpoint.VpcId) continue;
      found.vpcsWithEndpoints.add(endpoint.VpcId);
      if (isApprovedKind(known, partition) && sameValue(endpoint.State, 'available'))
        found.approvedVpcs.set(endpoint.VpcId, region.region);
    }
  }
  return found;
}

type EndpointValue = Pick<NamedValue, 'key' | 'value' | 'like'>;

/** A statement's endpoint values, read once: thousands of principals hold the same attached statements. */
const endpointValuesOf = new WeakMap<CompiledStatement, EndpointValue[]>();

function endpointValues(statement: CompiledStatement): EndpointValue[] {
  let values = endpointValuesOf.get(statement);
  if (!values) {
    values = statement.clauses.flatMap((clause) => {
      const key = ENDPOINT_KEYS.get(clause.key.toLowerCase());
      if (!key) return [];
      const like = clause.matchOperator.endsWith('Like');
      return clause.values.map((value) => ({ key, value, like }));
    });
    endpointValuesOf.set(statement, values);
  }
  return values;
}

function namedValues(principal: Principal, action: string): NamedValue[] {
  const named: NamedValue[] = [];
  for (const refs of [principal.set.identity, principal.set.boundary ?? []]) {
    for (const ref of refs) {
      for (const value of endpointValues(ref.statement)) named.push({ ...value, action, ref });
    }
  }
  return named;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A statement on both actions names its values once, for both. */
function distinct(values: NamedValue[]): NamedValue[] {
  const byPlace = new Map<string, NamedValue>();
  for (const named of values) {
    const { policy, statement } = named.ref;
    const place = [
      policy.arn ?? policy.name,
      policy.attachment,
      statement.index,
      named.key,
      named.value,
    ].join('\u0000');
    const seen = byPlace.get(place);
    if (seen) seen.action = `${seen.action}, ${named.action}`;
    else byPlace.set(place, { ...named });
  }
  return [...byPlace.values()];
}

/** The regions a statement's reach names one by one; a wildcard region names none. */
function namedRegions(ref: StatementRef): string[] {
  return ref.statement.reach
    .map((scope) => splitArn(scope)?.region)
    .filter((region): region is string => region !== undefined && !/[*?]/.test(region));
}

function notFound(named: NamedValue, endpoints: AccountEndpoints, what: string): Judgement {
  if (endpoints.unread.length > 0) {
    return {
      verdict: 'unresolved',
      reason: `${what} is not among the endpoints read, and ${endpoints.unread.map((entry) => `${entry.region} is missing ${entry.reason}`).join('; ')}`,
      addRegions: [],
    };
  }
  const missing = namedRegions(named.ref).filter((region) => !endpoints.scannedRegions.includes(region));
  if (missing.length > 0) {
    return {
      verdict: 'unresolved',
      reason: `${what} is not among the endpoints of the scanned regions, and the grant is for ${missing.join(', ')}, which the scan does not cover`,
      addRegions: missing,
    };
  }
  const regions = endpoints.scannedRegions.length > 0 ? endpoints.scannedRegions.join(', ') : 'none';
  return { verdict: 'not approved', reason: `unknown: ${what} in the scanned regions (${regions})` };
}

function judgeValue(named: NamedValue, endpoints: AccountEndpoints, context: RuleContext): Judgement {
  const { value } = named;
  if (value.includes('${'))
    return { verdict: 'not approved', reason: 'a policy variable: the request decides the value' };
  if (named.like && /[*?]/.test(value)) {
    return {
      verdict: 'not approved',
      reason: 'a wildcard: it approves every matching endpoint of every account',
    };
  }
  if (context.config.approvedVpces?.includes(value))
    return { verdict: 'approved', reason: 'approved in the configuration (--approved-vpces)' };
  const partition = context.inventory.partition;
  if (named.key === 'aws:SourceVpc') {
    const region = endpoints.approvedVpcs.get(value);
    if (region) {
      return { verdict: 'approved', reason: `the VPC of an available SageMaker endpoint in ${region}` };
    }
    if (endpoints.vpcsWithEndpoints.has(value)) {
      return {
        verdict: 'not approved',
        reason: 'a VPC without an available SageMaker api, notebook or studio interface endpoint',
      };
    }
    return notFound(named, endpoints, 'no VPC with a SageMaker endpoint has this ID');
  }
  const known = endpoints.byId.get(value);
  if (!known) return notFound(named, endpoints, 'no endpoint has this ID');
  const service = known.endpoint.ServiceName ?? '(no service name)';
  if (!isApprovedKind(known, partition)) {
    return { verdict: 'not approved', reason: `another service’s endpoint (${service}, ${known.region})` };
  }
  if (sameValue(known.endpoint.State, 'deleted') || sameValue(known.endpoint.State, 'deleting')) {
    return { verdict: 'not approved', reason: `deleted (${service}, ${known.region})` };
  }
  if (!sameValue(known.endpoint.State, 'available')) {
    return {
      verdict: 'not approved',
      reason: `not available (State ${known.endpoint.State ?? 'absent'}; ${service}, ${known.region})`,
    };
  }
  return { verdict: 'approved', reason: `available ${service} endpoint in ${known.region}` };
}

function describeValue(named: NamedValue): string {
  return `${named.key} ${named.value} in ${describeStatement(statementEvidence(named.ref))}`;
}

function judgePrincipal(
  principal: Principal,
  values: NamedValue[],
  endpoints: AccountEndpoints,
  accountId: string,
  context: RuleContext,
): ResultDraft {
  const judged = values.map((named) => ({ named, judgement: judgeValue(named, endpoints, context) }));
  const who = `${principal.kind === 'user' ? 'User' : 'Role'} ${principal.name}`;
  const evidence: Record<string, unknown> = {
    principal: { type: principal.kind, name: principal.name, arn: principal.arn },
    values: judged.map(({ named, judgement }) => ({
      key: named.key,
      value: named.value,
      action: named.action,
      statement: statementEvidence(named.ref),
      verdict: judgement.verdict,
      reason: judgement.reason,
    })),
    accountEndpoints: [...endpoints.byId.values()]
      .sort((a, b) =>
        compareText(`${a.region} ${a.endpoint.VpcEndpointId}`, `${b.region} ${b.endpoint.VpcEndpointId}`),
      )
      .map(({ endpoint, region }) => ({
        vpcEndpointId: endpoint.VpcEndpointId,
        serviceName: endpoint.ServiceName,
        state: endpoint.State,
        vpcId: endpoint.VpcId,
        region,
      })),
    approvedVpces: context.config.approvedVpces ?? [],
    scannedRegions: endpoints.scannedRegions,
  };
  const base = {
    accountId,
    region: GLOBAL_REGION,
    resourceType: principal.kind === 'user' ? 'AWS::IAM::User' : 'AWS::IAM::Role',
    resourceId: principal.arn,
    resourceArn: principal.arn,
    evidence,
  };
  const failing = judged.filter(({ judgement }) => judgement.verdict === 'not approved');
  if (failing.length > 0) {
    return {
      ...base,
      status: 'FAIL',
      message: `${who} has presigned-URL grants restricted to endpoints that are not the account’s SageMaker endpoints: ${failing
        .map(({ named, judgement }) => `${describeValue(named)} (${judgement.reason})`)
        .join('; ')}.`,
      remediation: `Replace ${[...new Set(failing.map(({ named }) => named.value))].join(', ')} with the ID of an available SageMaker api, notebook or studio interface endpoint of the account (or its VPC), or approve an endpoint of a shared-services account with --approved-vpces.`,
    };
  }
  const unresolved = judged.filter(({ judgement }) => judgement.verdict === 'unresolved');
  if (unresolved.length > 0) {
    const addRegions = [
      ...new Set(
        unresolved.flatMap(({ judgement }) =>
          judgement.verdict === 'unresolved' ? judgement.addRegions : [],
        ),
      ),
    ].sort();
    return {
      ...base,
      status: 'ERROR',
      message: `Could not judge ${midSentence(who)}: ${unresolved
        .map(({ named, judgement }) => `${describeValue(named)}: ${judgement.reason}`)
        .join('; ')}.`,
      remediation:
        addRegions.length > 0
          ? `Scan the regions the grants name as well (--region ${[...endpoints.scannedRegions, ...addRegions].join(',')}), or approve the endpoints with --approved-vpces.`
          : 'Grant the scanner ec2:DescribeVpcEndpoints in every scanned region and scan again.',
    };
  }
  return {
    ...base,
    status: 'PASS',
    message: `${who} has presigned-URL grants restricted only to the account’s SageMaker endpoints or approved ones: ${[
      ...new Set(judged.map(({ named }) => named.value)),
    ].join(', ')}.`,
  };
}

/**
 * One result per IAM user and role with a statement on either presign action whose conditions name
 * `aws:SourceVpce` or `aws:SourceVpc` values, each value checked against the account's endpoints.
 */
export function check(context: RuleContext): RuleOutput {
  const results: ResultDraft[] = [];
  const skipped: SkippedScope[] = [];
  let principals = 0;
  for (const account of context.inventory.accounts) {
    if (!account.iam) {
      results.push(missingIamError(account, 'AWS::IAM::Account'));
      continue;
    }
    const endpoints = accountEndpoints(account, context.inventory.partition);
    const target = { partition: context.inventory.partition, accountId: account.accountId };
    const details = account.iam;
    const byAction = [NOTEBOOK_URL, DOMAIN_URL].map((presign) => {
      const iam = accountIam(details, { ...target, presign });
      return { action: presign.action, principals: [...iam.users(), ...iam.roles()] };
    });
    const first = byAction[0]?.principals ?? [];
    first.forEach((principal, index) => {
      if (principal.kind === 'role' && principal.path.startsWith(SERVICE_LINKED_PATH)) {
        skipped.push({
          accountId: account.accountId,
          region: GLOBAL_REGION,
          resourceId: principal.arn,
          reason: 'service-linked role: assumed only by its AWS service and not editable',
        });
        return;
      }
      principals++;
      const values = distinct(
        byAction.flatMap(({ action, principals: list }) => {
          const same = list[index];
          return same ? namedValues(same, action) : [];
        }),
      );
      if (values.length > 0)
        results.push(judgePrincipal(principal, values, endpoints, account.accountId, context));
    });
  }
  return { results, skipped, evaluated: { principals } };
}

export const rule: Rule = { meta, check };
