import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { LOG_LEVELS, NOTIFY_MODES } from '../src/config/env.ts';
import { ScannerStack, type ScannerStackProps } from './scanner-stack.ts';

export const STACK_NAME = 'SageMakerComplianceScanner';

const EMAIL = /^[^\s@,]+@[^\s@,]+\.[^\s@,]+$/;

/**
 * Builds the scanner stack from `-c key=value` context and registers the cdk-nag AwsSolutions
 * pack, so synthesis fails on any finding that is not acknowledged in code.
 *
 * Context keys: `alertEmails`, `schedule`, `timeZone`, `regions` (`all` or a comma list), `rules`,
 * `allowedSourceCidrs`, `skipDefaultVpcs`, `notify`, `regionConcurrency`, `logLevel`,
 * `reservedConcurrency`, `suppressionsFile`, `tagSuppressions`, `suppressionHorizonDays`,
 * `reportRetentionDays`, `securityHub`, `chatNotifications`. Comma lists may also be JSON arrays (from cdk.json).
 *
 * @example
 * configureApp(new App()); // npx cdk deploy -c alertEmails=secops@example.com
 */
export function configureApp(app: App): ScannerStack {
  const stack = new ScannerStack(
    app,
    STACK_NAME,
    propsFromContext((key) => app.node.tryGetContext(key)),
  );
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return stack;
}

/** Reads and validates the deployment choices; a bad value stops synthesis with its key named. */
export function propsFromContext(read: (key: string) => unknown): ScannerStackProps {
  const alertEmails = list(read, 'alertEmails');
  const badEmail = alertEmails?.find((email) => !EMAIL.test(email));
  if (badEmail !== undefined) throw new Error(`alertEmails: "${badEmail}" is not an email address`);
  const regions = list(read, 'regions');
  return {
    alertEmails,
    schedule: text(read, 'schedule'),
    timeZone: text(read, 'timeZone'),
    regions: regions?.length === 1 && regions[0] === 'all' ? 'all' : regions,
    rules: list(read, 'rules'),
    allowedSourceCidrs: list(read, 'allowedSourceCidrs'),
    skipDefaultVpcs: flag(read, 'skipDefaultVpcs'),
    notify: oneOf(read, 'notify', NOTIFY_MODES),
    regionConcurrency: count(read, 'regionConcurrency'),
    logLevel: oneOf(read, 'logLevel', LOG_LEVELS),
    reservedConcurrency: count(read, 'reservedConcurrency'),
    suppressionsFile: text(read, 'suppressionsFile'),
    tagSuppressions: flag(read, 'tagSuppressions'),
    securityHub: flag(read, 'securityHub'),
    chatNotifications: flag(read, 'chatNotifications'),
    suppressionHorizonDays: count(read, 'suppressionHorizonDays'),
    reportRetentionDays: count(read, 'reportRetentionDays'),
  };
}

function text(read: (key: string) => unknown, key: string): string | undefined {
  const value = read(key);
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw new Error(`${key}: expected a string, got ${JSON.stringify(value)}`);
  return value.trim();
}

function list(read: (key: string) => unknown, key: string): string[] | undefined {
  const value = read(key);
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value;
  const raw = text(read, key);
  if (raw === undefined) return undefined;
  return raw
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function flag(read: (key: string) => unknown, key: string): boolean | undefined {
  const value = read(key);
  if (value === undefined || typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  throw new Error(`${key}: expected true or false, got ${JSON.stringify(value)}`);
}

function count(read: (key: string) => unknown, key: string): number | undefined {
  const value = read(key);
  if (value === undefined) return undefined;
  const parsed = typeof value === 'number' ? value : Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) {
    throw new Error(`${key}: expected a whole number of at least 1, got ${JSON.stringify(value)}`);
  }
  return parsed;
}

function oneOf<T extends string>(
  read: (key: string) => unknown,
  key: string,
  allowed: readonly T[],
): T | undefined {
  const value = text(read, key);
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new Error(`${key}: expected one of ${allowed.join(', ')}, got "${value}"`);
  }
  return value as T;
}
