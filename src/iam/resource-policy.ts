import type { PolicyDocumentInput } from '../model/inventory.ts';
import {
  type ConditionClause,
  compileConditions,
  describeClause,
  evaluateClauses,
  lowerKey,
  type RequestContext,
  type Truth,
} from './conditions.ts';
import { decodePolicyDocument } from './document.ts';
import { actionMatches, resourceCovers } from './request.ts';
import { resourceMayMatch, statementElement, stringList, VARIABLES_VERSION } from './statement-elements.ts';

/**
 * The resource-policy mode of the evaluator: a policy attached to a resource (here a VPC endpoint)
 * names whom each statement is for with `Principal` or `NotPrincipal`. The question it answers is
 * whether one principal's call of one action on a set of resources is allowed, refused, or cannot
 * be told from the snapshot. Action, Resource and Condition mean what they mean in identity
 * policies, read by the same code (statement-elements.ts, conditions.ts, request.ts).
 */

/** The `Principal` or `NotPrincipal` of a statement, by principal type (`AWS`, `Service`, ...). */
export type PrincipalElement = '*' | Record<string, string[]>;

export interface ResourceStatement {
  /** Position in the policy's Statement list (0-based). */
  index: number;
  sid?: string;
  effect: 'Allow' | 'Deny';
  principal?: PrincipalElement;
  notPrincipal?: PrincipalElement;
  action?: string[];
  notAction?: string[];
  resource?: string[];
  notResource?: string[];
  clauses: ConditionClause[];
}

export type ResourcePolicy =
  | { ok: true; statements: ResourceStatement[] }
  | { ok: false; problem: string; statementIndex?: number };

/** The principal a request is judged for; `arn` undefined stands for any user or role of the account. */
export interface RequestPrincipal {
  accountId: string;
  arn?: string;
}

export interface ResourceRequest {
  action: string;
  /** Every resource of the request, as a scope pattern such as `arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/*`. */
  scope: string;
  principal: RequestPrincipal;
  /** What is known of the request's condition keys (lower case); keys left out may hold anything. */
  context: RequestContext;
  /** Why some of the keys left out of `context` are unknown (lower case), when not for want of data. */
  unknownBecause?: ReadonlyMap<string, string>;
}

export type RequestOutcome =
  | { kind: 'allowed'; statement: ResourceStatement }
  /** `statement` undefined: no statement allows it. `partial`: refused on part of the scope only. */
  | { kind: 'refused'; statement?: ResourceStatement; partial: boolean; reason: string }
  | { kind: 'unknown'; statement: ResourceStatement; reason: string };

const PRINCIPAL_TYPES = ['AWS', 'Service', 'Federated', 'CanonicalUser'];

function principalElement(value: unknown): { element: PrincipalElement } | string {
  if (value === '*') return { element: '*' };
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return 'is neither "*" nor an object of principal types';
  const element: Record<string, string[]> = {};
  for (const [type, entries] of Object.entries(value)) {
    if (!PRINCIPAL_TYPES.includes(type)) return `names the unknown principal type ${JSON.stringify(type)}`;
    const list = stringList(entries);
    if (!list) return `${type} is not a string or a list of strings`;
    // Whom an empty list names is not documented, and a NotPrincipal of no one would apply to all.
    if (list.length === 0) return `${type} is an empty list`;
    const wildcard = list.find((entry) => entry !== '*' && /[*?]/.test(entry));
    // IAM refuses wildcards in principals, except "*" alone (IAM User Guide, "Principal").
    if (wildcard)
      return `${type} ${JSON.stringify(wildcard)} holds a wildcard, which IAM refuses in a principal`;
    element[type] = list;
  }
  if (Object.keys(element).length === 0) return 'names no principal';
  return { element };
}

function compileStatement(raw: unknown, index: number, variables: boolean): ResourceStatement | string {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return 'is not an object';
  const statement = raw as Record<string, unknown>;
  if (statement.Effect !== 'Allow' && statement.Effect !== 'Deny') return 'has no Effect of Allow or Deny';
  const compiled: ResourceStatement = { index, effect: statement.Effect, clauses: [] };
  if (typeof statement.Sid === 'string') compiled.sid = statement.Sid;
  if ((statement.Principal === undefined) === (statement.NotPrincipal === undefined))
    return 'needs exactly one of Principal and NotPrincipal (an endpoint policy must name its principals)';
  const principalName = statement.Principal !== undefined ? 'Principal' : 'NotPrincipal';
  const principal = principalElement(statement[principalName]);
  if (typeof principal === 'string') return `has a ${principalName} that ${principal}`;
  if (principalName === 'Principal') compiled.principal = principal.element;
  else compiled.notPrincipal = principal.element;
  const action = statementElement(statement, 'Action');
  if (typeof action === 'string') return action;
  if (action.negated) compiled.notAction = action.entries;
  else compiled.action = action.entries;
  const resource = statementElement(statement, 'Resource');
  if (typeof resource === 'string') return resource;
  if (resource.negated) compiled.notResource = resource.entries;
  else compiled.resource = resource.entries;
  const { clauses, problem } = compileConditions(statement.Condition, variables);
  if (problem) return `has a malformed Condition (${problem})`;
  compiled.clauses = clauses;
  return compiled;
}

/**
 * A resource policy in any form it arrives in (see `decodePolicyDocument`). A document that does
 * not parse, or any statement AWS would not have accepted, makes the whole policy unreadable: no
 * reading of it is the one in force.
 *
 * @example compileResourcePolicy('{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}')
 */
export function compileResourcePolicy(input: PolicyDocumentInput | undefined): ResourcePolicy {
  const decoded = decodePolicyDocument(input);
  if (!decoded.ok) return { ok: false, problem: decoded.problem };
  const raw = decoded.document.Statement;
  if (raw === undefined) return { ok: false, problem: 'the policy document has no Statement' };
  const variables = decoded.document.Version === VARIABLES_VERSION;
  const statements: ResourceStatement[] = [];
  for (const [index, entry] of (Array.isArray(raw) ? raw : [raw]).entries()) {
    const compiled = compileStatement(entry, index, variables);
    if (typeof compiled === 'string') {
      const sid = (entry as { Sid?: unknown } | null)?.Sid;
      const where = `statement ${index}${typeof sid === 'string' ? ` (Sid ${sid})` : ''}`;
      return {
        ok: false,
        problem: `${where} ${compiled}`,
        statementIndex: index,
      };
    }
    statements.push(compiled);
  }
  return { ok: true, statements };
}

/** `statement 2 (Sid DenyStudio)`. */
export function describeResourceStatement(statement: ResourceStatement): string {
  return `statement ${statement.index}${statement.sid ? ` (Sid ${statement.sid})` : ''}`;
}

/** Truth of `and` over three-valued truths, with "not understood" counted as unknown. */
function both(left: Truth, right: Truth): Truth {
  if (left === 'false' || right === 'false') return 'false';
  if (left === 'true' && right === 'true') return 'true';
  return 'unknown';
}

const ROOT_ONLY =
  'an account id (or its root ARN) as principal of an endpoint policy grants the account root user only, not its users and roles (VPC User Guide, "Control access to VPC endpoints using endpoint policies"), while elsewhere it stands for the whole account: which one AWS applies here is not known';

/** Whether one principal entry of type `AWS` names the request's principal, and why not surely. */
function awsEntryMatches(entry: string, principal: RequestPrincipal): { truth: Truth; reason?: string } {
  if (entry === '*') return { truth: 'true' };
  const account = /^\d{12}$/.test(entry) ? entry : /^arn:[^:]+:iam::(\d{12}):root$/.exec(entry)?.[1];
  if (account !== undefined) {
    return account === principal.accountId ? { truth: 'unknown', reason: ROOT_ONLY } : { truth: 'false' };
  }
  const arnAccount = /^arn:[^:]+:(?:iam|sts)::(\d{12}):/.exec(entry)?.[1];
  if (arnAccount !== undefined && arnAccount !== principal.accountId) return { truth: 'false' };
  if (principal.arn === undefined) {
    return { truth: 'unknown', reason: `it names ${entry}, and the request is judged for any principal` };
  }
  if (entry === principal.arn) return { truth: 'true' };
  const session = /^arn:([^:]+):sts::(\d{12}):assumed-role\/([^/]+)\/.+$/.exec(entry);
  const sessionOf =
    session !== null &&
    principal.arn.startsWith(`arn:${session[1]}:iam::${session[2]}:role/`) &&
    principal.arn.endsWith(`/${session[3]}`);
  if (sessionOf) {
    return { truth: 'unknown', reason: `it names one session of the role (${entry}), not every session` };
  }
  return { truth: 'false' };
}

/** Whether the element names the principal: `*`, or an `AWS` entry; other types never name a user or role. */
function elementMatches(
  element: PrincipalElement,
  principal: RequestPrincipal,
): { truth: Truth; reason?: string } {
  if (element === '*') return { truth: 'true' };
  let best: { truth: Truth; reason?: string } = { truth: 'false' };
  for (const entry of element.AWS ?? []) {
    const match = awsEntryMatches(entry, principal);
    if (match.truth === 'true') return match;
    if (match.truth === 'unknown') best = match;
  }
  return best;
}

function principalTruth(
  statement: ResourceStatement,
  principal: RequestPrincipal,
): { truth: Truth; reason?: string } {
  if (statement.principal) return elementMatches(statement.principal, principal);
  const match = elementMatches(statement.notPrincipal as PrincipalElement, principal);
  if (match.truth === 'unknown') return match;
  return { truth: match.truth === 'true' ? 'false' : 'true' };
}

function actionNamed(statement: ResourceStatement, action: string): boolean {
  const patterns = statement.action ?? statement.notAction ?? [];
  const named = patterns.some((pattern) => actionMatches(pattern, action));
  return statement.action ? named : !named;
}

/** Whether the statement covers every resource of the scope, and whether it reaches any. */
function resourceReach(statement: ResourceStatement, scope: string): { covers: boolean; reaches: boolean } {
  if (statement.resource) {
    return {
      covers: statement.resource.some((entry) => resourceCovers(entry, scope)),
      reaches: statement.resource.some((entry) => resourceMayMatch(entry, scope)),
    };
  }
  const entries = statement.notResource ?? [];
  return {
    covers: !entries.some((entry) => resourceMayMatch(entry, scope)),
    reaches: !entries.some((entry) => resourceCovers(entry, scope)),
  };
}

interface Bearing {
  statement: ResourceStatement;
  truth: Truth;
  covers: boolean;
  reason?: string;
}

function bearing(statement: ResourceStatement, request: ResourceRequest): Bearing | undefined {
  if (!actionNamed(statement, request.action)) return undefined;
  const { covers, reaches } = resourceReach(statement, request.scope);
  if (!reaches) return undefined;
  const who = principalTruth(statement, request.principal);
  const { truth: conditionTruth, clause } = evaluateClauses(statement.clauses, request.context);
  const truth = both(who.truth, conditionTruth);
  let reason: string | undefined;
  if (truth === 'unknown') {
    if (who.truth === 'unknown')
      reason = `its ${statement.principal ? 'Principal' : 'NotPrincipal'}: ${who.reason}`;
    else if (conditionTruth === 'error')
      reason = `its condition is not understood (${clause?.notUnderstood})`;
    else if (clause?.variables?.length)
      reason = `its condition ${describeClause(clause)} depends on the policy variables ${clause.variables.join(', ')}, which the snapshot does not tell`;
    else {
      const why = clause && request.unknownBecause?.get(lowerKey(clause.key));
      reason = `its condition ${clause ? describeClause(clause) : ''} depends on ${clause?.key}, which ${why ?? 'the snapshot does not tell'}`;
    }
  }
  return { statement, truth, covers, ...(reason ? { reason } : {}) };
}

function resourcesOf(statement: ResourceStatement): string {
  return statement.resource
    ? statement.resource.join(', ')
    : `every resource but ${(statement.notResource ?? []).join(', ')}`;
}

/**
 * Whether the policy allows the request on every resource of its scope. Conservative both ways: a
 * Deny counts only when it surely applies, an Allow only when it surely applies and covers the
 * whole scope; anything in between is `unknown`, naming the statement and what is not known.
 *
 * @example judgeResourceRequest(statements, { action: 'sagemaker:CreateApp', scope, principal, context })
 */
export function judgeResourceRequest(
  statements: readonly ResourceStatement[],
  request: ResourceRequest,
): RequestOutcome {
  const bearings = statements.flatMap((statement) => bearing(statement, request) ?? []);
  const denies = bearings.filter((entry) => entry.statement.effect === 'Deny' && entry.truth !== 'false');
  const sureDeny = denies.find((entry) => entry.truth === 'true');
  if (sureDeny) {
    return {
      kind: 'refused',
      statement: sureDeny.statement,
      partial: !sureDeny.covers,
      reason: `${describeResourceStatement(sureDeny.statement)} denies it${sureDeny.covers ? '' : ` on ${resourcesOf(sureDeny.statement)}`}`,
    };
  }
  const allows = bearings.filter((entry) => entry.statement.effect === 'Allow' && entry.truth !== 'false');
  if (allows.length === 0) return { kind: 'refused', partial: false, reason: 'no statement allows it' };
  const maybeDeny = denies[0];
  if (maybeDeny) {
    return {
      kind: 'unknown',
      statement: maybeDeny.statement,
      reason: `${describeResourceStatement(maybeDeny.statement)} may deny it: ${maybeDeny.reason}`,
    };
  }
  const full = allows.find((entry) => entry.truth === 'true' && entry.covers);
  if (full) return { kind: 'allowed', statement: full.statement };
  const maybeAllow = allows.find((entry) => entry.truth !== 'true');
  if (maybeAllow) {
    return {
      kind: 'unknown',
      statement: maybeAllow.statement,
      reason: `${describeResourceStatement(maybeAllow.statement)} may allow it, not surely: ${maybeAllow.reason}`,
    };
  }
  const partial = allows[0] as Bearing;
  return {
    kind: 'refused',
    statement: partial.statement,
    partial: true,
    reason: `${describeResourceStatement(partial.statement)} allows it only on ${resourcesOf(partial.statement)}`,
  };
}
