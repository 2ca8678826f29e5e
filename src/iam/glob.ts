/**
 * IAM wildcard patterns (`*` any run of characters, `?` exactly one) reasoned about as languages,
 * not only matched against strings: the evaluator must know whether an Allow *can* reach some
 * notebook ARN and whether a Deny *surely* covers everything an Allow grants.
 */

const regexCache = new Map<string, RegExp>();

function toRegExp(pattern: string, ignoreCase: boolean): RegExp {
  const key = `${ignoreCase ? 'i' : 's'}${pattern}`;
  let regex = regexCache.get(key);
  if (!regex) {
    const body = pattern
      .split('')
      .map((char) => {
        if (char === '*') return '.*';
        if (char === '?') return '.';
        return char.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
      })
      .join('');
    regex = new RegExp(`^${body}$`, ignoreCase ? 'is' : 's');
    regexCache.set(key, regex);
  }
  return regex;
}

/** Whether `text` is one of the strings `pattern` stands for. */
export function globMatch(pattern: string, text: string, ignoreCase = false): boolean {
  return toRegExp(pattern, ignoreCase).test(text);
}

/**
 * Whether some string matches both patterns (exact: a product of the two automata). The wildcards
 * of `right` never stand for a character of `rightWildcardsExclude`: a pattern whose structure fixes
 * its separators (an ARN's `:` and `/`) then denotes only strings with exactly those separators.
 */
export function globIntersects(left: string, right: string, rightWildcardsExclude = ''): boolean {
  // A `?` of `left` is one character that may be chosen outside the excluded set.
  const standsFor = (char: string) => char === '?' || !rightWildcardsExclude.includes(char);
  const memo = new Map<number, boolean>();
  const width = right.length + 1;
  const visit = (i: number, j: number): boolean => {
    const key = i * width + j;
    const known = memo.get(key);
    if (known !== undefined) return known;
    let result: boolean;
    if (i === left.length && j === right.length) result = true;
    else if (i < left.length && left[i] === '*')
      result = visit(i + 1, j) || (j < right.length && visit(i, j + 1));
    else if (j < right.length && right[j] === '*')
      result = visit(i, j + 1) || (i < left.length && standsFor(left[i] as string) && visit(i + 1, j));
    else if (i === left.length || j === right.length) result = false;
    else {
      const a = left[i] as string;
      const b = right[j];
      result = (b === '?' ? standsFor(a) : a === '?' || a === b) && visit(i + 1, j + 1);
    }
    memo.set(key, result);
    return result;
  };
  return visit(0, 0);
}

/**
 * Whether every string of `inner` also matches `outer`. Decided symbolically (a `*` of `inner` is
 * only absorbed by a `*` of `outer`), which is sound but may answer false for exotic equal
 * languages such as `?*` and `*?`; callers use it only where false is the cautious answer.
 */
export function globIncludes(outer: string, inner: string): boolean {
  const memo = new Map<number, boolean>();
  const width = inner.length + 1;
  const visit = (i: number, j: number): boolean => {
    const key = i * width + j;
    const known = memo.get(key);
    if (known !== undefined) return known;
    let result: boolean;
    if (i === outer.length) result = j === inner.length;
    else if (outer[i] === '*') result = visit(i + 1, j) || (j < inner.length && visit(i, j + 1));
    else if (j === inner.length) result = false;
    else if (inner[j] === '*') result = false;
    else if (outer[i] === '?') result = visit(i + 1, j + 1);
    else result = inner[j] !== '?' && outer[i] === inner[j] && visit(i + 1, j + 1);
    memo.set(key, result);
    return result;
  };
  return visit(0, 0);
}
