import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { formatHtml, HTML_CONTENT_SECURITY_POLICY } from '../../src/report/html.ts';
import { formatsReport } from '../fixtures/report/report.ts';
import { report, result } from '../support/report.ts';

const GOLDEN = new URL('../fixtures/report/formats.golden.html', import.meta.url);

describe('formatHtml', () => {
  it('writes the page exactly as the golden file shows it', async () => {
    // Prepare
    const expected = await readFile(GOLDEN, 'utf8');

    // Act
    const html = formatHtml(formatsReport());

    // Assess
    expect(html).toBe(expected);
  });

  it('holds the summary, the chart, the findings, the changes and the scope, in that order', () => {
    // Act
    const html = formatHtml(formatsReport());

    // Assess
    const sections = [...html.matchAll(/<section id="([a-z]+)">/g)].map((match) => match[1]);
    expect(sections).toEqual(['summary', 'chart', 'findings', 'changes', 'scope']);
    expect(html).toContain('<strong>8 results: 1 PASS, 6 FAIL (1 muted), 1 ERROR</strong>');
    expect(html.match(/<details class="finding" /g)).toHaveLength(8);
  });

  it('lists FAIL before PASS, each with the attributes the filters use, its fix unless PASS, and its evidence', () => {
    // Prepare
    const input = report([
      result('PASS', 'vpc-1', 'fine', { evidence: { endpoints: ['vpce-1'] } }),
      result('FAIL', 'vpc-2', 'missing', { severity: 'medium', evidence: { endpoints: [] } }),
    ]);

    // Act
    const html = formatHtml(input);

    // Assess
    const [fail, pass] = html.split('<details class="finding" ').slice(1) as [string, string];
    expect(
      fail.startsWith(
        'data-status="FAIL" data-severity="medium" data-rule="vpc-sagemaker-endpoints" data-account="111122223333">',
      ),
    ).toBe(true);
    expect(fail).toContain('<p><strong>Fix:</strong> fix vpc-2</p>');
    expect(fail).toContain('<pre>{\n  &quot;endpoints&quot;: []\n}</pre>');
    expect(pass).not.toContain('Fix:');
    expect(pass).toContain('&quot;vpce-1&quot;');
  });

  it('escapes names from AWS so that they cannot add markup or script', () => {
    // Prepare
    const trap = '<img src=x onerror=alert(1)>"\'&';
    const input = report([result('FAIL', trap, `<script>alert(2)</script>`, { evidence: { name: trap } })]);

    // Act
    const html = formatHtml(input);

    // Assess
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<script>alert');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;&quot;&#39;&amp;');
    expect(html.match(/<script>/g)).toHaveLength(1);
  });

  it('loads nothing: no external source, and a policy that allows only its own inline style and script', () => {
    // Act
    const html = formatHtml(formatsReport());

    // Assess
    expect(html).not.toMatch(/<(link|img|iframe|object|embed)\b/);
    expect(html).not.toMatch(/\ssrc=/);
    expect(html).not.toMatch(/url\(/);
    expect(HTML_CONTENT_SECURITY_POLICY).toMatch(
      /^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/]{43}='; script-src 'sha256-[A-Za-z0-9+/]{43}='; base-uri 'none'; form-action 'none'$/,
    );
    expect(html).toContain(
      `<meta http-equiv="Content-Security-Policy" content="${HTML_CONTENT_SECURITY_POLICY}">`,
    );
  });

  it('names what was not judged: ERROR results and deliberately skipped scope', () => {
    // Prepare
    const input = report([result('ERROR', 'eu-west-2', 'Throttling: Rate exceeded')], {
      complete: false,
      scope: {
        accounts: ['111122223333'],
        regions: ['eu-west-2'],
        rules: ['vpc-sagemaker-endpoints'],
        skipped: [
          {
            ruleId: 'vpc-sagemaker-endpoints',
            region: 'eu-west-2',
            resourceId: 'vpc-9',
            reason: 'shared VPC',
          },
        ],
      },
    });

    // Act
    const html = formatHtml(input);

    // Assess
    expect(html).toContain('Incomplete scan: part of the scope was not reached; that part is ERROR.');
    expect(html).toContain('<p>Could not be judged (ERROR, counted as not clean): 1.</p>');
    expect(html).toContain('eu-west-2</code>: Throttling: Rate exceeded</li>');
    expect(html).toContain(
      '<tr><td>vpc-sagemaker-endpoints</td><td></td><td>eu-west-2</td><td><code>vpc-9</code></td><td>shared VPC</td></tr>',
    );
  });

  it('draws one bar per rule and status, scaled to the largest rule', () => {
    // Prepare
    const input = report([
      result('PASS', 'vpc-1', 'ok'),
      result('FAIL', 'vpc-2', 'bad'),
      result('FAIL', 'vpc-3', 'bad'),
    ]);

    // Act
    const html = formatHtml(input);

    // Assess
    const bars = [
      ...html.matchAll(/<rect class="(PASS|FAIL|ERROR)" x="([\d.]+)" y="4" width="([\d.]+)"/g),
    ].map((match) => [match[1], Number(match[2]), Number(match[3])]);
    expect(bars).toEqual([
      ['PASS', 320, 200],
      ['FAIL', 520, 400],
    ]);
    expect(html).toContain('>1 PASS, 2 FAIL, 0 ERROR</text>');
  });
});
