import { describe, expect, it } from 'vitest';
import { judgeEndpointPolicy } from '../../src/iam/endpoint-policy.ts';
import type { ResultDraft } from '../../src/model/result.ts';
import { check } from '../../src/rules/iam-principal-presigned-url-source-ip.ts';
import { endpoint } from '../support/inventory.ts';
import {
  ACCOUNT,
  ACTION,
  allowAll,
  contextOf,
  doc,
  guardrail,
  type Statement,
  user,
  userWith,
} from './builders.ts';

/**
 * An empty list in Action, NotAction, Resource or NotResource reads the same in both modes of the
 * evaluator: `Action: []` and `Resource: []` leave a statement without effect (IAM policy
 * validation, EMPTY_ARRAY_ACTION and EMPTY_ARRAY_RESOURCE: "does not affect the policy"); an empty
 * `NotAction` or `NotResource` has no documented meaning, so the statement is not understood.
 */

const REGION = 'eu-west-1';
const API = `com.amazonaws.${REGION}.sagemaker.api`;
const EMPTY_NOT_ACTION =
  'has an empty NotAction list, which the policy grammar does not allow and whose meaning AWS does not document (no action left out, or a statement without effect)';
const EMPTY_NOT_RESOURCE =
  'has an empty NotResource list, which the policy grammar does not allow and whose meaning AWS does not document (no resource left out, or a statement without effect)';

function identityVerdict(...statements: Statement[]): ResultDraft[] {
  return check(contextOf(userWith(doc(...statements)))).results;
}

function endpointVerdict(...statements: Statement[]) {
  return judgeEndpointPolicy({
    partition: 'aws',
    region: REGION,
    account: { accountId: ACCOUNT, regions: [], iam: { UserDetailList: [user('alice')] } },
    endpoint: endpoint('vpce-0api', 'vpc-0a', API, {
      PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: statements }),
    }),
  });
}

const anyoneAll: Statement = { Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' };

describe('an empty list in the identity-policy mode', () => {
  it.each<[string, Statement]>([
    ['Action: []', { Effect: 'Allow', Action: [], Resource: '*' }],
    ['Resource: []', { Effect: 'Allow', Action: ACTION, Resource: [] }],
  ])('gives no result for an Allow with %s: it grants nothing', (_case, statement) => {
    // Act
    const results = identityVerdict(statement);

    // Assess
    expect(results).toEqual([]);
  });

  it.each<[string, Statement]>([
    ['Action: []', { ...guardrail(), Action: [] }],
    ['Resource: []', { ...guardrail(), Resource: [] }],
  ])('fails an unrestricted Allow beside a guardrail with %s: that Deny denies nothing', (_case, deny) => {
    // Act
    const results = identityVerdict(allowAll, deny);

    // Assess
    expect(results.map((result) => result.status)).toEqual(['FAIL']);
  });

  it.each<[string, Statement, string]>([
    ['an Allow with NotAction: []', { Effect: 'Allow', NotAction: [], Resource: '*' }, EMPTY_NOT_ACTION],
    [
      'an Allow with NotResource: []',
      { Effect: 'Allow', Action: ACTION, NotResource: [] },
      EMPTY_NOT_RESOURCE,
    ],
  ])('gives ERROR, never FAIL or no result, for %s', (_case, statement, problem) => {
    // Act
    const results = identityVerdict(statement);

    // Assess
    expect(results).toHaveLength(1);
    expect(results[0]?.status).toBe('ERROR');
    expect(results[0]?.evidence.notUnderstood).toEqual([
      expect.objectContaining({ problem: `statement 0 ${problem}` }),
    ]);
  });

  it.each<[string, Statement, string]>([
    ['NotAction: []', { Effect: 'Deny', NotAction: [], Resource: '*' }, EMPTY_NOT_ACTION],
    ['NotResource: []', { Effect: 'Deny', Action: ACTION, NotResource: [] }, EMPTY_NOT_RESOURCE],
  ])('gives ERROR, never PASS, for an unrestricted Allow beside a Deny with %s', (_case, deny, problem) => {
    // Act
    const results = identityVerdict(allowAll, deny);

    // Assess
    expect(results).toHaveLength(1);
    expect(results[0]?.status).toBe('ERROR');
    expect(results[0]?.evidence.notUnderstood).toEqual([
      expect.objectContaining({ problem: `statement 1 ${problem}` }),
    ]);
  });
});

describe('an empty list in the resource-policy mode (endpoint policies)', () => {
  it.each<[string, Statement]>([
    ['Action: []', { Effect: 'Deny', Principal: '*', Action: [], Resource: '*' }],
    ['Resource: []', { Effect: 'Deny', Principal: '*', Action: '*', Resource: [] }],
  ])('passes a full-access policy beside a Deny with %s: that Deny denies nothing', (_case, deny) => {
    // Act
    const verdict = endpointVerdict(anyoneAll, deny);

    // Assess
    expect(verdict.status).toBe('PASS');
  });

  it.each<[string, Statement]>([
    ['Action: []', { ...anyoneAll, Action: [] }],
    ['Resource: []', { ...anyoneAll, Resource: [] }],
  ])('fails a policy whose only Allow has %s: it allows nothing', (_case, statement) => {
    // Act
    const verdict = endpointVerdict(statement);

    // Assess
    expect(verdict.status).toBe('FAIL');
    expect(verdict.summary).toContain('(no statement allows it)');
  });

  it.each<[string, Statement, string]>([
    [
      'an Allow with NotAction: []',
      { Effect: 'Allow', Principal: '*', NotAction: [], Resource: '*' },
      EMPTY_NOT_ACTION,
    ],
    [
      'an Allow with NotResource: []',
      { Effect: 'Allow', Principal: '*', Action: '*', NotResource: [] },
      EMPTY_NOT_RESOURCE,
    ],
    [
      'a Deny with NotAction: []',
      { Effect: 'Deny', Principal: '*', NotAction: [], Resource: '*' },
      EMPTY_NOT_ACTION,
    ],
    [
      'a Deny with NotResource: []',
      { Effect: 'Deny', Principal: '*', Action: '*', NotResource: [] },
      EMPTY_NOT_RESOURCE,
    ],
  ])('gives ERROR, never PASS or FAIL, for %s', (_case, statement, problem) => {
    // Act
    const verdict = endpointVerdict(anyoneAll, statement);

    // Assess
    expect(verdict).toMatchObject({ status: 'ERROR', unjudgedFor: 'policy' });
    expect(verdict.summary).toBe(`its endpoint policy cannot be read: statement 1 ${problem}`);
  });

  it('gives ERROR for a principal type with an empty list, whom it names being undocumented', () => {
    // Act
    const verdict = endpointVerdict({ ...anyoneAll, Principal: { AWS: [] } });

    // Assess
    expect(verdict.summary).toBe(
      'its endpoint policy cannot be read: statement 0 has a Principal that AWS is an empty list',
    );
  });
});
