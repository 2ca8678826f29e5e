import { describe, expect, it } from 'vitest';
import { formatJson } from '../../src/report/json.ts';
import { escapeInvisible, printable } from '../../src/report/sanitize.ts';
import { buildNotifications } from '../../src/report/sns.ts';
import { PLAIN } from '../../src/report/style.ts';
import { formatTable } from '../../src/report/table.ts';
import { formatText } from '../../src/report/text.ts';
import { report, result } from '../support/report.ts';

/** Characters a terminal or mail client hides or acts on, one of each kind. */
const INVISIBLE = {
  'arabic letter mark U+061C': '\u061C',
  'byte order mark U+FEFF': '\uFEFF',
  'soft hyphen U+00AD': '\u00AD',
  'word joiner U+2060': '\u2060',
  'Mongolian vowel separator U+180E': '\u180E',
  'right-to-left override U+202E': '\u202E',
  'first strong isolate U+2068': '\u2068',
  'zero width space U+200B': '\u200B',
  'invisible times U+2062': '\u2062',
  'interlinear annotation anchor U+FFF9': '\uFFF9',
  'Hangul filler U+3164': '\u3164',
  'variation selector U+FE0F': '\uFE0F',
  'tag letter U+E0041': '\u{E0041}',
  'line separator U+2028': '\u2028',
  'paragraph separator U+2029': '\u2029',
  'escape U+001B': '\u001B',
  'C1 control U+009B': '\u009B',
  'lone surrogate U+D800': '\uD800',
  'private use U+E000': '\uE000',
};

describe('printable', () => {
  it.each(Object.entries(INVISIBLE))('shows a space for the %s', (_name, character) => {
    // Act
    const text = printable(`admin${character}role`);

    // Assess
    expect(text).toBe('admin role');
  });

  it('keeps visible text, including non-Latin letters and emoji', () => {
    // Act
    const text = printable('Rôle données 数据 🙂 é');

    // Assess
    expect(text).toBe('Rôle données 数据 🙂 é');
  });

  it.each([
    ['the table', (input: ReturnType<typeof report>) => formatTable(input, PLAIN)],
    ['the text report', (input: ReturnType<typeof report>) => formatText(input, PLAIN)],
    [
      'the email',
      (input: ReturnType<typeof report>) =>
        buildNotifications(input, 'arn:aws:sns:eu-west-1:111122223333:t', { remediations: {} })
          .map((item) => JSON.parse(item.input.Message as string).email as string)
          .join('\n'),
    ],
  ])('leaves none of them in %s', (_name, format) => {
    // Prepare
    const hostile = Object.values(INVISIBLE).join('');
    const input = report([result('FAIL', `vpc-1${hostile}`, `message${hostile}`)]);

    // Act
    const text = format(input);

    // Assess
    for (const character of Object.values(INVISIBLE)) expect(text).not.toContain(character);
  });
});

describe('escapeInvisible', () => {
  it('escapes them in the JSON report, which still parses to the exact name', () => {
    // Prepare
    const name = `vpc-1${Object.values(INVISIBLE).join('')}`;
    const input = report([result('FAIL', name, 'message')]);

    // Act
    const json = formatJson(input);

    // Assess
    for (const character of Object.values(INVISIBLE)) expect(json).not.toContain(character);
    expect(json).toContain('vpc-1\\u061c\\ufeff\\u00ad\\u2060\\u180e\\u202e');
    expect(JSON.parse(json).results[0].resourceId).toBe(name);
  });

  it('keeps the indentation and escapes a pair as two escapes', () => {
    // Act
    const json = escapeInvisible(JSON.stringify({ tag: '\u{E0041}' }, null, 2));

    // Assess
    expect(json).toBe('{\n  "tag": "\\udb40\\udc41"\n}');
  });

  it('escapes DEL and C1 controls, which JSON.stringify leaves raw, in text that is otherwise plain ASCII', () => {
    // Act
    const json = escapeInvisible(JSON.stringify({ name: 'a\u007fb\u009b2Jc' }));

    // Assess
    expect(json).toBe('{"name":"a\\u007fb\\u009b2Jc"}');
  });
});
