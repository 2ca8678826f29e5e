import type { VpcEndpoint } from '@aws-sdk/client-ec2';
import { type AccountInventory, findCollectionError, type Plain } from '../model/inventory.ts';
import type { KeyState, RequestContext } from './conditions.ts';
import { VPC_ONLY_KEYS } from './evaluate.ts';
import {
  compileResourcePolicy,
  judgeResourceRequest,
  type RequestOutcome,
  type RequestPrincipal,
  type ResourceStatement,
} from './resource-policy.ts';

/**
 * What the SageMaker `api` endpoint's policy must let the account's principals do, with the shape
 * of the resources each is authorized on (Service Authorization Reference, Amazon SageMaker AI):
 * opening a notebook, opening Studio, and starting the Studio apps it opens.
 */
export const ENDPOINT_POLICY_ACTIONS: readonly { action: string; resource: string }[] = [
  { action: 'sagemaker:CreatePresignedNotebookInstanceUrl', resource: 'notebook-instance/*' },
  { action: 'sagemaker:CreatePresignedDomainUrl', resource: 'user-profile/*/*' },
  { action: 'sagemaker:CreateApp', resource: 'app/*/*/*/*' },
];

const SERVICE_LINKED_PATH = '/aws-service-role/';

/** The endpoint keys that only the services listed for them carry (see `requestContext`). */
const NOT_SENT_BY_SAGEMAKER: ReadonlyMap<string, string> = new Map(
  VPC_ONLY_KEYS.filter((entry) => !entry.everyService).map((entry) => [
    entry.key.toLowerCase(),
    'a SageMaker call may not carry: the IAM condition keys reference does not list SageMaker among the services that support it',
  ]),
);
/** Principals named in a message; the evidence lists them all. */
const NAMED_PRINCIPALS = 3;

export interface EndpointPolicyVerdict {
  status: 'PASS' | 'FAIL' | 'ERROR';
  /**
   * PASS: what was shown; FAIL: what is refused; ERROR: what could not be judged. One clause that
   * starts "its endpoint policy", to follow a colon or, capitalized, to be a sentence.
   */
  summary: string;
  /**
   * ERROR: what is to be fixed for the policy to be judged. `iam`: the policy names principals and
   * the account's users and roles were not read; `policy`: the policy itself is in doubt.
   */
  unjudgedFor?: 'iam' | 'policy';
  evidence: Record<string, unknown>;
}

interface Where {
  partition: string;
  region: string;
  account: AccountInventory;
  endpoint: Plain<VpcEndpoint>;
}

interface AccountPrincipal extends RequestPrincipal {
  label: string;
  kind: 'user' | 'role';
  name: string;
}

function principalsOf(account: AccountInventory): AccountPrincipal[] {
  const iam = account.iam ?? {};
  const principal = (kind: 'user' | 'role', arn: string | undefined, name: string | undefined) =>
    arn === undefined
      ? []
      : [{ accountId: account.accountId, arn, kind, name: name ?? arn, label: `${kind} ${name ?? arn}` }];
  return [
    ...(iam.UserDetailList ?? []).flatMap((user) => principal('user', user.Arn, user.UserName)),
    ...(iam.RoleDetailList ?? [])
      .filter((role) => !(role.Path ?? '/').startsWith(SERVICE_LINKED_PATH))
      .flatMap((role) => principal('role', role.Arn, role.RoleName)),
  ];
}

/**
 * The condition keys the snapshot tells for a call through this endpoint by `principal`. A call
 * through an interface endpoint has no `aws:SourceIp` (its `aws:VpcSourceIp` is some address of
 * the VPC); a role calls with a session, so its type is `AssumedRole`. The Organization id is known
 * only when the organization section was read. Every other key may hold anything.
 *
 * `aws:VpceAccount`, `aws:VpceOrgID` and `aws:VpceOrgPaths` are among them: the IAM global
 * condition keys reference lists the services that support each, and SageMaker is not one of them
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-vpceaccount),
 * so a SageMaker call through the endpoint may lack them whoever owns the endpoint (as
 * `VPC_ONLY_KEYS` in evaluate.ts has it, `everyService: false`).
 */
function requestContext(where: Where, principal: AccountPrincipal | undefined): RequestContext {
  const { partition, region, account, endpoint } = where;
  const text = (value: string): KeyState => ({ kind: 'string', value });
  const context = new Map<string, KeyState>([
    ['aws:sourcevpce', text(endpoint.VpcEndpointId as string)],
    ['aws:sourcevpc', text(endpoint.VpcId as string)],
    [
      'aws:sourcevpcarn',
      text(`arn:${partition}:ec2:${region}:${endpoint.OwnerId ?? account.accountId}:vpc/${endpoint.VpcId}`),
    ],
    ['aws:sourceip', { kind: 'absent' }],
    ['aws:vpcsourceip', { kind: 'present' }],
    ['aws:principalaccount', text(account.accountId)],
    ['aws:resourceaccount', text(account.accountId)],
    ['aws:requestedregion', text(region)],
    ['aws:principalisawsservice', text('false')],
    ['aws:viaawsservice', text('false')],
    ['aws:securetransport', text('true')],
  ]);
  const organization = account.organization;
  if (organization?.membership === 'member')
    context.set('aws:principalorgid', text(organization.organizationId));
  if (organization?.membership === 'none') {
    context.set('aws:principalorgid', { kind: 'absent' });
    context.set('aws:principalorgpaths', { kind: 'absent' });
  }
  if (principal?.arn) {
    context.set('aws:principalarn', text(principal.arn));
    context.set('aws:principaltype', text(principal.kind === 'user' ? 'User' : 'AssumedRole'));
    if (principal.kind === 'user') context.set('aws:username', text(principal.name));
  }
  return context;
}

function scopeOf(where: Where, resource: string): string {
  return `arn:${where.partition}:sagemaker:${where.region}:${where.account.accountId}:${resource}`;
}

interface ActionJudgement {
  action: string;
  refused: { principal: string; outcome: RequestOutcome }[];
  unknown: { principal: string; outcome: RequestOutcome }[];
}

function judgeAction(
  statements: readonly ResourceStatement[],
  where: Where,
  entry: (typeof ENDPOINT_POLICY_ACTIONS)[number],
  principals: readonly (AccountPrincipal | undefined)[],
): ActionJudgement {
  const judgement: ActionJudgement = { action: entry.action, refused: [], unknown: [] };
  for (const principal of principals) {
    const outcome = judgeResourceRequest(statements, {
      action: entry.action,
      scope: scopeOf(where, entry.resource),
      principal: principal ?? { accountId: where.account.accountId },
      context: requestContext(where, principal),
      unknownBecause: NOT_SENT_BY_SAGEMAKER,
    });
    const label = principal?.label ?? 'any principal of the account';
    if (outcome.kind === 'refused') judgement.refused.push({ principal: label, outcome });
    if (outcome.kind === 'unknown') judgement.unknown.push({ principal: label, outcome });
  }
  return judgement;
}

function named(labels: readonly string[]): string {
  const shown = labels.slice(0, NAMED_PRINCIPALS).join(', ');
  return labels.length > NAMED_PRINCIPALS ? `${shown} and ${labels.length - NAMED_PRINCIPALS} more` : shown;
}

/**
 * `sagemaker:CreatePresignedDomainUrl, sagemaker:CreateApp for role A, role B (statement 1 (Sid X)
 * denies it)`: the principals of an action grouped by reason, and the actions whose principals and
 * reason are the same named together, so that each reason is said once.
 */
function describeEntries(judgements: readonly ActionJudgement[], kind: 'refused' | 'unknown'): string[] {
  const groups = new Map<string, { actions: string[]; labels: string[]; reason: string }>();
  for (const judgement of judgements) {
    const byReason = new Map<string, string[]>();
    for (const { principal, outcome } of judgement[kind]) {
      const reason = 'reason' in outcome ? outcome.reason : '';
      byReason.set(reason, [...(byReason.get(reason) ?? []), principal]);
    }
    for (const [reason, labels] of byReason) {
      const key = JSON.stringify([reason, labels]);
      const group = groups.get(key);
      if (group) group.actions.push(judgement.action);
      else groups.set(key, { actions: [judgement.action], labels, reason });
    }
  }
  return [...groups.values()].map(
    ({ actions, labels, reason }) => `${actions.join(', ')} for ${named(labels)} (${reason})`,
  );
}

function outcomeEvidence(entries: ActionJudgement['refused']) {
  return entries.map(({ principal, outcome }) => ({
    principal,
    ...(outcome.statement
      ? {
          statementIndex: outcome.statement.index,
          ...(outcome.statement.sid ? { sid: outcome.statement.sid } : {}),
        }
      : {}),
    reason: 'reason' in outcome ? outcome.reason : '',
  }));
}

/**
 * Whether the SageMaker `api` endpoint's policy lets the account's principals open notebooks and
 * Studio and start Studio apps on the account's own resources in the endpoint's region. Without a
 * policy, the default (full access) is in force. The policy is judged first for any principal of
 * the account: what holds then holds for each. Only when that does not settle it are the users
 * and roles of the iam section judged one by one (service-linked roles aside: only their service
 * calls with them, never through this endpoint).
 */
export function judgeEndpointPolicy(where: Where): EndpointPolicyVerdict {
  const document = where.endpoint.PolicyDocument;
  const policy = compileResourcePolicy(
    document ?? '{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}',
  );
  const base = {
    judged: true,
    document: document === undefined ? 'none attached: the default full-access policy' : 'attached',
    actions: ENDPOINT_POLICY_ACTIONS.map((entry) => entry.action),
  };
  if (!policy.ok) {
    return {
      status: 'ERROR',
      summary: `its endpoint policy cannot be read: ${policy.problem}`,
      unjudgedFor: 'policy',
      evidence: { ...base, problem: policy.problem },
    };
  }
  const anyone = ENDPOINT_POLICY_ACTIONS.map((entry) =>
    judgeAction(policy.statements, where, entry, [undefined]),
  );
  if (anyone.every((judgement) => judgement.refused.length === 0 && judgement.unknown.length === 0)) {
    return {
      status: 'PASS',
      summary: `its endpoint policy allows ${base.actions.join(', ')} for every principal of the account`,
      evidence: { ...base, principalsJudged: 'every principal of the account' },
    };
  }
  let judgements = anyone;
  let principalsJudged: string | number = 'every principal of the account';
  if (anyone.every((judgement) => judgement.refused.length === 0)) {
    if (!where.account.iam) {
      const reasons = describeEntries(anyone, 'unknown');
      const error = findCollectionError(where.account.collectionErrors, 'iam');
      const missing = error ? `${error.code}: ${error.message}` : 'the inventory has no iam section';
      return {
        status: 'ERROR',
        summary: `its endpoint policy is not known to allow ${reasons.join('; ')}, and the account's users and roles, to judge it for each, were not read (${missing})`,
        unjudgedFor: 'iam',
        evidence: { ...base, missingSection: 'iam', ...(error ? { collectionError: error } : {}) },
      };
    }
    const principals = principalsOf(where.account);
    if (principals.length === 0) {
      return {
        status: 'ERROR',
        summary:
          'its endpoint policy names principals, and the iam section lists no users or roles of the account to judge it for',
        unjudgedFor: 'policy',
        evidence: { ...base, principalsJudged: 0 },
      };
    }
    principalsJudged = principals.length;
    judgements = ENDPOINT_POLICY_ACTIONS.map((entry) =>
      judgeAction(policy.statements, where, entry, principals),
    );
  }
  const evidence = {
    ...base,
    principalsJudged,
    refused: Object.fromEntries(
      judgements.filter((j) => j.refused.length > 0).map((j) => [j.action, outcomeEvidence(j.refused)]),
    ),
    notJudged: Object.fromEntries(
      judgements.filter((j) => j.unknown.length > 0).map((j) => [j.action, outcomeEvidence(j.unknown)]),
    ),
  };
  const refused = describeEntries(judgements, 'refused');
  const unknown = describeEntries(judgements, 'unknown');
  if (refused.length > 0) {
    const alsoUnknown = unknown.length > 0 ? `; it is not known to allow ${unknown.join('; ')}` : '';
    return {
      status: 'FAIL',
      summary: `its endpoint policy refuses ${refused.join('; ')}${alsoUnknown}`,
      evidence,
    };
  }
  if (unknown.length > 0) {
    return {
      status: 'ERROR',
      summary: `its endpoint policy is not known to allow ${unknown.join('; ')}`,
      unjudgedFor: 'policy',
      evidence,
    };
  }
  return {
    status: 'PASS',
    summary: `its endpoint policy allows ${base.actions.join(', ')} for each of the account's ${principalsJudged} users and roles`,
    evidence,
  };
}
