import { describe, expect, it } from 'vitest';
import { permissionsFor } from '../../src/collect/sections/index.ts';
import type { IamAuthorizationDetails, PolicyDocumentInput } from '../../src/model/inventory.ts';
import type { ResultDraft } from '../../src/model/result.ts';
import { check, meta } from '../../src/rules/iam-principal-presigned-url-source-ip.ts';
import {
  ACCOUNT,
  ACTION,
  allowAll,
  awsManaged,
  contextOf,
  doc,
  group,
  guardrail,
  inventoryOf,
  managedPolicy,
  policyArn,
  role,
  type Statement,
  user,
  userWith,
} from '../iam/builders.ts';

function judge(iam: IamAuthorizationDetails, cidrs?: string[]): ResultDraft[] {
  return check(contextOf(iam, cidrs)).results;
}

function only(iam: IamAuthorizationDetails, cidrs?: string[]): ResultDraft {
  const results = judge(iam, cidrs);
  expect(results).toHaveLength(1);
  return results[0] as ResultDraft;
}

function allow(extra: Statement): Statement {
  return { Effect: 'Allow', Action: ACTION, Resource: '*', ...extra };
}

describe('iam-principal-presigned-url-source-ip: Action and NotAction', () => {
  it.each([
    '*',
    'sagemaker:*',
    'sagemaker:Create*',
    'sagemaker:*NotebookInstanceUrl',
    '*:CreatePresignedNotebookInstanceUrl',
    'sagemaker:createpresignednotebookinstanceurl',
    'sagemaker:CreatePresignedNotebookInstanceUr?',
    ['s3:GetObject', 'sagemaker:Create*'],
  ])('fails an unrestricted Allow whose Action is %j', (action) => {
    // Prepare
    const iam = userWith(doc({ Sid: 'Grant', Effect: 'Allow', Action: action, Resource: '*' }));
    // Act
    const result = only(iam);
    // Assess
    expect(result.status).toBe('FAIL');
    expect(result.evidence.grantingStatements).toEqual([
      expect.objectContaining({ policyName: 'p0', attachment: 'inline', statementIndex: 0, sid: 'Grant' }),
    ]);
  });

  it.each([
    'sagemaker:CreatePresignedDomainUrl',
    's3:*',
    'sagemaker:CreatePresignedNotebookInstanceUr',
    ['iam:*'],
  ])('gives no result when the Action is %j', (action) => {
    // Prepare
    const iam = userWith(doc({ Effect: 'Allow', Action: action, Resource: '*' }));
    // Act
    const output = check(contextOf(iam));
    // Assess
    expect(output.results).toEqual([]);
    expect(output.evaluated).toEqual({ principals: 1 });
  });

  it('fails a NotAction that does not exclude the action', () => {
    // Prepare
    const iam = userWith(doc({ Effect: 'Allow', NotAction: ['iam:*', 'organizations:*'], Resource: '*' }));
    // Act
    const result = only(iam);
    // Assess
    expect(result.status).toBe('FAIL');
  });

  it('gives no result for a NotAction that excludes the action', () => {
    // Prepare
    const iam = userWith(doc({ Effect: 'Allow', NotAction: 'sagemaker:Create*', Resource: '*' }));
    // Act / Assess
    expect(judge(iam)).toEqual([]);
  });
});

describe('iam-principal-presigned-url-source-ip: Resource and NotResource', () => {
  it('gives no result for an Allow on training jobs only', () => {
    // Prepare
    const iam = userWith(doc(allow({ Resource: 'arn:aws:sagemaker:*:*:training-job/*' })));
    // Act / Assess
    expect(judge(iam)).toEqual([]);
  });

  it('gives no result for an Allow on notebooks of another account', () => {
    // Prepare
    const iam = userWith(doc(allow({ Resource: 'arn:aws:sagemaker:*:444455556666:notebook-instance/*' })));
    // Act / Assess
    expect(judge(iam)).toEqual([]);
  });

  it('fails an Allow on some notebooks and shows the scope', () => {
    // Prepare
    const scope = 'arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/aws-glue-*';
    const iam = userWith(doc(allow({ Resource: scope })));
    // Act
    const result = only(iam);
    // Assess
    expect(result.status).toBe('FAIL');
    expect(result.evidence.grantingStatements).toEqual([expect.objectContaining({ resources: [scope] })]);
  });

  it('fails a NotResource that lists only domains, user profiles and apps', () => {
    // Prepare
    const iam = userWith(
      doc({
        Effect: 'Allow',
        Action: 'sagemaker:*',
        NotResource: [
          'arn:aws:sagemaker:*:*:domain/*',
          'arn:aws:sagemaker:*:*:user-profile/*',
          'arn:aws:sagemaker:*:*:app/*',
        ],
      }),
    );
    // Act
    const result = only(iam);
    // Assess
    expect(result.status).toBe('FAIL');
    expect(result.evidence.grantingStatements).toEqual([
      expect.objectContaining({
        resources: expect.arrayContaining(['NotResource arn:aws:sagemaker:*:*:app/*']),
      }),
    ]);
  });

  it('gives no result for a NotResource that excludes every notebook', () => {
    // Prepare
    const iam = userWith(
      doc({
        Effect: 'Allow',
        Action: 'sagemaker:*',
        NotResource: 'arn:aws:sagemaker:*:*:notebook-instance/*',
      }),
    );
    // Act / Assess
    expect(judge(iam)).toEqual([]);
  });

  it('fails an unrestricted Allow on * that a Deny guards only for prod-* notebooks', () => {
    // Prepare
    const iam = userWith(
      doc(allowAll, {
        ...guardrail(),
        Resource: 'arn:aws:sagemaker:*:111122223333:notebook-instance/prod-*',
      }),
    );
    // Act
    const result = only(iam);
    // Assess
    expect(result.status).toBe('FAIL');
    expect(result.evidence.deniesConsidered).toEqual([
      expect.objectContaining({
        applied: false,
        reason: expect.stringContaining('does not cover all the notebooks'),
      }),
    ]);
  });

  it('passes an Allow on prod-* notebooks that a Deny on every notebook guards', () => {
    // Prepare
    const iam = userWith(
      doc(allow({ Resource: 'arn:aws:sagemaker:eu-west-1:111122223333:notebook-instance/prod-*' }), {
        ...guardrail(),
        Resource: 'arn:aws:sagemaker:*:*:notebook-instance/*',
      }),
    );
    // Act
    const result = only(iam);
    // Assess
    expect(result.status).toBe('PASS');
  });

  const studioOnly = [
    'arn:aws:sagemaker:*:*:domain/*',
    'arn:aws:sagemaker:*:*:user-profile/*',
    'arn:aws:sagemaker:*:*:app/*',
  ];
  // A Deny whose NotResource surely leaves every notebook out does not bear on the request at all.
  it.each<[string, 'PASS' | 'FAIL', string[], boolean[]]>([
    ['only domains, user profiles and apps', 'PASS', studioOnly, [true]],
    ['those and every notebook', 'FAIL', [...studioOnly, 'arn:aws:sagemaker:*:*:notebook-instance/*'], []],
    ['the prod-* notebooks', 'FAIL', ['arn:aws:sagemaker:*:111122223333:notebook-instance/prod-*'], [false]],
    ['any resource type of sagemaker', 'FAIL', ['arn:aws:sagemaker:*:*:*'], []],
    ['a wildcard that may span the ARN segments', 'FAIL', ['arn:aws:sagemaker:*/*'], [false]],
  ])(
    'judges a guardrail Deny with NotResource listing %s beside an Allow on *: %s',
    (_what, status, notResource, applied) => {
      // Prepare
      const { Resource: _everything, ...denyOnEverything } = guardrail();
      const iam = userWith(doc(allowAll, { ...denyOnEverything, NotResource: notResource }));
      // Act
      const result = only(iam);
      // Assess
      expect(result.status).toBe(status);
      expect(result.evidence.deniesConsidered).toEqual(
        applied.map((counted) =>
          expect.objectContaining({
            applied: counted,
            resources: notResource.map((entry) => `NotResource ${entry}`),
          }),
        ),
      );
    },
  );
});

describe('iam-principal-presigned-url-source-ip: conditions', () => {
  it.each<[string, Record<string, unknown>, string]>([
    ['IpAddress on an approved range', { IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } }, 'PASS'],
    ['a lower-case key', { IpAddress: { 'aws:sourceip': ['203.0.113.0/25'] } }, 'PASS'],
    ['an IPv6 range inside the approved one', { IpAddress: { 'aws:SourceIp': '2001:db8:1::/48' } }, 'PASS'],
    ['a bare address', { IpAddress: { 'aws:SourceIp': '203.0.113.9' } }, 'PASS'],
    [
      'IpAddressIfExists (the key is present for an internet caller)',
      { IpAddressIfExists: { 'aws:SourceIp': '203.0.113.0/24' } },
      'PASS',
    ],
    [
      'ForAnyValue:IpAddress on the single-valued key',
      { 'ForAnyValue:IpAddress': { 'aws:SourceIp': '203.0.113.0/24' } },
      'PASS',
    ],
    [
      'IpAddress on a range partly outside the approved ones',
      { IpAddress: { 'aws:SourceIp': ['203.0.113.0/24', '198.51.100.7'] } },
      'FAIL',
    ],
    [
      'NotIpAddress on an Allow (admits the rest of the internet)',
      { NotIpAddress: { 'aws:SourceIp': '198.51.100.0/24' } },
      'FAIL',
    ],
    ['a condition on an unknown key only', { StringEquals: { 'aws:PrincipalTag/team': 'ml' } }, 'FAIL'],
    [
      'Bool aws:ViaAWSService true (unreachable for an internet caller)',
      { Bool: { 'aws:ViaAWSService': 'true' } },
      'PASS',
    ],
    [
      'IpAddress with an unknown-key condition beside it',
      { IpAddress: { 'aws:SourceIp': '203.0.113.0/24' }, StringLike: { 'aws:userid': '*' } },
      'PASS',
    ],
    [
      'a VPC endpoint condition (absent for an internet caller)',
      { StringEquals: { 'aws:SourceVpce': 'vpce-0123' } },
      'PASS',
    ],
  ])('judges an Allow with %s', (_name, condition, expected) => {
    // Prepare
    const iam = userWith(doc(allow({ Condition: condition })));
    // Act
    const result = only(iam);
    // Assess
    expect(result.status).toBe(expected);
    expect(result.evidence.grantingStatements).toEqual([expect.objectContaining({ effect: 'Allow' })]);
    if (expected === 'FAIL') expect(result.evidence.offendingAddress).toEqual(expect.any(String));
  });

  it('names the offending address outside the approved ranges', () => {
    // Prepare
    const iam = userWith(
      doc(allow({ Condition: { IpAddress: { 'aws:SourceIp': ['203.0.113.0/24', '198.51.100.7'] } } })),
    );
    // Act
    const result = only(iam);
    // Assess
    expect(result.evidence.offendingAddress).toBe('198.51.100.7');
    expect(result.evidence.allowedFrom).toEqual(['198.51.100.7/32', '203.0.113.0/24']);
    expect(result.message).toContain('198.51.100.7 (outside the approved ranges)');
  });

  it.each<[string, Statement, string, string]>([
    ['NotIpAddress guards', guardrail(), 'PASS', 'it applies at'],
    [
      'NotIpAddressIfExists guards',
      {
        ...guardrail(),
        Condition: { NotIpAddressIfExists: { 'aws:SourceIp': ['203.0.113.0/24', '2001:db8::/32'] } },
      },
      'PASS',
      'it applies at',
    ],
    [
      'ForAllValues:NotIpAddress guards',
      {
        ...guardrail(),
        Condition: { 'ForAllValues:NotIpAddress': { 'aws:SourceIp': ['203.0.113.0/24', '2001:db8::/32'] } },
      },
      'PASS',
      'it applies at',
    ],
    [
      'an extra unknown-key condition is not counted on',
      guardrail(undefined, { StringNotEquals: { 'aws:PrincipalTag/exempt': 'yes' } }),
      'FAIL',
      'cannot know',
    ],
    [
      'a guardrail wider than the approved ranges',
      guardrail(['203.0.113.0/24', '198.51.100.0/24']),
      'FAIL',
      'does not hold for 198.51.100.0',
    ],
    [
      'an IPv4-only guardrail (it also denies every IPv6 caller)',
      guardrail(['203.0.113.0/24']),
      'PASS',
      'it applies at',
    ],
    [
      'a NotAction that excludes the action does not guard',
      {
        Effect: 'Deny',
        NotAction: 'sagemaker:*',
        Resource: '*',
        Condition: { NotIpAddress: { 'aws:SourceIp': '203.0.113.0/24' } },
      },
      'FAIL',
      '',
    ],
  ])('judges a Deny guardrail: %s', (_name, deny, expected, reason) => {
    // Prepare
    const iam = userWith(doc(allowAll, deny));
    // Act
    const result = only(iam);
    // Assess
    expect(result.status).toBe(expected);
    const denies = result.evidence.deniesConsidered as { reason: string }[];
    if (reason) expect(denies[0]?.reason).toContain(reason);
    else expect(denies).toEqual([]);
  });

  it('names a publicly routable offending address rather than a documentation range', () => {
    // Prepare
    const iam = userWith(
      doc(allow({ Condition: { IpAddress: { 'aws:SourceIp': ['2001:db8::/32', '2600:1f00::/24'] } } })),
    );
    // Act
    const result = only(iam);
    // Assess
    expect(result.status).toBe('FAIL');
    expect(result.evidence.offendingAddress).toBe('2600:1f00::');
  });

  it('names an IPv6 offending address when the IPv6 range is not approved', () => {
    // Prepare
    const iam = userWith(
      doc(allow({ Condition: { IpAddress: { 'aws:SourceIp': ['203.0.113.0/24', '2001:db9::/32'] } } })),
    );
    // Act
    const result = only(iam);
    // Assess
    expect(result.status).toBe('FAIL');
    expect(result.evidence.offendingAddress).toBe('2001:db9::');
  });
});

describe('iam-principal-presigned-url-source-ip: where the guardrail lives', () => {
  it('passes with the guardrail in another attached customer policy', () => {
    // Prepare
    const iam: IamAuthorizationDetails = {
      UserDetailList: [user('alice', { inline: { grant: doc(allowAll) }, attached: [policyArn('guard')] })],
      Policies: [managedPolicy('guard', doc(guardrail()))],
    };
    // Act
    const result = only(iam);
    // Assess
    expect(result.status).toBe('PASS');
    expect(result.evidence.deniesConsidered).toEqual([
      expect.objectContaining({
        policyName: 'guard',
        policyArn: policyArn('guard'),
        attachment: 'attached directly',
        applied: true,
      }),
    ]);
    expect(result.evidence.blocksPrivateLink).toBe(true);
  });

  it('passes with the guardrail in a group the user belongs to, joined through GroupList', () => {
    // Prepare
    const iam: IamAuthorizationDetails = {
      UserDetailList: [
        user('alice', { inline: { grant: doc(allowAll) }, groups: ['ml'] }),
        user('bob', { inline: { grant: doc(allowAll) } }),
      ],
      GroupDetailList: [group('ml', { inline: { guard: doc(guardrail()) } })],
    };
    // Act
    const results = judge(iam);
    // Assess
    expect(results.map((result) => [result.resourceId, result.status])).toEqual([
      [`arn:aws:iam::${ACCOUNT}:user/alice`, 'PASS'],
      [`arn:aws:iam::${ACCOUNT}:user/bob`, 'FAIL'],
    ]);
    expect(results[0]?.evidence.deniesConsidered).toEqual([
      expect.objectContaining({ attachment: 'inline via group ml' }),
    ]);
  });

  it('fails a user granted through a group policy and names the group', () => {
    // Prepare
    const iam: IamAuthorizationDetails = {
      UserDetailList: [user('alice', { groups: ['ml'] })],
      GroupDetailList: [group('ml', { attached: [policyArn('grant')] })],
      Policies: [managedPolicy('grant', doc(allowAll))],
    };
    // Act
    const result = only(iam);
    // Assess
    expect(result.status).toBe('FAIL');
    expect(result.message).toContain('policy grant (attached via group ml), statement 0');
  });

  it('reports that a guardrail with a VPC endpoint exception does not block PrivateLink', () => {
    // Prepare
    const iam = userWith(doc(allowAll, guardrail(undefined, { Null: { 'aws:SourceVpce': 'true' } })));
    // Act
    const result = only(iam);
    // Assess
    expect(result.status).toBe('PASS');
    expect(result.evidence.blocksPrivateLink).toBe(false);
  });

  it('counts only the default version of a managed policy', () => {
    // Prepare
    const policy = managedPolicy(
      'grant',
      doc(allow({ Condition: { IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } } })),
    );
    policy.PolicyVersionList = [
      { Document: doc(allowAll), VersionId: 'v1', IsDefaultVersion: false },
      {
        Document: doc(allow({ Condition: { IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } } })),
        VersionId: 'v2',
        IsDefaultVersion: true,
      },
    ];
    const iam: IamAuthorizationDetails = {
      UserDetailList: [user('alice', { attached: [policy.Arn] })],
      Policies: [policy],
    };
    // Act
    const result = only(iam);
    // Assess
    expect(result.status).toBe('PASS');
  });
});

describe('iam-principal-presigned-url-source-ip: permissions boundaries', () => {
  it('passes a principal whose boundary does not allow the action', () => {
    // Prepare
    const iam: IamAuthorizationDetails = {
      RoleDetailList: [role('ml', { inline: { grant: doc(allowAll) }, boundary: policyArn('boundary') })],
      Policies: [managedPolicy('boundary', doc({ Effect: 'Allow', Action: 's3:*', Resource: '*' }))],
    };
    // Act
    const result = only(iam);
    // Assess
    expect(result.status).toBe('PASS');
    expect(result.evidence.permissionsBoundaryAllows).toBe(false);
    expect(result.evidence.allowedFrom).toEqual([]);
  });

  it('passes a principal whose boundary allows the action only from approved addresses', () => {
    // Prepare
    const iam: IamAuthorizationDetails = {
      RoleDetailList: [role('ml', { inline: { grant: doc(allowAll) }, boundary: policyArn('boundary') })],
      Policies: [
        managedPolicy(
          'boundary',
          doc({
            Effect: 'Allow',
            Action: '*',
            Resource: '*',
            Condition: { IpAddress: { 'aws:SourceIp': ['203.0.113.0/24', '2001:db8::/32'] } },
          }),
        ),
      ],
    };
    // Act
    const result = only(iam);
    // Assess
    expect(result.status).toBe('PASS');
    expect(result.evidence.allowedFrom).toEqual(['203.0.113.0/24', '2001:db8::/32']);
  });

  it('fails a principal whose boundary allows everything (a boundary only limits)', () => {
    // Prepare
    const iam: IamAuthorizationDetails = {
      RoleDetailList: [role('ml', { inline: { grant: doc(allowAll) }, boundary: policyArn('boundary') })],
      Policies: [managedPolicy('boundary', doc({ Effect: 'Allow', Action: '*', Resource: '*' }))],
    };
    // Act
    const result = only(iam);
    // Assess
    expect(result.status).toBe('FAIL');
  });

  it('gives no result when only the boundary allows the action', () => {
    // Prepare
    const iam: IamAuthorizationDetails = {
      RoleDetailList: [role('ml', { boundary: policyArn('boundary') })],
      Policies: [managedPolicy('boundary', doc(allowAll))],
    };
    // Act / Assess
    expect(judge(iam)).toEqual([]);
  });
});

describe('iam-principal-presigned-url-source-ip: AWS managed policies', () => {
  const names = [
    'AdministratorAccess',
    'PowerUserAccess',
    'AmazonSageMakerFullAccess',
    'DataScientist',
  ] as const;

  it.each(names)('fails %s attached without a guardrail', (name) => {
    // Prepare
    const policy = awsManaged(name);
    const iam: IamAuthorizationDetails = {
      RoleDetailList: [role('ml', { attached: [policy.Arn] })],
      Policies: [policy],
    };
    // Act
    const result = only(iam);
    // Assess
    expect(result.status).toBe('FAIL');
    expect(result.evidence.grantingStatements).toEqual([
      expect.objectContaining({ policyArn: policy.Arn, attachment: 'attached directly' }),
    ]);
    expect(result.evidence.scpsEvaluated).toBe(false);
  });

  it.each(names)('passes %s with a Deny NotIpAddress guardrail beside it', (name) => {
    // Prepare
    const policy = awsManaged(name);
    const iam: IamAuthorizationDetails = {
      RoleDetailList: [role('ml', { attached: [policy.Arn], inline: { guard: doc(guardrail()) } })],
      Policies: [policy],
    };
    // Act
    const result = only(iam);
    // Assess
    expect(result.status).toBe('PASS');
    expect(result.evidence.blocksPrivateLink).toBe(true);
    expect(result.evidence.deniesConsidered).toEqual([
      expect.objectContaining({ sid: 'DenyOutsideApprovedNetworks', applied: true }),
    ]);
  });
});

describe('iam-principal-presigned-url-source-ip: documents', () => {
  const withSpecials = doc({
    Sid: 'Grant',
    Effect: 'Allow',
    Action: ACTION,
    Resource: '*',
    Condition: { StringLike: { 'aws:userid': ['a+b%c*', 'Zoë*'] } },
  });

  it.each<[string, PolicyDocumentInput]>([
    ['URL-encoded', encodeURIComponent(JSON.stringify(withSpecials))],
    ['JSON text', JSON.stringify(withSpecials)],
    ['an object', withSpecials],
  ])('reads a document that arrives as %s, with %%, + and non-ASCII intact', (_form, input) => {
    // Prepare
    const iam = userWith(input);
    // Act
    const result = only(iam);
    // Assess
    expect(result.status).toBe('FAIL');
    expect(result.evidence.grantingStatements).toEqual([
      expect.objectContaining({ sid: 'Grant', conditions: ['StringLike aws:userid [a+b%c*, Zoë*]'] }),
    ]);
  });

  it('gives ERROR, never PASS, for a document that does not parse', () => {
    // Prepare
    const iam = userWith('%7B%22Version%22%3A');
    // Act
    const result = only(iam);
    // Assess
    expect(result.status).toBe('ERROR');
    expect(result.message).toContain('does not parse');
  });

  it('gives ERROR for an unknown operator on the decisive path', () => {
    // Prepare
    const iam = userWith(doc(allow({ Condition: { IpAddressLike: { 'aws:SourceIp': '203.0.113.0/24' } } })));
    // Act
    const result = only(iam);
    // Assess
    expect(result.status).toBe('ERROR');
    expect(result.evidence.notUnderstood).toEqual([
      expect.objectContaining({ problem: 'unknown condition operator IpAddressLike' }),
    ]);
  });

  it('treats operators case-sensitively, as AWS does', () => {
    // Prepare
    const iam = userWith(
      doc(allowAll, { ...guardrail(), Condition: { notipaddress: { 'aws:SourceIp': '203.0.113.0/24' } } }),
    );
    // Act
    const result = only(iam);
    // Assess
    expect(result.status).toBe('ERROR');
  });

  it('passes when the not-understood statement cannot change the outcome', () => {
    // Prepare
    const iam = userWith(
      doc(allow({ Condition: { IpAddressLike: { 'aws:SourceIp': '0.0.0.0/0' } } }), guardrail()),
    );
    // Act
    const result = only(iam);
    // Assess
    expect(result.status).toBe('PASS');
    expect(result.evidence.notUnderstood).toHaveLength(1);
  });

  it('fails when the request is allowed even if the not-understood Deny applied', () => {
    // Prepare
    const iam = userWith(
      doc(allowAll, {
        ...guardrail(),
        Resource: 'arn:aws:sagemaker:*:*:notebook-instance/prod-*',
        Condition: { Weird: { 'aws:SourceIp': 'x' } },
      }),
    );
    // Act
    const result = only(iam);
    // Assess
    expect(result.status).toBe('FAIL');
  });

  it.each<[string, Statement]>([
    ['missing Effect', { Action: ACTION, Resource: '*' }],
    ['an Action of the wrong type', { Effect: 'Allow', Action: 42, Resource: '*' }],
  ])(
    'gives ERROR for the principal with a malformed statement (%s) and judges the others',
    (_name, statement) => {
      // Prepare
      const iam: IamAuthorizationDetails = {
        UserDetailList: [
          user('alice', { inline: { broken: doc(statement) } }),
          user('bob', { inline: { grant: doc(allowAll) } }),
        ],
      };
      // Act
      const results = judge(iam);
      // Assess
      expect(results.map((result) => result.status)).toEqual(['ERROR', 'FAIL']);
    },
  );

  it('gives ERROR when an attached managed policy is not in the IAM data', () => {
    // Prepare
    const iam: IamAuthorizationDetails = {
      UserDetailList: [user('alice', { attached: [policyArn('ghost')] })],
    };
    // Act
    const result = only(iam);
    // Assess
    expect(result.status).toBe('ERROR');
    expect(result.message).toContain('is not in the IAM data');
  });
});

describe('iam-principal-presigned-url-source-ip: no approved ranges configured', () => {
  it.each<[string, Statement[], string]>([
    ['an unrestricted Allow', [allowAll], 'FAIL'],
    [
      'an Allow from one range',
      [allow({ Condition: { IpAddress: { 'aws:SourceIp': '198.51.100.0/24' } } })],
      'PASS',
    ],
    [
      'an Allow from 0.0.0.0/0',
      [allow({ Condition: { IpAddress: { 'aws:SourceIp': '0.0.0.0/0' } } })],
      'FAIL',
    ],
    ['an Allow from ::/0', [allow({ Condition: { IpAddress: { 'aws:SourceIp': '::/0' } } })], 'FAIL'],
    [
      'an Allow from two halves covering IPv4',
      [allow({ Condition: { IpAddress: { 'aws:SourceIp': ['0.0.0.0/1', '128.0.0.0/1'] } } })],
      'FAIL',
    ],
    ['a guardrail with one range', [allowAll, guardrail(['198.51.100.0/24'])], 'PASS'],
  ])('judges %s', (_name, statements, expected) => {
    // Prepare
    const iam = userWith(doc(...statements));
    // Act
    const result = only(iam, []);
    // Assess
    expect(result.status).toBe(expected);
    expect(result.evidence.approvedRanges).toEqual([]);
    if (expected === 'PASS') expect(result.evidence.allowedFrom).toEqual(['198.51.100.0/24']);
  });
});

describe('iam-principal-presigned-url-source-ip: scope', () => {
  it('skips service-linked roles and judges service roles with their trusted principals', () => {
    // Prepare
    const iam: IamAuthorizationDetails = {
      RoleDetailList: [
        role('AWSServiceRoleForAmazonSageMakerNotebooks', {
          path: '/aws-service-role/sagemaker.amazonaws.com/',
          inline: { p: doc(allowAll) },
        }),
        role('SageMakerExecution', { path: '/service-role/', inline: { p: doc(allowAll) } }),
      ],
    };
    // Act
    const output = check(contextOf(iam));
    // Assess
    expect(output.skipped).toEqual([
      expect.objectContaining({
        resourceId: `arn:aws:iam::${ACCOUNT}:role/aws-service-role/sagemaker.amazonaws.com/AWSServiceRoleForAmazonSageMakerNotebooks`,
      }),
    ]);
    expect(output.results).toEqual([
      expect.objectContaining({
        status: 'FAIL',
        resourceType: 'AWS::IAM::Role',
        region: 'global',
        evidence: expect.objectContaining({
          trustedPrincipals: ['Service:sagemaker.amazonaws.com'],
          scpsEvaluated: false,
        }),
      }),
    ]);
    expect(output.evaluated).toEqual({ principals: 1 });
  });

  it('gives one ERROR quoting the collection error when the iam section is missing', () => {
    // Prepare
    const inventory = inventoryOf(undefined, {
      collectionErrors: [
        {
          section: 'iam',
          code: 'AccessDenied',
          message: 'not authorized to perform iam:GetAccountAuthorizationDetails',
        },
      ],
    });
    // Act
    const output = check({ inventory, config: { allowedSourceCidrs: [], skipDefaultVpcs: false } });
    // Assess
    expect(output.results).toEqual([
      expect.objectContaining({
        status: 'ERROR',
        message: expect.stringContaining('AccessDenied: not authorized'),
      }),
    ]);
  });

  it('declares what it needs', () => {
    // Assess
    expect(meta.needs).toEqual(['iam', 'organization']);
    expect(permissionsFor(meta.needs)).toEqual([
      'iam:GetAccountAuthorizationDetails',
      'organizations:DescribeOrganization',
      'organizations:DescribePolicy',
      'organizations:ListParents',
      'organizations:ListPoliciesForTarget',
      'organizations:ListRoots',
    ]);
  });
});

describe('iam-principal-presigned-url-source-ip: inputs IAM itself would refuse', () => {
  const withPrincipal = (element: 'Principal' | 'NotPrincipal'): Statement => ({
    Sid: 'Odd',
    Effect: 'Allow',
    Action: 's3:GetObject',
    Resource: '*',
    [element]: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
  });

  it.each(['Principal', 'NotPrincipal'] as const)(
    'gives ERROR, never PASS, for %s in a guarded principal’s inline, managed or boundary policy',
    (element) => {
      // Prepare: guarded, so the principal would PASS if the odd statement were ignored
      const guarded = (name: string, parts: Parameters<typeof user>[1]) =>
        user(name, { ...parts, inline: { grant: doc(allowAll, guardrail()), ...parts?.inline } });
      const iam: IamAuthorizationDetails = {
        UserDetailList: [
          guarded('inline', { inline: { odd: doc(withPrincipal(element)) } }),
          guarded('managed', { attached: [policyArn('odd')] }),
          guarded('bounded', { boundary: policyArn('boundary') }),
          guarded('clean', {}),
        ],
        Policies: [
          managedPolicy('odd', doc(withPrincipal(element))),
          managedPolicy(
            'boundary',
            doc({ Effect: 'Allow', Action: '*', Resource: '*' }, withPrincipal(element)),
          ),
        ],
      };
      // Act
      const results = judge(iam);
      // Assess
      expect(results.map((result) => [result.resourceId.split('/').pop(), result.status])).toEqual([
        ['inline', 'ERROR'],
        ['managed', 'ERROR'],
        ['bounded', 'ERROR'],
        ['clean', 'PASS'],
      ]);
      const refusal = `has a ${element} element, which IAM refuses in an identity-based policy (inline, managed or boundary)`;
      expect(results[0]?.message).toBe(
        `Could not judge user inline: policy odd (inline), statement 0 (Sid Odd): statement 0 (Odd) ${refusal}.`,
      );
      expect(results[1]?.message).toContain(`policy odd (attached directly), statement 0 (Sid Odd)`);
      expect(results[2]?.message).toContain(`policy boundary (permissions boundary), statement 1 (Sid Odd)`);
    },
  );

  it.each([
    ['a single integer', '3405803776'],
    ['hex-looking octets', '0xcb.0.113.0/24'],
    ['octal-looking octets', '0313.0.113.0/24'],
    ['fewer than four parts', '203.0.113/24'],
    ['two parts', '203.7405568'],
    ['a zero-padded prefix', '203.0.113.0/024'],
    ['an IPv6 zone id', 'fe80::1%eth0'],
    ['an IPv4 tail in inet_aton form', '::ffff:0xcb.0.113.0'],
  ])('gives ERROR for an aws:SourceIp value in %s (%s), not standard notation', (_name, value) => {
    // Prepare
    const iam = userWith(doc(allowAll, guardrail([value, '203.0.113.0/24', '2001:db8::/32'])));
    // Act
    const result = only(iam);
    // Assess
    expect(result.status).toBe('ERROR');
    expect(result.evidence.notUnderstood).toEqual([
      expect.objectContaining({
        problem: `NotIpAddress aws:SourceIp holds ${JSON.stringify(value)}, which is not an IP address or CIDR in standard notation (such as 203.0.113.0/24, 2001:db8::/32 or 203.0.113.7)`,
      }),
    ]);
  });
});

describe('iam-principal-presigned-url-source-ip: keys only VPC endpoint callers carry', () => {
  it.each([
    ['StringNotEquals', 'aws:SourceVpce', 'vpce-0123'],
    ['StringNotEquals', 'aws:SourceVpc', 'vpc-0123'],
    ['ArnNotLike', 'aws:SourceVpcArn', 'arn:aws:ec2:*:111122223333:vpc/*'],
    ['NotIpAddress', 'aws:VpcSourceIp', '10.0.0.0/8'],
    ['StringNotEquals', 'aws:VpceAccount', '111122223333'],
    ['StringNotEquals', 'aws:VpceOrgID', 'o-a1b2c3d4e5'],
    ['ForAllValues:StringNotLike', 'aws:VpceOrgPaths', 'o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/*'],
  ])('counts a Deny %s %s as applying to the internet caller (the key is absent)', (operator, key, value) => {
    // Prepare
    const iam = userWith(
      doc(allowAll, {
        Sid: 'DataPerimeter',
        Effect: 'Deny',
        Action: ACTION,
        Resource: '*',
        Condition: { [operator]: { [key]: value } },
      }),
    );
    // Act
    const result = only(iam);
    // Assess
    expect(result.status).toBe('PASS');
    expect(result.evidence.deniesConsidered).toEqual([
      expect.objectContaining({ sid: 'DataPerimeter', applied: true }),
    ]);
  });
});

describe('iam-principal-presigned-url-source-ip: Denies that cover together', () => {
  const prod = 'arn:aws:sagemaker:*:111122223333:notebook-instance/prod-*';
  const onPart = (resource: Statement, ranges?: string[]): Statement => {
    const { Resource: _everything, ...deny } = guardrail(ranges);
    return { ...deny, ...resource };
  };

  it('passes two Denies on prod-* notebooks and on every notebook but prod-*: together they cover all', () => {
    // Prepare
    const iam = userWith(doc(allowAll, onPart({ Resource: prod })), doc(onPart({ NotResource: prod })));
    // Act
    const result = only(iam);
    // Assess
    expect(result.status).toBe('PASS');
    expect(result.evidence.deniesConsidered).toEqual([
      expect.objectContaining({
        policyName: 'p0',
        applied: true,
        reason:
          'it applies at 1.0.0.0 and, together with the other Denies that apply there, covers the notebooks granted',
      }),
      expect.objectContaining({ policyName: 'p1', applied: true }),
    ]);
  });

  it('passes a Deny on us-east-1 notebooks beside a Deny with NotResource on them', () => {
    // Prepare
    const east = 'arn:aws:sagemaker:us-east-1:*:notebook-instance/*';
    const iam = userWith(doc(allowAll, onPart({ Resource: east }), onPart({ NotResource: east })));
    // Act / Assess
    expect(only(iam).status).toBe('PASS');
  });

  it('fails when the two Denies leave a gap (prod-* and every notebook but dev-*)', () => {
    // Prepare
    const dev = 'arn:aws:sagemaker:*:111122223333:notebook-instance/dev-*';
    const iam = userWith(doc(allowAll, onPart({ Resource: prod }), onPart({ NotResource: dev })));
    // Act
    const result = only(iam);
    // Assess
    expect(result.status).toBe('FAIL');
    expect(result.evidence.deniesConsidered).toEqual([
      expect.objectContaining({ applied: false, reason: expect.stringContaining('does not cover') }),
      expect.objectContaining({ applied: false, reason: expect.stringContaining('does not cover') }),
    ]);
  });

  it('judges thirty Denies that each leave prod-* out without trying every order of them', () => {
    // Prepare
    const dev = 'arn:aws:sagemaker:*:111122223333:notebook-instance/dev-*';
    const leavingProdOut = Array.from({ length: 30 }, () => onPart({ NotResource: prod }));
    const iam = userWith(doc(allowAll, onPart({ Resource: dev }), ...leavingProdOut));
    // Act
    const result = only(iam);
    // Assess
    expect(result.status).toBe('FAIL');
    expect(result.evidence.grantingStatements).toEqual([expect.objectContaining({ statementIndex: 0 })]);
  });

  it('fails where only one of the two Denies applies: the union is taken per address', () => {
    // Prepare: the NotResource Deny spares 198.51.100.0/24, where the prod-* Deny alone applies
    const iam = userWith(
      doc(
        allowAll,
        onPart({ Resource: prod }),
        onPart({ NotResource: prod }, ['203.0.113.0/24', '198.51.100.0/24', '2001:db8::/32']),
      ),
    );
    // Act
    const result = only(iam);
    // Assess
    expect(result.status).toBe('FAIL');
    expect(result.evidence.offendingAddress).toBe('198.51.100.0');
  });
});
