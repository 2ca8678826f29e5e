// biome-ignore-all lint/suspicious/noTemplateCurlyInString: IAM policy variables are written ${…} in policy documents.
import { describe, expect, it } from 'vitest';
import type { IamAuthorizationDetails } from '../../src/model/inventory.ts';
import type { ResultDraft } from '../../src/model/result.ts';
import { check } from '../../src/rules/iam-principal-presigned-url-source-ip.ts';
import { ACTION, allowAll, contextOf, doc, guardrail, type Statement, userWith } from './builders.ts';

/** Policy variables, judged through the principal rule as a scan would. */

function judge(iam: IamAuthorizationDetails): ResultDraft[] {
  return check(contextOf(iam)).results;
}

function only(iam: IamAuthorizationDetails): ResultDraft {
  const results = judge(iam);
  expect(results).toHaveLength(1);
  return results[0] as ResultDraft;
}

function allow(extra: Statement): Statement {
  return { Effect: 'Allow', Action: ACTION, Resource: '*', ...extra };
}

describe('IAM policy variables', () => {
  const ownNotebook = 'arn:aws:sagemaker:*:*:notebook-instance/${aws:username}';
  const denyOutside = (extra: Statement): Statement => {
    const { Resource: _everything, ...deny } = guardrail();
    return { ...deny, Resource: '*', ...extra };
  };
  const withoutResource = ({ Resource: _everything, ...statement }: Statement) => statement;
  const viaTag = { StringEquals: { 'aws:ViaAWSService': '${aws:PrincipalTag/via}' } };

  /** [element, effect, statements, status with variables, status as literal text ('none': no result)]. */
  const cases: [string, 'Allow' | 'Deny', Statement[], string, string][] = [
    [
      'Resource',
      'Allow',
      [allow({ Resource: 'arn:aws:sagemaker:*:${aws:PrincipalAccount}:notebook-instance/*' })],
      'FAIL',
      'none',
    ],
    ['Resource', 'Deny', [allowAll, denyOutside({ Resource: ownNotebook })], 'FAIL', 'FAIL'],
    ['NotResource', 'Allow', [{ Effect: 'Allow', Action: ACTION, NotResource: ownNotebook }], 'FAIL', 'FAIL'],
    [
      'NotResource',
      'Deny',
      [allowAll, { ...withoutResource(denyOutside({})), NotResource: ownNotebook }],
      'FAIL',
      'PASS',
    ],
    ['Condition', 'Allow', [allow({ Condition: viaTag })], 'FAIL', 'PASS'],
    [
      'Condition',
      'Deny',
      [
        allowAll,
        denyOutside({
          Condition: {
            NotIpAddress: { 'aws:SourceIp': ['203.0.113.0/24', '2001:db8::/32'] },
            StringNotEquals: { 'aws:ViaAWSService': '${aws:PrincipalTag/via}' },
          },
        }),
      ],
      'FAIL',
      'PASS',
    ],
  ];
  const versions: [string, Record<string, unknown>, boolean][] = [
    ['Version 2012-10-17', { Version: '2012-10-17' }, true],
    ['Version 2008-10-17', { Version: '2008-10-17' }, false],
    ['no Version', {}, false],
  ];

  it.each(
    cases.flatMap(([element, effect, statements, withVariables, literal]) =>
      versions.map(
        ([name, version, substituted]) =>
          [
            element,
            effect,
            name,
            substituted ? withVariables : literal,
            { ...version, Statement: statements },
            substituted,
          ] as const,
      ),
    ),
  )(
    'judges a variable in %s of a statement with Effect %s and %s: %s',
    (_element, effect, _name, expected, document, substituted) => {
      // Prepare
      const iam = userWith(document);
      // Act
      const results = judge(iam);
      // Assess
      expect(results.map((result) => result.status)).toEqual(expected === 'none' ? [] : [expected]);
      if (effect === 'Deny') {
        const denies = results[0]?.evidence.deniesConsidered as { reason: string }[] | undefined;
        expect(denies?.[0]?.reason.includes('the policy variable')).toBe(substituted);
      }
    },
  );

  it('does not count on a Deny whose NotResource holds ${aws:username}: the own notebook is open from anywhere', () => {
    // Prepare
    const { Resource: _everything, ...deny } = guardrail();
    const iam = userWith(doc(allowAll, { ...deny, NotResource: ownNotebook }));
    // Act
    const result = only(iam);
    // Assess
    expect(result.status).toBe('FAIL');
    expect(result.evidence.deniesConsidered).toEqual([
      expect.objectContaining({
        applied: false,
        reason:
          'it applies at 1.0.0.0 but does not cover all the notebooks granted (arn:aws:sagemaker:*:111122223333:notebook-instance/*): its NotResource holds the policy variable ${aws:username}, whose value the request decides, so its reach is not counted on',
      }),
    ]);
  });

  it('names the variable that makes a Deny condition uncertain', () => {
    // Prepare
    const iam = userWith(
      doc(allowAll, {
        ...guardrail(),
        Condition: { StringNotEquals: { 'aws:ViaAWSService': '${aws:PrincipalTag/via}' } },
      }),
    );
    // Act
    const result = only(iam);
    // Assess
    expect(result.status).toBe('FAIL');
    expect(result.evidence.deniesConsidered).toEqual([
      expect.objectContaining({
        applied: false,
        reason:
          'it depends on the policy variable ${aws:PrincipalTag/via} in StringNotEquals aws:ViaAWSService [${aws:PrincipalTag/via}], whose value the request decides: not counted on',
      }),
    ]);
  });

  it("reads a default value as part of the variable: ${aws:username, 'nobody'} is still the request's", () => {
    // Prepare
    const { Resource: _everything, ...deny } = guardrail();
    const iam = userWith(
      doc(allowAll, {
        ...deny,
        NotResource: "arn:aws:sagemaker:*:*:notebook-instance/${aws:username, 'nobody'}",
      }),
    );
    // Act
    const result = only(iam);
    // Assess
    expect(result.status).toBe('FAIL');
    expect((result.evidence.deniesConsidered as { reason: string }[])[0]?.reason).toContain(
      "${aws:username, 'nobody'}",
    );
  });

  it.each([
    ['${*}', 'PASS'],
    ['${?}', 'PASS'],
    ['${$}', 'PASS'],
    ['prod-${*}', 'PASS'],
  ])(
    'reads the escape in NotResource notebook-instance/%s as a literal character no notebook name holds: %s',
    (name, expected) => {
      // Prepare
      const { Resource: _everything, ...deny } = guardrail();
      const iam = userWith(
        doc(allowAll, { ...deny, NotResource: `arn:aws:sagemaker:*:*:notebook-instance/${name}` }),
      );
      // Act
      const result = only(iam);
      // Assess
      expect(result.status).toBe(expected);
    },
  );

  it('reads an escaped ${*} in an Allow Resource as a literal asterisk: it reaches no notebook', () => {
    // Prepare
    const iam = userWith(doc(allow({ Resource: 'arn:aws:sagemaker:*:*:notebook-instance/${*}' })));
    // Act / Assess
    expect(judge(iam)).toEqual([]);
  });

  it.each<[string, string, string]>([
    ['an absent key without a default equals nothing', '${aws:SourceVpce}', 'PASS'],
    ['an absent key takes its default', "${aws:SourceVpce, 'false'}", 'FAIL'],
    ['a known key takes its value', '${aws:ViaAWSService}', 'FAIL'],
  ])(
    'resolves a variable of a key the scanner knows for the internet caller: %s',
    (_name, value, expected) => {
      // Prepare
      const iam = userWith(doc(allow({ Condition: { StringEquals: { 'aws:ViaAWSService': value } } })));
      // Act
      const result = only(iam);
      // Assess
      expect(result.status).toBe(expected);
    },
  );

  it.each<[string, Statement]>([
    [
      'an unclosed variable in NotResource',
      {
        ...guardrail(),
        Resource: undefined,
        NotResource: 'arn:aws:sagemaker:*:*:notebook-instance/${aws:username',
      },
    ],
    [
      'an empty variable in a condition',
      { ...guardrail(), Condition: { StringNotEquals: { 'aws:username': 'a${}b' } } },
    ],
  ])('gives ERROR for %s of a decisive Deny', (_name, deny) => {
    // Prepare
    const clean = Object.fromEntries(Object.entries(deny).filter(([, value]) => value !== undefined));
    const iam = userWith(doc(allowAll, clean));
    // Act
    const result = only(iam);
    // Assess
    expect(result.status).toBe('ERROR');
    expect(result.message).toContain('policy p0 (inline), statement 1');
  });
});
