import * as z from 'zod';
import { UserInputError } from '../model/errors.ts';
import { readInputFile } from '../model/input-file.ts';
import { jsonPath, listProblems } from '../model/snapshot.ts';
import { Glob } from './glob.ts';

export const DEFAULT_HORIZON_DAYS = 365;

/** Thousands of reviewed exceptions fit in far less; anything larger is not a suppressions file. */
const SUPPRESSIONS_MAX_BYTES = 16 * 1024 * 1024;

const DAY_MS = 86_400_000;

/**
 * The first instant at which an exception dated `expires` (`YYYY-MM-DD`, UTC) no longer applies, or
 * undefined when the text is not a calendar date (`Date` would roll 2027-02-30 over to March).
 */
export function expiryOf(expires: string): Date | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(expires)) return undefined;
  const expiresAt = new Date(`${expires}T00:00:00Z`);
  return !Number.isNaN(expiresAt.getTime()) && expiresAt.toISOString().startsWith(expires)
    ? expiresAt
    : undefined;
}

/** Why an expiry is too far ahead to accept, or undefined when it is within the review horizon. */
export function beyondHorizon(expiresAt: Date, now: Date, horizonDays: number): string | undefined {
  return expiresAt.getTime() > now.getTime() + horizonDays * DAY_MS
    ? `${expiresAt.toISOString().slice(0, 10)} is more than ${horizonDays} days ahead`
    : undefined;
}

const entrySchema = z.strictObject({
  rule: z.string().min(1),
  accounts: z.array(z.string().min(1)).min(1).optional(),
  regions: z.array(z.string().min(1)).min(1).optional(),
  resources: z.array(z.string().min(1)).min(1).optional(),
  reason: z.string().trim().min(1, 'a reason is required'),
  expires: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date YYYY-MM-DD (UTC)')
    .refine((value) => expiryOf(value) !== undefined, 'not a calendar date'),
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
  matchers: { accounts?: Glob[]; regions?: Glob[]; resources?: Glob[] };
}

export interface SuppressionOptions {
  knownRuleIds: readonly string[];
  now: Date;
  horizonDays?: number;
}

export interface LoadOptions extends SuppressionOptions {
  /**
   * The YAML parser, given by the callers that read YAML (the CLI, the CDK app). The function reads
   * the JSON file the stack ships, so its bundle leaves the parser out.
   */
  parseYaml?: (text: string) => unknown;
}

/**
 * Validates a parsed suppressions file. Every problem names the source and the entry
 * (`suppressions[3].expires`), so the reviewer of the change can find it.
 */
export function parseSuppressions(data: unknown, source: string, options: SuppressionOptions): Suppression[] {
  const parsed = suppressionsFileSchema.safeParse(data);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => ({
      where: `at ${jsonPath(issue.path)}`,
      message: issue.message,
    }));
    throw new UserInputError(`${source}: invalid suppressions ${listProblems(problems)}`);
  }
  const horizon = options.horizonDays ?? DEFAULT_HORIZON_DAYS;
  const problems: { where: string; message: string }[] = [];
  const suppressions = parsed.data.suppressions.map((entry, index) => {
    const where = `suppressions[${index}]`;
    if (entry.rule !== '*' && !options.knownRuleIds.includes(entry.rule)) {
      problems.push({
        where: `${where}.rule`,
        message: `unknown rule id "${entry.rule}" (known: ${options.knownRuleIds.join(', ')}, or *)`,
      });
    }
    const narrower = (['accounts', 'regions', 'resources'] as const).filter((field) =>
      entry[field]?.some((pattern) => pattern !== '*'),
    );
    if (entry.rule === '*' && narrower.length === 0) {
      problems.push({
        where,
        message:
          'rule "*" with no account, region or resource narrower than "*" would mute every finding and switch the scanner off; name a rule or narrow the entry',
      });
    }
    const expiresAt = expiryOf(entry.expires) as Date;
    const tooFar = beyondHorizon(expiresAt, options.now, horizon);
    if (tooFar) {
      problems.push({
        where: `${where}.expires`,
        message: `${tooFar}; exceptions must be reviewed at least that often`,
      });
    }
    const compile = (patterns?: string[]) => patterns?.map((pattern) => new Glob(pattern));
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
  if (problems.length > 0) throw new UserInputError(`${source}: ${listProblems(problems)}`);
  return suppressions;
}

/** Reads a JSON or YAML (by extension `.yaml`/`.yml`, with `parseYaml`) suppressions file. */
export async function loadSuppressions(path: string, options: LoadOptions): Promise<Suppression[]> {
  const yaml = /\.ya?ml$/i.test(path);
  const { parseYaml } = options;
  if (yaml && parseYaml === undefined) {
    throw new UserInputError(
      `${path}: a YAML suppressions file is read by the CLI and the CDK app; here give the JSON file the stack ships`,
    );
  }
  const text = await readInputFile(path, { what: 'the suppressions file', maxBytes: SUPPRESSIONS_MAX_BYTES });
  let data: unknown;
  try {
    data = yaml && parseYaml ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    throw new UserInputError(
      `${path}: not valid ${yaml ? 'YAML' : 'JSON'} (${(error as Error).message.split('\n')[0]})`,
    );
  }
  return parseSuppressions(data, path, options);
}
