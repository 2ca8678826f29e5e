import {
  type AccountInventory,
  findCollectionError,
  type ScpLevel,
  type ServiceControlPolicy,
} from '../model/inventory.ts';
import type { ScpLevelRefs, StatementRef } from './evaluate.ts';
import { compilePolicy } from './policy.ts';
import type { AccountTarget } from './request.ts';

/** One SCP the verdict took into account, and where it is attached. */
export interface ScpConsidered {
  target: string;
  policyId: string;
  policyName: string;
}

/**
 * Whether SCPs take part in the account's verdicts. `evaluated: false`: they could not be read,
 * so the verdict is the identity policies' alone (SCPs only ever restrict). `levels` is empty when
 * no SCP applies to the account (management account, no Organization, SCPs not enabled).
 */
export type AccountScps =
  | { evaluated: true; levels: ScpLevelRefs[]; considered: ScpConsidered[]; note?: string }
  | { evaluated: false; reason: string };

const LEVEL_NAMES: Record<ScpLevel['type'], string> = {
  ROOT: 'root',
  ORGANIZATIONAL_UNIT: 'OU',
  ACCOUNT: 'account',
};

function targetOf(level: ScpLevel): string {
  return `${LEVEL_NAMES[level.type]} ${level.id}`;
}

function policyRefs(policy: ServiceControlPolicy, target: string, account: AccountTarget): StatementRef[] {
  const compiled = compilePolicy(policy.content, account);
  return compiled.statements.map((statement) => ({
    policy: {
      name: policy.name,
      ...(policy.arn ? { arn: policy.arn } : {}),
      attachment: `service control policy at ${target}`,
      scp: true as const,
    },
    statement,
  }));
}

/** By the organization section, then by the action the statements are compiled for. */
const cache = new WeakMap<object, Map<string, AccountScps>>();

/**
 * The SCPs in force for the account's principals, as AWS applies them ("SCP evaluation" in the
 * AWS Organizations User Guide): every level from the root down to the account must allow the
 * request and a Deny at any level denies it; SCPs do not apply to the management account. Each
 * level's documents are compiled once per account and action.
 */
export function accountScps(account: AccountInventory, target: AccountTarget): AccountScps {
  const organization = account.organization;
  if (!organization) {
    const error = findCollectionError(account.collectionErrors, 'organization');
    return {
      evaluated: false,
      reason: error
        ? `the SCPs could not be read (${error.code}: ${error.message})`
        : 'the inventory has no organization section',
    };
  }
  let byAction = cache.get(organization);
  if (!byAction) {
    byAction = new Map();
    cache.set(organization, byAction);
  }
  const cached = byAction.get(target.presign.action);
  if (cached) return cached;
  let scps: AccountScps;
  if (organization.membership === 'none') {
    scps = { evaluated: true, levels: [], considered: [], note: 'the account belongs to no Organization' };
  } else if (organization.managementAccountId === account.accountId) {
    scps = {
      evaluated: true,
      levels: [],
      considered: [],
      note: 'SCPs do not apply to the management account',
    };
  } else if (!organization.scpsEnabled) {
    scps = {
      evaluated: true,
      levels: [],
      considered: [],
      note: 'the SERVICE_CONTROL_POLICY type is not enabled at the root',
    };
  } else {
    scps = {
      evaluated: true,
      levels: organization.scpPath.map((level) => ({
        target: targetOf(level),
        statements: level.policies.flatMap((policy) => policyRefs(policy, targetOf(level), target)),
      })),
      considered: organization.scpPath.flatMap((level) =>
        level.policies.map((policy) => ({
          target: targetOf(level),
          policyId: policy.id,
          policyName: policy.name,
        })),
      ),
    };
  }
  byAction.set(target.presign.action, scps);
  return scps;
}
