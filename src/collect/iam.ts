import {
  type GetAccountAuthorizationDetailsCommandOutput,
  type IAMClient,
  paginateGetAccountAuthorizationDetails,
} from '@aws-sdk/client-iam';
import type { IamAuthorizationDetails } from '../model/inventory.ts';
import { plain } from './errors.ts';
import { distinctPages, InconsistentPaginationError } from './pages.ts';

/** The most items GetAccountAuthorizationDetails returns per page. */
export const IAM_PAGE_SIZE = 1000;

/**
 * The merged pages of `GetAccountAuthorizationDetails`: one paginated listing per account instead of
 * a call per principal or policy. Pages may hold fewer items than asked while `IsTruncated` is true;
 * the paginator follows `Marker` until it is not.
 */
export async function collectIam(client: IAMClient): Promise<IamAuthorizationDetails> {
  const details: Required<IamAuthorizationDetails> = {
    UserDetailList: [],
    GroupDetailList: [],
    RoleDetailList: [],
    Policies: [],
  };
  const paginator = paginateGetAccountAuthorizationDetails(
    { client, pageSize: IAM_PAGE_SIZE },
    { Filter: ['User', 'Group', 'Role', 'LocalManagedPolicy', 'AWSManagedPolicy'] },
  );
  // Arns are unique across users, groups, roles and policies.
  const arns = (page: GetAccountAuthorizationDetailsCommandOutput) => [
    ...(page.UserDetailList ?? []).map((user) => user.Arn),
    ...(page.GroupDetailList ?? []).map((group) => group.Arn),
    ...(page.RoleDetailList ?? []).map((role) => role.Arn),
    ...(page.Policies ?? []).map((policy) => policy.Arn),
  ];
  for await (const page of distinctPages(
    paginator,
    'GetAccountAuthorizationDetails',
    (p) => p.Marker,
    arns,
  )) {
    // The paginator follows Marker alone and would end here with part of the account.
    if (page.IsTruncated && !page.Marker) {
      throw new InconsistentPaginationError(
        'GetAccountAuthorizationDetails returned a truncated page without a Marker',
      );
    }
    details.UserDetailList.push(...plain(page.UserDetailList ?? []));
    details.GroupDetailList.push(...plain(page.GroupDetailList ?? []));
    details.RoleDetailList.push(...plain(page.RoleDetailList ?? []));
    details.Policies.push(...plain(page.Policies ?? []));
  }
  return details;
}
