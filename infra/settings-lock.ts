import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { UserInputError } from '../src/model/errors.ts';
import { jsonPath } from '../src/model/snapshot.ts';
import type { SuppressionEntry } from '../src/suppress/suppressions.ts';

/** What a suppression mutes; its reason, owner and expiry may change without removing it. */
export type SuppressionScope = Pick<SuppressionEntry, 'rule' | 'accounts' | 'regions' | 'resources'>;

/**
 * What a deployment delivers to and mutes: the email subscriptions of both topics and the
 * suppressions. The last synthesized one is kept in the settings lock file, so the next synth can
 * tell what it would take away.
 */
export interface SettingsRecord {
  alertEmails: string[];
  operationsEmails: string[];
  suppressions: SuppressionScope[];
  tagSuppressions: boolean;
}

const names = z.array(z.string().min(1)).min(1).optional();

const lockSchema = z.strictObject({
  version: z.literal(1),
  comment: z.string().optional(),
  alertEmails: z.array(z.string()),
  operationsEmails: z.array(z.string()),
  suppressions: z.array(
    z.strictObject({ rule: z.string().min(1), accounts: names, regions: names, resources: names }),
  ),
  tagSuppressions: z.boolean(),
});

const COMMENT =
  'Written by cdk synth: the subscriptions and suppressions of the last synthesized deployment. Commit it with the settings; a synth that would remove any of them fails without -c allowRemovals=true.';

function scopeOf({ rule, accounts, regions, resources }: SuppressionScope): SuppressionScope {
  return {
    rule,
    ...(accounts === undefined ? {} : { accounts }),
    ...(regions === undefined ? {} : { regions }),
    ...(resources === undefined ? {} : { resources }),
  };
}

const scopeKey = (scope: SuppressionScope) => JSON.stringify(scopeOf(scope));
const sorted = (values: readonly string[]) => [...new Set(values)].sort();

/** The record of a deployment with these emails and suppressions, in a stable order. */
export function settingsRecord(
  settings: { alertEmails?: string[]; operationsEmails?: string[]; tagSuppressions?: boolean },
  suppressions: readonly SuppressionScope[],
): SettingsRecord {
  const scopes = new Map(suppressions.map((entry) => [scopeKey(entry), scopeOf(entry)]));
  return {
    alertEmails: sorted(settings.alertEmails ?? []),
    operationsEmails: sorted(settings.operationsEmails ?? []),
    suppressions: [...scopes.keys()].sort().map((key) => scopes.get(key) as SuppressionScope),
    tagSuppressions: settings.tagSuppressions ?? false,
  };
}

/**
 * Reads the settings lock file; undefined when there is none yet (the first synth). A file that
 * is there but unreadable or malformed stops synthesis: without it, removals would go unnoticed.
 */
export function readSettingsLock(file: string): SettingsRecord | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw new UserInputError(`settingsLock: cannot read ${file} (${code})`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new UserInputError(`${file}: not valid JSON (${(error as Error).message})`);
  }
  const parsed = lockSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UserInputError(
      `${file}: ${jsonPath(issue?.path ?? [])}: ${issue?.message}; restore it from version control`,
    );
  }
  const { comment: _comment, version: _version, ...record } = parsed.data;
  return record;
}

/** Writes the record unless the file already says the same; a rename, so a crash leaves no half file. */
export function writeSettingsLock(file: string, record: SettingsRecord): void {
  const text = `${JSON.stringify({ version: 1, comment: COMMENT, ...record }, null, 2)}\n`;
  try {
    if (readFileSync(file, 'utf8') === text) return;
  } catch {
    // No lock yet: write the first one.
  }
  const partial = `${file}.${process.pid}.tmp`;
  writeFileSync(partial, text);
  renameSync(partial, file);
}

/** Each subscription or suppression of `previous` that `next` no longer has, in words. */
export function removalsBetween(previous: SettingsRecord, next: SettingsRecord): string[] {
  const gone = (before: readonly string[], after: readonly string[]) =>
    before.filter((value) => !after.includes(value));
  const nextScopes = new Set(next.suppressions.map(scopeKey));
  return [
    ...gone(previous.alertEmails, next.alertEmails).map(
      (email) => `the findings email subscription of ${email}`,
    ),
    ...gone(previous.operationsEmails, next.operationsEmails).map(
      (email) => `the alarms email subscription of ${email}`,
    ),
    ...previous.suppressions
      .filter((scope) => !nextScopes.has(scopeKey(scope)))
      .map((scope) => `the suppression ${scopeKey(scope)}`),
    ...(previous.tagSuppressions && !next.tagSuppressions
      ? ['tagSuppressions (every sagemaker-compliance:suppress tag stops muting)']
      : []),
  ];
}
