import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import pLimit from 'p-limit';
import { UserInputError } from '../model/errors.ts';
import type { AccountInventory, Inventory } from '../model/inventory.ts';
import type { AwsClients, ClientOptions } from './clients.ts';
import { DEFAULT_ACCOUNT_CONCURRENCY } from './defaults.ts';
import { describeAwsError } from './errors.ts';
import { collectLive, identifyCaller, type LiveCollection, type LiveCollectOptions } from './index.ts';
import { OrganizationReader, type OrganizationSource } from './organization.ts';

export const DEFAULT_ROLE_SESSION_NAME = 'sagemaker-compliance-scanner';

/** How the scanner reaches accounts other than its credentials' own. */
export type AccountSelection =
  | { kind: 'role'; roleArn: string }
  | { kind: 'accounts'; accountIds: string[]; roleName: string }
  | { kind: 'organization'; roleName: string; ous: string[]; excludeAccounts: string[] };

type Credentials = NonNullable<ClientOptions['credentials']>;

export interface AccountsPlan {
  selection: AccountSelection;
  externalId?: string;
  roleSessionName?: string;
  accountConcurrency?: number;
  /** The scan's own credentials (a profile), which assume the roles; the default chain when absent. */
  sourceCredentials?: Credentials;
  /** Settings for the STS client that assumes the roles (an endpoint, in tests). */
  stsConfig?: Record<string, unknown>;
  /** Clients with one account's credentials, counting their calls with the scan's counter. */
  clientsFor: (credentials: Credentials) => AwsClients;
  /** The SCP paths, when already read (an Organization run's plan); else read with the scan's credentials. */
  organization?: OrganizationSource;
}

export interface AccountsCollectOptions extends Omit<LiveCollectOptions, 'organization'> {
  plan: AccountsPlan;
}

interface Target {
  accountId: string;
  roleArn: string;
}

/** Temporary credentials, asked for once and again only when less than five minutes are left. */
function cached(provider: Credentials): Credentials {
  if (typeof provider !== 'function') return provider;
  let current: ReturnType<typeof provider> | undefined;
  return async (properties) => {
    current ??= provider(properties);
    const credentials = await current;
    if (credentials.expiration && credentials.expiration.getTime() - Date.now() < 5 * 60_000) {
      current = provider(properties);
      return current;
    }
    return credentials;
  };
}

const ROLE_ARN = /^arn:(aws[a-z-]*):iam::(\d{12}):role\/[\w+=,.@/-]{1,512}$/;

async function targetsOf(
  options: AccountsCollectOptions,
  reader: OrganizationReader,
  anchorRegion: string,
): Promise<Target[]> {
  const { selection } = options.plan;
  if (selection.kind === 'role') {
    const parsed = ROLE_ARN.exec(selection.roleArn);
    if (!parsed) {
      throw new UserInputError(
        `--role-arn ${selection.roleArn}: expected a role ARN such as arn:aws:iam::111122223333:role/Scanner`,
      );
    }
    return [{ accountId: parsed[2] as string, roleArn: selection.roleArn }];
  }
  const { partition } = await identifyCaller(options.clients, anchorRegion, options.deadline);
  const roleArn = (accountId: string) => `arn:${partition}:iam::${accountId}:role/${selection.roleName}`;
  if (selection.kind === 'accounts') {
    return selection.accountIds.map((accountId) => ({ accountId, roleArn: roleArn(accountId) }));
  }
  let accountIds: string[];
  try {
    accountIds = await reader.activeAccounts(selection.ous, selection.excludeAccounts, '--ous');
  } catch (error) {
    if (error instanceof UserInputError) throw error;
    const { code, message } = describeAwsError(error);
    throw new UserInputError(
      `--organization: could not list the accounts of the Organization (${code}: ${message}); run it with the management account's or a delegated administrator's credentials`,
    );
  }
  if (accountIds.length === 0) {
    throw new UserInputError(
      '--organization: no ACTIVE account is left to scan (check --ous and --exclude-accounts)',
    );
  }
  return accountIds.map((accountId) => ({ accountId, roleArn: roleArn(accountId) }));
}

async function collectOne(
  options: AccountsCollectOptions,
  target: Target,
  reader: OrganizationSource,
): Promise<{ account: AccountInventory; regions: string[]; complete: boolean; partition?: string }> {
  const { plan } = options;
  const credentials = cached(
    fromTemporaryCredentials({
      params: {
        RoleArn: target.roleArn,
        RoleSessionName: plan.roleSessionName ?? DEFAULT_ROLE_SESSION_NAME,
        ...(plan.externalId ? { ExternalId: plan.externalId } : {}),
      },
      ...(plan.sourceCredentials ? { masterCredentials: plan.sourceCredentials } : {}),
      clientConfig: { region: options.homeRegion, ...plan.stsConfig },
    }),
  );
  const unreadable = (code: string, message: string) => ({
    account: {
      accountId: target.accountId,
      unreadable: { roleArn: target.roleArn, code, message },
      regions: [],
    },
    regions: [],
    complete: true,
  });
  try {
    if (typeof credentials === 'function') await credentials();
  } catch (error) {
    const { code, message } = describeAwsError(error);
    return unreadable(code, `could not assume role ${target.roleArn} (sts:AssumeRole): ${message}`);
  }
  try {
    const collection = await collectLive({
      ...options,
      clients: plan.clientsFor(credentials),
      organization: reader,
    });
    const account = collection.inventory.accounts[0] as AccountInventory;
    if (account.accountId !== target.accountId) {
      return unreadable(
        'WrongAccount',
        `role ${target.roleArn} gave credentials of account ${account.accountId}, not ${target.accountId}`,
      );
    }
    return {
      account,
      regions: collection.regions,
      complete: collection.complete,
      partition: collection.inventory.partition,
    };
  } catch (error) {
    const { code, message } = describeAwsError(error);
    return unreadable(code, `with role ${target.roleArn}: ${message}`);
  }
}

/**
 * Reads every account of the plan, `accountConcurrency` at a time, each through its role and with
 * its regions in parallel as a single-account scan reads them. The SCPs are read with the scan's
 * own credentials (the management account or a delegated administrator), once for all accounts.
 * An account whose role cannot be assumed is recorded as unreadable; the others complete.
 */
export async function collectAccounts(options: AccountsCollectOptions): Promise<LiveCollection> {
  const progress = options.onProgress ?? (() => {});
  const anchorRegion =
    options.regions === 'all' ? options.homeRegion : (options.regions[0] ?? options.homeRegion);
  const reader = new OrganizationReader(options.clients.organizations(anchorRegion));
  const targets = await targetsOf(options, reader, anchorRegion);
  const limit = pLimit(options.plan.accountConcurrency ?? DEFAULT_ACCOUNT_CONCURRENCY);
  let done = 0;
  const collected = await Promise.all(
    targets.map((target) =>
      limit(async () => {
        const outcome = await collectOne(
          { ...options, onProgress: undefined, onStep: undefined },
          target,
          options.plan.organization ?? reader,
        );
        done += 1;
        progress(
          `accounts ${done}/${targets.length} done (${target.accountId}${outcome.account.unreadable ? ': unreadable' : ''})`,
        );
        return outcome;
      }),
    ),
  );
  const partition =
    collected.find((outcome) => outcome.partition)?.partition ??
    ROLE_ARN.exec(targets[0]?.roleArn ?? '')?.[1] ??
    'aws';
  const inventory: Inventory = {
    snapshotVersion: 1,
    collectedAt: (options.now ?? (() => new Date()))().toISOString(),
    partition,
    accounts: collected.map((outcome) => outcome.account),
  };
  return {
    inventory,
    regions: [...new Set(collected.flatMap((outcome) => outcome.regions))].sort(),
    complete: collected.every((outcome) => outcome.complete) && !options.deadline?.aborted,
  };
}
