import * as z from 'zod';
import type { AccountOrganization } from '../../model/inventory.ts';
import { policyDocument } from './schema-parts.ts';
import type { SectionDefinition } from './types.ts';

const serviceControlPolicy = z.strictObject({
  id: z
    .string()
    .regex(/^p-[0-9a-zA-Z_]{8,128}$/, 'expected a policy id such as p-FullAWSAccess or p-abcd1234'),
  name: z.string(),
  arn: z.string().optional(),
  awsManaged: z.boolean().optional(),
  content: policyDocument,
});
const scpLevel = z.strictObject({
  type: z.enum(['ROOT', 'ORGANIZATIONAL_UNIT', 'ACCOUNT']),
  id: z.string(),
  policies: z.array(serviceControlPolicy),
});
const schema = z.discriminatedUnion('membership', [
  z.strictObject({ membership: z.literal('none') }),
  z.strictObject({
    membership: z.literal('member'),
    organizationId: z.string(),
    managementAccountId: z.string().regex(/^\d{12}$/, 'expected a 12-digit account id'),
    scpsEnabled: z.boolean(),
    scpPath: z.array(scpLevel),
  }),
]);

/**
 * The account's place in its Organization and the SCPs on the path from the root to it. Its client
 * is the scan's OrganizationReader: in a multi-account scan the Organization is read once, with
 * the scan's own credentials (the management account's or a delegated administrator's), and
 * shared by every account, never through the member roles.
 */
export const organization: SectionDefinition<
  'organization',
  'account',
  'organizations',
  AccountOrganization
> = {
  id: 'organization',
  scope: 'account',
  client: 'organizations',
  title: 'service control policies',
  permissions: [
    'organizations:DescribeOrganization',
    'organizations:DescribePolicy',
    'organizations:ListParents',
    'organizations:ListPoliciesForTarget',
    'organizations:ListRoots',
  ],
  responses: {
    'organizations:DescribeOrganization': {
      fields: () => ({ 'Organization.Id': 'string', 'Organization.MasterAccountId': 'string' }),
    },
    // Organizations may answer a page with no items and a NextToken: whole listings are checked by the reader.
    'organizations:ListRoots': { fields: () => ({ Roots: 'list' }) },
    'organizations:ListParents': { fields: () => ({ Parents: 'list' }) },
    'organizations:ListPoliciesForTarget': { fields: () => ({ Policies: 'list' }) },
    'organizations:DescribePolicy': {
      fields: () => ({ 'Policy.Content': 'string', 'Policy.PolicySummary.Id': 'string' }),
    },
  },
  schema,
  collect: ({ client, accountId }) => client.accountSection(accountId),
};
