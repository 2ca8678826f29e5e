/**
 * IAM policy variables (`${aws:username}`), as the IAM User Guide's "IAM policy elements:
 * Variables and tags" describes them: only documents of `"Version": "2012-10-17"` have them (in
 * older documents `${…}` is literal text); `${*}`, `${?}` and `${$}` are the literal characters;
 * `${key, 'default'}` names the value used when the key is absent. AWS substitutes them in
 * `Resource`, `NotResource` and the values of string and ARN condition operators.
 */

export type TemplatePart =
  | { kind: 'text'; text: string }
  /** `${*}`, `${?}` or `${$}`: the character itself, never a wildcard. */
  | { kind: 'escape'; char: string }
  | { kind: 'variable'; key: string; fallback?: string; raw: string };

export type ParsedTemplate = { ok: true; parts: TemplatePart[] } | { ok: false; problem: string };

const ESCAPES = new Set(['*', '?', '$']);
const VARIABLE = /^\s*([^\s,'{}]+)\s*(?:,\s*'([^']*)'\s*)?$/;

/**
 * The parts of a value in which AWS substitutes variables. A `${` that is not closed, or that
 * holds neither a key nor an escape, is a problem: what IAM makes of it is not documented.
 *
 * @example parseTemplate("home/${aws:username, 'guest'}/${*}")
 */
export function parseTemplate(value: string): ParsedTemplate {
  const parts: TemplatePart[] = [];
  let rest = value;
  for (let start = rest.indexOf('${'); start >= 0; start = rest.indexOf('${')) {
    if (start > 0) parts.push({ kind: 'text', text: rest.slice(0, start) });
    const end = rest.indexOf('}', start);
    if (end < 0)
      return { ok: false, problem: `${JSON.stringify(value)} opens a policy variable it never closes` };
    const inner = rest.slice(start + 2, end);
    const raw = rest.slice(start, end + 1);
    const variable = VARIABLE.exec(inner);
    if (ESCAPES.has(inner)) parts.push({ kind: 'escape', char: inner });
    else if (variable) {
      const part: TemplatePart = { kind: 'variable', key: variable[1] as string, raw };
      if (variable[2] !== undefined) part.fallback = variable[2];
      parts.push(part);
    } else
      return { ok: false, problem: `${JSON.stringify(value)} holds ${raw}, which is not a policy variable` };
    rest = rest.slice(end + 1);
  }
  if (rest.length > 0) parts.push({ kind: 'text', text: rest });
  return { ok: true, parts };
}

/** The variables of a template as written (`${aws:username}`), for evidence. */
export function variablesOf(parts: readonly TemplatePart[]): string[] {
  return parts.flatMap((part) => (part.kind === 'variable' ? [part.raw] : []));
}
