import { type AnySection, permissionsFor, SECTIONS } from '../src/collect/sections/index.ts';
import type { Rule } from '../src/rules/types.ts';

/**
 * Read actions granted on `*`: EC2 `Describe*` calls have no resource types, and
 * `iam:GetAccountAuthorizationDetails` and SageMaker's notebook and domain listings are
 * account-wide. The Organizations reads of the SCPs name the Organization's root, OUs, accounts and
 * policies, which live in the management account and are not known when the role is made; only the
 * management account or a delegated administrator gets answers, elsewhere they are refused. SageMaker's two Describe calls could be scoped to the account's notebook instances
 * and domains, but the scanner describes every one of them, so that scope would grant the same. A
 * section that declares anything else must first get a resource scope here, so no new permission
 * is granted on `*` by accident.
 */
const ACCOUNT_WIDE_READS: readonly RegExp[] = [
  /^ec2:Describe[A-Za-z]+$/,
  /^iam:GetAccountAuthorizationDetails$/,
  /^sagemaker:(List|Describe)(NotebookInstances?|Domains?)$/,
  /^organizations:(DescribeOrganization|DescribePolicy|ListParents|ListPoliciesForTarget|ListRoots)$/,
];

/** Needed whenever a scan asks for `"regions": "all"`, which any on-demand audit may do. */
export const LIST_REGIONS_ACTION = 'ec2:DescribeRegions';
/** Every scan reads the account's alias to label its report (one call; it accepts no resource but `*`). */
export const ACCOUNT_ALIAS_ACTION = 'iam:ListAccountAliases';

const ACTION_SHAPE = /^[a-z0-9-]+:[A-Za-z0-9]+$/;

/**
 * The read actions the scanner's role needs for the given rules: those of every section the rules
 * need (and of what those sections require or consult), as `src/collect/sections` declares them,
 * plus listing the account's regions and reading its alias. Sorted and without duplicates.
 *
 * Throws when a section declares a wildcard or an action outside {@link ACCOUNT_WIDE_READS}, so a
 * section cannot widen the role silently.
 *
 * @example
 * scannerReadActions(RULES); // ['ec2:DescribeRegions', 'ec2:DescribeSubnets', ...]
 */
export function scannerReadActions(
  rules: readonly Rule[],
  sections: readonly AnySection[] = SECTIONS,
): string[] {
  const actions = new Set<string>([LIST_REGIONS_ACTION, ACCOUNT_ALIAS_ACTION]);
  for (const section of sections) {
    for (const action of section.permissions) {
      if (!ACTION_SHAPE.test(action)) {
        throw new Error(`Section ${section.id} declares "${action}": permissions must be exact actions`);
      }
      if (!ACCOUNT_WIDE_READS.some((pattern) => pattern.test(action))) {
        throw new Error(
          `Section ${section.id} declares "${action}", which infra/permissions.ts does not know how to scope: add its resource scope there`,
        );
      }
    }
  }
  for (const action of permissionsFor(
    rules.flatMap((rule) => rule.meta.needs),
    sections,
  ))
    actions.add(action);
  return [...actions].sort();
}
