import { randomBytes } from 'node:crypto';
import { open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import {
  DEFAULT_ACCOUNT_CONCURRENCY,
  DEFAULT_CLI_RATE_SHARE,
  DEFAULT_REGION_CONCURRENCY,
  type RegionConcurrency,
} from './collect/defaults.ts';
import { AccountUnidentifiedError } from './collect/errors.ts';
import { type AccountChoice, type AccountFlags, parseAccountFlags } from './config/accounts.ts';
import {
  parseCidrs,
  parsePositiveInteger,
  parseRateShare,
  parseRegionConcurrency,
  parseRegions,
  parseSeverities,
  parseSeverity,
  parseVpceIds,
  splitList,
} from './config/parse.ts';
import { type Annotations, annotateReport } from './engine/annotate.ts';
import { judgeSnapshot } from './engine/judge.ts';
import type { ScanOptions, ScanOutcome } from './engine/scan.ts';
import { sectionsNeeded, selectRules } from './engine/select.ts';
import { loadBaseline } from './history/baseline.ts';
import type { ReportSelector } from './history/fetch.ts';
import { UserInputError } from './model/errors.ts';
import { DEFAULT_MAX_INPUT_BYTES, MAX_INPUT_BYTES_LIMIT } from './model/input-file.ts';
import { isCountedFailure, type Report } from './model/report.ts';
import { SEVERITIES, type Severity } from './model/result.ts';
import { checkCollected, loadSnapshot } from './model/snapshot.ts';
import { formatAsff } from './report/asff.ts';
import { isClean, TOOL } from './report/build.ts';
import { formatCsv } from './report/csv.ts';
import { formatHtml } from './report/html.ts';
import { formatJson } from './report/json.ts';
import { wrapText } from './report/layout.ts';
import { formatOcsf } from './report/ocsf.ts';
import { LiveProgress } from './report/progress.ts';
import { formatRules } from './report/rules.ts';
import { styleFor } from './report/style.ts';
import { formatTable } from './report/table.ts';
import { formatText } from './report/text.ts';
import { RULES } from './rules/index.ts';
import { DEFAULT_HORIZON_DAYS, loadSuppressions } from './suppress/suppressions.ts';

/** 1 is findings and nothing else; anything that stopped the scan from running is 2. */
export const EXIT = { CLEAN: 0, FINDINGS: 1, USAGE: 2, NOT_RUN: 2 } as const;

export interface CliIo {
  stdout: { write(text: string): unknown; isTTY?: boolean; columns?: number };
  stderr: { write(text: string): unknown; isTTY?: boolean; columns?: number };
  env: NodeJS.ProcessEnv;
  /** Client settings for tests (endpoint, retry strategy); the SDK defaults otherwise. */
  clientOverrides?: Record<string, unknown>;
}

interface ScopeFlags extends AccountFlags {
  regions?: string;
  allRegions?: boolean;
  rules?: string;
  severity?: string;
  regionConcurrency?: string;
  rateShare?: string;
  timeout?: string;
  quiet?: boolean;
}

const SCAN_FORMATS = ['table', 'json', 'text', 'csv', 'asff', 'ocsf', 'html'] as const;
type ScanFormat = (typeof SCAN_FORMATS)[number];
/** The formats whose output is a JSON document, the only ones a `.json` file may hold. */
const JSON_FORMATS: readonly ScanFormat[] = ['json', 'asff', 'ocsf'];

interface ScanFlags extends ScopeFlags {
  input?: string;
  maxInputBytes?: string;
  format?: ScanFormat;
  output?: string;
  skipDefaultVpcs?: boolean;
  allowedCidrs?: string;
  approvedVpces?: string;
  suppressions?: string;
  suppressionHorizonDays?: string;
  tagSuppressions?: boolean;
  baseline?: string;
  securityHub?: boolean;
  failOn?: string;
  wide?: boolean;
  pretty?: boolean;
}

/**
 * A reader that stops early (`| head`, `| true`) closes stdout. That is the reader's choice, not a
 * failure of the scan: the rest of the output is dropped and the exit code stays the scan's.
 */
export function tolerateClosedStdout(stdout: NodeJS.WriteStream, stderr: NodeJS.WriteStream): void {
  stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') return;
    stderr.write(`error: cannot write to stdout (${error.code ?? error.message})\n`);
    process.exit(EXIT.NOT_RUN);
  });
}

/**
 * Writes through a temporary file so that a reader never sees half a report. The temporary name
 * is random and created exclusively (`wx`: a file or symlink planted there makes it fail rather
 * than be followed), its data reaches the disk before the rename makes it the report, and it is
 * removed whatever fails. Only the owner may read it: evidence files and reports hold every IAM
 * policy of the account.
 */
async function writeAtomically(path: string, text: string): Promise<void> {
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(16).toString('hex')}.tmp`);
  let created = false;
  try {
    const handle = await open(temporary, 'wx', 0o600);
    created = true;
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
  } catch (error) {
    if (created) await rm(temporary, { force: true });
    throw new UserInputError(
      `--output: cannot write ${path} (${(error as NodeJS.ErrnoException).code ?? error})`,
    );
  }
}

/** `-o -` is stdout, as for most command-line tools. */
function outputFile(output: string | undefined): string | undefined {
  return output === '-' ? undefined : output;
}

async function sameFile(a: string, b: string): Promise<boolean> {
  if (resolve(a) === resolve(b)) return true;
  try {
    const [first, second] = await Promise.all([stat(a), stat(b)]);
    return first.dev === second.dev && first.ino === second.ino;
  } catch {
    return false;
  }
}

/** The format asked for; without one, a `.json` output file gets JSON rather than a table. */
function scanFormat(flags: ScanFlags): ScanFormat {
  const file = outputFile(flags.output);
  const jsonFile = file !== undefined && /\.json$/i.test(file);
  if (flags.format === undefined) return jsonFile ? 'json' : 'table';
  if (jsonFile && !JSON_FORMATS.includes(flags.format)) {
    throw new UserInputError(
      `--output ${file}: a .json file gets JSON, and --format ${flags.format} is not JSON (use ${JSON_FORMATS.join(', ')}, or another file name)`,
    );
  }
  return flags.format;
}

/** `--wide` shapes the table and `--pretty` the JSON report: with another format they would do nothing. */
function checkLayoutFlags(flags: ScanFlags, format: ScanFormat): void {
  if (flags.wide && format !== 'table')
    throw new UserInputError(`--wide lays out the table; --format ${format} has no table`);
  if (flags.pretty && format !== 'json')
    throw new UserInputError(`--pretty indents the JSON report; --format ${format} is not the JSON report`);
}

function rulesNamed(flags: ScopeFlags): ReturnType<typeof selectRules> {
  if (flags.rules === undefined) return selectRules(undefined);
  const ids = splitList(flags.rules);
  if (ids.length === 0) {
    throw new UserInputError(
      '--rules: no rule id given (leave the option out to run every rule; the rules command lists them)',
    );
  }
  return selectRules(ids, '--rules');
}

/** The rules of `--rules` (default all) that have one of the `--severity` severities (default any). */
function rulesFrom(flags: ScopeFlags): ReturnType<typeof selectRules> {
  const named = rulesNamed(flags);
  if (flags.severity === undefined) return named;
  const severities = parseSeverities(splitList(flags.severity), '--severity');
  const chosen = named.filter((rule) => severities.includes(rule.meta.severity));
  if (chosen.length === 0) {
    throw new UserInputError(
      `--severity ${severities.join(',')}: no ${flags.rules === undefined ? '' : 'selected '}rule has that severity (${named.map((rule) => `${rule.meta.id}: ${rule.meta.severity}`).join(', ')})`,
    );
  }
  return chosen;
}

/**
 * Whether the report holds a finding that makes exit 1: a counted FAIL or an ERROR, of `failOn`'s
 * severity or above (any severity without it). An ERROR weighs as its rule does: at worst it hides a
 * FAIL of that severity.
 */
function hasFindings(report: Report, failOn: Severity | undefined): boolean {
  if (failOn === undefined) return !isClean(report);
  const lowest = SEVERITIES.indexOf(failOn);
  return report.results.some(
    (result) =>
      SEVERITIES.indexOf(result.severity) <= lowest &&
      (isCountedFailure(result) || result.status === 'ERROR'),
  );
}

interface Scope {
  accounts: AccountChoice;
  regions: string[] | 'all' | undefined;
  regionConcurrency: RegionConcurrency;
  rateShare: number;
  timeoutSeconds?: number;
}

/** The scope options, checked the same way whether the scan is live or reads a file. */
function scopeFrom(flags: ScopeFlags): Scope {
  return {
    accounts: parseAccountFlags(flags),
    regions: regionsFrom(flags),
    regionConcurrency:
      flags.regionConcurrency === undefined
        ? DEFAULT_REGION_CONCURRENCY
        : parseRegionConcurrency(flags.regionConcurrency, '--region-concurrency'),
    rateShare:
      flags.rateShare === undefined
        ? DEFAULT_CLI_RATE_SHARE
        : parseRateShare(flags.rateShare, '--rate-share'),
    timeoutSeconds:
      flags.timeout === undefined ? undefined : parsePositiveInteger(flags.timeout, '--timeout', 86_400),
  };
}

function regionsFrom(flags: ScopeFlags): string[] | 'all' | undefined {
  if (flags.allRegions && flags.regions)
    throw new UserInputError('--regions and --all-regions exclude each other');
  if (flags.allRegions) return 'all';
  if (flags.regions !== undefined) return parseRegions(splitList(flags.regions), '--regions');
  return undefined;
}

/**
 * The region the SDK would use: AWS_REGION, else the `region` of the AWS_PROFILE profile (or the
 * default one) in the shared config files; undefined when none is set anywhere.
 */
async function configuredRegion(env: NodeJS.ProcessEnv, profile?: string): Promise<string | undefined> {
  const fromEnv = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (fromEnv) return fromEnv;
  const named = profile ?? env.AWS_PROFILE;
  try {
    const { STSClient } = await import('@aws-sdk/client-sts');
    return await new STSClient(named ? { profile: named } : {}).config.region();
  } catch {
    return undefined;
  }
}

/**
 * An AWS_PROFILE that names no profile of the shared files is refused naming it; the SDK would only
 * say that no provider could load credentials.
 */
async function checkProfile(env: NodeJS.ProcessEnv, option?: string): Promise<void> {
  const profile = option ?? env.AWS_PROFILE;
  if (!profile) return;
  const { parseKnownFiles } = await import('@smithy/core/config');
  const profiles = await parseKnownFiles({
    filepath: env.AWS_SHARED_CREDENTIALS_FILE,
    configFilepath: env.AWS_CONFIG_FILE,
  });
  if (profile in profiles) return;
  const known = Object.keys(profiles).sort();
  throw new UserInputError(
    `${option === undefined ? 'AWS_PROFILE' : '--profile'}: profile "${profile}" is not in ${env.AWS_CONFIG_FILE ?? '~/.aws/config'} or ${env.AWS_SHARED_CREDENTIALS_FILE ?? '~/.aws/credentials'} (${known.length > 0 ? `profiles there: ${known.join(', ')}` : 'they define no profile'})`,
  );
}

async function liveSource(
  scope: Scope,
  io: CliIo,
  live: LiveProgress | undefined,
): Promise<ScanOptions['source']> {
  const { profile, selection } = scope.accounts;
  await checkProfile(io.env, profile);
  const homeRegion = await configuredRegion(io.env, profile);
  const regions = scope.regions ?? (homeRegion ? [homeRegion] : undefined);
  if (regions === undefined || (homeRegion === undefined && regions === 'all')) {
    throw new UserInputError(
      'no region to scan: set AWS_REGION (or a region in the AWS_PROFILE profile) or pass --regions r1,r2',
    );
  }
  // The AWS SDK is loaded only for a live scan: --help and --input scans start without it.
  const [{ ApiCallCounter, AwsClients }, { fromIni }] = await Promise.all([
    import('./collect/clients.ts'),
    import('@aws-sdk/credential-providers'),
  ]);
  const counter = new ApiCallCounter();
  const sourceCredentials = profile ? fromIni({ profile }) : undefined;
  const onAnswer = live && ((operation: string) => live.answered(operation));
  return {
    kind: 'live',
    clients: new AwsClients({
      overrides: io.clientOverrides,
      counter,
      credentials: sourceCredentials,
      onAnswer,
      rateShare: scope.rateShare,
    }),
    ...(selection
      ? {
          accounts: {
            selection,
            externalId: scope.accounts.externalId,
            roleSessionName: scope.accounts.roleSessionName,
            accountConcurrency: scope.accounts.accountConcurrency,
            sourceCredentials,
            stsConfig: io.clientOverrides,
            clientsFor: (credentials) =>
              new AwsClients({
                overrides: io.clientOverrides,
                counter,
                credentials,
                onAnswer,
                rateShare: scope.rateShare,
              }),
          },
        }
      : {}),
    regions,
    homeRegion: homeRegion ?? (regions as string[])[0] ?? 'us-east-1',
    regionConcurrency: scope.regionConcurrency,
    ...(scope.timeoutSeconds === undefined ? {} : timeout(scope.timeoutSeconds)),
    onNotice: (message) => io.stderr.write(`warning: ${message}\n`),
    onStep: live && ((step) => live.step(step)),
  };
}

/** `--timeout`: the deadline, and the time left before it for the estimate of each region's calls. */
function timeout(seconds: number): { deadline: AbortSignal; timeLeftMs: () => number } {
  const end = Date.now() + seconds * 1000;
  return { deadline: AbortSignal.timeout(seconds * 1000), timeLeftMs: () => end - Date.now() };
}

/**
 * The progress line of a live scan on a terminal (stderr), from its first second; none when
 * stderr is piped or with `--quiet`. log-update is loaded only then: `--help`, `--input` scans and
 * pipes do not pay for it.
 */
async function liveProgress(
  flags: ScopeFlags,
  io: CliIo,
  rules: ScanOptions['rules'],
): Promise<LiveProgress | undefined> {
  if (!io.stderr.isTTY || flags.quiet) return undefined;
  const { createLogUpdate } = await import('log-update');
  // The cursor stays visible: a scan interrupted by Ctrl-C must not leave the terminal without one.
  const frame = createLogUpdate(io.stderr as NodeJS.WriteStream, { showCursor: true });
  return new LiveProgress(frame, { readsIam: sectionsNeeded(rules).has('iam') });
}

/** Runs a live scan with its progress line, which is cleared whatever the outcome. */
async function scanLive(
  options: Omit<ScanOptions, 'source'>,
  scope: Scope,
  flags: ScopeFlags,
  io: CliIo,
): Promise<ScanOutcome> {
  const live = await liveProgress(flags, io, options.rules);
  try {
    return await scanWith({ ...options, source: await liveSource(scope, io, live) });
  } finally {
    live?.stop();
  }
}

function progressFor(flags: ScopeFlags, io: CliIo): (message: string) => void {
  return io.stderr.isTTY && !flags.quiet ? (message) => io.stderr.write(`… ${message}\n`) : () => {};
}

/** A live scan imports the collectors, and the AWS SDK beneath them, only when it runs. */
async function scanWith(options: ScanOptions): Promise<ScanOutcome> {
  if (options.source.kind === 'snapshot') return judgeSnapshot(options.source, options);
  const { runScan } = await import('./engine/scan.ts');
  return runScan(options);
}

/** Where findings about global (IAM) resources go in Security Hub. */
function homeRegionOf(io: CliIo): string | undefined {
  return io.env.AWS_REGION ?? io.env.AWS_DEFAULT_REGION;
}

function render(report: Report, format: ScanFormat, flags: ScanFlags, io: CliIo): string {
  const toTerminal = outputFile(flags.output) === undefined && io.stdout.isTTY === true;
  const style = styleFor(toTerminal, io.env);
  const shown = flags.quiet
    ? { ...report, results: report.results.filter((r) => r.status !== 'PASS') }
    : report;
  const width = toTerminal ? io.stdout.columns : undefined;
  switch (format) {
    case 'json':
      return formatJson(report, { pretty: flags.pretty === true || toTerminal });
    case 'csv':
      return formatCsv(report);
    case 'asff':
      return formatAsff(report, { homeRegion: homeRegionOf(io) });
    case 'ocsf':
      return formatOcsf(report);
    case 'html':
      return formatHtml(report);
    case 'text':
      return formatText(shown, style, width);
    default:
      return formatTable(shown, style, { width, wide: flags.wide === true });
  }
}

/** Writes to `-o FILE` (atomically, owner-only) or to stdout. */
async function deliver(
  text: string,
  output: string | undefined,
  what: string,
  io: CliIo,
  progress: (message: string) => void,
) {
  const file = outputFile(output);
  if (file === undefined) {
    io.stdout.write(text);
    return;
  }
  await writeAtomically(file, text);
  progress(`${what} written to ${file}`);
}

/** A baseline that cannot be read leaves every problem new, and the report says why. */
async function baselineFrom(path: string, io: CliIo): Promise<NonNullable<Annotations['baseline']>> {
  const loaded = await loadBaseline(path);
  if ('error' in loaded) {
    io.stderr.write(`warning: ${loaded.error}; every problem counts as new\n`);
    return { error: loaded.error };
  }
  return { previous: loaded.previous, source: path };
}

async function scanCommand(flags: ScanFlags, io: CliIo): Promise<number> {
  const rules = rulesFrom(flags);
  const failOn = flags.failOn === undefined ? undefined : parseSeverity(flags.failOn, '--fail-on');
  const format = scanFormat(flags);
  checkLayoutFlags(flags, format);
  const scope = scopeFrom(flags);
  const cidrText = flags.allowedCidrs ?? io.env.ALLOWED_SOURCE_CIDRS ?? '';
  const allowedSourceCidrs = parseCidrs(
    splitList(cidrText),
    flags.allowedCidrs !== undefined ? '--allowed-cidrs' : 'ALLOWED_SOURCE_CIDRS',
  );
  const approvedVpces = parseVpceIds(
    splitList(flags.approvedVpces ?? io.env.APPROVED_VPCES ?? ''),
    flags.approvedVpces !== undefined ? '--approved-vpces' : 'APPROVED_VPCES',
  );
  const progress = progressFor(flags, io);
  const now = new Date();
  const horizonDays = flags.suppressionHorizonDays
    ? parsePositiveInteger(flags.suppressionHorizonDays, '--suppression-horizon-days', 3650)
    : DEFAULT_HORIZON_DAYS;
  // Configuration is checked before the scan: a bad exception or baseline fails in a second, not after it.
  const suppressions =
    flags.suppressions === undefined
      ? undefined
      : await loadSuppressions(flags.suppressions, {
          // Loaded only for a YAML file: most runs have no suppressions, or JSON ones.
          parseYaml: /\.ya?ml$/i.test(flags.suppressions) ? (await import('yaml')).parse : undefined,
          knownRuleIds: RULES.map((rule) => rule.meta.id),
          now,
          horizonDays,
        });
  const maxBytes =
    flags.maxInputBytes === undefined
      ? DEFAULT_MAX_INPUT_BYTES
      : parsePositiveInteger(flags.maxInputBytes, '--max-input-bytes', MAX_INPUT_BYTES_LIMIT);
  const output = outputFile(flags.output);
  if (flags.input !== undefined && output !== undefined && (await sameFile(output, flags.input))) {
    throw new UserInputError(`--output ${output} is the --input file; write the report to another file`);
  }
  const baseline = flags.baseline === undefined ? undefined : await baselineFrom(flags.baseline, io);
  const config = { allowedSourceCidrs, approvedVpces, skipDefaultVpcs: flags.skipDefaultVpcs === true };
  let scan: ScanOutcome;
  if (flags.input !== undefined) {
    if (scope.regions === 'all')
      throw new UserInputError('--all-regions reads the live account; with --input use --regions');
    if (scope.accounts.profile !== undefined || scope.accounts.selection !== undefined)
      throw new UserInputError(
        '--profile, --role-arn, --accounts and --organization read live accounts; --input re-judges the accounts of its file',
      );
    const inventory = await loadSnapshot(flags.input, maxBytes);
    scan = judgeSnapshot({ kind: 'snapshot', inventory, regions: scope.regions }, { rules, config });
  } else {
    if (flags.maxInputBytes !== undefined)
      throw new UserInputError('--max-input-bytes limits the --input file; a live scan reads no file');
    scan = await scanLive({ rules, config }, scope, flags, io);
  }
  const report = annotateReport(scan.report, {
    suppressions,
    tagSuppression: flags.tagSuppressions ? { horizonDays } : undefined,
    baseline,
    inventory: scan.inventory,
    now,
  });
  await deliver(render(report, format, flags, io), flags.output, 'report', io, progress);
  if (flags.securityHub) {
    const { exportToSecurityHub } = await import('./report/security-hub.ts');
    const imported = await exportToSecurityHub(report, {
      homeRegion: homeRegionOf(io),
      clientConfig: io.clientOverrides,
    });
    for (const line of imported.lines) io.stderr.write(`${line}\n`);
    if (!imported.ok) return EXIT.FINDINGS;
  }
  return hasFindings(report, failOn) ? EXIT.FINDINGS : EXIT.CLEAN;
}

async function snapshotCommand(flags: ScopeFlags & { output?: string }, io: CliIo): Promise<number> {
  const rules = rulesFrom(flags);
  const scope = scopeFrom(flags);
  const progress = progressFor(flags, io);
  const { inventory } = await scanLive(
    { rules, config: { allowedSourceCidrs: [], skipDefaultVpcs: false } },
    scope,
    flags,
    io,
  );
  // The file must read back: what would not pass `scan --input` is written as a collection error.
  const checked = checkCollected({
    ...inventory,
    takenFor: { rules: rules.map((rule) => rule.meta.id), sections: [...sectionsNeeded(rules)].sort() },
  });
  for (const error of checked.errors) io.stderr.write(`warning: ${error}; recorded as a collection error\n`);
  await deliver(`${JSON.stringify(checked.inventory, null, 2)}\n`, flags.output, 'evidence', io, progress);
  return EXIT.CLEAN;
}

interface ReportFlags {
  latest?: boolean;
  date?: string;
  diff?: string[];
  bucket?: string;
  stack?: string;
  account?: string;
  region?: string;
  format?: ScanFormat;
  output?: string;
  quiet?: boolean;
}

/** Which stored report(s) the flags name: one to show, or two to compare. */
function reportSelectors(flags: ReportFlags, stored: typeof import('./history/fetch.ts')): ReportSelector[] {
  const { parseSelector, validDay } = stored;
  const given = [flags.latest, flags.date, flags.diff].filter((flag) => flag !== undefined);
  if (given.length !== 1) {
    throw new UserInputError('report: give exactly one of --latest, --date YYYY-MM-DD and --diff A B');
  }
  if (flags.diff) {
    if (flags.diff.length !== 2) {
      throw new UserInputError(`--diff: give two reports, the earlier first (got ${flags.diff.length})`);
    }
    return flags.diff.map((text, index) => parseSelector(text, `--diff (report ${index + 1})`));
  }
  if (flags.date !== undefined) return [{ date: validDay(flags.date, '--date') }];
  return [{ latest: true }];
}

/** `report`: a report the scan Lambda stored, or the comparison of two, in any scan format. */
async function reportCommand(flags: ReportFlags, io: CliIo): Promise<number> {
  // The AWS SDK is loaded only when a stored report is fetched, as for a live scan.
  const fetching = await import('./history/fetch.ts');
  const selectors = reportSelectors(flags, fetching);
  const format = scanFormat(flags);
  if ((flags.bucket === undefined) === (flags.stack === undefined)) {
    throw new UserInputError(
      'report: give the reports bucket with --bucket, or the scanner stack with --stack',
    );
  }
  if (flags.account !== undefined && !/^\d{12}$/.test(flags.account)) {
    throw new UserInputError(`--account: "${flags.account}" is not a 12-digit account id`);
  }
  const region = flags.region ?? (await configuredRegion(io.env));
  const config = { ...(region ? { region } : {}), ...io.clientOverrides };
  const { StoredReports, diffReports } = fetching;
  const [{ CloudFormationClient }, { S3Client }, { reportsBucketOfStack }] = await Promise.all([
    import('@aws-sdk/client-cloudformation'),
    import('@aws-sdk/client-s3'),
    import('./history/stack.ts'),
  ]);
  const bucket =
    flags.bucket ?? (await reportsBucketOfStack(new CloudFormationClient(config), flags.stack as string));
  const stored = new StoredReports(new S3Client({ ...config, followRegionRedirects: true }), bucket);
  const account = flags.account ?? (await stored.onlyAccount());
  const fetched = [];
  for (const selector of selectors) fetched.push(await stored.fetch(account, selector));
  for (const { source, others } of fetched) {
    if (others.length > 0) {
      io.stderr.write(
        `note: ${source} is the last of ${others.length + 1} reports that day; the others: ${others.join(', ')}\n`,
      );
    }
  }
  const [first, second] = fetched as [(typeof fetched)[number], (typeof fetched)[number] | undefined];
  const report = second === undefined ? first.report : diffReports(first, second);
  await deliver(render(report, format, flags, io), flags.output, 'report', io, progressFor(flags, io));
  return hasFindings(report, undefined) ? EXIT.FINDINGS : EXIT.CLEAN;
}

/** `--format`, whatever its case, checked against the formats the command writes. */
function formatOption(formats: readonly string[], description: string): Option {
  return new Option('-f, --format <format>', `${description}: ${formats.join(', ')}`).argParser((value) => {
    const format = value.toLowerCase();
    if (!formats.includes(format)) {
      throw new InvalidArgumentError(`Allowed choices are ${formats.join(', ')}.`);
    }
    return format;
  });
}

/** The options that choose what a scan or a snapshot reads, worded for the command that takes them. */
function addScopeOptions(command: Command, kind: 'scan' | 'snapshot'): Command {
  return command
    .option(
      '--regions <list>',
      kind === 'scan'
        ? 'comma-separated regions (default: AWS_REGION, or every region of --input)'
        : 'comma-separated regions (default: AWS_REGION)',
    )
    .option('--all-regions', 'every region enabled in the account (DescribeRegions)')
    .option(
      '--rules <list>',
      kind === 'scan'
        ? 'comma-separated rule ids (default: all; see the rules command)'
        : 'read only what these rules need (default: all; see the rules command)',
    )
    .option(
      '--severity <list>',
      `only the rules of these severities (${SEVERITIES.join(', ')}; default: any)`,
    )
    .option(
      '--region-concurrency <n>',
      `regions read in parallel, a number or all (default ${DEFAULT_REGION_CONCURRENCY}: each region has its own AWS buckets)`,
    )
    .option(
      '--rate-share <fraction>',
      `share of each documented AWS request rate to use, per account, region and bucket (default ${DEFAULT_CLI_RATE_SHARE})`,
    )
    .option(
      '--timeout <seconds>',
      kind === 'scan'
        ? 'stop the live scan after this long: what is unread is ERROR (default: none)'
        : 'stop reading after this long: what is unread is recorded as a collection error (default: none)',
    )
    .option(
      '-q, --quiet',
      kind === 'scan'
        ? 'no progress on stderr; table and text show only FAIL and ERROR'
        : 'no progress on stderr',
    )
    .option('--profile <name>', 'credentials and region of this AWS config profile (default: AWS_PROFILE)')
    .option('--role-arn <arn>', 'assume this role and scan its account')
    .option('--accounts <ids>', 'comma-separated account ids to scan, through --role-name in each')
    .option('--organization', 'scan every ACTIVE account of the Organization, through --role-name in each')
    .option('--role-name <name>', 'the role to assume in each account of --accounts or --organization')
    .option('--ous <ids>', 'with --organization: only the accounts under these OUs, at any depth')
    .option('--exclude-accounts <ids>', 'with --organization: leave these accounts out')
    .option('--external-id <id>', 'the external id the roles require (sts:ExternalId)')
    .option(
      '--role-session-name <name>',
      'the session name of the assumed roles (default sagemaker-compliance-scanner)',
    )
    .option(
      '--account-concurrency <n>',
      `accounts read in parallel (default ${DEFAULT_ACCOUNT_CONCURRENCY})`,
    );
}

const BIN = 'sagemaker-compliance-scanner';

/** Each command's help ends with these, the commands of the README's demo. */
const EXAMPLES: Record<'scan' | 'snapshot' | 'rules', string[]> = {
  scan: [
    `${BIN} scan --input examples/demo-account.json`,
    `${BIN} scan --input examples/demo-account.json --format text --quiet --allowed-cidrs 203.0.113.0/24,2001:db8::/32`,
    `${BIN} scan --input examples/demo-account.json --suppressions examples/suppressions.example.json -o report.json`,
  ],
  snapshot: [
    `${BIN} snapshot --regions eu-west-1,us-east-1 -o evidence.json`,
    `${BIN} scan --input evidence.json --format text`,
  ],
  rules: [`${BIN} rules`, `${BIN} rules --format json`],
};

/** The width commander lays the help out at: the terminal's, else 80. */
function helpWidth(stream: { isTTY?: boolean; columns?: number }): number {
  return (stream.isTTY ? stream.columns : undefined) ?? 80;
}

/**
 * The text after a command's help: its paragraphs wrapped at the help width like commander's own
 * text, then the examples, each on one line (a command is copied whole).
 */
function helpEpilogue(io: CliIo, paragraphs: string[], examples: string[]) {
  return ({ error }: { error: boolean }) => {
    const width = helpWidth(error ? io.stderr : io.stdout);
    return [
      ...paragraphs.flatMap((paragraph) => ['', ...wrapText(paragraph, width, { rest: '  ' })]),
      '',
      'Examples:',
      ...examples.map((example) => `  ${example}`),
    ].join('\n');
  };
}

const EXIT_CODES =
  'Exit codes: 0 nothing failed (outside accepted exceptions) and nothing errored; 1 findings, and nothing else: a FAIL or ERROR result (at or above --fail-on); 2 the scan did not run: bad usage, input file or configuration, an account AWS could not identify, or an internal error (one line on stderr; --debug adds the stack).';
const SNAPSHOT_EXIT_CODES =
  'Exit codes: 0 the evidence file was written (a part that could not be read is recorded in it as a collection error); 2 it was not: bad usage, an account AWS could not identify, or an internal error.';

export function buildProgram(io: CliIo, setExit: (code: number) => void): Command {
  const program = new Command('sagemaker-compliance-scanner')
    .description('Checks that SageMaker accounts keep the private (PrivateLink) posture AWS recommends.')
    .version(TOOL.version)
    .option('--debug', 'print the stack of an unexpected internal error')
    .showHelpAfterError(false)
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      // Every exit 2 is one line: commander's "(Did you mean --ous?)" joins the error's line.
      outputError: (text, write) => write(`${text.trimEnd().replace(/\n+/g, ' ')}\n`),
      getOutHelpWidth: () => helpWidth(io.stdout),
      getErrHelpWidth: () => helpWidth(io.stderr),
    })
    .exitOverride();

  addScopeOptions(
    program
      .command('scan')
      .description('judge a live account (default AWS credentials) or an evidence file (--input)')
      .option('-i, --input <file>', 'judge this snapshot/evidence file instead of the live account')
      .option(
        '--max-input-bytes <n>',
        `refuse a larger --input file (default ${DEFAULT_MAX_INPUT_BYTES}, at most ${MAX_INPUT_BYTES_LIMIT})`,
      )
      .addOption(
        formatOption(SCAN_FORMATS, 'output format (default table; json for an --output ending .json)'),
      )
      .option('-o, --output <file>', 'write the report to a file (mode 0600) instead of stdout; - is stdout')
      .option('--wide', 'table: full ARNs, one line per result, whatever the terminal width')
      .option('--pretty', 'json: indented (the default on a terminal; compact otherwise)')
      .option('--skip-default-vpcs', 'leave default VPCs out of the VPC rules')
      .option(
        '--allowed-cidrs <list>',
        'approved source ranges for aws:SourceIp (default: ALLOWED_SOURCE_CIDRS)',
      )
      .option(
        '--approved-vpces <list>',
        'VPC endpoint IDs that aws:SourceVpce may name beside the account’s own (default: APPROVED_VPCES)',
      )
      .option('--suppressions <file>', 'accepted exceptions (JSON or YAML): matching FAILs are muted')
      .option(
        '--suppression-horizon-days <n>',
        `how far ahead a suppression may expire (default ${DEFAULT_HORIZON_DAYS})`,
      )
      .option('--tag-suppressions', 'also honour sagemaker-compliance:suppress resource tags')
      .option(
        '--baseline <file>',
        'a previous JSON report: mark results new, persisting, regressed, resolved',
      )
      .option(
        '--fail-on <severity>',
        'the lowest severity whose FAIL or ERROR makes the exit code 1 (default: any)',
      )
      .option(
        '--security-hub',
        "also import the findings into each account's Security Hub (BatchImportFindings)",
      ),
    'scan',
  )
    .addHelpText('after', helpEpilogue(io, [EXIT_CODES], EXAMPLES.scan))
    .action(async (flags: ScanFlags) => setExit(await scanCommand(flags, io)));

  addScopeOptions(
    program
      .command('snapshot')
      .description('write everything the rules read from the live account to an evidence file')
      .option('-o, --output <file>', 'evidence file to write (mode 0600; default or -: stdout)'),
    'snapshot',
  )
    .addHelpText('after', helpEpilogue(io, [SNAPSHOT_EXIT_CODES], EXAMPLES.snapshot))
    .action(async (flags: ScopeFlags & { output?: string }) => setExit(await snapshotCommand(flags, io)));

  program
    .command('report')
    .description('show a report the scan Lambda stored in S3, or compare two, in any scan format')
    .option('--latest', 'the last report of the deployed scope (latest.json, the baseline)')
    .option('--date <yyyy-mm-dd>', 'the last report stored on that UTC day')
    .option(
      '--diff <reports...>',
      'compare two stored reports A B (each latest, a day, or a key): B against A',
    )
    .option('--bucket <name>', 'the reports bucket')
    .option('--stack <name>', 'the scanner stack: its ReportsBucketName output names the bucket')
    .option('--account <id>', 'whose reports (default: the only account in the bucket)')
    .option('--region <region>', 'where the stack is (default: AWS_REGION)')
    .addOption(formatOption(SCAN_FORMATS, 'output format (default table; json for an --output ending .json)'))
    .option('-o, --output <file>', 'write the report to a file (mode 0600) instead of stdout; - is stdout')
    .option('-q, --quiet', 'table and text show only FAIL and ERROR')
    .addHelpText(
      'after',
      '\nExit codes as for scan: 0 clean, 1 the report holds findings, 2 it could not be shown.',
    )
    .action(async (flags: ReportFlags) => setExit(await reportCommand(flags, io)));

  program
    .command('rules')
    .description('list the rules with their metadata')
    .addOption(formatOption(['table', 'json'], 'output format (default table)'))
    .addHelpText('after', helpEpilogue(io, [], EXAMPLES.rules))
    .action((flags: { format?: 'table' | 'json' }) => {
      io.stdout.write(formatRules(flags.format ?? 'table'));
      setExit(EXIT.CLEAN);
    });
  return program;
}

/**
 * Runs the CLI and returns its exit code. Every error is one line on stderr; only an unexpected
 * one, with `--debug`, adds its stack. Exit 1 is kept for findings, so that a script can tell "the
 * account has problems" from "the scan did not run".
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let exitCode: number = EXIT.CLEAN;
  let debug = false;
  const program = buildProgram(io, (code) => {
    exitCode = code;
  });
  program.on('option:debug', () => {
    debug = true;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? EXIT.CLEAN : EXIT.USAGE;
    }
    if (error instanceof UserInputError) {
      io.stderr.write(`error: ${error.message}\n`);
      return EXIT.USAGE;
    }
    if (error instanceof AccountUnidentifiedError) {
      io.stderr.write(`error: ${error.message}\n`);
      return EXIT.NOT_RUN;
    }
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    io.stderr.write(
      debug && error instanceof Error && error.stack
        ? `error: internal error: ${message}\n${error.stack}\n`
        : `error: internal error: ${message} (a bug in the scanner; --debug prints the stack)\n`,
    );
    return EXIT.NOT_RUN;
  }
}
