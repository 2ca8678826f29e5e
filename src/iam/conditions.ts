import { globMatch } from './glob.ts';
import { contains, formatAddress, type IpFamily, type IpRange, parseIpRange } from './ip.ts';
import { parseTemplate, type TemplatePart, variablesOf } from './variables.ts';

/** Three-valued truth plus "not understood" (an operator or value the evaluator does not know). */
export type Truth = 'true' | 'false' | 'unknown' | 'error';

/** What the request context says about one condition key. */
export type KeyState =
  | { kind: 'absent' }
  | { kind: 'ip'; family: IpFamily; value: bigint }
  | { kind: 'string'; value: string }
  /** Present with a value the scanner cannot know (e.g. `aws:SourceVpce` through an endpoint). */
  | { kind: 'present' };

/**
 * What the request holds for each lower-cased condition key. Keys it does not know (`get` gives
 * undefined) are unknown: they may be absent or hold any value.
 */
export interface RequestContext {
  get(key: string): KeyState | undefined;
}

const lowerCased = new Map<string, string>();

/** Condition keys are case-insensitive; the few distinct keys of an account are lower-cased once. */
export function lowerKey(key: string): string {
  let lower = lowerCased.get(key);
  if (lower === undefined) {
    lower = key.toLowerCase();
    lowerCased.set(key, lower);
  }
  return lower;
}

const POSITIVE = new Set([
  'StringEquals',
  'StringEqualsIgnoreCase',
  'StringLike',
  'NumericEquals',
  'NumericLessThan',
  'NumericLessThanEquals',
  'NumericGreaterThan',
  'NumericGreaterThanEquals',
  'DateEquals',
  'DateLessThan',
  'DateLessThanEquals',
  'DateGreaterThan',
  'DateGreaterThanEquals',
  'Bool',
  'BinaryEquals',
  'IpAddress',
  'ArnEquals',
  'ArnLike',
]);
const NEGATED = new Set([
  'StringNotEquals',
  'StringNotEqualsIgnoreCase',
  'StringNotLike',
  'NumericNotEquals',
  'DateNotEquals',
  'NotIpAddress',
  'ArnNotEquals',
  'ArnNotLike',
]);

/** One `operator: { key: values }` pair of a Condition block. */
export interface ConditionClause {
  /** As written, for evidence. */
  operator: string;
  base: string;
  /** `base` without its negation (`StringNotEquals` → `StringEquals`); the match before negating. */
  matchOperator: string;
  negated: boolean;
  setOperator?: 'ForAnyValue' | 'ForAllValues';
  ifExists: boolean;
  /** As written; compared lower-cased (condition keys are case-insensitive). */
  key: string;
  values: string[];
  /** Set for IP operators whose values all parse. */
  ranges?: IpRange[];
  /** String and ARN operators in a document with policy variables: each value's parts. */
  templates?: TemplatePart[][];
  /** The policy variables of the values, as written. */
  variables?: string[];
  /** Why the evaluator cannot judge this clause, if it cannot. */
  notUnderstood?: string;
}

function valueText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean' || typeof value === 'number') return String(value);
  return undefined;
}

/** The operators whose values AWS substitutes policy variables in. */
function substitutes(base: string): boolean {
  return base.startsWith('String') || base.startsWith('Arn');
}

/**
 * The clauses of a statement's Condition block. A block that is not an object of objects is a
 * malformed statement (the returned problem); unknown operators are kept and judged "not
 * understood" only if they are reached. `variables`: the document's version has policy variables.
 */
export function compileConditions(
  condition: unknown,
  variables = false,
): { clauses: ConditionClause[]; problem?: string } {
  if (condition === undefined) return { clauses: [] };
  if (typeof condition !== 'object' || condition === null || Array.isArray(condition)) {
    return { clauses: [], problem: 'Condition is not an object' };
  }
  const clauses: ConditionClause[] = [];
  for (const [operator, block] of Object.entries(condition)) {
    if (typeof block !== 'object' || block === null || Array.isArray(block)) {
      return { clauses: [], problem: `Condition operator ${operator} does not hold an object of keys` };
    }
    const prefix = /^(ForAnyValue|ForAllValues):(.*)$/.exec(operator);
    const setOperator = prefix ? (prefix[1] as 'ForAnyValue' | 'ForAllValues') : undefined;
    let base = prefix ? (prefix[2] as string) : operator;
    const ifExists = base.endsWith('IfExists');
    if (ifExists) base = base.slice(0, -'IfExists'.length);
    for (const [key, raw] of Object.entries(block)) {
      const list = Array.isArray(raw) ? raw : [raw];
      const values = list.map(valueText);
      const clause: ConditionClause = {
        operator,
        base,
        matchOperator: base
          .replace(/^(String|Numeric|Date|Arn)Not/, '$1')
          .replace(/^NotIpAddress$/, 'IpAddress'),
        negated: NEGATED.has(base),
        ifExists,
        key,
        values: values.filter((value): value is string => value !== undefined),
      };
      if (setOperator) clause.setOperator = setOperator;
      if (values.some((value) => value === undefined)) {
        clause.notUnderstood = `${operator} ${key} holds a value that is not a string, number or boolean`;
      } else if (!POSITIVE.has(base) && !NEGATED.has(base) && !(base === 'Null' && !ifExists)) {
        clause.notUnderstood = `unknown condition operator ${operator}`;
      } else if (variables && substitutes(base) && clause.values.some((value) => value.includes('${'))) {
        const parsed = clause.values.map(parseTemplate);
        const bad = parsed.find((template) => !template.ok);
        if (bad && !bad.ok) clause.notUnderstood = `${operator} ${key}: ${bad.problem}`;
        else {
          clause.templates = parsed.map((template) => (template.ok ? template.parts : []));
          clause.variables = [...new Set(clause.templates.flatMap(variablesOf))];
        }
      } else if (base === 'IpAddress' || base === 'NotIpAddress') {
        const ranges = clause.values.map(parseIpRange);
        const bad = clause.values.find((_, index) => ranges[index] === undefined);
        if (bad !== undefined) {
          clause.notUnderstood = `${operator} ${key} holds ${JSON.stringify(bad)}, which is not an IP address or CIDR in standard notation (such as 203.0.113.0/24, 2001:db8::/32 or 203.0.113.7)`;
        } else clause.ranges = ranges as IpRange[];
      }
      clauses.push(clause);
    }
  }
  return { clauses };
}

function negate(truth: Truth): Truth {
  if (truth === 'true') return 'false';
  if (truth === 'false') return 'true';
  return truth;
}

/**
 * A condition value with its policy variables replaced from the request: a key the context knows
 * gives its value (an absent one its default, or no value at all, which equals nothing); any other
 * key is decided by the request, so the value is unknown (undefined). No value is null.
 */
function resolveValue(parts: readonly TemplatePart[], context: RequestContext): string | null | undefined {
  let text = '';
  for (const part of parts) {
    if (part.kind === 'text') text += part.text;
    else if (part.kind === 'escape') text += part.char;
    else {
      const state = context.get(lowerKey(part.key));
      if (state?.kind === 'string') text += state.value;
      else if (state?.kind === 'ip') text += formatAddress(state.family, state.value);
      else if (state?.kind === 'absent') {
        if (part.fallback === undefined) return null;
        text += part.fallback;
      } else return undefined;
    }
  }
  return text;
}

/** The base operator on a present, single value: true when any policy value matches (before negation). */
function matchPresent(clause: ConditionClause, state: KeyState, context: RequestContext): Truth {
  const base = clause.matchOperator;
  if (state.kind === 'ip') {
    if (base !== 'IpAddress' || !clause.ranges) return 'unknown';
    return clause.ranges.some((range) => contains(range, state.family, state.value)) ? 'true' : 'false';
  }
  if (state.kind === 'string') {
    const matches = stringMatcher(base, state.value);
    if (!matches) return 'unknown';
    const resolved = clause.templates
      ? clause.templates.map((parts) => resolveValue(parts, context))
      : clause.values;
    if (resolved.some((value) => typeof value === 'string' && matches(value))) return 'true';
    return resolved.includes(undefined) ? 'unknown' : 'false';
  }
  return 'unknown';
}

/**
 * How a policy value of `base` matches a known string; undefined for operators the evaluator does
 * not judge on strings. `Bool` and `StringEqualsIgnoreCase` ignore case; `StringLike` is a
 * case-sensitive `*`/`?` glob; `ArnEquals` and `ArnLike` compare the six colon-separated parts of
 * the ARN one by one, each with wildcards, so that a wildcard never spans a colon.
 */
function stringMatcher(base: string, actual: string): ((value: string) => boolean) | undefined {
  if (base === 'StringEquals') return (value) => value === actual;
  if (base === 'Bool' || base === 'StringEqualsIgnoreCase')
    return (value) => value.toLowerCase() === actual.toLowerCase();
  if (base === 'StringLike') return (value) => globMatch(value, actual);
  if (base === 'ArnEquals' || base === 'ArnLike') return (value) => arnLike(value, actual);
  return undefined;
}

function arnParts(arn: string): string[] | undefined {
  const parts = arn.split(':');
  if (parts.length < 6) return undefined;
  return [...parts.slice(0, 5), parts.slice(5).join(':')];
}

function arnLike(pattern: string, arn: string): boolean {
  const expected = arnParts(pattern);
  const actual = arnParts(arn);
  if (!expected || !actual) return false;
  return expected.every((part, index) => globMatch(part, actual[index] as string));
}

/**
 * One clause against the request context, per AWS's documented rules: a missing key fails
 * positive operators and satisfies negated ones, `...IfExists` is satisfied by a missing key,
 * `ForAnyValue` on a missing key is false and `ForAllValues` true; on a present single-valued key
 * both set operators act as the plain operator.
 */
export function evaluateClause(clause: ConditionClause, context: RequestContext): Truth {
  if (clause.notUnderstood) return 'error';
  const state = context.get(lowerKey(clause.key));
  if (clause.base === 'Null') {
    if (!state) return 'unknown';
    const present = state.kind !== 'absent';
    return clause.values.some((value) => (value.toLowerCase() === 'true') !== present) ? 'true' : 'false';
  }
  if (!state) return 'unknown';
  if (state.kind === 'absent') {
    if (clause.ifExists) return 'true';
    if (clause.setOperator === 'ForAnyValue') return 'false';
    if (clause.setOperator === 'ForAllValues') return 'true';
    return clause.negated ? 'true' : 'false';
  }
  const matched = matchPresent(clause, state, context);
  return clause.negated ? negate(matched) : matched;
}

/** The clauses are ANDed: one false clause decides, whatever the others are. */
export function evaluateClauses(
  clauses: readonly ConditionClause[],
  context: RequestContext,
): { truth: Truth; clause?: ConditionClause } {
  let worst: { truth: Truth; clause?: ConditionClause } = { truth: 'true' };
  for (const clause of clauses) {
    const truth = evaluateClause(clause, context);
    if (truth === 'false') return { truth, clause };
    if (truth === 'error' || (truth === 'unknown' && worst.truth === 'true')) worst = { truth, clause };
  }
  return worst;
}

/** A clause as a person reads it: `NotIpAddress aws:SourceIp [203.0.113.0/24]`. */
export function describeClause(clause: ConditionClause): string {
  return `${clause.operator} ${clause.key} [${clause.values.join(', ')}]`;
}
