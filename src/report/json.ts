import type { Report } from '../model/report.ts';
import { escapeInvisible } from './sanitize.ts';

/** About how much text each chunk of {@link jsonChunks} holds: few writes, and no report-sized string. */
const CHUNK_CHARACTERS = 1 << 20;

/**
 * How deep {@link CompactWriter} walks into a result: the result and its evidence are its own, and
 * the evidence's members (the SCP evidence of one verdict, a verdict's statements) are where shared
 * parts begin. Those are written by `JSON.stringify` whole, once each.
 */
const WALKED_DEPTH = 2;

/**
 * Compact JSON text of each result exactly as `JSON.stringify` writes it, with the text of a
 * shared part written once. The results of a large account share much of their evidence (the
 * statements and SCP evidence of one verdict, cited by every principal that holds it: over half of
 * a 50,000-principal report), which `JSON.stringify` would write afresh each time.
 */
class CompactWriter {
  private readonly written = new Map<object, string>();
  private readonly quoted = new Map<string, string>();

  /** `undefined` where `JSON.stringify` writes nothing: undefined, a function or a symbol. */
  value(value: unknown, key: string, depth: number): string | undefined {
    if (typeof value !== 'object' || value === null) return JSON.stringify(value);
    const known = this.written.get(value);
    if (known !== undefined) return known;
    // toJSON is given the member's name, so its answer is not reused under another.
    if (typeof (value as { toJSON?: unknown }).toJSON === 'function')
      return this.value((value as { toJSON: (key: string) => unknown }).toJSON(key), key, depth);
    if (depth < WALKED_DEPTH && isPlain(value)) return this.walked(value, depth);
    const text = JSON.stringify(value);
    this.written.set(value, text);
    return text;
  }

  private walked(value: object, depth: number): string {
    if (Array.isArray(value)) {
      let text = '[';
      for (let index = 0; index < value.length; index++) {
        if (index > 0) text += ',';
        text += this.value(value[index], String(index), depth + 1) ?? 'null';
      }
      return `${text}]`;
    }
    let text = '{';
    for (const member of Object.keys(value)) {
      const json = this.value((value as Record<string, unknown>)[member], member, depth + 1);
      if (json === undefined) continue;
      if (text.length > 1) text += ',';
      text += `${this.quote(member)}:${json}`;
    }
    return `${text}}`;
  }

  /** Member names repeat in every result. */
  private quote(name: string): string {
    let quoted = this.quoted.get(name);
    if (quoted === undefined) {
      quoted = JSON.stringify(name);
      this.quoted.set(name, quoted);
    }
    return quoted;
  }
}

/** An array or an object of no class: boxed primitives and other classes are left to `JSON.stringify`. */
function isPlain(value: object): boolean {
  if (Array.isArray(value)) return true;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/**
 * The JSON report as {@link formatJson} writes it, in chunks of about a mebibyte: the top-level
 * arrays (the results) are written an item at a time, so that a report of 50,000 principals never
 * exists as one string of a hundred megabytes, nor as its copy in a write buffer. The chunks
 * joined are exactly `JSON.stringify(report, null, pretty ? 2 : undefined)` and a line break, with
 * the characters a terminal would hide or act on escaped.
 *
 * @example for (const chunk of jsonChunks(report)) process.stdout.write(chunk);
 */
export function* jsonChunks(report: Report, options: { pretty?: boolean } = {}): Generator<string> {
  const indent = options.pretty ? 2 : undefined;
  const compact = new CompactWriter();
  // JSON.stringify escapes line breaks inside strings: a raw one is indentation, which nests.
  const nested = (json: string, depth: number) =>
    indent === undefined ? json : json.replaceAll('\n', `\n${' '.repeat(indent * depth)}`);
  const stringify = (value: unknown, key: string, nesting: number) => {
    if (indent === undefined) return compact.value(value, key, 0);
    const json: string | undefined = JSON.stringify(value, null, indent);
    return json === undefined ? undefined : nested(json, nesting);
  };
  const newline = (depth: number) => (indent === undefined ? '' : `\n${' '.repeat(indent * depth)}`);
  const colon = indent === undefined ? ':' : ': ';
  let pending = '';
  // The members JSON.stringify writes: it leaves out undefined values, functions and symbols.
  const members = Object.entries(report).filter(
    ([, value]) => value !== undefined && typeof value !== 'function' && typeof value !== 'symbol',
  );
  pending += '{';
  for (const [index, [key, value]] of members.entries()) {
    pending += `${index > 0 ? ',' : ''}${newline(1)}${JSON.stringify(key)}${colon}`;
    if (Array.isArray(value) && value.length > 0) {
      pending += '[';
      for (let position = 0; position < value.length; position++) {
        const json = stringify(value[position] ?? null, String(position), 2) ?? 'null';
        pending += `${position > 0 ? ',' : ''}${newline(2)}${json}`;
        if (pending.length >= CHUNK_CHARACTERS) {
          yield escapeInvisible(pending);
          pending = '';
        }
      }
      pending += `${newline(1)}]`;
    } else pending += stringify(value, key, 1) ?? 'null';
  }
  pending += `${newline(0)}}\n`;
  yield escapeInvisible(pending);
}

/**
 * The JSON report, compact unless `pretty` (indenting a large report doubles its size); characters
 * that a terminal would hide or act on are escaped, not dropped. A large report is better written
 * from {@link jsonChunks}.
 */
export function formatJson(report: Report, options: { pretty?: boolean } = {}): string {
  return [...jsonChunks(report, options)].join('');
}
