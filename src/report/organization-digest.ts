import { ACCOUNT_ACCESS_ID } from '../engine/evaluate.ts';
import type { AccountScanOutcome } from '../model/organization-run.ts';
import { isCountedFailure, isNewFailure, type Report } from '../model/report.ts';
import { type Result, SEVERITIES, type Severity } from '../model/result.ts';
import { TOOL } from './build.ts';
import { allPassing, emailBody, fitSubjectClauses, plural } from './email.ts';
import { printable } from './sanitize.ts';

/** New or regressed findings listed per account in the email before "and N more". */
export const DIGEST_FINDINGS_PER_ACCOUNT = 10;
/** Accounts with new or regressed findings listed in the email before "and N more accounts". */
export const DIGEST_ACCOUNTS_LISTED = 50;

/** One account of the plan, as the aggregate found it after the Map Run. */
export type DigestAccountInput =
  | { accountId: string; accountName: string; outcome: AccountScanOutcome; report: Report }
  /** No usable report: the Map item failed or never ran, or its report could not be read. */
  | {
      accountId: string;
      accountName: string;
      failure: string;
      outcome?: AccountScanOutcome;
      mapItem?: DigestMapItemFailure;
    };

export interface DigestInput {
  runId: string;
  generatedAt: string;
  managementAccountId?: string;
  accounts: readonly DigestAccountSummary[];
  /** Where the digest itself is stored (`s3://…`), for the email's pointer to the full lists. */
  storedAt?: string;
}

/** A new or regressed FAIL, with what a reader needs to act on it without opening the report. */
export interface DigestFinding {
  ruleId: string;
  title: string;
  severity: Severity;
  region: string;
  resourceId: string;
  resourceName?: string;
  change: 'new' | 'regressed';
  message: string;
  fix: string;
}

export interface DigestCounts {
  pass: number;
  /** Counted FAILs: muted ones are in `muted` only. */
  fail: number;
  error: number;
  muted: number;
  newOrRegressed: number;
}

/**
 * What a reader does about an account. `role not assumed`: STS denied the member role (missing, or
 * it does not trust the scanner), so fix the deployment; `not scanned`: no report to judge, for
 * the reason the digest names; `incomplete`: the scan stopped early; `ERROR results`: the account
 * was scanned and some checks could not be made, so read its ERROR results; `muted only`: nothing
 * fails but its accepted exceptions, which still fail (muted is not fixed, so it is not `clean`).
 */
export type DigestAccountStatus =
  | 'clean'
  | 'muted only'
  | 'failing'
  | 'ERROR results'
  | 'role not assumed'
  | 'not scanned'
  | 'incomplete';

export interface DigestAccount extends DigestCounts {
  accountId: string;
  accountName: string;
  status: DigestAccountStatus;
  /** The account's stored report (`s3://…` or key), when there is one. */
  report?: string;
}

export interface DigestChangedAccount {
  accountId: string;
  accountName: string;
  report?: string;
  findings: DigestFinding[];
}

export interface DigestRule {
  ruleId: string;
  title: string;
  pass: number;
  fail: number;
  error: number;
  /** Accounts with a counted FAIL of this rule. */
  accountsFailing: number;
}

/** A failed Map item as the Map Run's result file has it: `reason` shows it on one line. */
export interface DigestMapItemFailure {
  status: string;
  error?: string;
  cause?: string;
}

export interface DigestErroredAccount {
  accountId: string;
  accountName: string;
  reason: string;
  /** The failed Map item's `Error` and `Cause` whole, stack trace included; in the stored digest only. */
  mapItem?: DigestMapItemFailure;
}

/** The Organization digest: stored as JSON, and the source of the email and chat texts. */
export interface OrganizationDigest {
  digestVersion: 1;
  tool: { name: string; version: string };
  runId: string;
  generatedAt: string;
  managementAccount?: { accountId: string; covered: 'scanned' | 'errored' | 'not planned' };
  totals: DigestCounts & { accounts: number; accountsFailing: number; accountsErrored: number };
  /** Accounts with new or regressed findings: most new first, each finding listed. */
  changed: DigestChangedAccount[];
  /** Accounts whose scan failed, never ran, was cut short, or left no readable report. */
  errored: DigestErroredAccount[];
  accounts: DigestAccount[];
  rules: DigestRule[];
  storedAt?: string;
}

function findingOf(result: Result): DigestFinding {
  return {
    ruleId: result.ruleId,
    title: result.title,
    severity: result.severity,
    region: result.region,
    resourceId: result.resourceId,
    ...(result.resourceName === undefined ? {} : { resourceName: result.resourceName }),
    change: result.delta?.change === 'regressed' ? 'regressed' : 'new',
    message: result.message,
    fix: result.remediation,
  };
}

function bySeverity(a: DigestFinding, b: DigestFinding): number {
  return (
    SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) ||
    a.ruleId.localeCompare(b.ruleId) ||
    a.region.localeCompare(b.region) ||
    a.resourceId.localeCompare(b.resourceId)
  );
}

/** Why an account with a report still counts as errored: its role, or a scan cut short. */
function reportProblem(report: Report, outcome: AccountScanOutcome): string | undefined {
  if (outcome.status === 'unreadable') {
    const unreadable = report.results.find((result) => result.ruleId === ACCOUNT_ACCESS_ID);
    return unreadable?.message ?? 'the member role could not be assumed';
  }
  if (!report.complete || !outcome.complete) {
    return 'the scan is incomplete: it stopped before the Lambda deadline, and what it did not reach is ERROR in its report';
  }
  return undefined;
}

/** What the digest keeps of one account: its report is read, reduced to this, and let go. */
export interface DigestAccountSummary {
  account: DigestAccount;
  changed?: DigestChangedAccount;
  errored?: DigestErroredAccount;
  rules: DigestRule[];
}

/** True when STS refused the member role itself, as the `account-access` ERROR records it. */
function roleDenied(report: Report): boolean {
  const access = report.results.find((result) => result.ruleId === ACCOUNT_ACCESS_ID);
  const unreadable = access?.evidence?.unreadable as { code?: unknown; message?: unknown } | undefined;
  return (
    unreadable?.code === 'AccessDenied' &&
    typeof unreadable.message === 'string' &&
    unreadable.message.startsWith('could not assume role ')
  );
}

function accountStatus(
  outcome: AccountScanOutcome,
  problem: string | undefined,
  report: Report,
  fail: number,
): DigestAccountStatus {
  if (outcome.status === 'unreadable') return roleDenied(report) ? 'role not assumed' : 'not scanned';
  if (problem !== undefined) return 'incomplete';
  if (report.summary.error > 0) return 'ERROR results';
  if (fail > 0) return 'failing';
  return report.summary.muted > 0 ? 'muted only' : 'clean';
}

/**
 * Reduces one planned account to what the digest shows of it, so that the aggregate holds one
 * report at a time per reader, not the Organization's.
 *
 * @example summarizeAccount({ accountId, accountName, outcome, report })
 */
export function summarizeAccount(entry: DigestAccountInput): DigestAccountSummary {
  const { accountId, accountName } = entry;
  if (!('report' in entry)) {
    return {
      account: {
        accountId,
        accountName,
        status: 'not scanned',
        pass: 0,
        fail: 0,
        error: 0,
        muted: 0,
        newOrRegressed: 0,
      },
      errored: {
        accountId,
        accountName,
        reason: entry.failure,
        ...(entry.mapItem === undefined ? {} : { mapItem: entry.mapItem }),
      },
      rules: [],
    };
  }
  const { report, outcome } = entry;
  const reportAddress = report.storedAt ?? outcome.reportKey;
  const where = reportAddress === undefined ? {} : { report: reportAddress };
  const fresh = report.results.filter(isNewFailure).map(findingOf).sort(bySeverity);
  const fail = report.results.filter(isCountedFailure).length;
  const problem = reportProblem(report, outcome);
  const rules = new Map<string, DigestRule>();
  for (const result of report.results) {
    const rule = rules.get(result.ruleId) ?? {
      ruleId: result.ruleId,
      title: result.title,
      pass: 0,
      fail: 0,
      error: 0,
      accountsFailing: 0,
    };
    if (result.status === 'PASS') rule.pass += 1;
    else if (result.status === 'ERROR') rule.error += 1;
    else if (isCountedFailure(result)) {
      rule.fail += 1;
      rule.accountsFailing = 1;
    }
    rules.set(result.ruleId, rule);
  }
  return {
    account: {
      accountId,
      accountName,
      status: accountStatus(outcome, problem, report, fail),
      pass: report.summary.pass,
      fail,
      error: report.summary.error,
      muted: report.summary.muted,
      newOrRegressed: fresh.length,
      ...where,
    },
    ...(fresh.length > 0 ? { changed: { accountId, accountName, ...where, findings: fresh } } : {}),
    ...(problem === undefined ? {} : { errored: { accountId, accountName, reason: problem } }),
    rules: [...rules.values()],
  };
}

function mergeRules(summaries: readonly DigestAccountSummary[]): DigestRule[] {
  const rules = new Map<string, DigestRule>();
  for (const summary of summaries) {
    for (const rule of summary.rules) {
      const total = rules.get(rule.ruleId);
      if (total === undefined) {
        rules.set(rule.ruleId, { ...rule });
        continue;
      }
      total.pass += rule.pass;
      total.fail += rule.fail;
      total.error += rule.error;
      total.accountsFailing += rule.accountsFailing;
    }
  }
  return [...rules.values()].sort((a, b) => a.ruleId.localeCompare(b.ruleId));
}

/**
 * Builds the Organization digest from each planned account's summary. Pure: the aggregate Lambda
 * reads the reports, this decides what the reader sees, in that order: accounts with new or
 * regressed findings, accounts not fully scanned, then totals per account and per rule.
 *
 * @example buildDigest({ runId, generatedAt: new Date().toISOString(), accounts: entries.map(summarizeAccount) })
 */
export function buildDigest(input: DigestInput): OrganizationDigest {
  const byId = (a: { accountId: string }, b: { accountId: string }) => a.accountId.localeCompare(b.accountId);
  const summaries = [...input.accounts].sort((a, b) => byId(a.account, b.account));
  const accounts = summaries.map((summary) => summary.account);
  const errored = summaries.flatMap((summary) => (summary.errored ? [summary.errored] : []));
  const changed = summaries
    .flatMap((summary) => (summary.changed ? [summary.changed] : []))
    .sort((a, b) => b.findings.length - a.findings.length || byId(a, b));
  const sum = (key: keyof DigestCounts) => accounts.reduce((total, account) => total + account[key], 0);
  const management = input.managementAccountId;
  const covered = (): 'scanned' | 'errored' | 'not planned' => {
    if (!accounts.some((account) => account.accountId === management)) return 'not planned';
    return errored.some((account) => account.accountId === management) ? 'errored' : 'scanned';
  };
  return {
    digestVersion: 1,
    tool: TOOL,
    runId: input.runId,
    generatedAt: input.generatedAt,
    ...(management === undefined ? {} : { managementAccount: { accountId: management, covered: covered() } }),
    totals: {
      accounts: accounts.length,
      accountsFailing: accounts.filter((account) => account.fail > 0).length,
      accountsErrored: errored.length,
      pass: sum('pass'),
      fail: sum('fail'),
      error: sum('error'),
      muted: sum('muted'),
      newOrRegressed: sum('newOrRegressed'),
    },
    changed,
    errored,
    accounts,
    rules: mergeRules(summaries),
    ...(input.storedAt === undefined ? {} : { storedAt: input.storedAt }),
  };
}

function accountLabel(account: { accountId: string; accountName: string }): string {
  return account.accountName === ''
    ? account.accountId
    : `${account.accountId} (${printable(account.accountName)})`;
}

/** Accounts not fully scanned: a word apart from ERROR results, which are counted in `error`. */
export function notFullyScanned(accounts: number): string {
  return `${plural(accounts, 'account')} not fully scanned`;
}

/** Results that could not be judged: always `ERROR results`, never a word for accounts. */
export function errorResults(results: number): string {
  return plural(results, 'ERROR result');
}

/** Muted FAILs are accepted exceptions, not fixes: the resources still fail the check. */
function mutedStillFailing(muted: number): string {
  return `${plural(muted, 'muted finding')} still ${muted === 1 ? 'fails' : 'fail'}`;
}

/**
 * The subject: what happened across the Organization, in under 100 ASCII characters. Counts come
 * most telling first; one that does not fit whole is left to the email.
 *
 * @example digestSubject(digest) // '[FAIL] SageMaker compliance, Organization: 3 new or regressed findings in 2 accounts, 9 failing'
 */
export function digestSubject(digest: OrganizationDigest, part?: { number: number; count: number }): string {
  const { totals } = digest;
  const unscanned = totals.accountsErrored > 0 ? [notFullyScanned(totals.accountsErrored)] : [];
  const errors = totals.error > 0 ? [errorResults(totals.error)] : [];
  const head = 'SageMaker compliance, Organization: ';
  if (totals.newOrRegressed > 0) {
    return fitSubjectClauses(
      `[FAIL] ${head}`,
      [
        `${plural(totals.newOrRegressed, 'new or regressed finding')} in ${plural(digest.changed.length, 'account')}`,
        `${totals.fail} failing`,
        ...unscanned,
        ...errors,
      ],
      part,
    );
  }
  if (totals.fail > 0) {
    return fitSubjectClauses(
      `[FAIL] ${head}`,
      [
        'nothing new',
        `${totals.fail} failing in ${plural(totals.accountsFailing, 'account')}`,
        ...unscanned,
        ...errors,
      ],
      part,
    );
  }
  if (totals.error > 0 || totals.accountsErrored > 0) {
    return fitSubjectClauses(`[ERROR] ${head}`, ['nothing failing', ...unscanned, ...errors], part);
  }
  if (totals.muted > 0) return fitSubjectClauses(`[OK] ${head}`, [mutedStillFailing(totals.muted)], part);
  return fitSubjectClauses(
    `[OK] ${head}`,
    [`${allPassing(totals.pass)} in ${plural(totals.accounts, 'account')}`],
    part,
  );
}

function findingLine(finding: DigestFinding): string {
  const named =
    finding.resourceName !== undefined && !finding.resourceId.endsWith(finding.resourceName)
      ? ` (${printable(finding.resourceName)})`
      : '';
  const regressed = finding.change === 'regressed' ? ' (regressed: passed in the previous scan)' : '';
  return `    ${printable(finding.region)}  ${printable(finding.resourceId)}${named}  ${printable(finding.message)}${regressed}`;
}

/** An account's listed findings by rule: the rule once, its resources, and the fix once when they share it. */
function findingLines(findings: readonly DigestFinding[]): string[] {
  const lines: string[] = [];
  const rules = [...new Set(findings.map((finding) => finding.ruleId))];
  for (const ruleId of rules) {
    const group = findings.filter((finding) => finding.ruleId === ruleId);
    const first = group[0] as DigestFinding;
    const shared = group.every((finding) => finding.fix === first.fix);
    lines.push(`  [${first.severity.toUpperCase()}] ${printable(first.title)} (${ruleId})`);
    for (const finding of group) {
      lines.push(findingLine(finding));
      if (!shared) lines.push(`      Fix: ${printable(finding.fix)}`);
    }
    if (shared) lines.push(`    Fix: ${printable(first.fix)}`);
  }
  return lines;
}

function changedSection(digest: OrganizationDigest, changed: readonly DigestChangedAccount[]): string[] {
  if (changed.length === 0) return [];
  const lines = ['', `ACCOUNTS WITH NEW OR REGRESSED FINDINGS (${digest.changed.length})`];
  const shown = changed.slice(0, DIGEST_ACCOUNTS_LISTED);
  for (const account of shown) {
    lines.push('', `${accountLabel(account)}: ${account.findings.length} new or regressed`);
    const listed = account.findings.slice(0, DIGEST_FINDINGS_PER_ACCOUNT);
    lines.push(...findingLines(listed));
    const more = account.findings.length - listed.length;
    if (more > 0) {
      lines.push(
        `  and ${more} more in the account's report${account.report ? `: ${printable(account.report)}` : ''}`,
      );
    }
  }
  const moreAccounts = changed.length - shown.length;
  if (moreAccounts > 0) {
    lines.push(
      '',
      `and ${plural(moreAccounts, 'more account')} with new or regressed findings, listed in the digest`,
    );
  }
  return lines;
}

function erroredSection(digest: OrganizationDigest): string[] {
  if (digest.errored.length === 0) return [];
  return [
    '',
    `ACCOUNTS NOT FULLY SCANNED (${digest.errored.length}; an error is not a pass)`,
    '',
    ...digest.errored.map((account) => `  ${accountLabel(account)}: ${printable(account.reason)}`),
  ];
}

function column(text: string, width: number): string {
  return text.length >= width ? `${text.slice(0, width - 2)}… ` : text.padEnd(width);
}

/** What to do about each status that is neither clean nor failing, for the lines under the table. */
const STATUS_MEANING: Partial<Record<DigestAccountStatus, string>> = {
  'ERROR results': 'scanned, but some checks could not be made: read the ERROR results in its report',
  'role not assumed':
    'not judged: STS denied the member role (missing, or not trusting the scanner): fix its deployment',
  'not scanned': 'not judged: no readable report, for the reason named above',
  incomplete: 'the scan stopped early: what it did not reach is ERROR in its report',
  'muted only': 'nothing fails but its muted findings, accepted exceptions that still fail until fixed',
};

function statusLegend(accounts: readonly DigestAccount[]): string[] {
  const present = new Set(accounts.map((account) => account.status));
  const lines = Object.entries(STATUS_MEANING)
    .filter(([status]) => present.has(status as DigestAccountStatus))
    .map(([status, meaning]) => `  ${status}: ${meaning}`);
  return lines.length === 0 ? [] : ['', ...lines];
}

function accountsSection(digest: OrganizationDigest, part: DigestPart): string[] {
  const shown = part.cleanAccountsListed
    ? digest.accounts
    : digest.accounts.filter((account) => account.status !== 'clean');
  const clean = digest.accounts.length - shown.length;
  return [
    '',
    'TOTALS PER ACCOUNT',
    '',
    `  ${column('account', 40)}${'pass'.padStart(6)}${'fail'.padStart(6)}${'error'.padStart(6)}${'muted'.padStart(6)}${'new'.padStart(6)}  status`,
    ...(clean > 0 ? [`  and ${plural(clean, 'clean account')}, listed in the digest`] : []),
    ...shown.map(
      (account) =>
        `  ${column(accountLabel(account), 40)}${String(account.pass).padStart(6)}${String(account.fail).padStart(6)}${String(account.error).padStart(6)}${String(account.muted).padStart(6)}${String(account.newOrRegressed).padStart(6)}  ${account.status}`,
    ),
    ...statusLegend(shown),
  ];
}

function rulesSection(digest: OrganizationDigest): string[] {
  if (digest.rules.length === 0) return [];
  return [
    '',
    'TOTALS PER RULE',
    '',
    `  ${column('rule', 52)}${'pass'.padStart(6)}${'fail'.padStart(6)}${'error'.padStart(6)}  accounts failing`,
    ...digest.rules.map(
      (rule) =>
        `  ${column(rule.ruleId, 52)}${String(rule.pass).padStart(6)}${String(rule.fail).padStart(6)}${String(rule.error).padStart(6)}  ${rule.accountsFailing}`,
    ),
  ];
}

/** How the management account was covered, with the real cause when it was not fully scanned. */
function managementCoverage(digest: OrganizationDigest, accountId: string): string {
  const account = digest.accounts.find((entry) => entry.accountId === accountId);
  const reason = digest.errored.find((entry) => entry.accountId === accountId)?.reason;
  if (account === undefined) return 'not in the plan (excluded, or outside the OUs scanned)';
  if (reason === undefined) return 'scanned (SCPs never apply to it)';
  if (account.status === 'role not assumed') {
    return 'NOT scanned: STS denied its member role (see below). A service-managed StackSet does not deploy to the management account: create the member role there with a plain stack, or fix its trust policy if it exists';
  }
  return `NOT ${account.status === 'incomplete' ? 'fully ' : ''}scanned: ${printable(reason).replace(/\.$/, '')}`;
}

function managementLine(digest: OrganizationDigest): string[] {
  const management = digest.managementAccount;
  if (management === undefined) return [];
  return [`Management account ${management.accountId}: ${managementCoverage(digest, management.accountId)}.`];
}

/** The digest with only some changed accounts: one SNS part's share of the listing. */
export interface DigestPart {
  changed: readonly DigestChangedAccount[];
  number: number;
  count: number;
  /** False when the totals of every clean account would not fit in one message. */
  cleanAccountsListed: boolean;
}

/** The whole digest as one part. */
export function wholeDigest(digest: OrganizationDigest): DigestPart {
  return { changed: digest.changed, number: 1, count: 1, cleanAccountsListed: true };
}

/**
 * The digest email: what changed first, by account, each finding with its resource and fix; then
 * the accounts not fully scanned; then totals per account and per rule. Plain text, every line
 * shorter than 200 characters, everything that came from AWS passed through {@link printable}.
 */
export function formatDigestEmail(
  digest: OrganizationDigest,
  part: DigestPart = wholeDigest(digest),
): string {
  const { totals } = digest;
  const lines = [
    `SageMaker compliance digest of ${plural(totals.accounts, 'account')} of the Organization, run ${printable(digest.runId)}, generated ${digest.generatedAt} (UTC).`,
    `Results: ${totals.pass} passing, ${totals.fail} failing in ${plural(totals.accountsFailing, 'account')}, ${errorResults(totals.error)} (could not be checked)${totals.muted > 0 ? `, ${totals.muted} muted as accepted exceptions` : ''}; ${plural(totals.newOrRegressed, 'new or regressed finding')} since each account's previous scan.`,
    ...(totals.accountsErrored > 0
      ? [
          `${notFullyScanned(totals.accountsErrored)}, named below: the counts above leave out what was not read in them.`,
        ]
      : []),
    ...managementLine(digest),
    ...(part.count > 1
      ? [
          `This is part ${part.number} of ${part.count}: it lists ${plural(part.changed.length, 'account')} with new or regressed findings; each part stands on its own.`,
        ]
      : []),
    ...changedSection(digest, part.changed),
    ...erroredSection(digest),
  ];
  if (part.number === 1) lines.push(...accountsSection(digest, part), ...rulesSection(digest));
  if (totals.fail + totals.error + totals.accountsErrored === 0) {
    lines.push(
      '',
      totals.muted === 0
        ? 'Every check passed in every account: no action needed.'
        : `Nothing fails outside the accepted exceptions, but ${mutedStillFailing(totals.muted)}: muted is not fixed (each account's report lists them).`,
    );
  }
  if (digest.storedAt !== undefined) lines.push('', `Full digest: ${printable(digest.storedAt)}`);
  lines.push(
    '',
    '--',
    `Sent by ${digest.tool.name} ${digest.tool.version}. Each account's report is under reports/<accountId>/ in the reports bucket.`,
  );
  return emailBody(lines);
}
