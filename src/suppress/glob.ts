/** `*` matches any run of characters (slashes included, as in ARNs); everything else is literal. */
export function globToRegExp(pattern: string): RegExp {
  const escaped = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${escaped.join('.*')}$`);
}

export function matchesAny(
  patterns: readonly RegExp[] | undefined,
  ...values: (string | undefined)[]
): boolean {
  if (patterns === undefined) return true;
  return patterns.some((pattern) => values.some((value) => value !== undefined && pattern.test(value)));
}
