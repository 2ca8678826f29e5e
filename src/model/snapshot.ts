import * as z from 'zod';
import { REGION_SECTION_IDS, SECTIONS, sectionsOfScope } from '../collect/sections/index.ts';
import type { SectionScope } from '../collect/sections/types.ts';
import { UserInputError } from './errors.ts';
import { fileKindOf } from './file-kind.ts';
import { DEFAULT_MAX_INPUT_BYTES, readInputFile } from './input-file.ts';
import type {
  AccountInventory,
  CollectionError,
  Inventory,
  InventorySection,
  RegionInventory,
} from './inventory.ts';

/** Each section's part of the file, optional: a snapshot holds what its rules needed. */
function sectionShape(scope: SectionScope): Record<string, z.ZodOptional<z.ZodType>> {
  return Object.fromEntries(
    sectionsOfScope(scope).map((section) => [section.id, section.schema.optional()] as const),
  );
}

const collectionError = z.strictObject({
  section: z.enum(['*', ...SECTIONS.map((section) => section.id)]),
  code: z.string(),
  message: z.string(),
});
const region = z.strictObject({
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'expected an AWS region name such as eu-west-1'),
  ...sectionShape('region'),
  sections: z.array(z.enum(REGION_SECTION_IDS)).optional(),
  collectionErrors: z.array(collectionError).optional(),
});

type Duplicate = { path: PropertyKey[]; message: string };

/** The items of `items` whose key an earlier item already has, each with where and what. */
function repeated(items: unknown, at: PropertyKey[], field: string, noun: string): Duplicate[] {
  const first = new Map<string, number>();
  const found: Duplicate[] = [];
  const list = Array.isArray(items) ? (items as Record<string, unknown>[]) : [];
  list.forEach((item, index) => {
    const key = String(item[field]);
    const earlier = first.get(key);
    if (earlier === undefined) first.set(key, index);
    else {
      found.push({
        path: [...at, index, field],
        message: `${noun} ${key} is listed twice (first at ${jsonPath([...at, earlier])})`,
      });
    }
  });
  return found;
}

/** The items that the sections held by `part` (an account or a region) list twice, by each section's unique keys. */
function sectionDuplicates(
  scope: SectionScope,
  part: Record<string, unknown>,
  at: PropertyKey[],
): Duplicate[] {
  return sectionsOfScope(scope).flatMap((section) =>
    (section.unique ?? []).flatMap(({ list, field, noun }) => {
      const value = part[section.id] as Record<string, unknown> | undefined;
      const items = list === undefined ? value : value?.[list];
      return repeated(items, [...at, section.id, ...(list === undefined ? [] : [list])], field, noun);
    }),
  );
}

/**
 * An account, a region, or an item of a section listed twice would be judged twice under one
 * result id, and counted twice: that is an invalid file, not two resources.
 */
function duplicates(snapshot: {
  accounts: (Record<string, unknown> & { regions: (Record<string, unknown> & { region: string })[] })[];
}): Duplicate[] {
  const found = repeated(snapshot.accounts, ['accounts'], 'accountId', 'account');
  snapshot.accounts.forEach((account, accountIndex) => {
    found.push(...sectionDuplicates('account', account, ['accounts', accountIndex]));
    const at = ['accounts', accountIndex, 'regions'];
    found.push(...repeated(account.regions, at, 'region', 'region'));
    account.regions.forEach((region, regionIndex) => {
      found.push(...sectionDuplicates('region', region, [...at, regionIndex]));
    });
  });
  return found;
}

/**
 * An SCP path that does not run from the root through OUs to its own account would have SCPs
 * judged for the wrong account: the file is invalid.
 */
function scpPathProblems(snapshot: {
  accounts: Pick<AccountInventory, 'accountId' | 'organization'>[];
}): Duplicate[] {
  const found: Duplicate[] = [];
  snapshot.accounts.forEach((account, index) => {
    const organizationOf = account.organization;
    if (organizationOf?.membership !== 'member' || organizationOf.scpPath.length === 0) return;
    const levels = organizationOf.scpPath;
    const at = ['accounts', index, 'organization', 'scpPath'];
    const last = levels.length - 1;
    levels.forEach((level, position) => {
      const expected = position === 0 ? 'ROOT' : position === last ? 'ACCOUNT' : 'ORGANIZATIONAL_UNIT';
      if (level.type !== expected) {
        found.push({
          path: [...at, position, 'type'],
          message: `expected ${expected} at this place of the path from the root to the account`,
        });
      }
    });
    if (levels[last]?.id !== account.accountId) {
      found.push({
        path: [...at, last, 'id'],
        message: `the path ends at ${levels[last]?.id}, not at the account ${account.accountId}`,
      });
    }
  });
  return found;
}

export const snapshotSchema = z
  .strictObject({
    snapshotVersion: z.literal(1),
    collectedAt: z.string(),
    partition: z.string().regex(/^aws(-[a-z]+)*$/, 'expected an AWS partition such as aws or aws-cn'),
    takenFor: z
      .strictObject({
        rules: z.array(z.string()),
        sections: z.array(z.enum(SECTIONS.map((section) => section.id))),
      })
      .optional(),
    accounts: z
      .array(
        z.strictObject({
          accountId: z.string().regex(/^\d{12}$/, 'expected a 12-digit account id'),
          unreadable: z
            .strictObject({ roleArn: z.string().optional(), code: z.string(), message: z.string() })
            .optional(),
          alias: z.string().optional(),
          aliasUnread: z.string().optional(),
          ...sectionShape('account'),
          collectionErrors: z.array(collectionError).optional(),
          regions: z.array(region),
        }),
      )
      .min(1),
  })
  .superRefine((snapshot, context) => {
    for (const duplicate of duplicates(snapshot as Parameters<typeof duplicates>[0]))
      context.addIssue({ code: 'custom', ...duplicate });
    for (const problem of scpPathProblems(snapshot as Parameters<typeof scpPathProblems>[0]))
      context.addIssue({ code: 'custom', ...problem });
  });

/** `$.accounts[0].regions[2].vpcs[5].VpcId`: where in the file a problem is. */
export function jsonPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (text, key) => (typeof key === 'number' ? `${text}[${key}]` : `${text}.${String(key)}`),
    '$',
  );
}

/** How many problems of a file one error lists: enough to fix a file in one pass, short enough to read. */
export const MAX_LISTED_PROBLEMS = 20;

/**
 * The problems of a file as one line: `at $.a: …; at $.b: …`, at most {@link MAX_LISTED_PROBLEMS} of
 * them, then how many more there are.
 */
export function listProblems(problems: readonly { where: string; message: string }[]): string {
  const listed = problems
    .slice(0, MAX_LISTED_PROBLEMS)
    .map((problem) => `${problem.where}: ${problem.message}`)
    .join('; ');
  const more = problems.length - MAX_LISTED_PROBLEMS;
  return more > 0 ? `${listed} (and ${more} more problems)` : listed;
}

/** Validates parsed JSON as a snapshot; the error names the source and every JSON path at fault (up to 20). */
export function parseSnapshot(data: unknown, source: string): Inventory {
  const parsed = snapshotSchema.safeParse(data);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => ({
      where: `at ${jsonPath(issue.path)}`,
      message: issue.message,
    }));
    throw new UserInputError(`${source}: invalid snapshot ${listProblems(problems)}`);
  }
  return parsed.data as unknown as Inventory;
}

/** The section of the inventory a problem's path lies in, if it lies in one. */
function sectionAt(
  path: readonly PropertyKey[],
): { account: number; region?: number; section: InventorySection } | undefined {
  const [top, account, part, region, section] = path;
  if (top !== 'accounts' || typeof account !== 'number') return undefined;
  const accountSection = sectionsOfScope('account').find(({ id }) => id === part);
  if (accountSection) return { account, section: accountSection.id };
  const regionSection = REGION_SECTION_IDS.find((id) => id === section);
  if (part === 'regions' && typeof region === 'number' && regionSection) {
    return { account, region, section: regionSection };
  }
  return undefined;
}

/**
 * Checks what a live collection read against the schema `scan --input` applies, before it is written
 * as evidence: a section that does not pass is left out and becomes a collection error
 * (`InvalidCollectedData`, naming every path at fault), so that scanning the file judges it ERROR,
 * as when AWS could not be read. A problem outside any section is a defect of the collector.
 */
export function checkCollected(inventory: Inventory): { inventory: Inventory; errors: string[] } {
  const parsed = snapshotSchema.safeParse(inventory);
  if (parsed.success) return { inventory, errors: [] };
  const bySection = new Map<
    string,
    { at: NonNullable<ReturnType<typeof sectionAt>>; problems: { where: string; message: string }[] }
  >();
  for (const issue of parsed.error.issues) {
    const at = sectionAt(issue.path);
    if (at === undefined)
      throw new Error(`collected inventory invalid at ${jsonPath(issue.path)}: ${issue.message}`);
    const key = `${at.account}/${at.region ?? ''}/${at.section}`;
    const entry = bySection.get(key) ?? { at, problems: [] };
    entry.problems.push({ where: `at ${jsonPath(issue.path)}`, message: issue.message });
    bySection.set(key, entry);
  }
  const checked = structuredClone(inventory);
  const errors: string[] = [];
  for (const { at, problems } of bySection.values()) {
    const account = checked.accounts[at.account] as AccountInventory;
    const error: CollectionError = {
      section: at.section,
      code: 'InvalidCollectedData',
      message: `the data read does not pass the evidence file schema, ${listProblems(problems)}`,
    };
    if (at.region === undefined) {
      delete (account as unknown as Record<string, unknown>)[at.section];
      account.collectionErrors = [...(account.collectionErrors ?? []), error];
      errors.push(`account ${account.accountId} ${at.section}: ${error.message}`);
    } else {
      const region = account.regions[at.region] as RegionInventory;
      delete (region as unknown as Record<string, unknown>)[at.section];
      region.collectionErrors = [...(region.collectionErrors ?? []), error];
      errors.push(`account ${account.accountId} ${region.region} ${at.section}: ${error.message}`);
    }
  }
  // Each pass removes a section, so this ends; a second pass sees the file-wide checks (duplicates)
  // that run only once the shapes pass.
  const next = checkCollected(checked);
  return { inventory: next.inventory, errors: [...errors, ...next.errors] };
}

/** Reads and validates an evidence file of at most `maxBytes` (checked before reading it). */
export async function loadSnapshot(path: string, maxBytes = DEFAULT_MAX_INPUT_BYTES): Promise<Inventory> {
  const text = await readInputFile(path, {
    what: 'the snapshot file',
    maxBytes,
    option: '--max-input-bytes',
  });
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new UserInputError(`${path}: not valid JSON (${(error as Error).message})`);
  }
  if (fileKindOf(data) === 'report') {
    throw new UserInputError(
      `${path}: this is a scan report, not an evidence file; give it to --baseline, and --input an evidence file written by snapshot`,
    );
  }
  return parseSnapshot(data, path);
}
