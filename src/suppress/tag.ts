import type { StepCounter } from './glob.ts';

export interface SuppressTag {
  rules: string[];
  expires: string;
  reason: string;
}

const WHITESPACE = /\s/;
const RULE_LIST_CHARACTER = /[\w*,\s-]/;
const LINE_TERMINATOR = /[\n\r\u2028\u2029]/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const UNTIL = 'until';

/**
 * Parses a suppression tag value, `<rule-ids> until <YYYY-MM-DD>: <reason>`, in one pass without
 * backtracking: whoever can tag a resource controls the text, and a backtracking regex took 27 s
 * on 3,000 spaces. The header cannot hold a colon, so the first colon ends it; the header is then
 * read backwards (date, whitespace, `until`, whitespace), and what is left is the rule list.
 * Returns undefined when the value does not have that shape.
 *
 * @example
 * parseSuppressTag('vpc-sagemaker-endpoints until 2027-01-31: CHG-1'); // { rules: ['vpc-sagemaker-endpoints'], … }
 */
export function parseSuppressTag(value: string, counter?: StepCounter): SuppressTag | undefined {
  const step = () => {
    if (counter) counter.steps += 1;
  };
  const isSpace = (index: number) => {
    step();
    return WHITESPACE.test(value[index] as string);
  };
  const spacesBefore = (end: number) => {
    let start = end;
    while (start > 0 && isSpace(start - 1)) start -= 1;
    return start;
  };

  let colon = 0;
  while (colon < value.length && value[colon] !== ':') {
    step();
    colon += 1;
  }
  if (colon === value.length) return undefined;

  const dateEnd = spacesBefore(colon);
  const dateStart = dateEnd - 10;
  if (dateStart < 0) return undefined;
  const expires = value.slice(dateStart, dateEnd);
  step();
  if (!DATE.test(expires)) return undefined;
  const untilEnd = spacesBefore(dateStart);
  if (untilEnd === dateStart) return undefined;
  const untilStart = untilEnd - UNTIL.length;
  step();
  if (untilStart < 0 || value.slice(untilStart, untilEnd) !== UNTIL) return undefined;
  const ruleListEnd = spacesBefore(untilStart);
  if (ruleListEnd === untilStart) return undefined;

  for (let index = 0; index < ruleListEnd; index += 1) {
    step();
    if (!RULE_LIST_CHARACTER.test(value[index] as string)) return undefined;
  }
  const ruleList = value.slice(0, ruleListEnd).trim();
  if (ruleList === '') return undefined;

  let reasonStart = colon + 1;
  while (reasonStart < value.length && isSpace(reasonStart)) reasonStart += 1;
  if (reasonStart === value.length) return undefined;
  // The reason is one line: a line break inside it could forge lines in the email.
  for (let index = reasonStart; index < value.length; index += 1) {
    step();
    if (LINE_TERMINATOR.test(value[index] as string)) return undefined;
  }
  const reason = value.slice(reasonStart).trim();
  return { rules: ruleList.split(',').map((rule) => rule.trim()), expires, reason };
}
