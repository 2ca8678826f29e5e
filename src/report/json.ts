import type { Report } from '../model/report.ts';
import { escapeInvisible } from './sanitize.ts';

/** About how much text each chunk of {@link jsonChunks} holds: few writes, and no report-sized string. */
const CHUNK_CHARACTERS = 1 << 20;

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
  // JSON.stringify escapes line breaks inside strings: a raw one is indentation, which nests.
  const nested = (json: string, depth: number) =>
    indent === undefined ? json : json.replaceAll('\n', `\n${' '.repeat(indent * depth)}`);
  const newline = (depth: number) => (indent === undefined ? '' : `\n${' '.repeat(indent * depth)}`);
  const colon = indent === undefined ? ':' : ': ';
  let pending: string[] = [];
  let size = 0;
  function* add(text: string): Generator<string> {
    pending.push(text);
    size += text.length;
    if (size >= CHUNK_CHARACTERS) {
      yield escapeInvisible(pending.join(''));
      pending = [];
      size = 0;
    }
  }
  // The members JSON.stringify writes: it leaves out undefined values and functions.
  const members = Object.entries(report).filter(
    ([, value]) => value !== undefined && typeof value !== 'function',
  );
  yield* add('{');
  for (const [index, [key, value]] of members.entries()) {
    yield* add(`${index > 0 ? ',' : ''}${newline(1)}${JSON.stringify(key)}${colon}`);
    if (Array.isArray(value) && value.length > 0) {
      yield* add('[');
      for (const [position, item] of value.entries()) {
        const json = JSON.stringify(item ?? null, null, indent) ?? 'null';
        yield* add(`${position > 0 ? ',' : ''}${newline(2)}${nested(json, 2)}`);
      }
      yield* add(`${newline(1)}]`);
    } else yield* add(nested(JSON.stringify(value, null, indent), 1));
  }
  yield* add(`${newline(0)}}\n`);
  if (pending.length > 0) yield escapeInvisible(pending.join(''));
}

/**
 * The JSON report, compact unless `pretty` (indenting a large report doubles its size); characters
 * that a terminal would hide or act on are escaped, not dropped. A large report is better written
 * from {@link jsonChunks}.
 */
export function formatJson(report: Report, options: { pretty?: boolean } = {}): string {
  return [...jsonChunks(report, options)].join('');
}
