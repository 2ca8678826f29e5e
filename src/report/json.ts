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
 * a 50,000-principal report), which `JSON.stringify` would write afresh each time. The text is
 * gathered as parts and joined once per chunk, so no string is built member by member.
 */
class CompactWriter {
  /** The parts of the chunk being gathered, and their length. */
  parts: string[] = [];
  length = 0;
  private readonly written = new Map<object, string>();
  /** `"name":` and `,"name":` of each member name: names repeat in every result. */
  private readonly names = new Map<string, [string, string]>();

  /** Whether anything was written: `JSON.stringify` writes nothing for undefined, a function or a symbol. */
  write(value: unknown, key: string, depth: number): boolean {
    if (typeof value !== 'object' || value === null) {
      const text: string | undefined = JSON.stringify(value);
      if (text === undefined) return false;
      this.add(text);
      return true;
    }
    const known = this.written.get(value);
    if (known !== undefined) {
      this.add(known);
      return true;
    }
    // toJSON is given the member's name, so its answer is not reused under another.
    if (typeof (value as { toJSON?: unknown }).toJSON === 'function')
      return this.write((value as { toJSON: (key: string) => unknown }).toJSON(key), key, depth);
    if (depth < WALKED_DEPTH && isPlain(value)) this.walk(value, depth);
    else {
      const text = JSON.stringify(value);
      this.written.set(value, text);
      this.add(text);
    }
    return true;
  }

  add(text: string): void {
    this.parts.push(text);
    this.length += text.length;
  }

  /** The gathered text, which starts the next chunk afresh. */
  take(): string {
    const text = this.parts.join('');
    this.parts = [];
    this.length = 0;
    return text;
  }

  private walk(value: object, depth: number): void {
    if (Array.isArray(value)) {
      this.add('[');
      for (let index = 0; index < value.length; index++) {
        if (index > 0) this.add(',');
        if (!this.write(value[index], String(index), depth + 1)) this.add('null');
      }
      this.add(']');
      return;
    }
    this.add('{');
    let first = true;
    for (const member of Object.keys(value)) {
      const mark = this.parts.length;
      const [leading, following] = this.name(member);
      this.add(first ? leading : following);
      if (this.write((value as Record<string, unknown>)[member], member, depth + 1)) first = false;
      else {
        this.length -= (this.parts[mark] as string).length;
        this.parts.length = mark;
      }
    }
    this.add('}');
  }

  private name(member: string): [string, string] {
    let forms = this.names.get(member);
    if (!forms) {
      const quoted = JSON.stringify(member);
      forms = [`${quoted}:`, `,${quoted}:`];
      this.names.set(member, forms);
    }
    return forms;
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
  const text = new CompactWriter();
  // JSON.stringify escapes line breaks inside strings: a raw one is indentation, which nests.
  const nested = (json: string, depth: number) =>
    indent === undefined ? json : json.replaceAll('\n', `\n${' '.repeat(indent * depth)}`);
  /** Whether anything was written, as {@link CompactWriter.write} says. */
  const write = (value: unknown, key: string, nesting: number): boolean => {
    if (indent === undefined) return text.write(value, key, 0);
    const json: string | undefined = JSON.stringify(value, null, indent);
    if (json === undefined) return false;
    text.add(nested(json, nesting));
    return true;
  };
  const newline = (depth: number) => (indent === undefined ? '' : `\n${' '.repeat(indent * depth)}`);
  const colon = indent === undefined ? ':' : ': ';
  // The members JSON.stringify writes: it leaves out undefined values, functions and symbols.
  const members = Object.entries(report).filter(
    ([, value]) => value !== undefined && typeof value !== 'function' && typeof value !== 'symbol',
  );
  text.add('{');
  for (const [index, [key, value]] of members.entries()) {
    text.add(`${index > 0 ? ',' : ''}${newline(1)}${JSON.stringify(key)}${colon}`);
    if (Array.isArray(value) && value.length > 0) {
      text.add('[');
      for (let position = 0; position < value.length; position++) {
        if (position > 0) text.add(',');
        text.add(newline(2));
        if (!write(value[position] ?? null, String(position), 2)) text.add('null');
        if (text.length >= CHUNK_CHARACTERS) yield escapeInvisible(text.take());
      }
      text.add(`${newline(1)}]`);
    } else if (!write(value, key, 1)) text.add('null');
  }
  text.add(`${newline(0)}}\n`);
  yield escapeInvisible(text.take());
}

/**
 * The JSON report, compact unless `pretty` (indenting a large report doubles its size); characters
 * that a terminal would hide or act on are escaped, not dropped. A large report is better written
 * from {@link jsonChunks}.
 */
export function formatJson(report: Report, options: { pretty?: boolean } = {}): string {
  return [...jsonChunks(report, options)].join('');
}
