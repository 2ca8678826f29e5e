import type { GetAccountAuthorizationDetailsCommandOutput, IAMClient } from '@aws-sdk/client-iam';
import * as z from 'zod';
import type { IamAuthorizationDetails } from '../../model/inventory.ts';
import { plain } from '../errors.ts';
import { distinctPages, InconsistentPaginationError } from '../pages.ts';
import { policyDocument } from './schema-parts.ts';
import type { SectionDefinition } from './types.ts';

// Names are optional: the rules name a policy or principal by its ARN when the name is missing (moto,
// for one, leaves a managed policy's PolicyName out of GetAccountAuthorizationDetails).
const attachedPolicy = z.looseObject({ PolicyName: z.string().optional(), PolicyArn: z.string() });
const inlinePolicy = z.looseObject({ PolicyName: z.string().optional(), PolicyDocument: policyDocument });
const boundary = z
  .looseObject({ PermissionsBoundaryType: z.string().optional(), PermissionsBoundaryArn: z.string() })
  .optional();
const schema = z.looseObject({
  UserDetailList: z
    .array(
      z.looseObject({
        UserName: z.string().optional(),
        Arn: z.string(),
        Path: z.string().optional(),
        GroupList: z.array(z.string()).optional(),
        UserPolicyList: z.array(inlinePolicy).optional(),
        AttachedManagedPolicies: z.array(attachedPolicy).optional(),
        PermissionsBoundary: boundary,
      }),
    )
    .optional(),
  GroupDetailList: z
    .array(
      z.looseObject({
        GroupName: z.string().optional(),
        Arn: z.string(),
        GroupPolicyList: z.array(inlinePolicy).optional(),
        AttachedManagedPolicies: z.array(attachedPolicy).optional(),
      }),
    )
    .optional(),
  RoleDetailList: z
    .array(
      z.looseObject({
        RoleName: z.string().optional(),
        Arn: z.string(),
        Path: z.string().optional(),
        AssumeRolePolicyDocument: policyDocument.optional(),
        RolePolicyList: z.array(inlinePolicy).optional(),
        AttachedManagedPolicies: z.array(attachedPolicy).optional(),
        PermissionsBoundary: boundary,
      }),
    )
    .optional(),
  Policies: z
    .array(
      z.looseObject({
        PolicyName: z.string().optional(),
        Arn: z.string(),
        DefaultVersionId: z.string().optional(),
        PolicyVersionList: z
          .array(
            z.looseObject({
              Document: policyDocument.optional(),
              VersionId: z.string().optional(),
              IsDefaultVersion: z.boolean().optional(),
            }),
          )
          .optional(),
      }),
    )
    .optional(),
});

/** The most items GetAccountAuthorizationDetails returns per page. */
export const IAM_PAGE_SIZE = 1000;

/**
 * The merged pages of `GetAccountAuthorizationDetails`: one paginated listing per account instead of
 * a call per principal or policy. Pages may hold fewer items than asked while `IsTruncated` is true;
 * the paginator follows `Marker` until it is not.
 */
async function readAuthorizationDetails(client: IAMClient): Promise<IamAuthorizationDetails> {
  const { paginateGetAccountAuthorizationDetails } = await import('../sdk.ts');
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

const IAM_LISTS = ['UserDetailList', 'GroupDetailList', 'RoleDetailList', 'Policies'] as const;

/** The account's users, groups, roles and managed policies with every policy document, from one listing. */
export const iam: SectionDefinition<'iam', 'account', 'iam', IamAuthorizationDetails> = {
  id: 'iam',
  scope: 'account',
  client: 'iam',
  title: 'IAM authorization details',
  permissions: ['iam:GetAccountAuthorizationDetails'],
  responses: {
    'iam:GetAccountAuthorizationDetails': {
      fields: () => ({
        UserDetailList: 'list',
        GroupDetailList: 'list',
        RoleDetailList: 'list',
        Policies: 'list',
        IsTruncated: 'boolean',
      }),
    },
  },
  schema,
  unique: IAM_LISTS.map((list) => ({ list, field: 'Arn', noun: 'ARN' })),
  collect: ({ client }) => readAuthorizationDetails(client),
};
