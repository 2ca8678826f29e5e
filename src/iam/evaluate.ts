import {
  type ConditionClause,
  describeClause,
  evaluateClauses,
  type KeyState,
  lowerKey,
  type RequestContext,
  type Truth,
} from './conditions.ts';
import { globIntersects } from './glob.ts';
import { identity } from './identity.ts';
import {
  formatAddress,
  type IpFamily,
  type IpPiece,
  type IpRange,
  piecesToCidrs,
  splitAddressSpace,
} from './ip.ts';
import { type CompiledStatement, deniesCover, denyCovers } from './policy.ts';
import type { PresignedUrlAction } from './request.ts';

/** Where a statement comes from, as the evidence names it. */
export interface PolicyRef {
  /** Policy name (managed) or inline policy name. */
  name: string;
  /** Managed policies only. */
  arn?: string;
  /**
   * `attached directly`, `attached via group G`, `inline`, `inline via group G`, `permissions
   * boundary`, `policy itself`, `service control policy at OU ou-ab12-cd34ef56`.
   */
  attachment: string;
  /** Set on service control policies. */
  scp?: true;
}

export interface StatementRef {
  policy: PolicyRef;
  statement: CompiledStatement;
}

/** The SCPs attached to one node of the path from the Organization's root to the account. */
export interface ScpLevelRefs {
  /** `root r-ab12`, `OU ou-ab12-cd34ef56`, `account 111122223333`. */
  target: string;
  statements: StatementRef[];
}

/** The statements that decide for one principal (or one policy on its own), compiled for one action. */
export interface PolicySet {
  presign: PresignedUrlAction;
  identity: StatementRef[];
  /** Undefined when there is no permissions boundary; a boundary only limits. */
  boundary?: StatementRef[];
  /**
   * Undefined when no SCP is evaluated. Like a boundary, SCPs only limit: each level must allow the
   * request, and a Deny at any level denies it.
   */
  scpLevels?: ScpLevelRefs[];
}

/** A statement as evidence: policy, attachment path, index and Sid, with its conditions. */
export interface StatementEvidence {
  policyName: string;
  policyArn?: string;
  attachment: string;
  statementIndex: number;
  sid?: string;
  effect: 'Allow' | 'Deny';
  resources: string[];
  conditions: string[];
}

export interface DenyEvidence extends StatementEvidence {
  applied: boolean;
  reason: string;
}

/** What one level of SCPs says at the address judged. */
export interface ScpLevelEvidence {
  target: string;
  /** Whether an Allow of the level applies there (a level without one refuses everything). */
  allows: boolean;
  allowedBy: StatementEvidence[];
}

export interface ScpVerdict {
  levels: ScpLevelEvidence[];
  /** At the address judged, the identity policies (and boundary) grant the request and the SCPs refuse it. */
  blocked: boolean;
  /** The levels whose SCPs allow nothing that the grants reach. */
  blockedAtLevels: string[];
  /** The SCP Denies that apply there. */
  blockedBy: StatementEvidence[];
}

export interface Verdict {
  status: 'PASS' | 'FAIL' | 'ERROR';
  /** FAIL: an address outside the approved ranges from which the request is allowed. */
  offendingAddress?: string;
  /** The statements that grant the action (at the offending address for a FAIL). */
  grants: StatementEvidence[];
  denies: DenyEvidence[];
  /** The addresses from which the request is allowed, as CIDRs (capped). */
  allowedFrom: string[];
  allowedFromTruncated: boolean;
  /** Set on PASS when the action is allowed from somewhere: whether callers through a VPC endpoint are refused too. */
  blocksPrivateLink?: boolean;
  /** What the evaluator could not read, and whether it decided the outcome. */
  notUnderstood: { statement: StatementEvidence; problem: string }[];
  /** The boundary's part, when there is one. */
  boundaryAllows?: boolean;
  /** The SCPs' part, when they are evaluated. */
  scps?: ScpVerdict;
}

/** Where the approved ranges come from, already parsed. */
export interface Approval {
  ranges: IpRange[];
}

const ALLOWED_FROM_LIMIT = 64;

/**
 * The keys that exist only in requests made through a VPC endpoint, from the "Network properties"
 * section of the IAM global condition keys reference
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html): each
 * is "included in the request context only if the requester uses a VPC endpoint to make the
 * request". An internet caller carries none of them, so a negated operator on any of them holds.
 * `everyService: false`: the reference adds that the key is present only for services that
 * support it, so for a caller through an endpoint it is left unknown (absent or any value).
 */
export const VPC_ONLY_KEYS: readonly { key: string; everyService: boolean }[] = [
  { key: 'aws:SourceVpc', everyService: true },
  { key: 'aws:SourceVpcArn', everyService: true },
  { key: 'aws:SourceVpce', everyService: true },
  { key: 'aws:VpcSourceIp', everyService: true },
  { key: 'aws:VpceAccount', everyService: false },
  { key: 'aws:VpceOrgID', everyService: false },
  { key: 'aws:VpceOrgPaths', everyService: false },
];

const INTERNET_BASE = new Map<string, KeyState>([
  ...VPC_ONLY_KEYS.map(({ key }): [string, KeyState] => [key.toLowerCase(), { kind: 'absent' }]),
  ['aws:viaawsservice', { kind: 'string', value: 'false' }],
]);

const SOURCE_IP = 'aws:sourceip';

const TRUTH_CODE: Record<Truth, string> = { true: 't', false: 'f', unknown: 'u', error: 'e' };

/**
 * A caller on the public internet at the piece's representative (publicly routable where possible)
 * address. Internet contexts differ only in `aws:SourceIp`.
 */
class InternetContext implements RequestContext {
  private readonly sourceIp: KeyState;

  constructor(piece: IpPiece) {
    this.sourceIp = { kind: 'ip', family: piece.family, value: piece.representative };
  }

  get(key: string): KeyState | undefined {
    return key === SOURCE_IP ? this.sourceIp : INTERNET_BASE.get(key);
  }
}

function namesSourceIp(clause: ConditionClause): boolean {
  return (
    lowerKey(clause.key) === SOURCE_IP ||
    (clause.templates ?? []).some((parts) =>
      parts.some((part) => part.kind === 'variable' && lowerKey(part.key) === SOURCE_IP),
    )
  );
}

/**
 * A statement whose conditions read `aws:SourceIp` nowhere (neither as a key nor as a policy
 * variable) has the same truth at every internet address. Statements are compiled once per
 * policy, so this is judged once for every principal that holds the statement.
 */
const truthOnTheInternet = new WeakMap<CompiledStatement, Truth | null>();

function addressFreeTruth(statement: CompiledStatement, context: InternetContext): Truth | null {
  let truth = truthOnTheInternet.get(statement);
  if (truth === undefined) {
    truth = statement.clauses.some(namesSourceIp) ? null : evaluateClauses(statement.clauses, context).truth;
    truthOnTheInternet.set(statement, truth);
  }
  return truth;
}

/** An `IpAddress` or `NotIpAddress` on `aws:SourceIp` whose values all parse: simply true or false at an address. */
function isRangeClause(clause: ConditionClause): boolean {
  return (
    clause.ranges !== undefined && clause.matchOperator === 'IpAddress' && lowerKey(clause.key) === SOURCE_IP
  );
}

/** A clause's ranges of each family, sorted and merged, for one sweep over pieces in address order. */
const mergedRanges = new WeakMap<ConditionClause, Record<IpFamily, { first: bigint; last: bigint }[]>>();

function mergedOf(clause: ConditionClause): Record<IpFamily, { first: bigint; last: bigint }[]> {
  let merged = mergedRanges.get(clause);
  if (!merged) {
    merged = { ipv4: [], ipv6: [] };
    const sorted = [...(clause.ranges ?? [])].sort((a, b) =>
      a.first < b.first ? -1 : a.first > b.first ? 1 : 0,
    );
    for (const range of sorted) {
      const list = merged[range.family];
      const previous = list.at(-1);
      if (previous && range.first <= previous.last + 1n) {
        if (range.last > previous.last) previous.last = range.last;
      } else list.push({ first: range.first, last: range.last });
    }
    mergedRanges.set(clause, merged);
  }
  return merged;
}

/** Whether each piece's representative lies in one of the clause's ranges: one pass, as both are sorted. */
function insidePieces(clause: ConditionClause, pieces: readonly IpPiece[]): boolean[] {
  const merged = mergedOf(clause);
  const inside: boolean[] = [];
  let family: IpFamily | undefined;
  let at = 0;
  for (const piece of pieces) {
    if (piece.family !== family) {
      family = piece.family;
      at = 0;
    }
    const list = merged[family];
    while (at < list.length && (list[at] as { last: bigint }).last < piece.representative) at++;
    inside.push(at < list.length && (list[at] as { first: bigint }).first <= piece.representative);
  }
  return inside;
}

/**
 * The statement's truth at each piece's internet context ({@link TRUTH_CODE}s, one per piece), as
 * {@link evaluateClauses} gives it: the clauses are ANDed, so a false range clause decides, and
 * the others, which do not read the address, have one truth for every piece. A statement that reads
 * the address otherwise (a policy variable, another operator) is evaluated piece by piece.
 */
function truthColumn(
  statement: CompiledStatement,
  pieces: readonly IpPiece[],
  contextOf: (piece: IpPiece) => RequestContext,
): string {
  const rangeClauses = statement.clauses.filter(isRangeClause);
  const others = statement.clauses.filter((clause) => !isRangeClause(clause));
  if (others.some(namesSourceIp)) {
    return pieces
      .map((piece) => TRUTH_CODE[evaluateClauses(statement.clauses, contextOf(piece)).truth])
      .join('');
  }
  const rest = TRUTH_CODE[evaluateClauses(others, contextOf(pieces[0] as IpPiece)).truth];
  if (rest === TRUTH_CODE.false) return rest.repeat(pieces.length);
  const holds = pieces.map(() => true);
  for (const clause of rangeClauses) {
    insidePieces(clause, pieces).forEach((inside, index) => {
      if (inside === clause.negated) holds[index] = false;
    });
  }
  return holds.map((held) => (held ? rest : TRUTH_CODE.false)).join('');
}

/**
 * By the pieces (shared by the sets that hold the same ranged statements, see {@link piecesOf}),
 * then by statement: a statement's truth at each piece is a function of the two alone.
 */
const truthColumns = new WeakMap<readonly IpPiece[], WeakMap<CompiledStatement, string>>();

/** A caller through an interface endpoint: no `aws:SourceIp`, endpoint keys present with unknown values. */
const PRIVATE_LINK_CONTEXT: RequestContext = new Map<string, KeyState>([
  ['aws:sourceip', { kind: 'absent' }],
  ...VPC_ONLY_KEYS.filter(({ everyService }) => everyService).map(({ key }): [string, KeyState] => [
    key.toLowerCase(),
    { kind: 'present' },
  ]),
  ['aws:viaawsservice', { kind: 'string', value: 'false' }],
]);

/** Pessimistic: what is not understood grants and does not deny. Optimistic: the reverse. */
type Mode = 'pessimistic' | 'optimistic';

function applies(truth: Truth, effect: 'Allow' | 'Deny', mode: Mode): boolean {
  if (truth === 'true') return true;
  if (truth === 'false') return false;
  if (truth === 'unknown') return effect === 'Allow';
  return (effect === 'Allow') === (mode === 'pessimistic');
}

interface Decision {
  allowed: boolean;
  grants: StatementRef[];
}

class Evaluator {
  private readonly truthCache = new Map<CompiledStatement, Map<RequestContext, Truth>>();
  /** Every statement that {@link decide} reads the truth of. */
  private readonly consulted: CompiledStatement[];
  private readonly denies: StatementRef[];
  private readonly allows: StatementRef[];
  private readonly boundaryAllows: StatementRef[] | undefined;
  private readonly scpAllows: StatementRef[][];

  constructor(set: PolicySet) {
    const all = allStatements(set);
    this.denies = all.filter((ref) => ref.statement.effect === 'Deny');
    this.allows = set.identity.filter((ref) => ref.statement.effect === 'Allow');
    this.boundaryAllows = set.boundary?.filter((ref) => ref.statement.effect === 'Allow');
    this.scpAllows = (set.scpLevels ?? []).map((level) =>
      level.statements.filter((ref) => ref.statement.effect === 'Allow'),
    );
    this.consulted = [
      ...new Set(
        [this.denies, this.allows, this.boundaryAllows ?? [], ...this.scpAllows].flatMap((refs) =>
          refs.map((ref) => ref.statement),
        ),
      ),
    ];
  }

  truth(statement: CompiledStatement, context: RequestContext): Truth {
    if (context instanceof InternetContext) {
      const fixed = addressFreeTruth(statement, context);
      if (fixed !== null) return fixed;
    }
    let byContext = this.truthCache.get(statement);
    if (!byContext) {
      byContext = new Map();
      this.truthCache.set(statement, byContext);
    }
    let truth = byContext.get(context);
    if (truth === undefined) {
      truth = evaluateClauses(statement.clauses, context).truth;
      byContext.set(context, truth);
    }
    return truth;
  }

  private denied(scope: string, denies: StatementRef[]): boolean {
    return deniesCover(
      denies.map((ref) => ref.statement),
      scope,
    );
  }

  /** The notebook scopes that the applying Allows of `allows` reach and no applying Deny covers. */
  private limitScopes(
    allows: readonly StatementRef[],
    context: RequestContext,
    mode: Mode,
    denies: StatementRef[],
  ): string[] {
    return allows
      .filter((ref) => applies(this.truth(ref.statement, context), 'Allow', mode))
      .flatMap((ref) => ref.statement.reach)
      .filter((scope) => !this.denied(scope, denies));
  }

  /**
   * The pieces (with their internet contexts) at which the request is allowed,
   * as {@link decide} says. The decision reads a context only through the truth of each consulted
   * statement there, and only the statements that read the address change from piece to piece: the
   * pieces at which those have the same truths share one decision, and a set cut into hundreds of
   * pieces has only a few such classes.
   */
  allowedPieces(
    pieces: readonly IpPiece[],
    contextOf: (piece: IpPiece) => InternetContext,
    mode: Mode,
  ): IpPiece[] {
    if (pieces.length === 0) return [];
    const first = contextOf(pieces[0] as IpPiece);
    let byStatement = truthColumns.get(pieces);
    if (!byStatement) {
      byStatement = new WeakMap();
      truthColumns.set(pieces, byStatement);
    }
    const columns: string[] = [];
    for (const statement of this.consulted) {
      if (addressFreeTruth(statement, first) !== null) continue;
      let column = byStatement.get(statement);
      if (column === undefined) {
        column = truthColumn(statement, pieces, contextOf);
        byStatement.set(statement, column);
      }
      columns.push(column);
    }
    const decisions = new Map<string, boolean>();
    return pieces.filter((piece, index) => {
      let key = '';
      for (const column of columns) key += column[index];
      let allowed = decisions.get(key);
      if (allowed === undefined) {
        allowed = this.decide(contextOf(piece), mode).allowed;
        decisions.set(key, allowed);
      }
      return allowed;
    });
  }

  /** `withScps: false` judges the identity policies and boundary alone, to tell what the SCPs changed. */
  decide(context: RequestContext, mode: Mode, withScps = true): Decision {
    const denies = this.denies.filter(
      (ref) => (withScps || !ref.policy.scp) && applies(this.truth(ref.statement, context), 'Deny', mode),
    );
    const boundaryScopes =
      this.boundaryAllows && this.limitScopes(this.boundaryAllows, context, mode, denies);
    const scpScopes = withScps
      ? this.scpAllows.map((level) => this.limitScopes(level, context, mode, denies))
      : [];
    const within = (scope: string, limits: readonly string[]) =>
      limits.some((limit) => globIntersects(scope, limit));
    const grants = this.allows.filter(
      (ref) =>
        applies(this.truth(ref.statement, context), 'Allow', mode) &&
        ref.statement.reach.some(
          (scope) =>
            !this.denied(scope, denies) &&
            (boundaryScopes === undefined || within(scope, boundaryScopes)) &&
            scpScopes.every((limits) => within(scope, limits)),
        ),
    );
    return { allowed: grants.length > 0, grants };
  }

  /**
   * The level's Allows that apply at `context` and reach a notebook that `grants` reach (every
   * identity Allow's, when nothing is granted there).
   */
  levelAllows(level: number, context: RequestContext, grants: readonly StatementRef[]): StatementRef[] {
    const scopes = (grants.length > 0 ? grants : this.allows).flatMap((ref) => ref.statement.reach);
    return (this.scpAllows[level] ?? []).filter(
      (ref) =>
        applies(this.truth(ref.statement, context), 'Allow', 'pessimistic') &&
        ref.statement.reach.some((limit) => scopes.some((scope) => globIntersects(scope, limit))),
    );
  }
}

function allStatements(set: PolicySet): StatementRef[] {
  return [
    ...set.identity,
    ...(set.boundary ?? []),
    ...(set.scpLevels ?? []).flatMap((level) => level.statements),
  ];
}

const evidenceOf = new WeakMap<StatementRef, StatementEvidence>();

/**
 * The statement as evidence. Made once per reference: the policies attached to thousands of
 * principals, and the SCPs of an account, are cited in every one of their verdicts.
 */
export function statementEvidence(ref: StatementRef): StatementEvidence {
  const known = evidenceOf.get(ref);
  if (known) return known;
  const { statement, policy } = ref;
  const evidence: StatementEvidence = {
    policyName: policy.name,
    attachment: policy.attachment,
    statementIndex: statement.index,
    effect: statement.effect,
    resources: statement.resource ?? (statement.notResource ?? []).map((entry) => `NotResource ${entry}`),
    conditions: statement.problem === undefined ? statement.clauses.map(describeClause) : [],
  };
  if (policy.arn) evidence.policyArn = policy.arn;
  if (statement.sid !== undefined) evidence.sid = statement.sid;
  evidenceOf.set(ref, evidence);
  return evidence;
}

/** `${aws:username}` or `the policy variables ${a}, ${b}`, for a reason. */
function variablePhrase(variables: readonly string[]): string {
  return `the policy variable${variables.length > 1 ? 's' : ''} ${variables.join(', ')}`;
}

function denyReason(
  resources: string,
  ref: StatementRef,
  context: RequestContext,
  address: string,
  grants: StatementRef[],
  applying: CompiledStatement[],
): DenyEvidence {
  const { truth, clause } = evaluateClauses(ref.statement.clauses, context);
  const base = statementEvidence(ref);
  if (truth === 'false') {
    return {
      ...base,
      applied: false,
      reason: `${clause ? describeClause(clause) : 'its condition'} does not hold for ${address}`,
    };
  }
  if (truth === 'unknown') {
    const dependsOn = clause?.variables?.length
      ? `${variablePhrase(clause.variables)} in ${describeClause(clause)}, whose value the request decides`
      : `${clause?.key ?? 'a condition key'}, which the scanner cannot know for an internet caller`;
    return { ...base, applied: false, reason: `it depends on ${dependsOn}: not counted on` };
  }
  if (truth === 'error') {
    return {
      ...base,
      applied: false,
      reason: `not understood (${ref.statement.problem ?? clause?.notUnderstood}): not counted on`,
    };
  }
  const scopes = [...new Set(grants.flatMap((grant) => grant.statement.reach))];
  const uncovered = scopes.filter((scope) => !denyCovers(ref.statement, scope));
  if (uncovered.length === 0) {
    return { ...base, applied: true, reason: `it applies at ${address} and covers the ${resources} granted` };
  }
  if (uncovered.every((scope) => deniesCover(applying, scope))) {
    return {
      ...base,
      applied: true,
      reason: `it applies at ${address} and, together with the other Denies that apply there, covers the ${resources} granted`,
    };
  }
  const variables = ref.statement.resourceVariables;
  const because =
    variables.length > 0
      ? `: its ${ref.statement.resource ? 'Resource' : 'NotResource'} holds ${variablePhrase(variables)}, whose value the request decides, so its reach is not counted on`
      : '';
  return {
    ...base,
    applied: false,
    reason: `it applies at ${address} but does not cover all the ${resources} granted (${uncovered.join(', ')})${because}`,
  };
}

/** What the SCPs say at `focus`: which levels allow the request the identity policies grant, which Denies refuse it. */
function scpVerdict(
  evaluator: Evaluator,
  levels: readonly ScpLevelRefs[],
  focus: RequestContext,
  mode: Mode,
): ScpVerdict {
  const withoutScps = evaluator.decide(focus, mode, false);
  const evidence = levels.map((level, index): ScpLevelEvidence => {
    const allowedBy = evaluator.levelAllows(index, focus, withoutScps.grants);
    return {
      target: level.target,
      allows: allowedBy.length > 0,
      allowedBy: allowedBy.map(statementEvidence),
    };
  });
  return {
    levels: evidence,
    blocked: withoutScps.allowed && !evaluator.decide(focus, mode).allowed,
    blockedAtLevels: withoutScps.allowed
      ? evidence.filter((level) => !level.allows).map((level) => level.target)
      : [],
    blockedBy: levels
      .flatMap((level) => level.statements)
      .filter(
        (ref) =>
          ref.statement.effect === 'Deny' &&
          ref.statement.problem === undefined &&
          evaluator.truth(ref.statement, focus) === 'true',
      )
      .map(statementEvidence),
  };
}

/**
 * A number for a statement's set of `aws:SourceIp` ranges: statements naming the same ranges (one
 * policy compiled for each action, or several policies listing the same offices) get the same one.
 * Ranges are compared by identity, as {@link parseIpRange} returns one object per text.
 */
const rangeSetIds = new Map<string, number>();
const rangeSetOf = new WeakMap<CompiledStatement, number>();

function rangeSetId(statement: CompiledStatement): number {
  let id = rangeSetOf.get(statement);
  if (id === undefined) {
    const key = [...new Set(statement.ipRanges.map(identity))].sort((a, b) => a - b).join(',');
    id = rangeSetIds.get(key);
    if (id === undefined) {
      id = rangeSetIds.size;
      rangeSetIds.set(key, id);
    }
    rangeSetOf.set(statement, id);
  }
  return id;
}

const piecesByRanges = new WeakMap<Approval, Map<string, IpPiece[]>>();

/**
 * The address space cut at the ranges of the statements, made once for every set whose statements
 * name the same ranges: the cuts depend on the ranges alone, and many principals hold the same few
 * ranged grants and Denies among policies that differ otherwise.
 */
function piecesOf(statements: readonly StatementRef[], approval: Approval): IpPiece[] {
  const ranged = statements.filter((ref) => ref.statement.ipRanges.length > 0);
  const key = [...new Set(ranged.map((ref) => rangeSetId(ref.statement)))].sort((a, b) => a - b).join(',');
  let byRanges = piecesByRanges.get(approval);
  if (!byRanges) {
    byRanges = new Map();
    piecesByRanges.set(approval, byRanges);
  }
  let pieces = byRanges.get(key);
  if (!pieces) {
    pieces = splitAddressSpace(
      ranged.flatMap((ref) => ref.statement.ipRanges),
      approval.ranges,
    );
    byRanges.set(key, pieces);
  }
  return pieces;
}

/**
 * Judges whether the request (the set's presigned-URL action on any resource of the account, from an
 * internet address) is allowed from outside the approved ranges. With no approved ranges, FAIL
 * means the request is allowed from every address of IPv4 or of IPv6; any narrower restriction
 * passes and its ranges are listed for review. Not-understood statements make the verdict ERROR
 * only when they could change it.
 */
export function evaluatePolicySet(set: PolicySet, approval: Approval): Verdict {
  const evaluator = new Evaluator(set);
  const statements = allStatements(set);
  const pieces = piecesOf(statements, approval);
  const noRanges = approval.ranges.length === 0;
  // Made only for the pieces judged one by one: most are decided by their class.
  const contexts = new Map<IpPiece, InternetContext>();
  const contextOf = (piece: IpPiece) => {
    let context = contexts.get(piece);
    if (!context) {
      context = new InternetContext(piece);
      contexts.set(piece, context);
    }
    return context;
  };
  const hasProblems = statements.some((ref) => ref.statement.clauses.some((clause) => clause.notUnderstood));

  // The finding names an internet address where one is allowed; a private or documentation range
  // is named only when nothing else is.
  const preferRoutable = (candidates: IpPiece[]) =>
    candidates.find((piece) => piece.routable) ?? candidates[0];
  const judge = (mode: Mode) => {
    const allowedPieces = evaluator.allowedPieces(pieces, contextOf, mode);
    const allowed = new Set(allowedPieces);
    let offending: IpPiece | undefined;
    if (noRanges) {
      for (const family of ['ipv4', 'ipv6'] as const) {
        const familyPieces = pieces.filter((piece) => piece.family === family);
        if (!offending && familyPieces.every((piece) => allowed.has(piece)))
          offending = preferRoutable(familyPieces);
      }
    } else offending = preferRoutable(allowedPieces.filter((piece) => !piece.approved));
    return { allowedPieces, offending };
  };

  // IAM would not store a document holding a refused statement: no reading of it is the real one.
  const refused = statements.some((ref) => ref.statement.refused);
  const pessimistic = judge('pessimistic');
  const optimistic = hasProblems && pessimistic.offending ? judge('optimistic') : pessimistic;
  const status = refused
    ? 'ERROR'
    : !pessimistic.offending
      ? 'PASS'
      : optimistic.offending
        ? 'FAIL'
        : 'ERROR';
  const shown = status === 'FAIL' ? optimistic : pessimistic;
  const mode: Mode = status === 'FAIL' ? 'optimistic' : 'pessimistic';

  const focusPiece = shown.offending ?? pieces.find((piece) => !piece.approved) ?? (pieces[0] as IpPiece);
  const focus = contextOf(focusPiece);
  const address = formatAddress(focusPiece.family, focusPiece.representative);
  const decision = evaluator.decide(focus, mode);
  const grantRefs =
    status === 'FAIL' ? decision.grants : set.identity.filter((ref) => ref.statement.effect === 'Allow');
  // One more than is listed tells whether the list is cut.
  const allowedFrom = piecesToCidrs(shown.allowedPieces, ALLOWED_FROM_LIMIT + 1);

  const readableDenies = statements.filter(
    (ref) => ref.statement.effect === 'Deny' && ref.statement.problem === undefined,
  );
  const applying = readableDenies
    .filter((ref) => evaluator.truth(ref.statement, focus) === 'true')
    .map((ref) => ref.statement);
  const verdict: Verdict = {
    status,
    grants: grantRefs.map(statementEvidence),
    denies: readableDenies.map((ref) =>
      denyReason(set.presign.resources, ref, focus, address, grantRefs, applying),
    ),
    allowedFrom: allowedFrom.slice(0, ALLOWED_FROM_LIMIT),
    allowedFromTruncated: allowedFrom.length > ALLOWED_FROM_LIMIT,
    notUnderstood: statements
      .filter((ref) => ref.statement.clauses.some((clause) => clause.notUnderstood))
      .filter((ref) => ref.statement.problem === undefined || ref.statement.effect === 'Allow')
      .map((ref) => ({
        statement: statementEvidence(ref),
        problem:
          ref.statement.problem ??
          ref.statement.clauses.find((clause) => clause.notUnderstood)?.notUnderstood ??
          'not understood',
      })),
  };
  if (shown.offending) verdict.offendingAddress = address;
  if (set.boundary) {
    verdict.boundaryAllows = set.boundary.some(
      (ref) => ref.statement.effect === 'Allow' && evaluator.truth(ref.statement, focus) !== 'false',
    );
  }
  if (set.scpLevels) verdict.scps = scpVerdict(evaluator, set.scpLevels, focus, mode);
  if (status === 'PASS' && shown.allowedPieces.length > 0) {
    verdict.blocksPrivateLink = !evaluator.decide(PRIVATE_LINK_CONTEXT, 'pessimistic').allowed;
  }
  return verdict;
}
