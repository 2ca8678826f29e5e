import type { AccountSelection } from '../collect/accounts.ts';
import { UserInputError } from '../model/errors.ts';
import { parsePositiveInteger, splitList } from './parse.ts';

/** The account options of `scan` and `snapshot`, as commander hands them over. */
export interface AccountFlags {
  profile?: string;
  roleArn?: string;
  externalId?: string;
  roleSessionName?: string;
  accounts?: string;
  roleName?: string;
  organization?: boolean;
  excludeAccounts?: string;
  ous?: string;
  accountConcurrency?: string;
}

export interface AccountChoice {
  profile?: string;
  /** Absent: the credentials' own account, as before. */
  selection?: AccountSelection;
  externalId?: string;
  roleSessionName?: string;
  accountConcurrency?: number;
}

export const ACCOUNT_ID = /^\d{12}$/;
/** IAM's role name and path characters (`path/Name` is allowed). */
export const ROLE_NAME = /^[\w+=,.@-]+(\/[\w+=,.@-]+)*$/;
/** STS's RoleSessionName: 2 to 64 of these characters. */
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
/** STS's ExternalId: 2 to 1224 of these characters. */
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;
/** An OU id, or the root's id (every account under it). */
export const OU_ID = /^(ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}|r-[0-9a-z]{4,32})$/;
/** AWS CLI profile names: no whitespace, no brackets. */
const PROFILE = /^[^\s[\]]+$/;

function accountIds(value: string, option: string): string[] {
  const ids = splitList(value);
  if (ids.length === 0) throw new UserInputError(`${option}: no account id given`);
  const bad = ids.find((id) => !ACCOUNT_ID.test(id));
  if (bad !== undefined) throw new UserInputError(`${option}: "${bad}" is not a 12-digit account id`);
  const repeated = ids.find((id, index) => ids.indexOf(id) !== index);
  if (repeated !== undefined) throw new UserInputError(`${option}: account ${repeated} is listed twice`);
  return ids;
}

function checked(
  value: string | undefined,
  pattern: RegExp,
  option: string,
  expected: string,
): string | undefined {
  if (value === undefined) return undefined;
  if (!pattern.test(value)) throw new UserInputError(`${option} "${value}": expected ${expected}`);
  return value;
}

/**
 * Which accounts a live scan reads and with which credentials. The options that only mean something
 * together are refused alone, so a typo cannot silently scan a different set of accounts.
 */
export function parseAccountFlags(flags: AccountFlags): AccountChoice {
  const choice: AccountChoice = {};
  const profile = checked(flags.profile, PROFILE, '--profile', 'a profile name of the AWS config files');
  if (profile) choice.profile = profile;
  const modes = [
    flags.roleArn !== undefined && '--role-arn',
    flags.accounts !== undefined && '--accounts',
    flags.organization === true && '--organization',
  ].filter((mode): mode is string => typeof mode === 'string');
  if (modes.length > 1) throw new UserInputError(`${modes.join(' and ')} exclude each other`);
  const mode = modes[0];
  if (flags.roleName !== undefined && mode !== '--accounts' && mode !== '--organization') {
    throw new UserInputError(
      '--role-name names the role to assume in each account of --accounts or --organization',
    );
  }
  for (const [value, option] of [
    [flags.excludeAccounts, '--exclude-accounts'],
    [flags.ous, '--ous'],
  ] as const) {
    if (value !== undefined && mode !== '--organization')
      throw new UserInputError(`${option} selects accounts of --organization`);
  }
  for (const [value, option] of [
    [flags.externalId, '--external-id'],
    [flags.roleSessionName, '--role-session-name'],
    [flags.accountConcurrency, '--account-concurrency'],
  ] as const) {
    if (value !== undefined && mode === undefined) {
      throw new UserInputError(`${option} applies to the roles of --role-arn, --accounts or --organization`);
    }
  }
  if (mode === undefined) return choice;
  const externalId = checked(
    flags.externalId,
    EXTERNAL_ID,
    '--external-id',
    '2 to 1224 letters, digits or +=,.@:/-_',
  );
  if (externalId) choice.externalId = externalId;
  const sessionName = checked(
    flags.roleSessionName,
    SESSION_NAME,
    '--role-session-name',
    '2 to 64 letters, digits or +=,.@-_',
  );
  if (sessionName) choice.roleSessionName = sessionName;
  if (flags.accountConcurrency !== undefined) {
    choice.accountConcurrency = parsePositiveInteger(flags.accountConcurrency, '--account-concurrency', 256);
  }
  if (mode === '--role-arn') {
    choice.selection = { kind: 'role', roleArn: flags.roleArn as string };
    return choice;
  }
  if (flags.roleName === undefined)
    throw new UserInputError(`${mode} needs --role-name, the role to assume in each account`);
  const roleName = checked(
    flags.roleName,
    ROLE_NAME,
    '--role-name',
    'an IAM role name such as SageMakerComplianceScanner',
  ) as string;
  if (mode === '--accounts') {
    choice.selection = {
      kind: 'accounts',
      accountIds: accountIds(flags.accounts as string, '--accounts'),
      roleName,
    };
    return choice;
  }
  const ous = flags.ous === undefined ? [] : splitList(flags.ous);
  if (flags.ous !== undefined && ous.length === 0) throw new UserInputError('--ous: no OU id given');
  const badOu = ous.find((ou) => !OU_ID.test(ou));
  if (badOu !== undefined)
    throw new UserInputError(`--ous: "${badOu}" is not an OU id (ou-ab12-cd34ef56) or root id (r-ab12)`);
  choice.selection = {
    kind: 'organization',
    roleName,
    ous,
    excludeAccounts:
      flags.excludeAccounts === undefined ? [] : accountIds(flags.excludeAccounts, '--exclude-accounts'),
  };
  return choice;
}
