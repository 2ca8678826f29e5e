import { describe, expect, it } from 'vitest';
import type { Report } from '../../src/model/report.ts';
import { formatEmail } from '../../src/report/email.ts';
import { formatHtml } from '../../src/report/html.ts';
import { formatTable } from '../../src/report/table.ts';
import { formatText } from '../../src/report/text.ts';
import { aReport, aResult } from '../fixtures/email/report.ts';

function withAlias(scope: Partial<Report['scope']>): Report {
  const report = aReport([aResult({ resourceId: 'vpc-0a1b2c3d4e5f60001' })]);
  return { ...report, scope: { ...report.scope, ...scope } };
}

const named = withAlias({ accountAliases: { '123456789012': 'ml-prod' } });
const unread = withAlias({
  accountAliasesUnread: {
    '123456789012': 'ListAccountAliases failed (AccessDenied: not authorized (HTTP 403))',
  },
});

describe('the account alias', () => {
  it('names the account with its alias in the email, the text and table headings and the HTML page', () => {
    // Act
    const outputs = [formatEmail(named), formatText(named), formatTable(named), formatHtml(named)];

    // Assess
    expect(formatEmail(named)).toContain(
      'SageMaker compliance scan of account 123456789012 (ml-prod), regions',
    );
    expect(formatText(named)).toContain('Accounts: 123456789012 (ml-prod)   Regions:');
    expect(formatTable(named)).toContain('Accounts: 123456789012 (ml-prod)   Regions:');
    expect(formatHtml(named)).toContain('<p>Account 123456789012 (ml-prod)</p>');
    expect(outputs.every((output) => output.includes('ml-prod'))).toBe(true);
  });

  it('says why no alias is shown when it could not be read, as a note and not as an error', () => {
    // Act
    const email = formatEmail(unread);

    // Assess
    const note =
      'No alias shown for 123456789012: ListAccountAliases failed (AccessDenied: not authorized (HTTP 403)) (not an error of the scan).';
    expect(email).toContain(`\n${note}\n`);
    expect(email).toContain('0 could not be checked');
    expect(formatText(unread)).toContain(note);
    expect(formatHtml(unread)).toContain(`<p>${note}</p>`);
  });

  it('escapes an alias like any other text from AWS', () => {
    // Prepare
    const hostile = withAlias({ accountAliases: { '123456789012': '<b>x</b>\u001b[31m' } });

    // Act
    const page = formatHtml(hostile);
    const email = formatEmail(hostile);

    // Assess
    expect(page).not.toContain('<b>x</b>');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: asserting their absence
    expect(email).not.toMatch(/\u001b/);
  });
});
