import * as z from 'zod';
import { UserInputError } from '../model/errors.ts';
import { ACCOUNT_ID, OU_ID } from './accounts.ts';
import {
  AWS_REGION_VARIABLE,
  BUCKET_VARIABLE,
  LOG_LEVEL_VARIABLE,
  type LogLevel,
  readVariables,
  requiredVariable,
  TOPIC_ARN_VARIABLE,
} from './env.ts';
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

const REPORTS_BUCKET = requiredVariable('the run keeps its plan, results and digest there').pipe(
  BUCKET_VARIABLE,
);

/** The variable's comma-separated items, each matching `pattern`, without repeats; none when unset. */
function listOf(value: string | undefined, name: string, pattern: RegExp, expected: string): string[] {
  if (value === undefined) return [];
  const items = splitList(value);
  const bad = items.find((item) => !pattern.test(item));
  if (bad !== undefined)
    throw new UserInputError(`environment variable ${name}: "${bad}" is not ${expected}`);
  return [...new Set(items)];
}

function homeRegion(region: string): string {
  return parseRegions([region], 'environment variable AWS_REGION')[0] as string;
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
  const { ous, excludeAccounts } = ORGANIZATION_VARIABLES;
  const values = readVariables(
    z.object({
      AWS_REGION: AWS_REGION_VARIABLE,
      REPORTS_BUCKET,
      [ous]: z.string().optional(),
      [excludeAccounts]: z.string().optional(),
      LOG_LEVEL: LOG_LEVEL_VARIABLE,
    }),
    env,
  );
  return {
    homeRegion: homeRegion(values.AWS_REGION),
    reportsBucket: values.REPORTS_BUCKET,
    ous: listOf(values[ous], ous, OU_ID, 'an OU id (ou-ab12-cd34ef56) or root id (r-ab12)'),
    excludeAccounts: listOf(values[excludeAccounts], excludeAccounts, ACCOUNT_ID, 'a 12-digit account id'),
    logLevel: values.LOG_LEVEL,
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
  const values = readVariables(
    z.object({
      FINDINGS_TOPIC_ARN: requiredVariable('the digest is published there').pipe(TOPIC_ARN_VARIABLE),
      AWS_REGION: AWS_REGION_VARIABLE,
      REPORTS_BUCKET,
      CHAT_NOTIFICATIONS: z.string().optional(),
      LOG_LEVEL: LOG_LEVEL_VARIABLE,
    }),
    env,
  );
  return {
    homeRegion: homeRegion(values.AWS_REGION),
    reportsBucket: values.REPORTS_BUCKET,
    findingsTopicArn: values.FINDINGS_TOPIC_ARN,
    chatNotifications: parseBoolean(
      values.CHAT_NOTIFICATIONS ?? 'false',
      'environment variable CHAT_NOTIFICATIONS',
    ),
    logLevel: values.LOG_LEVEL,
  };
}
