import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { UserInputError } from '../model/errors.ts';
import { jsonPath } from '../model/snapshot.ts';
import { globToRegExp } from './glob.ts';

export const DEFAULT_HORIZON_DAYS = 365;

const DATE = /^\d{4}-\d{2}-\d{2}$/;

const entrySchema = z.strictObject({
  rule: z.string().min(1),
  accounts: z.array(z.string().min(1)).min(1).optional(),
  regions: z.array(z.string().min(1)).min(1).optional(),
  resources: z.array(z.string().min(1)).min(1).optional(),
  reason: z.string().trim().min(1, 'a reason is required'),
  expires: z
    .string()
    .regex(DATE, 'expected a date YYYY-MM-DD (UTC)')
    .refine(
      (value) =>
        !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) &&
        new Date(`${value}T00:00:00Z`).toISOString().startsWith(value),
      'not a calendar date',
    ),
  owner: z.string().min(1).optional(),
});

export const suppressionsFileSchema = z.strictObject({
  version: z.literal(1),
  suppressions: z.array(entrySchema),
});

export type SuppressionEntry = z.infer<typeof entrySchema>;

/** A validated entry, with its position in the file (the `entry` that muted results cite). */
export interface Suppression extends SuppressionEntry {
  entry: number;
  /** The first instant (UTC midnight of `expires`) at which the entry no longer applies. */
  expiresAt: Date;
  matchers: { accounts?: RegExp[]; regions?: RegExp[]; resources?: RegExp[] };
}

export interface SuppressionOptions {
  knownRuleIds: readonly string[];
  now: Date;
  horizonDays?: number;
}

const DAY_MS = 86_400_000;

/**
 * Validates a parsed suppressions file. Every problem names the source and the entry
 * (`suppressions[3].expires`), so the reviewer of the change can find it.
 */
export function parseSuppressions(data: unknown, source: string, options: SuppressionOptions): Suppression[] {
  const parsed = suppressionsFileSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UserInputError(
      `${source}: invalid suppressions at ${jsonPath(issue?.path ?? [])}: ${issue?.message}`,
    );
  }
  const horizon = options.horizonDays ?? DEFAULT_HORIZON_DAYS;
  const latest = new Date(options.now.getTime() + horizon * DAY_MS);
  return parsed.data.suppressions.map((entry, index) => {
    const where = `${source}: suppressions[${index}]`;
    if (entry.rule !== '*' && !options.knownRuleIds.includes(entry.rule)) {
      throw new UserInputError(
        `${where}.rule: unknown rule id "${entry.rule}" (known: ${options.knownRuleIds.join(', ')}, or *)`,
      );
    }
    const expiresAt = new Date(`${entry.expires}T00:00:00Z`);
    if (expiresAt > latest) {
      throw new UserInputError(
        `${where}.expires: ${entry.expires} is more than ${horizon} days ahead; exceptions must be reviewed at least that often`,
      );
    }
    const compile = (patterns?: string[]) => patterns?.map(globToRegExp);
    return {
      ...entry,
      entry: index,
      expiresAt,
      matchers: {
        accounts: compile(entry.accounts),
        regions: compile(entry.regions),
        resources: compile(entry.resources),
      },
    };
  });
}

/** Reads a JSON or YAML (by extension `.yaml`/`.yml`) suppressions file. */
export async function loadSuppressions(path: string, options: SuppressionOptions): Promise<Suppression[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UserInputError(
      `${path}: cannot read the suppressions file (${(error as NodeJS.ErrnoException).code})`,
    );
  }
  let data: unknown;
  try {
    data = /\.ya?ml$/i.test(path) ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    throw new UserInputError(
      `${path}: not valid ${/\.ya?ml$/i.test(path) ? 'YAML' : 'JSON'} (${(error as Error).message.split('\n')[0]})`,
    );
  }
  return parseSuppressions(data, path, options);
}
