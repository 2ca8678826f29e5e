/**
 * Names and tags come from AWS accounts and may hold control characters or ANSI escapes; a report
 * for a terminal or a mail client must not let them move the cursor or forge lines.
 */
export function printable(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069]/g, ' ');
}
