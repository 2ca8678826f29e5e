import { describe, expect, it } from 'vitest';
import type {
  AccountInventory,
  AccountOrganization,
  IamAuthorizationDetails,
  ScpLevel,
} from '../../src/model/inventory.ts';
import type { ResultDraft } from '../../src/model/result.ts';
import { check } from '../../src/rules/iam-principal-presigned-url-source-ip.ts';
import type { RuleContext } from '../../src/rules/types.ts';
import {
  ACCOUNT,
  APPROVED,
  allowAll,
  doc,
  guardrail,
  inventoryOf,
  role,
  type Statement,
  userWith,
} from './builders.ts';

const MANAGEMENT = '999988887777';
const ROOT = 'r-ab12';
const OU = 'ou-ab12-cd34ef56';
const FULL_ACCESS = {
  id: 'p-FullAWSAccess',
  name: 'FullAWSAccess',
  awsManaged: true,
  content: JSON.stringify(doc({ Effect: 'Allow', Action: '*', Resource: '*' })),
};

function scp(id: string, ...statements: Statement[]) {
  return { id, name: id.replace(/^p-/, ''), content: JSON.stringify(doc(...statements)) };
}

/** The path root → OU → account, each with FullAWSAccess, plus `extra` policies at the named levels. */
function path(extra: Partial<Record<ScpLevel['type'], ReturnType<typeof scp>[]>> = {}): ScpLevel[] {
  const level = (type: ScpLevel['type'], id: string): ScpLevel => ({
    type,
    id,
    policies: [FULL_ACCESS, ...(extra[type] ?? [])],
  });
  return [level('ROOT', ROOT), level('ORGANIZATIONAL_UNIT', OU), level('ACCOUNT', ACCOUNT)];
}

function member(scpPath: ScpLevel[], managementAccountId = MANAGEMENT): AccountOrganization {
  return {
    membership: 'member',
    organizationId: 'o-a1b2c3d4e5',
    managementAccountId,
    scpsEnabled: true,
    scpPath,
  };
}

function contextWith(iam: IamAuthorizationDetails, extra: Partial<AccountInventory>): RuleContext {
  return {
    inventory: inventoryOf(iam, extra),
    config: { allowedSourceCidrs: APPROVED, skipDefaultVpcs: false },
  };
}

function only(iam: IamAuthorizationDetails, extra: Partial<AccountInventory>): ResultDraft {
  const { results } = check(contextWith(iam, extra));
  expect(results).toHaveLength(1);
  return results[0] as ResultDraft;
}

const unrestricted = userWith(doc(allowAll));
const ipGuardrail = scp('p-denyoutside1', guardrail());
const scpsOf = (result: ResultDraft) => result.evidence.serviceControlPolicies as Record<string, unknown>;

describe('SCPs: a Deny at any level denies', () => {
  it('fails the unrestricted principal without the OU guardrail and passes it with', () => {
    // Act
    const without = only(unrestricted, { organization: member(path()) });
    const withGuardrail = only(unrestricted, {
      organization: member(path({ ORGANIZATIONAL_UNIT: [ipGuardrail] })),
    });

    // Assess
    expect(without.status).toBe('FAIL');
    expect(without.evidence.scpsEvaluated).toBe(true);
    expect(withGuardrail.status).toBe('PASS');
    expect(withGuardrail.message).toBe(
      `User alice can create presigned notebook URLs only from 203.0.113.0/24, 2001:db8::/32 (the service control policies refuse it from elsewhere: policy denyoutside1 (service control policy at OU ${OU}), statement 0 (Sid DenyOutsideApprovedNetworks)).`,
    );
    expect(withGuardrail.evidence.allowedFrom).toEqual(['203.0.113.0/24', '2001:db8::/32']);
  });

  it.each(['ROOT', 'ORGANIZATIONAL_UNIT', 'ACCOUNT'] as const)(
    'counts the guardrail attached at the %s level',
    (level) => {
      // Act
      const result = only(unrestricted, { organization: member(path({ [level]: [ipGuardrail] })) });

      // Assess
      expect(result.status).toBe('PASS');
      expect(scpsOf(result).blocked).toBe(true);
      expect(scpsOf(result).blockedBy).toEqual([
        expect.objectContaining({
          policyName: 'denyoutside1',
          attachment: `service control policy at ${{ ROOT: `root ${ROOT}`, ORGANIZATIONAL_UNIT: `OU ${OU}`, ACCOUNT: `account ${ACCOUNT}` }[level]}`,
          effect: 'Deny',
        }),
      ]);
    },
  );

  it('lists the SCP Deny among the denies considered, applied, with why', () => {
    // Act
    const result = only(unrestricted, { organization: member(path({ ORGANIZATIONAL_UNIT: [ipGuardrail] })) });

    // Assess
    expect(result.evidence.deniesConsidered).toEqual([
      expect.objectContaining({
        policyName: 'denyoutside1',
        attachment: `service control policy at OU ${OU}`,
        applied: true,
        conditions: ['NotIpAddress aws:SourceIp [203.0.113.0/24, 2001:db8::/32]'],
      }),
    ]);
  });

  it('matches the action of an SCP Deny without case and with wildcards', () => {
    // Prepare
    const wildcard = scp('p-denywildcard', { ...guardrail(), Action: 'SageMaker:createpresigned*' });

    // Act
    const result = only(unrestricted, { organization: member(path({ ROOT: [wildcard] })) });

    // Assess
    expect(result.status).toBe('PASS');
  });

  it('does not count on an SCP Deny whose condition depends on a key the scanner cannot know', () => {
    // Prepare
    const exempting = scp(
      'p-denyexempt1',
      guardrail(APPROVED, { ArnNotLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/BreakGlass' } }),
    );

    // Act
    const result = only(unrestricted, { organization: member(path({ ORGANIZATIONAL_UNIT: [exempting] })) });

    // Assess
    expect(result.status).toBe('FAIL');
    expect(result.evidence.deniesConsidered).toEqual([
      expect.objectContaining({
        policyName: 'denyexempt1',
        applied: false,
        reason:
          'it depends on aws:PrincipalArn, which the scanner cannot know for an internet caller: not counted on',
      }),
    ]);
  });

  it('does not count on an SCP Deny that covers only some notebooks', () => {
    // Prepare
    const some = scp('p-denysome123', {
      ...guardrail(),
      Resource: `arn:aws:sagemaker:*:${ACCOUNT}:notebook-instance/prod-*`,
    });

    // Act
    const result = only(unrestricted, { organization: member(path({ ROOT: [some] })) });

    // Assess
    expect(result.status).toBe('FAIL');
  });
});

describe('SCPs: every level must allow', () => {
  const allowList = scp('p-allowlist12', { Effect: 'Allow', Action: ['ec2:*', 's3:*'], Resource: '*' });

  it.each(['ROOT', 'ORGANIZATIONAL_UNIT', 'ACCOUNT'] as const)(
    'passes when the %s level allows only other services',
    (type) => {
      // Prepare
      const levels = path().map((level) =>
        level.type === type ? { ...level, policies: [allowList] } : level,
      );
      const target = { ROOT: `root ${ROOT}`, ORGANIZATIONAL_UNIT: `OU ${OU}`, ACCOUNT: `account ${ACCOUNT}` }[
        type
      ];

      // Act
      const result = only(unrestricted, { organization: member(levels) });

      // Assess
      expect(result.status).toBe('PASS');
      expect(result.message).toBe(
        `User alice can create presigned notebook URLs from no address (the service control policies refuse it: no service control policy at ${target} allows it).`,
      );
      expect(scpsOf(result).blockedAtLevels).toEqual([target]);
      expect(result.evidence.allowedFrom).toEqual([]);
    },
  );

  it('passes when a level has no SCP at all', () => {
    // Prepare
    const levels = path().map((level) =>
      level.type === 'ORGANIZATIONAL_UNIT' ? { ...level, policies: [] } : level,
    );

    // Act
    const result = only(unrestricted, { organization: member(levels) });

    // Assess
    expect(result.status).toBe('PASS');
    expect(scpsOf(result).blockedAtLevels).toEqual([`OU ${OU}`]);
  });

  it('fails when each level allows SageMaker, one of them through a wildcard', () => {
    // Prepare
    const levels = path().map((level) =>
      level.type === 'ACCOUNT'
        ? {
            ...level,
            policies: [scp('p-allowsm1234', { Effect: 'Allow', Action: 'sagemaker:*', Resource: '*' })],
          }
        : level,
    );

    // Act
    const result = only(unrestricted, { organization: member(levels) });

    // Assess
    expect(result.status).toBe('FAIL');
    expect(scpsOf(result).levels).toEqual([
      expect.objectContaining({ target: `root ${ROOT}`, allows: true }),
      expect.objectContaining({ target: `OU ${OU}`, allows: true }),
      {
        target: `account ${ACCOUNT}`,
        allows: true,
        allowedBy: [expect.objectContaining({ policyName: 'allowsm1234', effect: 'Allow' })],
      },
    ]);
  });

  it('passes when an Allow with NotAction leaves the action out at one level', () => {
    // Prepare
    const levels = path().map((level) =>
      level.type === 'ROOT'
        ? {
            ...level,
            policies: [scp('p-notsagemaker', { Effect: 'Allow', NotAction: 'sagemaker:*', Resource: '*' })],
          }
        : level,
    );

    // Act
    const result = only(unrestricted, { organization: member(levels) });

    // Assess
    expect(result.status).toBe('PASS');
  });

  it('limits the request to the ranges of a conditional SCP Allow', () => {
    // Prepare
    const conditional = scp('p-allowrange1', {
      Effect: 'Allow',
      Action: '*',
      Resource: '*',
      Condition: { IpAddress: { 'aws:SourceIp': ['203.0.113.0/24'] } },
    });
    const levels = path().map((level) =>
      level.type === 'ORGANIZATIONAL_UNIT' ? { ...level, policies: [conditional] } : level,
    );

    // Act
    const result = only(unrestricted, { organization: member(levels) });

    // Assess
    expect(result.status).toBe('PASS');
    expect(result.evidence.allowedFrom).toEqual(['203.0.113.0/24']);
  });
});

describe('SCPs: where they do not apply', () => {
  it('leaves the management account unaffected', () => {
    // Act
    const result = only(unrestricted, {
      organization: member(path({ ROOT: [ipGuardrail] }), ACCOUNT),
    });

    // Assess
    expect(result.status).toBe('FAIL');
    expect(result.evidence.scpsEvaluated).toBe(true);
    expect(scpsOf(result)).toEqual({
      considered: expect.any(Array),
      note: 'SCPs do not apply to the management account',
    });
  });

  it('leaves service-linked roles out, whatever the SCPs', () => {
    // Prepare
    const iam: IamAuthorizationDetails = {
      RoleDetailList: [
        role('AWSServiceRoleForAmazonSageMakerNotebooks', {
          path: '/aws-service-role/sagemaker.amazonaws.com/',
          inline: { p: doc(allowAll) },
        }),
      ],
    };

    // Act
    const output = check(contextWith(iam, { organization: member(path({ ROOT: [ipGuardrail] })) }));

    // Assess
    expect(output.results).toEqual([]);
    expect(output.skipped).toEqual([
      expect.objectContaining({ reason: expect.stringContaining('service-linked role') }),
    ]);
  });

  it('applies none when the account belongs to no Organization', () => {
    // Act
    const result = only(unrestricted, { organization: { membership: 'none' } });

    // Assess
    expect(result.status).toBe('FAIL');
    expect(result.evidence.scpsEvaluated).toBe(true);
    expect(scpsOf(result).note).toBe('the account belongs to no Organization');
  });

  it('applies none when the root has not enabled SCPs', () => {
    // Act
    const result = only(unrestricted, {
      organization: { ...member([]), scpsEnabled: false } as AccountOrganization,
    });

    // Assess
    expect(result.status).toBe('FAIL');
    expect(scpsOf(result).note).toBe('the SERVICE_CONTROL_POLICY type is not enabled at the root');
  });
});

describe('SCPs: what could not be read', () => {
  it('keeps the verdict of the identity policies, and says why, when the SCPs could not be read', () => {
    // Act
    const result = only(unrestricted, {
      collectionErrors: [
        { section: 'organization', code: 'AccessDeniedException', message: 'not the management account' },
      ],
    });

    // Assess
    expect(result.status).toBe('FAIL');
    expect(result.evidence.scpsEvaluated).toBe(false);
    expect(result.evidence.scpsNotEvaluated).toBe(
      'the SCPs could not be read (AccessDeniedException: not the management account)',
    );
  });

  it('says that a snapshot without the section did not read the SCPs', () => {
    // Act
    const result = only(unrestricted, {});

    // Assess
    expect(result.evidence.scpsEvaluated).toBe(false);
    expect(result.evidence.scpsNotEvaluated).toBe('the inventory has no organization section');
  });

  it('never passes because of an SCP that does not parse: ERROR', () => {
    // Prepare
    const broken = { id: 'p-broken1234', name: 'broken', content: '{"Statement": [' };

    // Act
    const result = only(unrestricted, { organization: member(path({ ORGANIZATIONAL_UNIT: [broken] })) });

    // Assess
    expect(result.status).toBe('ERROR');
    expect(result.message).toContain('policy broken (service control policy at OU ou-ab12-cd34ef56)');
  });

  it('does not let an unreadable allow-list SCP block the request', () => {
    // Prepare
    const levels = path().map((level) =>
      level.type === 'ACCOUNT'
        ? { ...level, policies: [{ id: 'p-broken1234', name: 'broken', content: 'not json' }] }
        : level,
    );

    // Act
    const result = only(unrestricted, { organization: member(levels) });

    // Assess
    expect(result.status).toBe('ERROR');
    expect(result.message).toContain(`policy broken (service control policy at account ${ACCOUNT})`);
  });
});

describe('SCPs: evidence', () => {
  it('lists every SCP considered with where it is attached', () => {
    // Act
    const result = only(userWith(doc(allowAll, guardrail())), {
      organization: member(path({ ORGANIZATIONAL_UNIT: [ipGuardrail] })),
    });

    // Assess
    expect(scpsOf(result).considered).toEqual([
      { target: `root ${ROOT}`, policyId: 'p-FullAWSAccess', policyName: 'FullAWSAccess' },
      { target: `OU ${OU}`, policyId: 'p-FullAWSAccess', policyName: 'FullAWSAccess' },
      { target: `OU ${OU}`, policyId: 'p-denyoutside1', policyName: 'denyoutside1' },
      { target: `account ${ACCOUNT}`, policyId: 'p-FullAWSAccess', policyName: 'FullAWSAccess' },
    ]);
    expect(scpsOf(result).blocked).toBe(false);
    expect(result.status).toBe('PASS');
    expect(result.message).toBe(
      'User alice can create presigned notebook URLs only from 203.0.113.0/24, 2001:db8::/32.',
    );
  });
});
