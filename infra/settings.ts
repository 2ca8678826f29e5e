import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { LOG_LEVELS, NOTIFY_MODES } from '../src/config/env.ts';
import { UserInputError } from '../src/model/errors.ts';
import { jsonPath } from '../src/model/snapshot.ts';
import type { ScannerStackProps } from './scanner-stack.ts';

const YAML_FILE = /\.ya?ml$/i;

const count = z.number().int().min(1);
const names = z.array(z.string().min(1)).min(1);

/**
 * The deployment's settings file: the same keys as the `-c` context values, typed. Unknown keys are
 * refused, so a misspelt `alertEmail` cannot silently drop every subscription.
 */
export const settingsSchema = z
  .strictObject({
    alertEmails: z.array(z.string()),
    operationsEmails: z.array(z.string()),
    schedule: z.string(),
    timeZone: z.string(),
    regions: z.union([z.literal('all'), names]),
    rules: names,
    allowedSourceCidrs: z.array(z.string()),
    approvedVpces: z.array(z.string()),
    skipDefaultVpcs: z.boolean(),
    notify: z.enum(NOTIFY_MODES),
    regionConcurrency: z.union([count.max(64), z.literal('all')]),
    apiRateShare: z.number().gt(0).max(1),
    logLevel: z.enum(LOG_LEVELS),
    reservedConcurrency: z.union([count, z.literal('off')]),
    suppressionsFile: z.string().min(1),
    tagSuppressions: z.boolean(),
    suppressionHorizonDays: count,
    reportRetentionDays: count,
  })
  .partial();

/** Every deployment setting, by the name it has in the settings file and as a context key. */
export const SETTING_KEYS = Object.keys(settingsSchema.shape) as (keyof ScannerStackProps)[];

/**
 * Reads and validates the settings file (JSON, or YAML by extension). A `suppressionsFile` in it is
 * relative to the settings file, so the pair can live anywhere in the deployer's repository.
 *
 * @example
 * loadSettings('deploy/scanner.yaml'); // { alertEmails: ['secops@example.com'], … }
 */
export function loadSettings(file: string): ScannerStackProps {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UserInputError(`settingsFile: cannot read ${file} (${(error as NodeJS.ErrnoException).code})`);
  }
  const format = YAML_FILE.test(file) ? 'YAML' : 'JSON';
  let data: unknown;
  try {
    data = format === 'YAML' ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    throw new UserInputError(`${file}: not valid ${format} (${(error as Error).message.split('\n')[0]})`);
  }
  const parsed = settingsSchema.safeParse(data ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const keys = issue?.code === 'unrecognized_keys' ? ` (${issue.keys.join(', ')})` : '';
    throw new UserInputError(`${file}: ${jsonPath(issue?.path ?? [])}: ${issue?.message}${keys}`);
  }
  const settings = parsed.data;
  return settings.suppressionsFile === undefined
    ? settings
    : { ...settings, suppressionsFile: resolve(dirname(file), settings.suppressionsFile) };
}
