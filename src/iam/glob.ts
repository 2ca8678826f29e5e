/**
 * IAM wildcard patterns (`*` any run of characters, `?` exactly one) reasoned about as languages,
 * not only matched against strings: the evaluator must know whether an Allow *can* reach some
 * notebook ARN and whether a Deny *surely* covers everything an Allow grants.
 *
 * Policy authors write the patterns and anyone who can name a resource writes the texts, so nothing
 * here backtracks or recurses: matching is O(pattern × text) at worst, and the two language
 * questions are table fills of the same size, whatever the pattern or the length.
 */

/**
 * Whether `text` is one of the strings `pattern` stands for. Greedy with a single resume point: on
 * a mismatch only the latest `*` absorbs one more character, which is enough for `*`/`?` globs.
 */
export function globMatch(
  pattern: string,
  text: string,
  ignoreCase = false,
  counter?: { steps: number },
): boolean {
  const p = ignoreCase ? pattern.toLowerCase() : pattern;
  const t = ignoreCase ? text.toLowerCase() : text;
  let i = 0;
  let j = 0;
  let starAt = -1;
  let resumeAt = 0;
  while (j < t.length) {
    if (counter) counter.steps += 1;
    if (i < p.length && (p[i] === '?' || (p[i] !== '*' && p[i] === t[j]))) {
      i += 1;
      j += 1;
    } else if (i < p.length && p[i] === '*') {
      starAt = i;
      resumeAt = j;
      i += 1;
    } else if (starAt >= 0) {
      i = starAt + 1;
      resumeAt += 1;
      j = resumeAt;
    } else {
      return false;
    }
  }
  while (i < p.length && p[i] === '*') i += 1;
  return i === p.length;
}

/**
 * The Deny-union search asks the same few pattern pairs again and again; the answers are kept, up
 * to a bound, so a table is filled once per pair rather than once per question. Keyed by nested
 * maps, as a joined key would be a new string for every question.
 */
class Answers {
  private readonly byFirst = new Map<string, Map<string, boolean>>();
  private size = 0;

  constructor(private readonly compute: (first: string, second: string) => boolean) {}

  answer(first: string, second: string): boolean {
    let bySecond = this.byFirst.get(first);
    const known = bySecond?.get(second);
    if (known !== undefined) return known;
    const answer = this.compute(first, second);
    if (this.size >= MAX_REMEMBERED) {
      this.byFirst.clear();
      this.size = 0;
      bySecond = undefined;
    }
    if (!bySecond) {
      bySecond = new Map();
      this.byFirst.set(first, bySecond);
    }
    bySecond.set(second, answer);
    this.size++;
    return answer;
  }
}

const MAX_REMEMBERED = 100_000;
/** By the characters the right pattern's wildcards exclude: a few fixed sets. */
const intersections = new Map<string, Answers>();
const inclusions = new Answers((outer, inner) => includes(outer, inner));

/**
 * Whether some string matches both patterns (exact: a product of the two automata). The wildcards
 * of `right` never stand for a character of `rightWildcardsExclude`: a pattern whose structure fixes
 * its separators (an ARN's `:` and `/`) then denotes only strings with exactly those separators.
 */
export function globIntersects(left: string, right: string, rightWildcardsExclude = ''): boolean {
  let answers = intersections.get(rightWildcardsExclude);
  if (!answers) {
    answers = new Answers((first, second) => intersects(first, second, rightWildcardsExclude));
    intersections.set(rightWildcardsExclude, answers);
  }
  return answers.answer(left, right);
}

function intersects(left: string, right: string, rightWildcardsExclude: string): boolean {
  // A `?` of `left` is one character that may be chosen outside the excluded set.
  const standsFor = (char: string) => char === '?' || !rightWildcardsExclude.includes(char);
  const width = right.length + 1;
  // reachable[i * width + j]: the suffixes left[i..] and right[j..] share a string.
  const reachable = new Uint8Array((left.length + 1) * width);
  for (let i = left.length; i >= 0; i -= 1) {
    for (let j = right.length; j >= 0; j -= 1) {
      const at = (a: number, b: number) => reachable[a * width + b] === 1;
      let result: boolean;
      if (i === left.length && j === right.length) result = true;
      else if (i < left.length && left[i] === '*')
        result = at(i + 1, j) || (j < right.length && at(i, j + 1));
      else if (j < right.length && right[j] === '*')
        result = at(i, j + 1) || (i < left.length && standsFor(left[i] as string) && at(i + 1, j));
      else if (i === left.length || j === right.length) result = false;
      else {
        const a = left[i] as string;
        const b = right[j];
        result = (b === '?' ? standsFor(a) : a === '?' || a === b) && at(i + 1, j + 1);
      }
      reachable[i * width + j] = result ? 1 : 0;
    }
  }
  return reachable[0] === 1;
}

/**
 * Whether every string of `inner` also matches `outer`. Decided symbolically (a `*` of `inner` is
 * only absorbed by a `*` of `outer`), which is sound but may answer false for exotic equal
 * languages such as `?*` and `*?`; callers use it only where false is the cautious answer.
 */
export function globIncludes(outer: string, inner: string): boolean {
  return inclusions.answer(outer, inner);
}

function includes(outer: string, inner: string): boolean {
  const width = inner.length + 1;
  // covered[i * width + j]: every string of inner[j..] matches outer[i..].
  const covered = new Uint8Array((outer.length + 1) * width);
  for (let i = outer.length; i >= 0; i -= 1) {
    for (let j = inner.length; j >= 0; j -= 1) {
      const at = (a: number, b: number) => covered[a * width + b] === 1;
      let result: boolean;
      if (i === outer.length) result = j === inner.length;
      else if (outer[i] === '*') result = at(i + 1, j) || (j < inner.length && at(i, j + 1));
      else if (j === inner.length) result = false;
      else if (inner[j] === '*') result = false;
      else if (outer[i] === '?') result = at(i + 1, j + 1);
      else result = inner[j] !== '?' && outer[i] === inner[j] && at(i + 1, j + 1);
      covered[i * width + j] = result ? 1 : 0;
    }
  }
  return covered[0] === 1;
}
