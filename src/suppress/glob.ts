/** Counts the elementary steps (character comparisons) a match takes, so tests can bound them. */
export interface StepCounter {
  steps: number;
}

/** A literal run of a glob with its KMP failure table, so a search never re-reads the text. */
interface Segment {
  text: string;
  failure: Int32Array;
}

function segment(text: string, counter?: StepCounter): Segment {
  const failure = new Int32Array(text.length);
  let matched = 0;
  for (let index = 1; index < text.length; index += 1) {
    while (matched > 0 && text[index] !== text[matched]) {
      matched = failure[matched - 1] as number;
      if (counter) counter.steps += 1;
    }
    if (counter) counter.steps += 1;
    if (text[index] === text[matched]) matched += 1;
    failure[index] = matched;
  }
  return { text, failure };
}

/** The first index in `[from, to)` where `needle` starts and ends, or -1 (Knuth–Morris–Pratt). */
function find(haystack: string, needle: Segment, from: number, to: number, counter?: StepCounter): number {
  const { text, failure } = needle;
  let matched = 0;
  for (let index = from; index < to; index += 1) {
    while (matched > 0 && haystack[index] !== text[matched]) {
      matched = failure[matched - 1] as number;
      if (counter) counter.steps += 1;
    }
    if (counter) counter.steps += 1;
    if (haystack[index] === text[matched]) matched += 1;
    if (matched === text.length) return index - text.length + 1;
  }
  return -1;
}

function sameAt(text: string, part: string, at: number, counter?: StepCounter): boolean {
  for (let index = 0; index < part.length; index += 1) {
    if (counter) counter.steps += 1;
    if (text[at + index] !== part[index]) return false;
  }
  return true;
}

/**
 * A suppression glob: `*` matches any run of characters (slashes included, as in ARNs); everything
 * else is literal. Resource names come from whoever can name a role or tag a VPC, so matching must
 * not backtrack: the prefix and suffix are compared in place and each run between stars is found
 * leftmost with KMP, which is the right choice for `*`-only globs (leftmost leaves the most room
 * for the runs after it). A match reads each character of the text at most twice: O(text + pattern).
 *
 * @example
 * new Glob('arn:aws:iam::*:role/ml-*').matches('arn:aws:iam::111122223333:role/ml-train'); // true
 */
export class Glob {
  readonly #prefix: string;
  readonly #suffix: string | undefined;
  readonly #middle: Segment[];

  constructor(pattern: string) {
    const parts = pattern.split('*');
    this.#prefix = parts[0] as string;
    this.#suffix = parts.length > 1 ? (parts[parts.length - 1] as string) : undefined;
    this.#middle = parts
      .slice(1, -1)
      .filter((part) => part !== '')
      .map((part) => segment(part));
  }

  matches(text: string, counter?: StepCounter): boolean {
    const prefix = this.#prefix;
    const suffix = this.#suffix;
    if (suffix === undefined) return text.length === prefix.length && sameAt(text, prefix, 0, counter);
    const end = text.length - suffix.length;
    if (end < prefix.length) return false;
    if (!sameAt(text, prefix, 0, counter) || !sameAt(text, suffix, end, counter)) return false;
    let from = prefix.length;
    for (const part of this.#middle) {
      const at = find(text, part, from, end, counter);
      if (at < 0) return false;
      from = at + part.text.length;
    }
    return true;
  }
}

/** Whether any pattern matches any of the defined values; no patterns at all means "any value". */
export function matchesAny(
  patterns: readonly Glob[] | undefined,
  ...values: (string | undefined)[]
): boolean {
  if (patterns === undefined) return true;
  return patterns.some((pattern) => values.some((value) => value !== undefined && pattern.matches(value)));
}
