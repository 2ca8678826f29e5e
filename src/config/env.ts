import * as z from 'zod';
import {
  DEFAULT_LAMBDA_RATE_SHARE,
  DEFAULT_REGION_CONCURRENCY,
  type RegionConcurrency,
} from '../collect/defaults.ts';
import { selectRules } from '../engine/select.ts';
import { UserInputError } from '../model/errors.ts';
import { RULES } from '../rules/index.ts';
import { DEFAULT_HORIZON_DAYS, loadSuppressions, type Suppression } from '../suppress/suppressions.ts';
import { ROLE_NAME } from './accounts.ts';
import { readScanConfig, type ScanConfig } from './bundled.ts';
import {
  parseBoolean,
  parseCidrs,
  parsePositiveInteger,
  parseRateShare,
  parseRegionConcurrency,
  parseRegions,
  parseVpceIds,
  splitList,
} from './parse.ts';

/**
 * When the scan publishes to SNS: on any FAIL or ERROR (muted FAILs aside), always (with the
 * all-clear), only on changes since the previous scan (and on any ERROR), or never.
 */
export const NOTIFY_MODES = ['on-findings', 'always', 'changes', 'never'] as const;
export type NotifyMode = (typeof NOTIFY_MODES)[number];

export const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL', 'SILENT'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Time kept in reserve when deciding whether to start another region. A region started just
 * before the cut-off must still finish: its EC2 reads with adaptive retries (ten attempts ride out
 * about half a minute of throttling), then evaluation (well under a second, IAM included) and the
 * SNS publishes (a few parts, each retried by the SDK). One minute covers that with room to spare
 * and still leaves most of a 5 to 15 minute timeout for scanning.
 */
export const DEFAULT_DEADLINE_MARGIN_SECONDS = 60;

/** The deployed configuration of the scan Lambda, read from its environment once per cold start. */
export interface LambdaEnvironment {
  /** Where findings go; absent is allowed only while every invocation publishes nothing. */
  findingsTopicArn?: string;
  /** The function's own region: account-wide calls go there, and it is the default scan scope. */
  homeRegion: string;
  regions: string[] | 'all';
  /** Rule ids from RULES; undefined means every registered rule. */
  ruleIds?: string[];
  allowedSourceCidrs: string[];
  /** VPC endpoints that presigned-URL conditions may name beside the account's own. */
  approvedVpces: string[];
  skipDefaultVpcs: boolean;
  notify: NotifyMode;
  regionConcurrency: RegionConcurrency;
  /** The share of each documented AWS request rate the scan may use (API_RATE_SHARE). */
  rateShare: number;
  logLevel: LogLevel;
  deadlineMarginMs: number;
  /** Where reports are stored and the previous one is read from; no history without it. */
  reportsBucket?: string;
  /** The accepted exceptions shipped with the function, loaded by {@link loadDeployedSuppressions}. */
  suppressionsFile?: string;
  suppressionHorizonDays: number;
  tagSuppressions: boolean;
  /** Import the findings into the account's own Security Hub (`BatchImportFindings`) after each scan. */
  securityHub: boolean;
  /** HTTPS subscribers (Amazon Q Developer in chat applications) get the chat digest. */
  chatNotifications: boolean;
  /**
   * Organization mode: the member role assumed in each account (`arn:<partition>:iam::<id>:role/<name>`);
   * without it an `organization-account` event is refused.
   */
  memberRoleName?: string;
}

/** Longest accepted SUPPRESSION_HORIZON_DAYS: ten years is already no review at all. */
export const MAX_HORIZON_DAYS = 3650;

const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z]{2}(-[a-z]+)+-\d+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/;

/*
 * The checks of the variables every Lambda of the stack reads, shared with the Organization mode's
 * (organization-env.ts) so that a variable is checked and explained in one way wherever it is set.
 */
export const AWS_REGION_VARIABLE = z
  .string({ error: 'is not set (the Lambda runtime always sets it)' })
  .min(1, 'is empty');
export const TOPIC_ARN_VARIABLE = z
  .string()
  .regex(TOPIC_ARN, 'is not an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>)');
export const BUCKET_VARIABLE = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
    'is not an S3 bucket name (3 to 63 lower-case letters, digits, dots and hyphens)',
  );
export const LOG_LEVEL_VARIABLE = z
  .string()
  .transform((value) => value.toUpperCase())
  .pipe(z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }))
  .default('INFO');

/** A variable that must be set; `why` says what for, in the error. Pipe it into the value's check. */
export function requiredVariable(why: string): z.ZodString {
  return z.string({ error: `is not set: ${why}` });
}

const variables = z.object({
  AWS_REGION: AWS_REGION_VARIABLE,
  FINDINGS_TOPIC_ARN: TOPIC_ARN_VARIABLE.optional(),
  SCAN_REGIONS: z.string().optional(),
  RULES: z.string().optional(),
  ALLOWED_SOURCE_CIDRS: z.string().optional(),
  APPROVED_VPCES: z.string().optional(),
  SKIP_DEFAULT_VPCS: z.string().optional(),
  NOTIFY: z.enum(NOTIFY_MODES, { error: `must be one of ${NOTIFY_MODES.join(', ')}` }).default('on-findings'),
  REGION_CONCURRENCY: z.string().optional(),
  API_RATE_SHARE: z.string().optional(),
  LOG_LEVEL: LOG_LEVEL_VARIABLE,
  DEADLINE_MARGIN_SECONDS: z.string().optional(),
  REPORTS_BUCKET: BUCKET_VARIABLE.optional(),
  SUPPRESSIONS_FILE: z.string().optional(),
  SCAN_CONFIG_FILE: z.string().optional(),
  SUPPRESSION_HORIZON_DAYS: z.string().optional(),
  TAG_SUPPRESSIONS: z.string().optional(),
  SECURITY_HUB: z.string().optional(),
  CHAT_NOTIFICATIONS: z.string().optional(),
  MEMBER_ROLE_NAME: z
    .string()
    .regex(ROLE_NAME, 'is not an IAM role name (such as SageMakerComplianceMember)')
    .optional(),
});

/**
 * The set variables, trimmed: empty ones count as unset (CloudFormation and consoles often leave
 * `KEY=` behind), and a space pasted around a value is not part of it.
 */
function withoutEmpty(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env)
      .map(([name, value]) => [name, value?.trim() ?? ''])
      .filter(([, value]) => value !== ''),
  );
}

/**
 * `env` checked against a schema of variables (see {@link withoutEmpty}); the first variable at
 * fault is a {@link UserInputError} whose message starts with its name.
 *
 * @example readVariables(z.object({ AWS_REGION: AWS_REGION_VARIABLE }), process.env) // { AWS_REGION: 'eu-west-1' }
 */
export function readVariables<Schema extends z.ZodType>(
  schema: Schema,
  env: NodeJS.ProcessEnv,
): z.output<Schema> {
  const parsed = schema.safeParse(withoutEmpty(env));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UserInputError(
      `environment variable ${String(issue?.path[0] ?? '?')} ${issue?.message ?? 'is invalid'}`,
    );
  }
  return parsed.data;
}

/** The bundled file's key for each list variable it may stand in for. */
const BUNDLED_LISTS = [
  ['RULES', 'rules'],
  ['ALLOWED_SOURCE_CIDRS', 'allowedSourceCidrs'],
  ['APPROVED_VPCES', 'approvedVpces'],
] as const;

/**
 * The lists from `SCAN_CONFIG_FILE` (the stack ships them in the bundle), or none. A list given
 * both there and as its variable is refused: which one the scan used would not be visible.
 */
function bundledLists(
  values: { SCAN_CONFIG_FILE?: string } & Partial<Record<(typeof BUNDLED_LISTS)[number][0], string>>,
  readText: ((file: string) => string) | undefined,
): ScanConfig | undefined {
  if (values.SCAN_CONFIG_FILE === undefined) return undefined;
  let config: ScanConfig;
  try {
    config = readScanConfig(values.SCAN_CONFIG_FILE, readText);
  } catch (error) {
    if (!(error instanceof UserInputError)) throw error;
    throw new UserInputError(`environment variable SCAN_CONFIG_FILE: ${error.message}`);
  }
  for (const [variable, key] of BUNDLED_LISTS) {
    if (values[variable] !== undefined && config[key] !== undefined) {
      throw new UserInputError(
        `environment variable ${variable} is set and ${values.SCAN_CONFIG_FILE} also holds ${key}: set it in one place`,
      );
    }
  }
  return config;
}

/**
 * Validates the Lambda environment, and the bundled configuration file it names. Throws a
 * {@link UserInputError} whose message starts with the name of the first variable at fault.
 *
 * @example
 * const environment = loadLambdaEnvironment(process.env); // at module scope: once per cold start
 */
export function loadLambdaEnvironment(
  env: NodeJS.ProcessEnv,
  readText?: (file: string) => string,
): LambdaEnvironment {
  const values = readVariables(variables, env);
  const bundled = bundledLists(values, readText);
  const inBundle = (key: string) =>
    `environment variable SCAN_CONFIG_FILE: ${values.SCAN_CONFIG_FILE}: ${key}`;
  const scanRegions = values.SCAN_REGIONS?.trim();
  const ruleIds = values.RULES === undefined ? bundled?.rules : splitList(values.RULES);
  if (ruleIds !== undefined) {
    selectRules(ruleIds, values.RULES === undefined ? inBundle('rules') : 'environment variable RULES');
  }
  if (values.NOTIFY === 'changes' && values.REPORTS_BUCKET === undefined) {
    throw new UserInputError(
      'environment variable NOTIFY=changes needs REPORTS_BUCKET: changes are measured against the previous stored report',
    );
  }
  return {
    findingsTopicArn: values.FINDINGS_TOPIC_ARN,
    homeRegion: parseRegions([values.AWS_REGION], 'environment variable AWS_REGION')[0] as string,
    regions:
      scanRegions === undefined
        ? [values.AWS_REGION]
        : scanRegions.toLowerCase() === 'all'
          ? 'all'
          : parseRegions(splitList(scanRegions), 'environment variable SCAN_REGIONS'),
    ruleIds,
    allowedSourceCidrs:
      values.ALLOWED_SOURCE_CIDRS === undefined
        ? parseCidrs(bundled?.allowedSourceCidrs ?? [], inBundle('allowedSourceCidrs'))
        : parseCidrs(splitList(values.ALLOWED_SOURCE_CIDRS), 'environment variable ALLOWED_SOURCE_CIDRS'),
    approvedVpces:
      values.APPROVED_VPCES === undefined
        ? parseVpceIds(bundled?.approvedVpces ?? [], inBundle('approvedVpces'))
        : parseVpceIds(splitList(values.APPROVED_VPCES), 'environment variable APPROVED_VPCES'),
    skipDefaultVpcs: parseBoolean(
      values.SKIP_DEFAULT_VPCS ?? 'false',
      'environment variable SKIP_DEFAULT_VPCS',
    ),
    notify: values.NOTIFY,
    regionConcurrency:
      values.REGION_CONCURRENCY === undefined
        ? DEFAULT_REGION_CONCURRENCY
        : parseRegionConcurrency(values.REGION_CONCURRENCY, 'environment variable REGION_CONCURRENCY'),
    rateShare:
      values.API_RATE_SHARE === undefined
        ? DEFAULT_LAMBDA_RATE_SHARE
        : parseRateShare(values.API_RATE_SHARE, 'environment variable API_RATE_SHARE'),
    logLevel: values.LOG_LEVEL,
    deadlineMarginMs:
      1000 *
      (values.DEADLINE_MARGIN_SECONDS === undefined
        ? DEFAULT_DEADLINE_MARGIN_SECONDS
        : parsePositiveInteger(
            values.DEADLINE_MARGIN_SECONDS,
            'environment variable DEADLINE_MARGIN_SECONDS',
            840,
          )),
    reportsBucket: values.REPORTS_BUCKET,
    suppressionsFile: values.SUPPRESSIONS_FILE,
    suppressionHorizonDays:
      values.SUPPRESSION_HORIZON_DAYS === undefined
        ? DEFAULT_HORIZON_DAYS
        : parsePositiveInteger(
            values.SUPPRESSION_HORIZON_DAYS,
            'environment variable SUPPRESSION_HORIZON_DAYS',
            MAX_HORIZON_DAYS,
          ),
    tagSuppressions: parseBoolean(
      values.TAG_SUPPRESSIONS ?? 'false',
      'environment variable TAG_SUPPRESSIONS',
    ),
    securityHub: parseBoolean(values.SECURITY_HUB ?? 'false', 'environment variable SECURITY_HUB'),
    chatNotifications: parseBoolean(
      values.CHAT_NOTIFICATIONS ?? 'false',
      'environment variable CHAT_NOTIFICATIONS',
    ),
    memberRoleName: values.MEMBER_ROLE_NAME,
  };
}

/**
 * Loads and validates the deployed suppressions file against the registered rule ids. A bad file
 * fails the cold start with an error naming the variable, the file and the entry, so a broken
 * exception is caught at deploy time rather than silently muting nothing (or everything).
 *
 * @example
 * const suppressions = await loadDeployedSuppressions(environment, new Date()); // once per cold start
 */
export async function loadDeployedSuppressions(
  environment: Pick<LambdaEnvironment, 'suppressionsFile' | 'suppressionHorizonDays'>,
  now: Date,
): Promise<Suppression[] | undefined> {
  if (environment.suppressionsFile === undefined) return undefined;
  try {
    return await loadSuppressions(environment.suppressionsFile, {
      knownRuleIds: RULES.map((rule) => rule.meta.id),
      now,
      horizonDays: environment.suppressionHorizonDays,
    });
  } catch (error) {
    if (!(error instanceof UserInputError)) throw error;
    throw new UserInputError(`environment variable SUPPRESSIONS_FILE: ${error.message}`);
  }
}
