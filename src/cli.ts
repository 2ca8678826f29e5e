import { randomBytes } from 'node:crypto';
import { open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { STSClient } from '@aws-sdk/client-sts';
import { fromIni } from '@aws-sdk/credential-providers';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_ACCOUNT_CONCURRENCY } from './collect/accounts.ts';
import { ApiCallCounter, AwsClients } from './collect/clients.ts';
import { AccountUnidentifiedError } from './collect/errors.ts';
import { DEFAULT_REGION_CONCURRENCY } from './collect/index.ts';
import { type AccountChoice, type AccountFlags, parseAccountFlags } from './config/accounts.ts';
import {
  parseCidrs,
  parsePositiveInteger,
  parseRegions,
  parseSeverities,
  parseSeverity,
  splitList,
} from './config/parse.ts';
import { type Annotations, annotateReport } from './engine/annotate.ts';
import { runScan, type ScanOptions } from './engine/scan.ts';
import { selectRules } from './engine/select.ts';
import { loadBaseline } from './history/baseline.ts';
import { UserInputError } from './model/errors.ts';
import { DEFAULT_MAX_INPUT_BYTES, MAX_INPUT_BYTES_LIMIT } from './model/input-file.ts';
import { isCountedFailure, type Report } from './model/report.ts';
import { SEVERITIES, type Severity } from './model/result.ts';
import { loadSnapshot } from './model/snapshot.ts';
import { formatAsff } from './report/asff.ts';
import { isClean, TOOL } from './report/build.ts';
import { formatCsv } from './report/csv.ts';
import { formatHtml } from './report/html.ts';
import { formatJson } from './report/json.ts';
import { formatOcsf } from './report/ocsf.ts';
import { formatRules } from './report/rules.ts';
import { exportToSecurityHub } from './report/security-hub.ts';
import { styleFor } from './report/style.ts';
import { formatTable } from './report/table.ts';
import { formatText } from './report/text.ts';
import { RULES } from './rules/index.ts';
import { DEFAULT_HORIZON_DAYS, loadSuppressions } from './suppress/suppressions.ts';

/** 1 is findings and nothing else; anything that stopped the scan from running is 2. */
export const EXIT = { CLEAN: 0, FINDINGS: 1, USAGE: 2, NOT_RUN: 2 } as const;

export interface CliIo {
  stdout: { write(text: string): unknown; isTTY?: boolean; columns?: number };
  stderr: { write(text: string): unknown; isTTY?: boolean };
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
  suppressions?: string;
  suppressionHorizonDays?: string;
  tagSuppressions?: boolean;
  baseline?: string;
  securityHub?: boolean;
  failOn?: string;
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
  regionConcurrency: number;
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
        : parsePositiveInteger(flags.regionConcurrency, '--region-concurrency'),
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
    return await new STSClient(named ? { profile: named } : {}).config.region();
  } catch {
    return undefined;
  }
}

async function liveSource(
  scope: Scope,
  io: CliIo,
  progress: (message: string) => void,
): Promise<ScanOptions['source']> {
  const { profile, selection } = scope.accounts;
  const homeRegion = await configuredRegion(io.env, profile);
  const regions = scope.regions ?? (homeRegion ? [homeRegion] : undefined);
  if (regions === undefined || (homeRegion === undefined && regions === 'all')) {
    throw new UserInputError(
      'no region to scan: set AWS_REGION (or a region in the AWS_PROFILE profile) or pass --regions r1,r2',
    );
  }
  const counter = new ApiCallCounter();
  const sourceCredentials = profile ? fromIni({ profile }) : undefined;
  return {
    kind: 'live',
    clients: new AwsClients({ overrides: io.clientOverrides, counter, credentials: sourceCredentials }),
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
              new AwsClients({ overrides: io.clientOverrides, counter, credentials }),
          },
        }
      : {}),
    regions,
    homeRegion: homeRegion ?? (regions as string[])[0] ?? 'us-east-1',
    regionConcurrency: scope.regionConcurrency,
    deadline:
      scope.timeoutSeconds === undefined ? undefined : AbortSignal.timeout(scope.timeoutSeconds * 1000),
    onProgress: progress,
  };
}

function progressFor(flags: ScopeFlags, io: CliIo): (message: string) => void {
  return io.stderr.isTTY && !flags.quiet ? (message) => io.stderr.write(`… ${message}\n`) : () => {};
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
  switch (format) {
    case 'json':
      return formatJson(report);
    case 'csv':
      return formatCsv(report);
    case 'asff':
      return formatAsff(report, { homeRegion: homeRegionOf(io) });
    case 'ocsf':
      return formatOcsf(report);
    case 'html':
      return formatHtml(report);
    case 'text':
      return formatText(shown, style);
    default:
      return formatTable(shown, style, toTerminal ? io.stdout.columns : undefined);
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
  const scope = scopeFrom(flags);
  const cidrText = flags.allowedCidrs ?? io.env.ALLOWED_SOURCE_CIDRS ?? '';
  const allowedSourceCidrs = parseCidrs(
    splitList(cidrText),
    flags.allowedCidrs !== undefined ? '--allowed-cidrs' : 'ALLOWED_SOURCE_CIDRS',
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
  let source: ScanOptions['source'];
  if (flags.input !== undefined) {
    if (scope.regions === 'all')
      throw new UserInputError('--all-regions reads the live account; with --input use --regions');
    if (scope.accounts.profile !== undefined || scope.accounts.selection !== undefined)
      throw new UserInputError(
        '--profile, --role-arn, --accounts and --organization read live accounts; --input re-judges the accounts of its file',
      );
    const inventory = await loadSnapshot(flags.input, maxBytes);
    source = { kind: 'snapshot', inventory, regions: scope.regions };
  } else {
    if (flags.maxInputBytes !== undefined)
      throw new UserInputError('--max-input-bytes limits the --input file; a live scan reads no file');
    source = await liveSource(scope, io, progress);
  }
  const scan = await runScan({
    rules,
    config: { allowedSourceCidrs, skipDefaultVpcs: flags.skipDefaultVpcs === true },
    source,
  });
  const report = annotateReport(scan.report, {
    suppressions,
    tagSuppression: flags.tagSuppressions ? { horizonDays } : undefined,
    baseline,
    inventory: scan.inventory,
    now,
  });
  await deliver(render(report, format, flags, io), flags.output, 'report', io, progress);
  if (flags.securityHub) {
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
  const { inventory } = await runScan({
    rules,
    config: { allowedSourceCidrs: [], skipDefaultVpcs: false },
    source: await liveSource(scope, io, progress),
  });
  await deliver(`${JSON.stringify(inventory, null, 2)}\n`, flags.output, 'evidence', io, progress);
  return EXIT.CLEAN;
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

function addScopeOptions(command: Command): Command {
  return command
    .option('--regions <list>', 'comma-separated regions (default: AWS_REGION, or every region of --input)')
    .option('--all-regions', 'every region enabled in the account (DescribeRegions)')
    .option('--rules <list>', 'comma-separated rule ids (default: all; see the rules command)')
    .option(
      '--severity <list>',
      `only the rules of these severities (${SEVERITIES.join(', ')}; default: any)`,
    )
    .option('--region-concurrency <n>', `regions read in parallel (default ${DEFAULT_REGION_CONCURRENCY})`)
    .option(
      '--timeout <seconds>',
      'stop the live scan after this long: what is unread is ERROR (default: none)',
    )
    .option('-q, --quiet', 'no progress on stderr; table and text show only FAIL and ERROR')
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
      .option('--skip-default-vpcs', 'leave default VPCs out of the VPC rules')
      .option(
        '--allowed-cidrs <list>',
        'approved source ranges for aws:SourceIp (default: ALLOWED_SOURCE_CIDRS)',
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
  )
    .addHelpText(
      'after',
      [
        '',
        'Exit codes: 0 nothing failed (outside accepted exceptions) and nothing errored;',
        '1 findings, and nothing else: a FAIL or ERROR result (at or above --fail-on);',
        '2 the scan did not run: bad usage, input file or configuration, an account AWS could',
        'not identify, or an internal error (one line on stderr; --debug adds the stack).',
      ].join('\n'),
    )
    .action(async (flags: ScanFlags) => setExit(await scanCommand(flags, io)));

  addScopeOptions(
    program
      .command('snapshot')
      .description('write everything the rules read from the live account to an evidence file')
      .option('-o, --output <file>', 'evidence file to write (mode 0600; default or -: stdout)'),
  ).action(async (flags: ScopeFlags & { output?: string }) => setExit(await snapshotCommand(flags, io)));

  program
    .command('rules')
    .description('list the rules with their metadata')
    .addOption(formatOption(['table', 'json'], 'output format (default table)'))
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
