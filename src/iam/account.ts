import type { IamAuthorizationDetails, PolicyDocumentInput } from '../model/inventory.ts';
import { decodePolicyDocument } from './document.ts';
import {
  type Approval,
  evaluatePolicySet,
  type PolicyRef,
  type PolicySet,
  type StatementRef,
  type Verdict,
} from './evaluate.ts';
import { identity } from './identity.ts';
import { type CompiledPolicy, compilePolicy, unreadablePolicy } from './policy.ts';
import type { AccountTarget } from './request.ts';

type ManagedPolicy = NonNullable<IamAuthorizationDetails['Policies']>[number];
type User = NonNullable<IamAuthorizationDetails['UserDetailList']>[number];
type Role = NonNullable<IamAuthorizationDetails['RoleDetailList']>[number];
type Group = NonNullable<IamAuthorizationDetails['GroupDetailList']>[number];
interface InlinePolicy {
  PolicyName?: string;
  PolicyDocument?: PolicyDocumentInput;
}
interface Attached {
  PolicyName?: string;
  PolicyArn?: string;
}

/** A user or role with everything needed to judge and report it. */
export interface Principal {
  kind: 'user' | 'role';
  name: string;
  arn: string;
  path: string;
  set: PolicySet;
  /** Whether any identity statement can grant the action (conditions aside). */
  grants: boolean;
  /** Roles: who may assume them, from the trust policy, read only for the roles a result cites. */
  trustedPrincipals?: () => string[];
}

/** A policy that someone can edit, judged on its own by the policy rule. */
export interface EditablePolicy {
  kind: 'managed' | 'inline';
  /** Managed: the policy ARN. Inline: `<owner ARN>/inline/<policy name>`, stable across runs. */
  id: string;
  /** Managed policies only. */
  arn?: string;
  name: string;
  /** Inline policies: the user, group or role that holds it. */
  owner?: { kind: 'user' | 'group' | 'role'; name: string; arn: string };
  compiled: CompiledPolicy;
  set: PolicySet;
}

/** The default version's document: only it is in force. */
function defaultDocument(policy: ManagedPolicy): PolicyDocumentInput | undefined {
  const versions = policy.PolicyVersionList ?? [];
  const chosen =
    versions.find((version) => version.IsDefaultVersion === true) ??
    versions.find(
      (version) => version.VersionId !== undefined && version.VersionId === policy.DefaultVersionId,
    );
  return chosen?.Document;
}

/** Whether an ARN names an AWS managed policy (`arn:<p>:iam::aws:policy/...`), which nobody can edit. */
export function isAwsManaged(arn: string): boolean {
  return /^arn:[^:]+:iam::aws:policy\//.test(arn);
}

function refs(compiled: CompiledPolicy, policy: PolicyRef): StatementRef[] {
  return compiled.statements.map((statement) => ({ policy, statement }));
}

/**
 * The account's IAM data compiled for one presigned-URL action: each managed policy's default
 * document parsed once, then every user's and role's effective policy set. Cached per inventory
 * section and action, so the principal and the policy rule of an action share the work.
 */
export class AccountIam {
  private readonly managed = new Map<string, { policy: ManagedPolicy; compiled: CompiledPolicy }>();
  private readonly groups = new Map<string, Group>();
  private readonly groupRefs = new Map<string, StatementRef[]>();
  private readonly inline = new Map<PolicyDocumentInput | undefined, CompiledPolicy>();
  /**
   * By policy ARN, name and attachment: a policy attached the same way to many principals is one
   * list of references, and its evidence is made once. Nested maps, as a joined key would be a
   * new string for every attachment of every principal.
   */
  private readonly attachedRefs = new Map<string, Map<string, Map<string, StatementRef[]>>>();

  constructor(
    private readonly details: IamAuthorizationDetails,
    private readonly target: AccountTarget,
  ) {
    for (const policy of details.Policies ?? []) {
      if (policy.Arn)
        this.managed.set(policy.Arn, {
          policy,
          compiled: compilePolicy(decodedOnce(details, defaultDocument(policy)), target),
        });
    }
    for (const group of details.GroupDetailList ?? [])
      if (group.GroupName) this.groups.set(group.GroupName, group);
  }

  private managedRefs(attached: Attached, attachment: string): StatementRef[] {
    const arn = attached.PolicyArn ?? '';
    const name = attached.PolicyName ?? arn.split('/').pop() ?? arn;
    let byAttachment = this.attachedRefs.get(arn)?.get(name);
    if (!byAttachment) {
      byAttachment = new Map();
      const byName = this.attachedRefs.get(arn) ?? new Map<string, Map<string, StatementRef[]>>();
      byName.set(name, byAttachment);
      this.attachedRefs.set(arn, byName);
    }
    let statements = byAttachment.get(attachment);
    if (!statements) {
      const known = this.managed.get(arn);
      const compiled =
        known?.compiled ?? unreadablePolicy(`managed policy ${arn} is not in the IAM data`, this.target);
      statements = refs(compiled, { name, arn, attachment });
      byAttachment.set(attachment, statements);
    }
    return statements;
  }

  /** Inline documents are read by both rules; compile each once. */
  private compileInline(document: PolicyDocumentInput | undefined): CompiledPolicy {
    let compiled = this.inline.get(document);
    if (!compiled) {
      compiled = compilePolicy(decodedOnce(this.details, document), this.target);
      this.inline.set(document, compiled);
    }
    return compiled;
  }

  private inlineRefs(inline: InlinePolicy, attachment: string): StatementRef[] {
    return refs(this.compileInline(inline.PolicyDocument), {
      name: inline.PolicyName ?? '(unnamed)',
      attachment,
    });
  }

  private groupStatements(groupName: string): StatementRef[] {
    const cached = this.groupRefs.get(groupName);
    if (cached) return cached;
    const group = this.groups.get(groupName);
    const statements = group
      ? [
          ...(group.GroupPolicyList ?? []).flatMap((inline) =>
            this.inlineRefs(inline, `inline via group ${groupName}`),
          ),
          ...(group.AttachedManagedPolicies ?? []).flatMap((attached) =>
            this.managedRefs(attached, `attached via group ${groupName}`),
          ),
        ]
      : refs(unreadablePolicy(`group ${groupName} is not in the IAM data`, this.target), {
          name: groupName,
          attachment: `group ${groupName}`,
        });
    this.groupRefs.set(groupName, statements);
    return statements;
  }

  private boundary(principal: User | Role): StatementRef[] | undefined {
    const arn = principal.PermissionsBoundary?.PermissionsBoundaryArn;
    if (!arn) return undefined;
    return this.managedRefs({ PolicyArn: arn }, 'permissions boundary');
  }

  private principal(kind: 'user' | 'role', principal: User | Role, identity: StatementRef[]): Principal {
    const set: PolicySet = { presign: this.target.presign, identity };
    const boundary = this.boundary(principal);
    if (boundary) set.boundary = boundary;
    const name =
      (kind === 'user' ? (principal as User).UserName : (principal as Role).RoleName) ?? '(unnamed)';
    return {
      kind,
      name,
      arn: principal.Arn ?? `arn:${this.target.partition}:iam::${this.target.accountId}:${kind}/${name}`,
      path: principal.Path ?? '/',
      set,
      grants: identity.some((ref) => ref.statement.effect === 'Allow'),
    };
  }

  private readonly verdicts = new Map<string, Verdict>();
  private userList?: Principal[];
  private roleList?: Principal[];

  /** Every user, with its groups' policies joined through its `GroupList`; built once, for every rule that asks. */
  users(): Principal[] {
    this.userList ??= (this.details.UserDetailList ?? []).map((user) =>
      this.principal('user', user, [
        ...(user.UserPolicyList ?? []).flatMap((inline) => this.inlineRefs(inline, 'inline')),
        ...(user.AttachedManagedPolicies ?? []).flatMap((attached) =>
          this.managedRefs(attached, 'attached directly'),
        ),
        ...(user.GroupList ?? []).flatMap((groupName) => this.groupStatements(groupName)),
      ]),
    );
    return this.userList;
  }

  roles(): Principal[] {
    this.roleList ??= (this.details.RoleDetailList ?? []).map((role) => {
      const principal = this.principal('role', role, [
        ...(role.RolePolicyList ?? []).flatMap((inline) => this.inlineRefs(inline, 'inline')),
        ...(role.AttachedManagedPolicies ?? []).flatMap((attached) =>
          this.managedRefs(attached, 'attached directly'),
        ),
      ]);
      principal.trustedPrincipals = () => trustedPrincipalsOf(role);
      return principal;
    });
    return this.roleList;
  }

  /**
   * The verdict of `set`, judged once for every principal whose set holds the very same statement
   * references (the same policies, attached the same way) in the same order, the same boundary and
   * the same SCPs. The verdict is a function of those alone, and most attached policies say nothing
   * of presigned URLs: thousands of principals come down to a few hundred sets.
   */
  verdictOf(set: PolicySet, approval: Approval): Verdict {
    const parts = [
      set.presign.action,
      set.identity.map(identity).join(','),
      set.boundary ? set.boundary.map(identity).join(',') : '-',
      set.scpLevels ? identity(set.scpLevels) : '-',
      identity(approval),
    ];
    const key = parts.join('|');
    let verdict = this.verdicts.get(key);
    if (!verdict) {
      verdict = evaluatePolicySet(set, approval);
      this.verdicts.set(key, verdict);
    }
    return verdict;
  }

  /** Customer managed policies (attached or not) and every inline policy of users, groups and roles. */
  editablePolicies(): EditablePolicy[] {
    const policies: EditablePolicy[] = [];
    for (const [arn, { policy, compiled }] of this.managed) {
      if (isAwsManaged(arn)) continue;
      const ref: PolicyRef = { name: policy.PolicyName ?? arn, arn, attachment: 'policy itself' };
      policies.push({
        kind: 'managed',
        id: arn,
        arn,
        name: ref.name,
        compiled,
        set: { presign: this.target.presign, identity: refs(compiled, ref) },
      });
    }
    const owners: {
      kind: 'user' | 'group' | 'role';
      name?: string;
      arn?: string;
      inline?: InlinePolicy[];
    }[] = [
      ...(this.details.UserDetailList ?? []).map((user) => ({
        kind: 'user' as const,
        name: user.UserName,
        arn: user.Arn,
        inline: user.UserPolicyList,
      })),
      ...(this.details.GroupDetailList ?? []).map((group) => ({
        kind: 'group' as const,
        name: group.GroupName,
        arn: group.Arn,
        inline: group.GroupPolicyList,
      })),
      ...(this.details.RoleDetailList ?? []).map((role) => ({
        kind: 'role' as const,
        name: role.RoleName,
        arn: role.Arn,
        inline: role.RolePolicyList,
      })),
    ];
    for (const owner of owners) {
      const ownerName = owner.name ?? '(unnamed)';
      const ownerArn =
        owner.arn ?? `arn:${this.target.partition}:iam::${this.target.accountId}:${owner.kind}/${ownerName}`;
      for (const inline of owner.inline ?? []) {
        const name = inline.PolicyName ?? '(unnamed)';
        const compiled = this.compileInline(inline.PolicyDocument);
        const ref: PolicyRef = { name, attachment: 'policy itself' };
        policies.push({
          kind: 'inline',
          id: `${ownerArn}/inline/${name}`,
          name,
          owner: { kind: owner.kind, name: ownerName, arn: ownerArn },
          compiled,
          set: { presign: this.target.presign, identity: refs(compiled, ref) },
        });
      }
    }
    return policies;
  }
}

/** By the IAM data they come from, each document's decoded form (or the document itself, if it does not decode). */
const decodedDocuments = new WeakMap<
  IamAuthorizationDetails,
  Map<PolicyDocumentInput, PolicyDocumentInput>
>();

/**
 * A document decoded once for every action it is compiled for. Keyed by the text, so that the same
 * inline policy on a thousand roles is decoded once; one that does not decode is kept as it is,
 * for {@link compilePolicy} to name its problem.
 */
function decodedOnce(
  details: IamAuthorizationDetails,
  document: PolicyDocumentInput | undefined,
): PolicyDocumentInput | undefined {
  if (document === undefined) return undefined;
  let byDocument = decodedDocuments.get(details);
  if (!byDocument) {
    byDocument = new Map();
    decodedDocuments.set(details, byDocument);
  }
  let decoded = byDocument.get(document);
  if (decoded === undefined) {
    const result = decodePolicyDocument(document);
    decoded = result.ok ? result.document : document;
    byDocument.set(document, decoded);
  }
  return decoded;
}

/** The principals a trust policy lets assume the role, as `Type:value` strings; unreadable → a note. */
export function trustedPrincipals(document: PolicyDocumentInput | undefined): string[] {
  const decoded = decodePolicyDocument(document);
  if (!decoded.ok) return [`(trust policy unreadable: ${decoded.problem})`];
  const raw = decoded.document.Statement;
  const statements = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  const found = new Set<string>();
  for (const statement of statements) {
    if (typeof statement !== 'object' || statement === null) continue;
    const { Effect, Principal } = statement as Record<string, unknown>;
    if (Effect !== 'Allow' || Principal === undefined) continue;
    if (typeof Principal === 'string') {
      found.add(Principal);
      continue;
    }
    for (const [type, value] of Object.entries(Principal as Record<string, unknown>)) {
      for (const entry of Array.isArray(value) ? value : [value]) found.add(`${type}:${String(entry)}`);
    }
  }
  return [...found];
}

const trustOf = new WeakMap<Role, string[]>();

/** A role's trusted principals, read from its trust policy once for all the actions judged. */
function trustedPrincipalsOf(role: Role): string[] {
  let trusted = trustOf.get(role);
  if (!trusted) {
    trusted = trustedPrincipals(role.AssumeRolePolicyDocument);
    trustOf.set(role, trusted);
  }
  return trusted;
}

const cache = new WeakMap<IamAuthorizationDetails, Map<string, AccountIam>>();

/** The compiled IAM data of one account, built once per inventory section and target (account and action). */
export function accountIam(details: IamAuthorizationDetails, target: AccountTarget): AccountIam {
  let byTarget = cache.get(details);
  if (!byTarget) {
    byTarget = new Map();
    cache.set(details, byTarget);
  }
  const key = `${target.partition}\u0000${target.accountId}\u0000${target.presign.action}`;
  let compiled = byTarget.get(key);
  if (!compiled) {
    compiled = new AccountIam(details, target);
    byTarget.set(key, compiled);
  }
  return compiled;
}
