import {
  type Account,
  DescribeOrganizationCommand,
  DescribePolicyCommand,
  type OrganizationsClient,
  paginateListAccounts,
  paginateListAccountsForParent,
  paginateListChildren,
  paginateListParents,
  paginateListPoliciesForTarget,
  paginateListRoots,
  type Root,
} from '@aws-sdk/client-organizations';
import { UserInputError } from '../model/errors.ts';
import type { AccountOrganization, ScpLevel, ServiceControlPolicy } from '../model/inventory.ts';
import { describeAwsError } from './errors.ts';
import { distinctPages, InconsistentPaginationError } from './pages.ts';

const SCP = 'SERVICE_CONTROL_POLICY';

type Membership =
  | { membership: 'none' }
  | { membership: 'member'; organizationId: string; managementAccountId: string };

interface Parent {
  id: string;
  type: 'ROOT' | 'ORGANIZATIONAL_UNIT';
}

/** `State` replaced `Status` in the API; an answer may carry either. */
function isActive(account: Account): boolean {
  return (account.State ?? account.Status) === 'ACTIVE';
}

async function collect<Page, Item>(
  pages: AsyncIterable<Page>,
  operation: string,
  tokenOf: (page: Page) => string | undefined,
  itemsOf: (page: Page) => Item[] | undefined,
  idOf: (item: Item) => string | undefined,
): Promise<Item[]> {
  const items: Item[] = [];
  for await (const page of distinctPages(pages, operation, tokenOf, (p) => (itemsOf(p) ?? []).map(idOf)))
    items.push(...(itemsOf(page) ?? []));
  return items;
}

/** Where a scan gets each account's SCP path: the Organization itself, or what a plan read already. */
export type OrganizationSource = Pick<OrganizationReader, 'accountSection'>;

/**
 * The SCP paths an Organization run's plan read once for every account: a member account's scan
 * takes its own from the plan, without calling Organizations.
 *
 * @example plannedOrganization(new Map([[item.accountId, item.organization]]))
 */
export function plannedOrganization(sections: ReadonlyMap<string, AccountOrganization>): OrganizationSource {
  return {
    accountSection: async (accountId) => {
      const section = sections.get(accountId);
      if (section === undefined) throw new Error(`the plan holds no SCP path for account ${accountId}`);
      return section;
    },
  };
}

/**
 * Reads the Organization from the management account or a delegated administrator: its accounts,
 * and for each account the SCPs on the path from the root. Every answer is cached for the scan,
 * so an OU shared by many accounts is listed once and each policy is described once.
 */
export class OrganizationReader {
  private membership?: Promise<Membership>;
  private roots?: Promise<Root[]>;
  private readonly parents = new Map<string, Promise<Parent>>();
  private readonly attached = new Map<string, Promise<string[]>>();
  private readonly policies = new Map<string, Promise<ServiceControlPolicy>>();

  constructor(private readonly client: OrganizationsClient) {}

  private organization(): Promise<Membership> {
    this.membership ??= this.client.send(new DescribeOrganizationCommand({})).then(
      ({ Organization }): Membership => {
        if (!Organization?.Id || !Organization.MasterAccountId) {
          throw new Error('DescribeOrganization returned no organization id or management account');
        }
        return {
          membership: 'member',
          organizationId: Organization.Id,
          managementAccountId: Organization.MasterAccountId,
        };
      },
      (error: unknown): Membership => {
        if (describeAwsError(error).code === 'AWSOrganizationsNotInUseException')
          return { membership: 'none' };
        throw error;
      },
    );
    return this.membership;
  }

  private listRoots(): Promise<Root[]> {
    this.roots ??= collect(
      paginateListRoots({ client: this.client }, {}),
      'ListRoots',
      (page) => page.NextToken,
      (page) => page.Roots,
      (root) => root.Id,
    ).then((roots) => {
      if (roots.length === 0) throw new InconsistentPaginationError('ListRoots listed no root');
      return roots;
    });
    return this.roots;
  }

  private parentOf(childId: string): Promise<Parent> {
    let parent = this.parents.get(childId);
    if (!parent) {
      parent = collect(
        paginateListParents({ client: this.client }, { ChildId: childId }),
        'ListParents',
        (page) => page.NextToken,
        (page) => page.Parents,
        (entry) => entry.Id,
      ).then((parents) => {
        const [only] = parents;
        if (
          parents.length !== 1 ||
          !only?.Id ||
          (only.Type !== 'ROOT' && only.Type !== 'ORGANIZATIONAL_UNIT')
        ) {
          throw new InconsistentPaginationError(
            `ListParents for ${childId} did not return exactly one root or OU (${JSON.stringify(parents)})`,
          );
        }
        return { id: only.Id, type: only.Type };
      });
      this.parents.set(childId, parent);
    }
    return parent;
  }

  private policyIdsFor(targetId: string): Promise<string[]> {
    let ids = this.attached.get(targetId);
    if (!ids) {
      ids = collect(
        paginateListPoliciesForTarget({ client: this.client }, { TargetId: targetId, Filter: SCP }),
        'ListPoliciesForTarget',
        (page) => page.NextToken,
        (page) => page.Policies,
        (policy) => policy.Id,
      ).then((summaries) =>
        summaries.map((summary) => {
          if (!summary.Id)
            throw new Error(`ListPoliciesForTarget for ${targetId} returned a policy without an Id`);
          return summary.Id;
        }),
      );
      this.attached.set(targetId, ids);
    }
    return ids;
  }

  private policy(policyId: string): Promise<ServiceControlPolicy> {
    let policy = this.policies.get(policyId);
    if (!policy) {
      policy = this.client.send(new DescribePolicyCommand({ PolicyId: policyId })).then(({ Policy }) => {
        const summary = Policy?.PolicySummary;
        if (Policy?.Content === undefined || !summary?.Name) {
          throw new Error(`DescribePolicy ${policyId} returned no content or name`);
        }
        return {
          id: policyId,
          name: summary.Name,
          ...(summary.Arn ? { arn: summary.Arn } : {}),
          ...(summary.AwsManaged !== undefined ? { awsManaged: summary.AwsManaged } : {}),
          content: Policy.Content,
        };
      });
      this.policies.set(policyId, policy);
    }
    return policy;
  }

  private async level(type: ScpLevel['type'], id: string): Promise<ScpLevel> {
    const ids = await this.policyIdsFor(id);
    return { type, id, policies: await Promise.all(ids.map((policyId) => this.policy(policyId))) };
  }

  /** The account's place in the Organization and the SCPs of each level from the root to it. */
  async accountSection(accountId: string): Promise<AccountOrganization> {
    const membership = await this.organization();
    if (membership.membership === 'none') return membership;
    const roots = await this.listRoots();
    const scpsEnabled = roots.every((root) =>
      (root.PolicyTypes ?? []).some((type) => type.Type === SCP && type.Status === 'ENABLED'),
    );
    if (!scpsEnabled || membership.managementAccountId === accountId) {
      return { ...membership, scpsEnabled, scpPath: [] };
    }
    const ancestors: Parent[] = [];
    for (let parent = await this.parentOf(accountId); ; parent = await this.parentOf(parent.id)) {
      if (ancestors.some((seen) => seen.id === parent.id)) {
        throw new InconsistentPaginationError(`ListParents loops at ${parent.id} above account ${accountId}`);
      }
      ancestors.push(parent);
      if (parent.type === 'ROOT') break;
    }
    const scpPath = await Promise.all([
      ...ancestors.reverse().map((parent) => this.level(parent.type, parent.id)),
      this.level('ACCOUNT', accountId),
    ]);
    return { ...membership, scpsEnabled, scpPath };
  }

  /**
   * The ACTIVE accounts to scan: every account of the Organization (`ListAccounts`), or with `ous`
   * those under these OUs at any depth (`ListAccountsForParent` and `ListChildren` for each OU of
   * the subtrees, fewer calls than walking every account up with `ListParents`), less `exclude`.
   * An OU the Organization does not have is a {@link UserInputError} naming `ousSource`, the input
   * that gave the OUs (`--ous`, `environment variable ORGANIZATION_OUS`).
   */
  async activeAccounts(
    ous: readonly string[],
    exclude: readonly string[],
    ousSource: string,
  ): Promise<string[]> {
    return (await this.activeAccountsNamed(ous, exclude, ousSource)).map((account) => account.id);
  }

  /** {@link activeAccounts} with each account's name, as `ListAccounts` gives it (empty when it gives none). */
  async activeAccountsNamed(
    ous: readonly string[],
    exclude: readonly string[],
    ousSource: string,
  ): Promise<{ id: string; name: string }[]> {
    let accounts: Account[];
    if (ous.length === 0) {
      accounts = await collect(
        paginateListAccounts({ client: this.client }, {}),
        'ListAccounts',
        (page) => page.NextToken,
        (page) => page.Accounts,
        (account) => account.Id,
      );
    } else {
      const seen = new Set<string>();
      const queue = [...ous];
      accounts = [];
      while (queue.length > 0) {
        const ou = queue.shift() as string;
        if (seen.has(ou)) continue;
        seen.add(ou);
        const [direct, children] = await Promise.all([
          collect(
            paginateListAccountsForParent({ client: this.client }, { ParentId: ou }),
            'ListAccountsForParent',
            (page) => page.NextToken,
            (page) => page.Accounts,
            (account) => account.Id,
          ),
          collect(
            paginateListChildren({ client: this.client }, { ParentId: ou, ChildType: 'ORGANIZATIONAL_UNIT' }),
            'ListChildren',
            (page) => page.NextToken,
            (page) => page.Children,
            (child) => child.Id,
          ),
        ]).catch((error: unknown) => {
          const { code, message } = describeAwsError(error);
          if (code === 'ParentNotFoundException')
            throw new UserInputError(`${ousSource}: ${ou} is not an OU of the Organization (${message})`);
          throw error;
        });
        accounts.push(...direct);
        for (const child of children) if (child.Id) queue.push(child.Id);
      }
    }
    if (ous.length === 0 && accounts.length === 0) {
      throw new InconsistentPaginationError(
        'ListAccounts listed no account, not even the management account',
      );
    }
    const excluded = new Set(exclude);
    const named = new Map<string, string>();
    for (const account of accounts) {
      if (isActive(account) && account.Id && !excluded.has(account.Id))
        named.set(account.Id, account.Name ?? '');
    }
    return [...named.keys()].sort().map((id) => ({ id, name: named.get(id) as string }));
  }
}
