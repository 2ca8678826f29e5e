import { readFileSync } from 'node:fs';
import type { RuleConfig } from '../../src/model/config.ts';
import type { IamAuthorizationDetails, Inventory, PolicyDocumentInput } from '../../src/model/inventory.ts';
import type { RuleContext } from '../../src/rules/types.ts';

export const ACCOUNT = '111122223333';
export const APPROVED = ['203.0.113.0/24', '2001:db8::/32'];
export const ACTION = 'sagemaker:CreatePresignedNotebookInstanceUrl';
export const DOMAIN_ACTION = 'sagemaker:CreatePresignedDomainUrl';

export type Statement = Record<string, unknown>;

export function doc(...statements: Statement[]): Record<string, unknown> {
  return { Version: '2012-10-17', Statement: statements };
}

export const allowAll: Statement = { Effect: 'Allow', Action: ACTION, Resource: '*' };

export function guardrail(ranges: string[] = APPROVED, extra: Record<string, unknown> = {}): Statement {
  return {
    Sid: 'DenyOutsideApprovedNetworks',
    Effect: 'Deny',
    Action: ACTION,
    Resource: '*',
    Condition: { NotIpAddress: { 'aws:SourceIp': ranges }, ...extra },
  };
}

export function managedPolicy(name: string, document: PolicyDocumentInput, path = '/') {
  const arn = `arn:aws:iam::${ACCOUNT}:policy${path}${name}`;
  return {
    PolicyName: name,
    Arn: arn,
    Path: path,
    DefaultVersionId: 'v1',
    AttachmentCount: 1,
    IsAttachable: true,
    PolicyVersionList: [{ Document: document, VersionId: 'v1', IsDefaultVersion: true }],
  };
}

export function policyArn(name: string): string {
  return `arn:aws:iam::${ACCOUNT}:policy/${name}`;
}

interface PrincipalParts {
  inline?: Record<string, PolicyDocumentInput>;
  attached?: string[];
  groups?: string[];
  boundary?: string;
  path?: string;
  trust?: PolicyDocumentInput;
}

function attachedList(arns: string[] = []) {
  return arns.map((arn) => ({ PolicyArn: arn, PolicyName: arn.split('/').pop() }));
}

function inlineList(inline: Record<string, PolicyDocumentInput> = {}) {
  return Object.entries(inline).map(([PolicyName, PolicyDocument]) => ({ PolicyName, PolicyDocument }));
}

export function user(name: string, parts: PrincipalParts = {}) {
  return {
    UserName: name,
    UserId: `AIDA${name.toUpperCase()}`,
    Arn: `arn:aws:iam::${ACCOUNT}:user/${name}`,
    Path: '/',
    UserPolicyList: inlineList(parts.inline),
    AttachedManagedPolicies: attachedList(parts.attached),
    GroupList: parts.groups ?? [],
    ...(parts.boundary
      ? {
          PermissionsBoundary: {
            PermissionsBoundaryType: 'PermissionsBoundaryPolicy' as const,
            PermissionsBoundaryArn: parts.boundary,
          },
        }
      : {}),
  };
}

export function role(name: string, parts: PrincipalParts = {}) {
  const path = parts.path ?? '/';
  return {
    RoleName: name,
    RoleId: `AROA${name.toUpperCase()}`,
    Arn: `arn:aws:iam::${ACCOUNT}:role${path}${name}`,
    Path: path,
    AssumeRolePolicyDocument:
      parts.trust ??
      doc({ Effect: 'Allow', Principal: { Service: 'sagemaker.amazonaws.com' }, Action: 'sts:AssumeRole' }),
    RolePolicyList: inlineList(parts.inline),
    AttachedManagedPolicies: attachedList(parts.attached),
    ...(parts.boundary
      ? {
          PermissionsBoundary: {
            PermissionsBoundaryType: 'PermissionsBoundaryPolicy' as const,
            PermissionsBoundaryArn: parts.boundary,
          },
        }
      : {}),
  };
}

export function group(
  name: string,
  parts: { inline?: Record<string, PolicyDocumentInput>; attached?: string[] } = {},
) {
  return {
    GroupName: name,
    GroupId: `AGPA${name.toUpperCase()}`,
    Arn: `arn:aws:iam::${ACCOUNT}:group/${name}`,
    Path: '/',
    GroupPolicyList: inlineList(parts.inline),
    AttachedManagedPolicies: attachedList(parts.attached),
  };
}

export function inventoryOf(
  iam: IamAuthorizationDetails | undefined,
  extra: Partial<Inventory['accounts'][number]> = {},
): Inventory {
  return {
    snapshotVersion: 1,
    collectedAt: '2026-11-27T02:00:00.000Z',
    partition: 'aws',
    accounts: [{ accountId: ACCOUNT, regions: [], ...(iam ? { iam } : {}), ...extra }],
  };
}

export function contextOf(
  iam: IamAuthorizationDetails | undefined,
  allowedSourceCidrs: string[] = APPROVED,
): RuleContext {
  const config: RuleConfig = { allowedSourceCidrs, skipDefaultVpcs: false };
  return { inventory: inventoryOf(iam), config };
}

/** A user holding exactly these inline documents (the simplest principal to judge). */
export function userWith(...documents: PolicyDocumentInput[]): IamAuthorizationDetails {
  return {
    UserDetailList: [
      user('alice', {
        inline: Object.fromEntries(documents.map((document, index) => [`p${index}`, document])),
      }),
    ],
  };
}

/** A real AWS managed policy from test/fixtures/iam, as GetAccountAuthorizationDetails lists it. */
export function awsManaged(
  name: 'AdministratorAccess' | 'PowerUserAccess' | 'AmazonSageMakerFullAccess' | 'DataScientist',
) {
  const fixture = JSON.parse(
    readFileSync(new URL(`../fixtures/iam/${name}.json`, import.meta.url), 'utf8'),
  ) as {
    Arn: string;
    PolicyName: string;
    Path: string;
    DefaultVersionId: string;
    Document: Record<string, unknown>;
  };
  return {
    PolicyName: fixture.PolicyName,
    Arn: fixture.Arn,
    Path: fixture.Path,
    DefaultVersionId: fixture.DefaultVersionId,
    IsAttachable: true,
    PolicyVersionList: [
      {
        Document: encodeURIComponent(JSON.stringify(fixture.Document)),
        VersionId: fixture.DefaultVersionId,
        IsDefaultVersion: true,
      },
    ],
  };
}
