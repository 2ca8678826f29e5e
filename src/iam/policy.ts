import type { PolicyDocumentInput } from '../model/inventory.ts';
import { type ConditionClause, compileConditions } from './conditions.ts';
import { decodePolicyDocument } from './document.ts';
import { globIncludes } from './glob.ts';
import type { IpRange } from './ip.ts';
import {
  type AccountTarget,
  actionMatches,
  allowScope,
  allResources,
  resourceCovers,
  splitArn,
} from './request.ts';
import { resourceMayMatch, statementElement, VARIABLES_VERSION } from './statement-elements.ts';
import { parseTemplate, variablesOf } from './variables.ts';

/**
 * A statement that bears on the request (it names the action and can reach a resource it applies
 * to), reduced to what the evaluator needs. Irrelevant statements are dropped when the policy is compiled.
 */
export interface CompiledStatement {
  /** Position in the policy's Statement list (0-based), or -1 for a whole document that is unreadable. */
  index: number;
  sid?: string;
  effect: 'Allow' | 'Deny';
  /** Allow: the ARN patterns it can reach (over-approximated). */
  reach: string[];
  /** As written, for evidence. */
  resource?: string[];
  notResource?: string[];
  /**
   * The entries of `Resource` or `NotResource` as wildcard patterns, read on the cautious side for
   * the statement: a Deny's `Resource` and an Allow's `NotResource` keep only the entries that match
   * whatever a policy variable holds; a Deny's `NotResource` and an Allow's `Resource` stand a
   * variable for any text. Entries that can match no ARN of the action are left out. (Whether a Deny
   * bears on the request at all is judged the other way round, so that its evidence is kept.)
   */
  patterns: string[];
  /** The policy variables of `Resource` or `NotResource`, as written: the request decides their values. */
  resourceVariables: string[];
  clauses: ConditionClause[];
  /** The `aws:SourceIp` ranges its conditions name: the address space is cut at their edges. */
  ipRanges: IpRange[];
  /** Set when the statement or its document cannot be read: it might grant or deny anything. */
  problem?: string;
  /** Set when IAM itself would refuse the statement: its meaning is undefined, so no verdict but ERROR. */
  refused?: true;
}

export interface CompiledPolicy {
  statements: CompiledStatement[];
  /** Whether any Allow statement can grant the action (conditions aside). */
  grants: boolean;
}

/** A statement (or document) that cannot be read stands for both a grant and a deny of unknown reach. */
function unreadable(
  index: number,
  problem: string,
  target: AccountTarget,
  options: { refused?: boolean; sid?: unknown } = {},
): CompiledStatement[] {
  const clause: ConditionClause = {
    operator: 'unreadable',
    base: 'unreadable',
    matchOperator: 'unreadable',
    negated: false,
    ifExists: false,
    key: 'policy',
    values: [],
    notUnderstood: problem,
  };
  const common = {
    index,
    clauses: [clause],
    ipRanges: [],
    problem,
    resourceVariables: [],
    ...(options.refused ? { refused: true as const } : {}),
    ...(typeof options.sid === 'string' ? { sid: options.sid } : {}),
  };
  return [
    { ...common, effect: 'Allow', reach: [allResources(target)], patterns: [] },
    { ...common, effect: 'Deny', reach: [allResources(target)], resource: ['*'], patterns: ['*'] },
  ];
}

/**
 * An entry of `Resource` or `NotResource` as a wildcard pattern. `widen`: a variable stands for
 * any text (`*`); otherwise an entry with a variable is left out. An escaped `*`, `?` or `$` is a
 * literal character that no ARN of the action holds, so such an entry matches none and is left
 * out either way.
 */
function entryPattern(entry: string, widen: boolean): string | undefined {
  if (!entry.includes('${')) return entry;
  const parsed = parseTemplate(entry);
  if (!parsed.ok) return undefined;
  let pattern = '';
  for (const part of parsed.parts) {
    if (part.kind === 'escape') return undefined;
    if (part.kind === 'variable') {
      if (!widen) return undefined;
      pattern += '*';
    } else pattern += part.text;
  }
  return pattern;
}

/** The first entry whose policy variables do not parse, if any. */
function malformedVariable(entries: readonly string[]): string | undefined {
  for (const entry of entries) {
    const parsed = parseTemplate(entry);
    if (!parsed.ok) return parsed.problem;
  }
  return undefined;
}

function compileStatement(
  raw: unknown,
  index: number,
  target: AccountTarget,
  variables: boolean,
): CompiledStatement[] {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return unreadable(index, `statement ${index} is not an object`, target);
  }
  const statement = raw as Record<string, unknown>;
  const where = `statement ${index}${typeof statement.Sid === 'string' ? ` (${statement.Sid})` : ''}`;
  const known = { sid: statement.Sid };
  const principalElement = ['Principal', 'NotPrincipal'].find((name) => statement[name] !== undefined);
  if (principalElement) {
    return unreadable(
      index,
      `${where} has a ${principalElement} element, which IAM refuses in an identity-based policy (inline, managed or boundary)`,
      target,
      { ...known, refused: true },
    );
  }
  const effect = statement.Effect;
  if (effect !== 'Allow' && effect !== 'Deny') {
    return unreadable(index, `${where} has no Effect of Allow or Deny`, target, known);
  }
  const actionElement = statementElement(statement, 'Action');
  if (typeof actionElement === 'string') return unreadable(index, `${where} ${actionElement}`, target, known);
  const resourceElement = statementElement(statement, 'Resource');
  if (typeof resourceElement === 'string')
    return unreadable(index, `${where} ${resourceElement}`, target, known);
  const actions = actionElement.entries;
  const resources = resourceElement.entries;
  const withVariables = variables && resources.some((entry) => entry.includes('${'));
  const badVariable = withVariables ? malformedVariable(resources) : undefined;
  if (badVariable) return unreadable(index, `${where}: ${badVariable}`, target, known);
  const { clauses, problem } = compileConditions(statement.Condition, variables);
  if (problem) return unreadable(index, `${where}: ${problem}`, target, known);

  const named = actions.some((pattern) => actionMatches(pattern, target.presign.action));
  if (actionElement.negated ? named : !named) return [];
  const onResource = !resourceElement.negated;
  const patternsOf = (widen: boolean) =>
    withVariables
      ? resources.map((entry) => entryPattern(entry, widen)).filter((entry) => entry !== undefined)
      : resources;
  // What the statement may reach: more for Resource, fewer exclusions for NotResource.
  const reachPatterns = patternsOf(onResource);
  const every = allResources(target);
  let reach: string[];
  if (onResource) {
    reach = [
      ...new Set(
        reachPatterns.map((entry) => allowScope(entry, target)).filter((scope) => scope !== undefined),
      ),
    ];
  } else {
    reach = reachPatterns.some((entry) => resourceCovers(entry, every)) ? [] : [every];
  }
  if (reach.length === 0) return [];
  const compiled: CompiledStatement = {
    index,
    effect,
    reach,
    // What a Deny surely covers: fewer for Resource, more exclusions for NotResource.
    patterns: effect === 'Deny' ? patternsOf(!onResource) : reachPatterns,
    resourceVariables: withVariables
      ? [
          ...new Set(
            resources.flatMap((entry) => {
              const parsed = parseTemplate(entry);
              return parsed.ok ? variablesOf(parsed.parts) : [];
            }),
          ),
        ]
      : [],
    clauses,
    ipRanges: clauses.flatMap((clause) =>
      clause.key.toLowerCase() === 'aws:sourceip' && clause.ranges ? clause.ranges : [],
    ),
  };
  if (typeof statement.Sid === 'string') compiled.sid = statement.Sid;
  if (onResource) compiled.resource = resources;
  else compiled.notResource = resources;
  return [compiled];
}

/**
 * The statements of a policy document that bear on the target's presigned-URL action in the
 * account. A document that does not parse, or a malformed statement, becomes a statement
 * that is not understood, so that it can never quietly turn into a PASS.
 */
export function compilePolicy(input: PolicyDocumentInput | undefined, target: AccountTarget): CompiledPolicy {
  const decoded = decodePolicyDocument(input);
  let statements: CompiledStatement[];
  if (!decoded.ok) statements = unreadable(-1, decoded.problem, target);
  else {
    const raw = decoded.document.Statement;
    if (raw === undefined) statements = unreadable(-1, 'the policy document has no Statement', target);
    else {
      const list = Array.isArray(raw) ? raw : [raw];
      const variables = decoded.document.Version === VARIABLES_VERSION;
      statements = list.flatMap((statement, index) => compileStatement(statement, index, target, variables));
    }
  }
  return { statements, grants: statements.some((statement) => statement.effect === 'Allow') };
}

/** A policy whose document the scanner does not have: it might grant or deny anything. */
export function unreadablePolicy(problem: string, target: AccountTarget): CompiledPolicy {
  return { statements: unreadable(-1, problem, target), grants: true };
}

/** Whether a Deny statement surely covers every ARN of `scope`. */
export function denyCovers(statement: CompiledStatement, scope: string): boolean {
  if (statement.resource) return statement.patterns.some((entry) => resourceCovers(entry, scope));
  return !statement.patterns.some((entry) => resourceMayMatch(entry, scope));
}

/**
 * The ARNs of `scope` that a `NotResource` entry may leave out, over-approximated as one scope
 * pattern (undefined: none). An entry with the ARN's six segments matches a real ARN segment by
 * segment (the ARN has no other `:`), so each segment narrows to the
 * entry's where the entry's is the narrower; anything else keeps the whole scope.
 */
function leftOut(entry: string, scope: string): string | undefined {
  if (!resourceMayMatch(entry, scope)) return undefined;
  const outer = splitArn(entry);
  const inner = splitArn(scope);
  if (!outer || !inner || entry.split(':').length !== scope.split(':').length) return scope;
  const narrower = (left: string, right: string) => (globIncludes(right, left) ? left : right);
  return [
    'arn',
    narrower(outer.partition, inner.partition),
    narrower(outer.service, inner.service),
    narrower(outer.region, inner.region),
    narrower(outer.account, inner.account),
    narrower(outer.resource, inner.resource),
  ].join(':');
}

/** Enough for any real set of guardrails; past it the answer is the cautious "not covered". */
const UNION_STEPS = 10_000;

/**
 * Whether the Denies together surely cover every ARN of `scope`: one covers it alone, or
 * a Deny with `NotResource` covers all of it but what its entries leave out, and the others cover
 * that. Sound (each step over-approximates what is left), so it never counts on a Deny that AWS
 * would not apply. A Deny whose entries leave out the whole scope is no step forward (the others
 * would have to cover the scope without it) and is not tried.
 */
export function deniesCover(denies: readonly CompiledStatement[], scope: string): boolean {
  const budget = { steps: UNION_STEPS };
  const covers = (remaining: readonly CompiledStatement[], part: string): boolean => {
    if (remaining.some((deny) => denyCovers(deny, part))) return true;
    return remaining.some((deny, index) => {
      if (!deny.notResource) return false;
      const rests = deny.patterns.map((entry) => leftOut(entry, part));
      if (rests.includes(part)) return false;
      const others = remaining.filter((_, other) => other !== index);
      return rests.every((rest) => rest === undefined || (--budget.steps > 0 && covers(others, rest)));
    });
  };
  return covers(denies, scope);
}
