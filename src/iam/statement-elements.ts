import { globIntersects } from './glob.ts';

/**
 * What the identity-policy mode (policy.ts) and the resource-policy mode (resource-policy.ts)
 * read the same way: the policy version, and the `Action`/`NotAction` and `Resource`/`NotResource`
 * elements of a statement.
 */

/** Only this version of the policy language has policy variables (IAM User Guide, "Version"). */
export const VARIABLES_VERSION = '2012-10-17';

/** A string, or a list of strings (empty or not); anything else is undefined. */
export function stringList(value: unknown): string[] | undefined {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value as string[];
  return undefined;
}

/** One of a statement's pair of elements, as written: `negated` for `NotAction` or `NotResource`. */
export interface StatementElement {
  name: 'Action' | 'NotAction' | 'Resource' | 'NotResource';
  negated: boolean;
  entries: string[];
}

/**
 * The statement's `Action` or `NotAction` (or `Resource` or `NotResource`), or what is wrong with it.
 *
 * An empty list is outside the policy grammar ("an array can contain one or more values", IAM User
 * Guide, "Grammar of the IAM JSON policy language",
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html). Where IAM takes
 * one, its policy validation says what it means: `"Action": []` and `"Resource": []` leave a
 * statement that "does not affect the policy" (IAM User Guide, "IAM policy validation check
 * reference", EMPTY_ARRAY_ACTION and EMPTY_ARRAY_RESOURCE,
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html):
 * such a statement names nothing, so it neither allows nor denies. For `"NotAction": []` and
 * `"NotResource": []` that reading and the literal one (every action, every resource) are opposite,
 * and AWS documents neither as the one its evaluation applies: the statement is not understood.
 */
export function statementElement(
  statement: Readonly<Record<string, unknown>>,
  element: 'Action' | 'Resource',
): StatementElement | string {
  const negatedName = element === 'Action' ? 'NotAction' : 'NotResource';
  if ((statement[element] === undefined) === (statement[negatedName] === undefined))
    return `needs exactly one of ${element} and ${negatedName}`;
  const negated = statement[element] === undefined;
  const name = negated ? negatedName : element;
  const entries = stringList(statement[name]);
  if (!entries)
    return `has ${name === 'Action' ? 'an' : 'a'} ${name} that is not a string or a list of strings`;
  if (negated && entries.length === 0) {
    return `has an empty ${name} list, which the policy grammar does not allow and whose meaning AWS does not document (no ${element === 'Action' ? 'action' : 'resource'} left out, or a statement without effect)`;
  }
  return { name, negated, entries };
}

/**
 * Whether a `Resource` or `NotResource` entry could match an ARN of `scope`. Real notebook and
 * user-profile ARNs hold no `:` or `/` beyond the ARN's own separators (regions, account ids,
 * notebook names, domain ids and profile names cannot contain them), and a scope spells every
 * separator out, so the wildcards of `scope` stand for none; the entry's wildcards may still span
 * anything, which over-approximates AWS's matching whether or not a wildcard spans segments there.
 */
export function resourceMayMatch(entry: string, scope: string): boolean {
  return globIntersects(entry, scope, ':/');
}
