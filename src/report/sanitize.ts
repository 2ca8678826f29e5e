/**
 * What a terminal or mail client would act on or render as nothing: control characters (C0, DEL,
 * C1: cursor moves, ANSI escapes, line breaks), format characters (Cf: bidi overrides such as
 * U+202E and U+061C, U+FEFF, U+00AD, U+2060, U+180E, tag characters), line and paragraph
 * separators, code points Unicode says to ignore when rendering (Hangul fillers, variation
 * selectors), lone surrogates and private-use characters. Any of them in a name could hide or
 * forge text, so `admin\u00ADrole` must not read as `adminrole`.
 */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\p{Co}\p{Default_Ignorable_Code_Point}]/gu;
/**
 * Whether JSON text holds only printable ASCII and line breaks, so that nothing {@link INVISIBLE}
 * matches: one UTF-8 byte per character means nothing beyond ASCII, and `JSON.stringify` escapes
 * every C0 control but leaves DEL raw. Both tests run at memory speed, over ten times faster on a
 * 200 MB report than even a plain character class.
 */
function plainAscii(json: string): boolean {
  return Buffer.byteLength(json, 'utf8') === json.length && !json.includes('\u007f');
}

/**
 * Names and tags come from AWS accounts and may hold control characters, escapes or invisible
 * characters; a report for a terminal or a mail client shows a space in their place, so nothing
 * can move the cursor, forge a line, or make one name look like another.
 *
 * @example
 * printable('vpc-1\u001b[2J\u202Eevil'); // 'vpc-1 [2J evil'
 */
export function printable(text: string): string {
  return text.replace(INVISIBLE, ' ');
}

/**
 * Replaces the same characters in `JSON.stringify` output with `\uXXXX` escapes: the parsed value
 * is unchanged (a machine reads the exact name), while the text is safe to print. Line breaks stay:
 * `JSON.stringify` escapes those inside strings itself, so a raw one is indentation.
 *
 * @example
 * escapeInvisible(JSON.stringify({ name: 'a\u202Eb' })); // '{"name":"a\\u202eb"}'
 */
export function escapeInvisible(json: string): string {
  if (plainAscii(json)) return json;
  return json.replace(INVISIBLE, (character) =>
    character === '\n'
      ? character
      : Array.from(
          { length: character.length },
          (_, index) => `\\u${character.charCodeAt(index).toString(16).padStart(4, '0')}`,
        ).join(''),
  );
}
