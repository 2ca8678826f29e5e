import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { STSClient } from '@aws-sdk/client-sts';
import { Command, CommanderError, Option } from 'commander';
import { AwsClients } from './collect/clients.ts';
import { AccountUnidentifiedError } from './collect/errors.ts';
import { DEFAULT_REGION_CONCURRENCY } from './collect/index.ts';
import { parseCidrs, parsePositiveInteger, parseRegions, splitList } from './config/parse.ts';
import { annotateReport } from './engine/annotate.ts';
import { runScan, type ScanOptions } from './engine/scan.ts';
import { selectRules } from './engine/select.ts';
import { loadBaseline } from './history/baseline.ts';
import { UserInputError } from './model/errors.ts';
import { DEFAULT_MAX_INPUT_BYTES, MAX_INPUT_BYTES_LIMIT } from './model/input-file.ts';
import type { Report } from './model/report.ts';
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

export const EXIT = { CLEAN: 0, FINDINGS: 1, USAGE: 2 } as const;

export interface CliIo {
  stdout: { write(text: string): unknown; isTTY?: boolean; columns?: number };
  stderr: { write(text: string): unknown; isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  /** Client settings for tests (endpoint, retry strategy); the SDK defaults otherwise. */
  clientOverrides?: Record<string, unknown>;
}

interface ScopeFlags {
  regions?: string;
  allRegions?: boolean;
  rules?: string;
  regionConcurrency?: string;
  timeout?: string;
  quiet?: boolean;
}

interface ScanFlags extends ScopeFlags {
  input?: string;
  maxInputBytes?: string;
  format: 'table' | 'json' | 'text' | 'csv' | 'asff' | 'ocsf' | 'html';
  output?: string;
  skipDefaultVpcs?: boolean;
  allowedCidrs?: string;
  suppressions?: string;
  suppressionHorizonDays?: string;
  tagSuppressions?: boolean;
  baseline?: string;
  securityHub?: boolean;
}

/**
 * Writes through a temporary file so that a reader never sees half a report. The temporary name
 * is random and created exclusively (`wx`: a file or symlink planted there makes it fail rather
 * than be followed), its data reaches the disk before the rename makes it the report, and it is
 * removed whatever fails.
 */
async function writeAtomically(path: string, text: string): Promise<void> {
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(16).toString('hex')}.tmp`);
  let created = false;
  try {
    const handle = await open(temporary, 'wx');
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
async function configuredRegion(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const fromEnv = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (fromEnv) return fromEnv;
  try {
    return await new STSClient(env.AWS_PROFILE ? { profile: env.AWS_PROFILE } : {}).config.region();
  } catch {
    return undefined;
  }
}

async function liveSource(
  flags: ScopeFlags,
  io: CliIo,
  progress: (message: string) => void,
): Promise<ScanOptions['source']> {
  const homeRegion = await configuredRegion(io.env);
  const regions = regionsFrom(flags) ?? (homeRegion ? [homeRegion] : undefined);
  if (regions === undefined || (homeRegion === undefined && regions === 'all')) {
    throw new UserInputError(
      'no region to scan: set AWS_REGION (or a region in the AWS_PROFILE profile) or pass --regions r1,r2',
    );
  }
  return {
    kind: 'live',
    clients: new AwsClients({ overrides: io.clientOverrides }),
    regions,
    homeRegion: homeRegion ?? (regions as string[])[0] ?? 'us-east-1',
    regionConcurrency: flags.regionConcurrency
      ? parsePositiveInteger(flags.regionConcurrency, '--region-concurrency')
      : DEFAULT_REGION_CONCURRENCY,
    deadline: flags.timeout
      ? AbortSignal.timeout(parsePositiveInteger(flags.timeout, '--timeout', 86_400) * 1000)
      : undefined,
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

function render(report: Report, flags: ScanFlags, io: CliIo): string {
  const toTerminal = flags.output === undefined && io.stdout.isTTY === true;
  const style = styleFor(toTerminal, io.env);
  const shown = flags.quiet
    ? { ...report, results: report.results.filter((r) => r.status !== 'PASS') }
    : report;
  switch (flags.format) {
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

async function scanCommand(flags: ScanFlags, io: CliIo): Promise<number> {
  const rules = selectRules(flags.rules === undefined ? undefined : splitList(flags.rules), '--rules');
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
  const baseline =
    flags.baseline === undefined
      ? undefined
      : { previous: await loadBaseline(flags.baseline), source: flags.baseline };
  let source: ScanOptions['source'];
  if (flags.input !== undefined) {
    if (flags.allRegions)
      throw new UserInputError('--all-regions reads the live account; with --input use --regions');
    const maxBytes =
      flags.maxInputBytes === undefined
        ? DEFAULT_MAX_INPUT_BYTES
        : parsePositiveInteger(flags.maxInputBytes, '--max-input-bytes', MAX_INPUT_BYTES_LIMIT);
    const inventory = await loadSnapshot(flags.input, maxBytes);
    const regions = regionsFrom(flags);
    source = { kind: 'snapshot', inventory, regions: regions === 'all' ? undefined : regions };
  } else {
    if (flags.maxInputBytes !== undefined)
      throw new UserInputError('--max-input-bytes limits the --input file; a live scan reads no file');
    source = await liveSource(flags, io, progress);
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
  const text = render(report, flags, io);
  if (flags.output !== undefined) {
    await writeAtomically(flags.output, text);
    progress(`report written to ${flags.output}`);
  } else {
    io.stdout.write(text);
  }
  if (flags.securityHub) {
    const imported = await exportToSecurityHub(report, {
      homeRegion: homeRegionOf(io),
      clientConfig: io.clientOverrides,
    });
    for (const line of imported.lines) io.stderr.write(`${line}\n`);
    if (!imported.ok) return EXIT.FINDINGS;
  }
  return isClean(report) ? EXIT.CLEAN : EXIT.FINDINGS;
}

async function snapshotCommand(flags: ScopeFlags & { output?: string }, io: CliIo): Promise<number> {
  const rules = selectRules(flags.rules === undefined ? undefined : splitList(flags.rules), '--rules');
  const progress = progressFor(flags, io);
  const { inventory } = await runScan({
    rules,
    config: { allowedSourceCidrs: [], skipDefaultVpcs: false },
    source: await liveSource(flags, io, progress),
  });
  const text = `${JSON.stringify(inventory, null, 2)}\n`;
  if (flags.output === undefined) io.stdout.write(text);
  else {
    await writeAtomically(flags.output, text);
    progress(`evidence written to ${flags.output}`);
  }
  return EXIT.CLEAN;
}

function addScopeOptions(command: Command): Command {
  return command
    .option('--regions <list>', 'comma-separated regions (default: AWS_REGION, or every region of --input)')
    .option('--all-regions', 'every region enabled in the account (DescribeRegions)')
    .option('--rules <list>', 'comma-separated rule ids (default: all; see the rules command)')
    .option('--region-concurrency <n>', `regions read in parallel (default ${DEFAULT_REGION_CONCURRENCY})`)
    .option(
      '--timeout <seconds>',
      'stop the live scan after this long: what is unread is ERROR (default: none)',
    )
    .option('-q, --quiet', 'no progress on stderr; table and text show only FAIL and ERROR');
}

export function buildProgram(io: CliIo, setExit: (code: number) => void): Command {
  const program = new Command('sagemaker-compliance-scanner')
    .description('Checks that SageMaker accounts keep the private (PrivateLink) posture AWS recommends.')
    .version(TOOL.version)
    .showHelpAfterError(false)
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
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
        new Option('-f, --format <format>', 'output format')
          .choices(['table', 'json', 'text', 'csv', 'asff', 'ocsf', 'html'])
          .default('table'),
      )
      .option('-o, --output <file>', 'write the report to a file instead of stdout')
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
        '--security-hub',
        "also import the findings into each account's Security Hub (BatchImportFindings)",
      ),
  )
    .addHelpText(
      'after',
      '\nExit codes: 0 nothing failed (outside accepted exceptions) and nothing errored; 1 a FAIL or ERROR result,\nor AWS could not identify the account; 2 bad usage, input file or configuration (one line on stderr names what is wrong).',
    )
    .action(async (flags: ScanFlags) => setExit(await scanCommand(flags, io)));

  addScopeOptions(
    program
      .command('snapshot')
      .description('write everything the rules read from the live account to an evidence file')
      .option('-o, --output <file>', 'evidence file to write (default: stdout)'),
  ).action(async (flags: ScopeFlags & { output?: string }) => setExit(await snapshotCommand(flags, io)));

  program
    .command('rules')
    .description('list the rules with their metadata')
    .addOption(
      new Option('-f, --format <format>', 'output format').choices(['table', 'json']).default('table'),
    )
    .action((flags: { format: 'table' | 'json' }) => {
      io.stdout.write(formatRules(flags.format));
      setExit(EXIT.CLEAN);
    });
  return program;
}

/** Runs the CLI and returns its exit code; user errors are one line on stderr, never a stack. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let exitCode: number = EXIT.CLEAN;
  const program = buildProgram(io, (code) => {
    exitCode = code;
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
      return EXIT.FINDINGS;
    }
    io.stderr.write(
      `error: the scan failed unexpectedly: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return EXIT.FINDINGS;
  }
}
