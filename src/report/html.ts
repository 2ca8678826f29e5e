import { createHash } from 'node:crypto';
import { countedFailures, type Report, type StatusCounts } from '../model/report.ts';
import { type Result, SEVERITIES, STATUSES, type Status } from '../model/result.ts';
import { accountNames, summaryLine, unreadAliasLines } from './text.ts';

/** Names, messages and evidence come from AWS accounts: everything shown is escaped. */
function html(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;max-width:1200px;padding:1rem 1.5rem;color:#1b1f24}
h1{font-size:1.5rem;margin:.2rem 0}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #d0d7de;padding-bottom:.2rem}
table{border-collapse:collapse;margin:.5rem 0}th,td{border:1px solid #d0d7de;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}.meta{color:#57606a}.warn{background:#fff8c5;border:1px solid #d4a72c;padding:.5rem;margin:.5rem 0}
.status{font-weight:600;padding:0 .35rem;border-radius:3px;color:#fff}.PASS{background:#1a7f37}.FAIL{background:#cf222e}.ERROR{background:#9a6700}
.chart .PASS{fill:#1a7f37}.chart .FAIL{fill:#cf222e}.chart .ERROR{fill:#9a6700}.chart text{font-size:12px;fill:#1b1f24}
.filters{display:flex;gap:1rem;flex-wrap:wrap;align-items:end;margin:.5rem 0}.filters label{display:flex;flex-direction:column;font-size:.85rem}
.finding{border:1px solid #d0d7de;border-radius:4px;margin:.4rem 0;padding:.4rem .6rem}.finding[hidden]{display:none}
.finding summary{cursor:pointer}.mark{color:#57606a;font-style:italic}pre{background:#f6f8fa;padding:.5rem;overflow:auto;white-space:pre-wrap;word-break:break-all}
code{word-break:break-all}
`.trim();

/** Filters the findings by the four selects; without JavaScript every finding stays visible. */
const SCRIPT = `
(function () {
  var selects = Array.prototype.slice.call(document.querySelectorAll('select[data-filter]'));
  var findings = Array.prototype.slice.call(document.querySelectorAll('.finding'));
  var shown = document.getElementById('shown');
  function apply() {
    var visible = 0;
    findings.forEach(function (finding) {
      var match = selects.every(function (select) {
        return select.value === '' || finding.getAttribute('data-' + select.getAttribute('data-filter')) === select.value;
      });
      finding.hidden = !match;
      if (match) visible += 1;
    });
    shown.textContent = visible + ' of ' + findings.length + ' results shown';
  }
  selects.forEach(function (select) { select.addEventListener('change', apply); });
  apply();
})();
`.trim();

const sha256 = (text: string) => createHash('sha256').update(text).digest('base64');

/**
 * Nothing may be fetched when the file is opened: no source but the inline style and script
 * (pinned by hash), no images, frames, fonts or connections.
 */
export const HTML_CONTENT_SECURITY_POLICY = `default-src 'none'; style-src 'sha256-${sha256(STYLE)}'; script-src 'sha256-${sha256(SCRIPT)}'; base-uri 'none'; form-action 'none'`;

const STATUS_ORDER: Record<Status, number> = { FAIL: 0, ERROR: 1, PASS: 2 };

function countsCells(counts: StatusCounts | undefined): string {
  const { pass, fail, error } = counts ?? { pass: 0, fail: 0, error: 0 };
  return `<td>${pass}</td><td>${fail}</td><td>${error}</td>`;
}

function summarySection(report: Report): string {
  const severities = SEVERITIES.filter((severity) => report.summary.bySeverity[severity] !== undefined);
  return `<section id="summary"><h2>Summary</h2>
<p><strong>${html(summaryLine(report))}</strong>; ${countedFailures(report)} FAIL counted (${report.summary.muted} muted by accepted exceptions).</p>
${report.complete ? '' : '<p class="warn">Incomplete scan: part of the scope was not reached; that part is ERROR.</p>'}
<table><thead><tr><th>Severity</th><th>PASS</th><th>FAIL</th><th>ERROR</th></tr></thead><tbody>
${severities.map((severity) => `<tr><td>${severity}</td>${countsCells(report.summary.bySeverity[severity])}</tr>`).join('\n')}
</tbody></table></section>`;
}

const BAR_WIDTH = 600;
const ROW_HEIGHT = 26;
const LABEL_WIDTH = 320;

/** Results by rule and status: one stacked bar per rule, scaled to the largest rule. */
function chartSection(report: Report): string {
  const rules = Object.entries(report.summary.byRule);
  const largest = Math.max(1, ...rules.map(([, counts]) => counts.pass + counts.fail + counts.error));
  const height = rules.length * ROW_HEIGHT + 30;
  const rows = rules.map(([ruleId, counts], index) => {
    const y = index * ROW_HEIGHT;
    let x = LABEL_WIDTH;
    const bars = STATUSES.map((status) => {
      const count = counts[status.toLowerCase() as keyof StatusCounts];
      const width = (count / largest) * BAR_WIDTH;
      const bar =
        count === 0
          ? ''
          : `<rect class="${status}" x="${x.toFixed(1)}" y="${y + 4}" width="${width.toFixed(1)}" height="${ROW_HEIGHT - 8}"><title>${html(ruleId)}: ${count} ${status}</title></rect>`;
      x += width;
      return bar;
    }).join('');
    const total = `${counts.pass} PASS, ${counts.fail} FAIL, ${counts.error} ERROR`;
    return `<g><text x="0" y="${y + 17}">${html(ruleId)}</text>${bars}<text x="${(x + 6).toFixed(1)}" y="${y + 17}">${total}</text></g>`;
  });
  const legend = STATUSES.map(
    (status, index) =>
      `<rect class="${status}" x="${LABEL_WIDTH + index * 90}" y="${height - 18}" width="12" height="12"></rect><text x="${LABEL_WIDTH + index * 90 + 16}" y="${height - 8}">${status}</text>`,
  ).join('');
  return `<section id="chart"><h2>Results by rule and status</h2>
<svg class="chart" role="img" aria-label="Results by rule and status" width="${LABEL_WIDTH + BAR_WIDTH + 180}" height="${height}" viewBox="0 0 ${LABEL_WIDTH + BAR_WIDTH + 180} ${height}">
${rows.join('\n')}
${legend}
</svg></section>`;
}

function options(name: string, label: string, values: readonly string[]): string {
  return `<label>${label}<select data-filter="${name}" id="filter-${name}"><option value="">all</option>${values
    .map((value) => `<option value="${html(value)}">${html(value)}</option>`)
    .join('')}</select></label>`;
}

function marks(result: Result): string {
  const parts: string[] = [];
  if (result.delta && result.delta.change !== 'unchanged') {
    parts.push(
      `${result.delta.change}${result.delta.firstSeen ? `, first seen ${html(result.delta.firstSeen)}` : ''}`,
    );
  }
  if (result.muted) {
    parts.push(
      `muted until ${html(result.muted.expires)}${result.muted.owner ? ` (owner ${html(result.muted.owner)})` : ''}: ${html(result.muted.reason)}`,
    );
  }
  return parts.length > 0 ? ` <span class="mark">[${parts.join('; ')}]</span>` : '';
}

function finding(result: Result): string {
  const attributes = [
    ['status', result.status],
    ['severity', result.severity],
    ['rule', result.ruleId],
    ['account', result.accountId],
  ]
    .map(([name, value]) => `data-${name}="${html(value as string)}"`)
    .join(' ');
  const resource = result.resourceArn ?? result.resourceId;
  return `<details class="finding" ${attributes}>
<summary><span class="status ${result.status}">${result.status}</span> [${result.severity}] <code>${html(result.ruleId)}</code> ${html(result.accountId)} ${html(result.region)} <code>${html(result.resourceId)}</code>: ${html(result.message)}${marks(result)}</summary>
<p>${html(result.title)}. Resource: <code>${html(resource)}</code> (${html(result.resourceType)}). Result id <code>${html(result.id)}</code>.</p>
${result.status === 'PASS' ? '' : `<p><strong>Fix:</strong> ${html(result.remediation)}</p>`}
<p><strong>Evidence:</strong></p><pre>${html(JSON.stringify(result.evidence, null, 2))}</pre>
</details>`;
}

function findingsSection(report: Report): string {
  const results = [...report.results].sort((a, b) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status]);
  const distinct = (pick: (result: Result) => string) => [...new Set(report.results.map(pick))].sort();
  const severities = SEVERITIES.filter((severity) =>
    report.results.some((result) => result.severity === severity),
  );
  return `<section id="findings"><h2>Findings</h2>
<div class="filters">${options(
    'status',
    'Status',
    STATUSES.filter((status) => report.results.some((result) => result.status === status)),
  )}${options('severity', 'Severity', severities)}${options(
    'rule',
    'Rule',
    distinct((result) => result.ruleId),
  )}${options(
    'account',
    'Account',
    distinct((result) => result.accountId),
  )}<span id="shown">${report.results.length} results</span></div>
${results.map(finding).join('\n')}
</section>`;
}

function changesSection(report: Report): string {
  const parts: string[] = [];
  if (report.baseline) {
    const baseline = report.baseline;
    const text =
      'error' in baseline
        ? `No comparison with the previous scan (${html(baseline.error)}): every problem counts as new.`
        : 'firstScan' in baseline
          ? `First recorded scan (nothing at ${html(baseline.source)} yet): every problem is new.`
          : `Compared with scan ${html(baseline.scanId)} of ${html(baseline.startedAt)} (${html(baseline.source)}).`;
    parts.push(`<p>${text}</p>`);
  }
  if (report.resolved?.length) {
    parts.push(
      `<table><thead><tr><th>Resolved</th><th>Account</th><th>Region</th><th>Resource</th><th>Was</th><th>Now</th></tr></thead><tbody>
${report.resolved
  .map(
    (entry) =>
      `<tr><td>${html(entry.ruleId)}</td><td>${html(entry.accountId)}</td><td>${html(entry.region)}</td><td><code>${html(entry.resourceId)}</code></td><td>${entry.previousStatus}</td><td>${entry.now === 'gone' ? 'resource gone' : 'PASS'}</td></tr>`,
  )
  .join('\n')}
</tbody></table>`,
    );
  }
  const suppressions = [
    ...(report.expiredSuppressions ?? []).map((entry) => ({ ...entry, kind: 'expired: renew or remove' })),
    ...(report.unusedSuppressions ?? []).map((entry) => ({ ...entry, kind: 'unused: matched no FAIL' })),
  ];
  if (suppressions.length > 0) {
    parts.push(
      `<table><thead><tr><th>Suppression</th><th>Rule</th><th>Expires</th><th>Owner</th><th>Reason</th></tr></thead><tbody>
${suppressions
  .map(
    (entry) =>
      `<tr><td>#${entry.entry} ${entry.kind}</td><td>${html(entry.rule)}</td><td>${html(entry.expires)}</td><td>${html(entry.owner ?? '')}</td><td>${html(entry.reason)}</td></tr>`,
  )
  .join('\n')}
</tbody></table>`,
    );
  }
  for (const tag of report.invalidSuppressionTags ?? []) {
    parts.push(
      `<p>Ignored suppression tag on <code>${html(tag.resourceId)}</code> (${html(tag.value)}): ${html(tag.problem)}</p>`,
    );
  }
  return parts.length === 0
    ? ''
    : `<section id="changes"><h2>Changes and exceptions</h2>\n${parts.join('\n')}\n</section>`;
}

function scopeSection(report: Report): string {
  const errors = report.results.filter((result) => result.status === 'ERROR');
  const skipped = report.scope.skipped;
  return `<section id="scope"><h2>Scope and what was not judged</h2>
<table><tbody>
<tr><th>Accounts</th><td>${html(accountNames(report) || '(none)')}</td></tr>
<tr><th>Regions</th><td>${html(report.scope.regions.join(', ') || '(none)')}</td></tr>
<tr><th>Rules</th><td>${html(report.scope.rules.join(', ') || '(none)')}</td></tr>
</tbody></table>
${unreadAliasLines(report)
  .map((line) => `<p>${html(line)}</p>`)
  .join('\n')}
<p>Could not be judged (ERROR, counted as not clean): ${errors.length}.</p>
${errors.length === 0 ? '' : `<ul>${errors.map((result) => `<li><code>${html(result.ruleId)}</code> ${html(result.accountId)} ${html(result.region)} <code>${html(result.resourceId)}</code>: ${html(result.message)}</li>`).join('\n')}</ul>`}
<p>Deliberately not judged: ${skipped.length}.</p>
${
  skipped.length === 0
    ? ''
    : `<table><thead><tr><th>Rule</th><th>Account</th><th>Region</th><th>Resource</th><th>Why</th></tr></thead><tbody>
${skipped.map((entry) => `<tr><td>${html(entry.ruleId ?? '*')}</td><td>${html(entry.accountId ?? '')}</td><td>${html(entry.region)}</td><td><code>${html(entry.resourceId ?? '')}</code></td><td>${html(entry.reason)}</td></tr>`).join('\n')}
</tbody></table>`
}
</section>`;
}

/**
 * `--format html`: one self-contained file for the auditor (summary, chart, filterable findings
 * with evidence and fix, scope). It loads nothing: its Content-Security-Policy forbids it.
 *
 * @example writeFileSync('audit.html', formatHtml(report))
 */
export function formatHtml(report: Report): string {
  const title = `SageMaker compliance scan ${report.scanId}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${HTML_CONTENT_SECURITY_POLICY}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${html(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1>${html(title)}</h1>
<p>Account ${html(accountNames(report) || '(none)')}</p>
<p class="meta">Started ${html(report.startedAt)}, finished ${html(report.finishedAt)} · ${html(report.tool.name)} ${html(report.tool.version)}${report.storedAt ? ` · stored at <code>${html(report.storedAt)}</code>` : ''}</p></header>
${summarySection(report)}
${chartSection(report)}
${findingsSection(report)}
${changesSection(report)}
${scopeSection(report)}
<script>${SCRIPT}</script>
</body>
</html>
`;
}
