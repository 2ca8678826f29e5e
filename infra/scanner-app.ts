import { Annotations, type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, NIST80053R5Checks, ServerlessChecks } from 'cdk-nag';
import { LOG_LEVELS, NOTIFY_MODES } from '../src/config/env.ts';
import { ScannerStack, type ScannerStackProps } from './scanner-stack.ts';
import { loadSettings, SETTING_KEYS } from './settings.ts';
import { readSettingsLock, removalsBetween, writeSettingsLock } from './settings-lock.ts';
import { emailProblem } from './validate.ts';

export const STACK_NAME = 'SageMakerComplianceScanner';

/**
 * Builds the scanner stack from `-c key=value` context and registers the cdk-nag AwsSolutions,
 * Serverless and NIST 800-53 rev 5 packs, so synthesis fails on any finding that is not
 * acknowledged in code.
 *
 * Context keys: `settingsFile` (a JSON or YAML file with the keys below, instead of them), `alertEmails`, `operationsEmails`, `schedule`, `timeZone`, `regions` (`all` or a comma list), `rules`,
 * `allowedSourceCidrs`, `skipDefaultVpcs`, `notify`, `regionConcurrency`, `apiRateShare`, `logLevel`,
 * `reservedConcurrency` (a number or `off`), `suppressionsFile`, `tagSuppressions`, `suppressionHorizonDays`,
 * `reportRetentionDays`, `securityHub`, `chatNotifications`. Comma lists may also be JSON arrays (from cdk.json).
 * `settingsLock` names the file that records what the last synth deployed, and `allowRemovals=true`
 * lets one synth remove subscriptions or suppressions that file records.
 *
 * @example
 * configureApp(new App()); // npx cdk deploy -c alertEmails=secops@example.com
 */
export function configureApp(app: App): ScannerStack {
  const read = (key: string) => app.node.tryGetContext(key);
  const stack = new ScannerStack(app, STACK_NAME, propsFromContext(read));
  Validations.of(app).addPlugins(
    new AwsSolutionsChecks(app),
    new ServerlessChecks(app),
    new NIST80053R5Checks(app),
  );
  guardRemovals(stack, read);
  return stack;
}

/**
 * Synthesizes the app and then records what it deploys in the settings lock file (context key
 * `settingsLock`), so the next synth can tell what it would remove. After synthesis, so that an
 * app that does not synthesize records nothing.
 *
 * @example
 * synthesizeApp(new App()); // what `npx cdk deploy` runs, through infra/app.ts
 */
export function synthesizeApp(app: App): ScannerStack {
  const stack = configureApp(app);
  app.synth();
  const lockFile = text((key) => app.node.tryGetContext(key), 'settingsLock');
  if (lockFile !== undefined) writeSettingsLock(lockFile, stack.settingsRecord);
  return stack;
}

/**
 * The settings lock holds the subscriptions and suppressions of the last synthesized deployment:
 * the only record of what is deployed that synth can read offline. Removing any of them (an email
 * left out of `-c alertEmails`, a deleted suppression) stops synthesis unless `allowRemovals` is
 * true, and even then the synth output says what goes.
 */
function guardRemovals(stack: ScannerStack, read: (key: string) => unknown): void {
  const lockFile = text(read, 'settingsLock');
  const previous = lockFile === undefined ? undefined : readSettingsLock(lockFile);
  if (previous === undefined) return;
  const removals = removalsBetween(previous, stack.settingsRecord);
  if (removals.length === 0) return;
  const what = `THIS DEPLOY REMOVES ${removals.length} ${removals.length === 1 ? 'THING' : 'THINGS'} THAT ${lockFile} RECORDS AS DEPLOYED:\n${removals.map((removal) => `  - ${removal}`).join('\n')}`;
  if (flag(read, 'allowRemovals') !== true) {
    throw new Error(
      `${what}\nPut them back in the settings, or run again with -c allowRemovals=true if removing them is intended.`,
    );
  }
  Annotations.of(stack).addWarningV2('scanner:removals', `${what}\n(allowed by -c allowRemovals=true)`);
}

/**
 * Reads and validates the deployment choices; a bad value stops synthesis with its key named. With
 * `settingsFile` (best in `cdk.json`, committed), every choice comes from that file and none may
 * also be given as context: a `-c` value that the next deploy lacks would silently undo it.
 */
export function propsFromContext(read: (key: string) => unknown): ScannerStackProps {
  const settingsFile = text(read, 'settingsFile');
  if (settingsFile !== undefined) {
    const alsoInContext = SETTING_KEYS.filter((key) => read(key) !== undefined);
    if (alsoInContext.length > 0) {
      throw new Error(
        `${alsoInContext.join(', ')}: set in ${settingsFile} instead of as context, so that the next deploy keeps it`,
      );
    }
    return loadSettings(settingsFile);
  }
  const alertEmails = list(read, 'alertEmails');
  const badEmail = alertEmails?.map(emailProblem).find((problem) => problem !== undefined);
  if (badEmail !== undefined) throw new Error(`alertEmails: ${badEmail}`);
  const regions = list(read, 'regions');
  return {
    alertEmails,
    operationsEmails: list(read, 'operationsEmails'),
    schedule: text(read, 'schedule'),
    timeZone: text(read, 'timeZone'),
    regions: regions?.length === 1 && regions[0] === 'all' ? 'all' : regions,
    rules: list(read, 'rules'),
    allowedSourceCidrs: list(read, 'allowedSourceCidrs'),
    approvedVpces: list(read, 'approvedVpces'),
    skipDefaultVpcs: flag(read, 'skipDefaultVpcs'),
    notify: oneOf(read, 'notify', NOTIFY_MODES),
    regionConcurrency: read('regionConcurrency') === 'all' ? 'all' : count(read, 'regionConcurrency'),
    apiRateShare: share(read, 'apiRateShare'),
    logLevel: oneOf(read, 'logLevel', LOG_LEVELS),
    reservedConcurrency: concurrency(read, 'reservedConcurrency'),
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

function share(read: (key: string) => unknown, key: string): number | undefined {
  const value = read(key);
  if (value === undefined) return undefined;
  const parsed = typeof value === 'number' ? value : Number(value);
  if (!(parsed > 0 && parsed <= 1)) {
    throw new Error(`${key}: expected a share above 0 and at most 1, got ${JSON.stringify(value)}`);
  }
  return parsed;
}

function concurrency(read: (key: string) => unknown, key: string): number | 'off' | undefined {
  if (read(key) === 'off') return 'off';
  try {
    return count(read, key);
  } catch {
    throw new Error(
      `${key}: expected a whole number of at least 1, or off, got ${JSON.stringify(read(key))}`,
    );
  }
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
