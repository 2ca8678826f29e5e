import type { PolicyDocumentInput } from '../model/inventory.ts';
import { type ConditionClause, compileConditions } from './conditions.ts';
import { decodePolicyDocument } from './document.ts';
import { globIntersects } from './glob.ts';
import type { IpRange } from './ip.ts';
import { type AccountTarget, actionMatches, allNotebooks, allowScope, resourceCovers } from './request.ts';

/**
 * A statement that bears on the request (it names the action and can reach a notebook), reduced
 * to what the evaluator needs. Irrelevant statements are dropped when the policy is compiled.
 */
export interface CompiledStatement {
  /** Position in the policy's Statement list (0-based), or -1 for a whole document that is unreadable. */
  index: number;
  sid?: string;
  effect: 'Allow' | 'Deny';
  /** Allow: the notebook ARN patterns it can reach (over-approximated). */
  reach: string[];
  resource?: string[];
  notResource?: string[];
  clauses: ConditionClause[];
  /** The `aws:SourceIp` ranges its conditions name: the address space is cut at their edges. */
  ipRanges: IpRange[];
  /** Set when the statement or its document cannot be read: it might grant or deny anything. */
  problem?: string;
}

export interface CompiledPolicy {
  statements: CompiledStatement[];
  /** Whether any Allow statement can grant the action (conditions aside). */
  grants: boolean;
}

function stringList(value: unknown): string[] | undefined {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value as string[];
  return undefined;
}

/** A statement (or document) that cannot be read stands for both a grant and a deny of unknown reach. */
function unreadable(index: number, problem: string, target: AccountTarget): CompiledStatement[] {
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
  const common = { index, clauses: [clause], ipRanges: [], problem };
  return [
    { ...common, effect: 'Allow', reach: [allNotebooks(target)] },
    { ...common, effect: 'Deny', reach: [allNotebooks(target)], resource: ['*'] },
  ];
}

function compileStatement(raw: unknown, index: number, target: AccountTarget): CompiledStatement[] {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return unreadable(index, `statement ${index} is not an object`, target);
  }
  const statement = raw as Record<string, unknown>;
  const where = `statement ${index}${typeof statement.Sid === 'string' ? ` (${statement.Sid})` : ''}`;
  const effect = statement.Effect;
  if (effect !== 'Allow' && effect !== 'Deny') {
    return unreadable(index, `${where} has no Effect of Allow or Deny`, target);
  }
  if ((statement.Action === undefined) === (statement.NotAction === undefined)) {
    return unreadable(index, `${where} needs exactly one of Action and NotAction`, target);
  }
  const actions = stringList(statement.Action ?? statement.NotAction);
  if (!actions)
    return unreadable(index, `${where} has an Action that is not a string or list of strings`, target);
  if ((statement.Resource === undefined) === (statement.NotResource === undefined)) {
    return unreadable(index, `${where} needs exactly one of Resource and NotResource`, target);
  }
  const resources = stringList(statement.Resource ?? statement.NotResource);
  if (!resources) {
    return unreadable(index, `${where} has a Resource that is not a string or list of strings`, target);
  }
  const { clauses, problem } = compileConditions(statement.Condition);
  if (problem) return unreadable(index, `${where}: ${problem}`, target);

  const named = actions.some(actionMatches);
  if (statement.Action !== undefined ? !named : named) return [];
  const everyNotebook = allNotebooks(target);
  let reach: string[];
  if (statement.Resource !== undefined) {
    reach = [
      ...new Set(resources.map((entry) => allowScope(entry, target)).filter((scope) => scope !== undefined)),
    ];
  } else {
    reach = resources.some((entry) => resourceCovers(entry, everyNotebook)) ? [] : [everyNotebook];
  }
  if (reach.length === 0) return [];
  const compiled: CompiledStatement = {
    index,
    effect,
    reach,
    clauses,
    ipRanges: clauses.flatMap((clause) =>
      clause.key.toLowerCase() === 'aws:sourceip' && clause.ranges ? clause.ranges : [],
    ),
  };
  if (typeof statement.Sid === 'string') compiled.sid = statement.Sid;
  if (statement.Resource !== undefined) compiled.resource = resources;
  else compiled.notResource = resources;
  return [compiled];
}

/**
 * The statements of a policy document that bear on `sagemaker:CreatePresignedNotebookInstanceUrl`
 * in the account. A document that does not parse, or a malformed statement, becomes a statement
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
      statements = list.flatMap((statement, index) => compileStatement(statement, index, target));
    }
  }
  return { statements, grants: statements.some((statement) => statement.effect === 'Allow') };
}

/** A policy whose document the scanner does not have: it might grant or deny anything. */
export function unreadablePolicy(problem: string, target: AccountTarget): CompiledPolicy {
  return { statements: unreadable(-1, problem, target), grants: true };
}

/**
 * Whether a `NotResource` entry could match a notebook instance ARN of `scope`, so that the
 * statement might leave that notebook out. Real notebook ARNs hold no `:` or `/` beyond the ARN's
 * own separators (regions, account ids and notebook names cannot contain them), so the wildcards of
 * `scope` stand for none; the entry's wildcards may still span anything, which over-approximates
 * AWS's matching whether or not a wildcard spans segments there. Over-approximated: the cautious
 * side for a Deny.
 */
function notResourceMayMatch(entry: string, scope: string): boolean {
  return globIntersects(entry, scope, ':/');
}

/** Whether a Deny statement surely covers every notebook ARN of `scope`. */
export function denyCovers(statement: CompiledStatement, scope: string): boolean {
  if (statement.resource) return statement.resource.some((entry) => resourceCovers(entry, scope));
  return !(statement.notResource ?? []).some((entry) => notResourceMayMatch(entry, scope));
}
