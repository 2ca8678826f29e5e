import { UserInputError } from '../model/errors.ts';
import { ACCOUNT_ID, OU_ID } from './accounts.ts';
import { LOG_LEVELS, type LogLevel } from './env.ts';
import { parseBoolean, parseRegions, splitList } from './parse.ts';

/**
 * The environment variables of the Organization mode's Lambdas, named once so that the stack that
 * sets them and the handlers that read them cannot drift apart.
 */
export const ORGANIZATION_VARIABLES = {
  /** The member role's name in every account (`arn:<partition>:iam::<id>:role/<name>`); scan Lambda. */
  memberRoleName: 'MEMBER_ROLE_NAME',
  /** Comma-separated OU or root ids: only the accounts under them are planned; plan Lambda. */
  ous: 'ORGANIZATION_OUS',
  /** Comma-separated account ids left out of the plan; plan Lambda. */
  excludeAccounts: 'EXCLUDE_ACCOUNTS',
} as const;

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z]{2}(-[a-z]+)+-\d+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/;

/** Empty variables count as unset, as for the scan Lambda. */
function variable(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function required(env: NodeJS.ProcessEnv, name: string, why: string): string {
  const value = variable(env, name);
  if (value === undefined) throw new UserInputError(`environment variable ${name} is not set: ${why}`);
  return value;
}

function homeRegion(env: NodeJS.ProcessEnv): string {
  const region = required(env, 'AWS_REGION', 'the Lambda runtime always sets it');
  return parseRegions([region], 'environment variable AWS_REGION')[0] as string;
}

function reportsBucket(env: NodeJS.ProcessEnv): string {
  const bucket = required(env, 'REPORTS_BUCKET', 'the run keeps its plan, results and digest there');
  if (!BUCKET.test(bucket)) {
    throw new UserInputError(
      'environment variable REPORTS_BUCKET is not an S3 bucket name (3 to 63 lower-case letters, digits, dots and hyphens)',
    );
  }
  return bucket;
}

function logLevel(env: NodeJS.ProcessEnv): LogLevel {
  const level = (variable(env, 'LOG_LEVEL') ?? 'INFO').toUpperCase();
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new UserInputError(`environment variable LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  }
  return level as LogLevel;
}

function listOf(env: NodeJS.ProcessEnv, name: string, pattern: RegExp, expected: string): string[] {
  const value = variable(env, name);
  if (value === undefined) return [];
  const items = splitList(value);
  const bad = items.find((item) => !pattern.test(item));
  if (bad !== undefined)
    throw new UserInputError(`environment variable ${name}: "${bad}" is not ${expected}`);
  return [...new Set(items)];
}

/** The `plan` Lambda's configuration. */
export interface PlanEnvironment {
  homeRegion: string;
  reportsBucket: string;
  /** OU or root ids; empty: the whole Organization. */
  ous: string[];
  excludeAccounts: string[];
  logLevel: LogLevel;
}

/**
 * Validates the `plan` Lambda's environment; a bad value is a {@link UserInputError} naming the variable.
 *
 * @example const environment = loadPlanEnvironment(process.env); // at module scope
 */
export function loadPlanEnvironment(env: NodeJS.ProcessEnv): PlanEnvironment {
  return {
    homeRegion: homeRegion(env),
    reportsBucket: reportsBucket(env),
    ous: listOf(env, ORGANIZATION_VARIABLES.ous, OU_ID, 'an OU id (ou-ab12-cd34ef56) or root id (r-ab12)'),
    excludeAccounts: listOf(env, ORGANIZATION_VARIABLES.excludeAccounts, ACCOUNT_ID, 'a 12-digit account id'),
    logLevel: logLevel(env),
  };
}

/** The `aggregate` Lambda's configuration. */
export interface AggregateEnvironment {
  homeRegion: string;
  reportsBucket: string;
  findingsTopicArn: string;
  /** HTTPS subscribers (Amazon Q Developer in chat applications) get the chat digest. */
  chatNotifications: boolean;
  logLevel: LogLevel;
}

/**
 * Validates the `aggregate` Lambda's environment; a bad value is a {@link UserInputError} naming the variable.
 *
 * @example const environment = loadAggregateEnvironment(process.env); // at module scope
 */
export function loadAggregateEnvironment(env: NodeJS.ProcessEnv): AggregateEnvironment {
  const findingsTopicArn = required(env, 'FINDINGS_TOPIC_ARN', 'the digest is published there');
  if (!TOPIC_ARN.test(findingsTopicArn)) {
    throw new UserInputError(
      'environment variable FINDINGS_TOPIC_ARN is not an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>)',
    );
  }
  return {
    homeRegion: homeRegion(env),
    reportsBucket: reportsBucket(env),
    findingsTopicArn,
    chatNotifications: parseBoolean(
      variable(env, 'CHAT_NOTIFICATIONS') ?? 'false',
      'environment variable CHAT_NOTIFICATIONS',
    ),
    logLevel: logLevel(env),
  };
}
