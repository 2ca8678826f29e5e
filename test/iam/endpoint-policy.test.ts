import { describe, expect, it } from 'vitest';
import { judgeEndpointPolicy } from '../../src/iam/endpoint-policy.ts';
import type { AccountInventory, IamAuthorizationDetails } from '../../src/model/inventory.ts';
import { endpoint } from '../support/inventory.ts';
import { ACCOUNT, role, user } from './builders.ts';

const REGION = 'eu-west-1';
const VPCE = 'vpce-0api';
const API = `com.amazonaws.${REGION}.sagemaker.api`;
const NOTEBOOK_URL = 'sagemaker:CreatePresignedNotebookInstanceUrl';
const DOMAIN_URL = 'sagemaker:CreatePresignedDomainUrl';
const CREATE_APP = 'sagemaker:CreateApp';
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/DataScientist`;
const OTHER_ACCOUNT = '444455556666';

const iam: IamAuthorizationDetails = {
  UserDetailList: [user('alice')],
  GroupDetailList: [],
  RoleDetailList: [
    role('DataScientist'),
    role('AWSServiceRoleForAmazonSageMakerNotebooks', { path: '/aws-service-role/sagemaker.amazonaws.com/' }),
  ],
  Policies: [],
};

type Statement = Record<string, unknown>;
const allowAll: Statement = { Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' };
const policy = (...Statement: Statement[]) => JSON.stringify({ Version: '2012-10-17', Statement });

function judge(
  PolicyDocument: string | Record<string, unknown> | undefined,
  account: Partial<AccountInventory> = { iam },
) {
  return judgeEndpointPolicy({
    partition: 'aws',
    region: REGION,
    account: { accountId: ACCOUNT, regions: [], ...account },
    endpoint: endpoint(VPCE, 'vpc-0a', API, PolicyDocument === undefined ? {} : { PolicyDocument }),
  });
}

describe('endpoint policy of the SageMaker api endpoint', () => {
  it.each([
    { case: 'no policy (the default is in force)', document: undefined },
    { case: 'the default full-access policy as DescribeVpcEndpoints returns it', document: policy(allowAll) },
    {
      case: 'the default policy as an object, from the AWS CLI',
      document: { Statement: [allowAll] },
    },
    {
      case: 'Principal {"AWS": "*"}',
      document: policy({ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sagemaker:*', Resource: '*' }),
    },
    {
      case: 'a wildcard action sagemaker:Create* and one per action',
      document: policy({ Effect: 'Allow', Principal: '*', Action: 'sagemaker:Create*', Resource: '*' }),
    },
    {
      case: 'Resource naming the account’s ARNs',
      document: policy({
        Effect: 'Allow',
        Principal: '*',
        Action: [NOTEBOOK_URL, DOMAIN_URL, CREATE_APP],
        Resource: [
          `arn:aws:sagemaker:${REGION}:${ACCOUNT}:notebook-instance/*`,
          `arn:aws:sagemaker:*:${ACCOUNT}:user-profile/*`,
          `arn:aws:sagemaker:${REGION}:${ACCOUNT}:app/*`,
        ],
      }),
    },
    {
      case: 'a condition on aws:PrincipalAccount',
      document: policy({
        ...allowAll,
        Condition: { StringEquals: { 'aws:PrincipalAccount': ACCOUNT } },
      }),
    },
    {
      case: 'a condition on aws:SourceVpce naming this endpoint',
      document: policy({ ...allowAll, Condition: { StringEquals: { 'aws:SourceVpce': VPCE } } }),
    },
    {
      case: 'a Deny for other accounts only',
      document: policy(allowAll, {
        Sid: 'DenyOtherAccounts',
        Effect: 'Deny',
        Principal: '*',
        Action: '*',
        Resource: '*',
        Condition: { StringNotEquals: { 'aws:PrincipalAccount': ACCOUNT } },
      }),
    },
    {
      case: 'a Deny through NotAction that leaves the three actions out',
      document: policy(allowAll, {
        Effect: 'Deny',
        Principal: '*',
        NotAction: ['sagemaker:CreatePresigned*', CREATE_APP],
        Resource: '*',
      }),
    },
    {
      case: 'a Deny on other resources only (NotResource)',
      document: policy(allowAll, {
        Effect: 'Deny',
        Principal: '*',
        Action: 'sagemaker:*',
        NotResource: `arn:aws:sagemaker:*:${ACCOUNT}:*`,
      }),
    },
    {
      case: 'a data-perimeter Deny of calls through other endpoints (StringNotEquals aws:SourceVpce)',
      document: policy(allowAll, {
        Effect: 'Deny',
        Principal: '*',
        Action: '*',
        Resource: '*',
        Condition: { StringNotEquals: { 'aws:SourceVpce': VPCE } },
      }),
    },
    {
      case: 'a Deny for a principal of another account',
      document: policy(allowAll, {
        Effect: 'Deny',
        Principal: { AWS: `arn:aws:iam::${OTHER_ACCOUNT}:role/Intruder` },
        Action: '*',
        Resource: '*',
      }),
    },
  ])('passes with $case, for every principal of the account', ({ document }) => {
    // Act
    const verdict = judge(document);

    // Assess
    expect(verdict).toMatchObject({
      status: 'PASS',
      summary: `its endpoint policy allows ${NOTEBOOK_URL}, ${DOMAIN_URL}, ${CREATE_APP} for every principal of the account`,
    });
  });

  it('passes a policy that names the principal ARNs, judging each user and role but the service-linked ones', () => {
    // Act
    const verdict = judge(
      policy({
        Effect: 'Allow',
        Principal: { AWS: [ROLE_ARN, `arn:aws:iam::${ACCOUNT}:user/alice`] },
        Action: 'sagemaker:*',
        Resource: '*',
      }),
    );

    // Assess
    expect(verdict).toMatchObject({
      status: 'PASS',
      summary: `its endpoint policy allows ${NOTEBOOK_URL}, ${DOMAIN_URL}, ${CREATE_APP} for each of the account's 2 users and roles`,
      evidence: { principalsJudged: 2, refused: {}, notJudged: {} },
    });
  });

  it('passes a condition on aws:PrincipalOrgID when the organization section holds the id', () => {
    // Act
    const verdict = judge(
      policy({ ...allowAll, Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-abc123def4' } } }),
      {
        iam,
        organization: {
          membership: 'member',
          organizationId: 'o-abc123def4',
          managementAccountId: OTHER_ACCOUNT,
          scpsEnabled: true,
          scpPath: [],
        },
      },
    );

    // Assess
    expect(verdict.status).toBe('PASS');
  });

  it('passes an ArnLike on aws:PrincipalArn that matches every principal', () => {
    // Act
    const verdict = judge(
      policy({
        ...allowAll,
        Condition: { ArnLike: { 'aws:PrincipalArn': [`arn:aws:iam::${ACCOUNT}:*`] } },
      }),
    );

    // Assess
    expect(verdict).toMatchObject({ status: 'PASS', evidence: { principalsJudged: 2 } });
  });

  it('fails a Deny of CreatePresignedDomainUrl, naming the statement and the action', () => {
    // Act
    const verdict = judge(
      policy(allowAll, {
        Sid: 'NoStudio',
        Effect: 'Deny',
        Principal: '*',
        Action: DOMAIN_URL,
        Resource: '*',
      }),
    );

    // Assess
    expect(verdict).toMatchObject({
      status: 'FAIL',
      summary: `its endpoint policy refuses ${DOMAIN_URL} for any principal of the account (statement 1 (Sid NoStudio) denies it)`,
      evidence: {
        refused: {
          [DOMAIN_URL]: [
            {
              principal: 'any principal of the account',
              statementIndex: 1,
              sid: 'NoStudio',
              reason: 'statement 1 (Sid NoStudio) denies it',
            },
          ],
        },
      },
    });
  });

  it('fails a Deny with a wildcard action that holds CreateApp, on part of the resources', () => {
    // Act
    const verdict = judge(
      policy(allowAll, {
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 'sagemaker:Create?pp',
        Resource: `arn:aws:sagemaker:${REGION}:${ACCOUNT}:app/d-prod/*`,
      }),
    );

    // Assess
    expect(verdict).toMatchObject({
      status: 'FAIL',
      summary: `its endpoint policy refuses ${CREATE_APP} for any principal of the account (statement 1 denies it on arn:aws:sagemaker:${REGION}:${ACCOUNT}:app/d-prod/*)`,
    });
  });

  it.each([
    {
      case: 'an Allow list that omits CreateApp',
      document: policy({
        Sid: 'Presign',
        Effect: 'Allow',
        Principal: '*',
        Action: 'sagemaker:CreatePresigned*',
        Resource: '*',
      }),
      refused: `${CREATE_APP} for any principal of the account (no statement allows it)`,
    },
    {
      case: 'an Allow that leaves the actions out with NotAction',
      document: policy({ Effect: 'Allow', Principal: '*', NotAction: 'sagemaker:Create*', Resource: '*' }),
      refused: `${NOTEBOOK_URL}, ${DOMAIN_URL}, ${CREATE_APP} for any principal of the account (no statement allows it)`,
    },
    {
      case: 'an Allow only for another account’s principals',
      document: policy({
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${OTHER_ACCOUNT}:root` },
        Action: '*',
        Resource: '*',
      }),
      refused: `${NOTEBOOK_URL}, ${DOMAIN_URL}, ${CREATE_APP} for any principal of the account (no statement allows it)`,
    },
    {
      case: 'an Allow for a service principal only',
      document: policy({
        Effect: 'Allow',
        Principal: { Service: 'sagemaker.amazonaws.com' },
        Action: '*',
        Resource: '*',
      }),
      refused: `${NOTEBOOK_URL}, ${DOMAIN_URL}, ${CREATE_APP} for any principal of the account (no statement allows it)`,
    },
    {
      case: 'an Allow through another endpoint only (aws:SourceVpce)',
      document: policy({ ...allowAll, Condition: { StringEquals: { 'aws:SourceVpce': 'vpce-0other' } } }),
      refused: `${NOTEBOOK_URL}, ${DOMAIN_URL}, ${CREATE_APP} for any principal of the account (no statement allows it)`,
    },
    {
      case: 'an Allow on notebooks of another region only',
      document: policy({
        Sid: 'UsEast',
        Effect: 'Allow',
        Principal: '*',
        Action: '*',
        Resource: [
          `arn:aws:sagemaker:us-east-1:${ACCOUNT}:*`,
          `arn:aws:sagemaker:${REGION}:${ACCOUNT}:notebook-instance/team-*`,
          `arn:aws:sagemaker:${REGION}:${ACCOUNT}:user-profile/*`,
          `arn:aws:sagemaker:${REGION}:${ACCOUNT}:app/*`,
        ],
      }),
      refused: `${NOTEBOOK_URL} for any principal of the account (statement 0 (Sid UsEast) allows it only on arn:aws:sagemaker:us-east-1:${ACCOUNT}:*, arn:aws:sagemaker:${REGION}:${ACCOUNT}:notebook-instance/team-*, arn:aws:sagemaker:${REGION}:${ACCOUNT}:user-profile/*, arn:aws:sagemaker:${REGION}:${ACCOUNT}:app/*)`,
    },
  ])('fails $case', ({ document, refused }) => {
    // Act
    const verdict = judge(document);

    // Assess
    expect(verdict).toMatchObject({ status: 'FAIL', summary: `its endpoint policy refuses ${refused}` });
  });

  it('fails for the principals a named-principal Allow leaves out, listing them', () => {
    // Act
    const verdict = judge(
      policy({ Effect: 'Allow', Principal: { AWS: ROLE_ARN }, Action: '*', Resource: '*' }),
    );

    // Assess
    expect(verdict).toMatchObject({
      status: 'FAIL',
      summary: `its endpoint policy refuses ${NOTEBOOK_URL}, ${DOMAIN_URL}, ${CREATE_APP} for user alice (no statement allows it)`,
      evidence: { principalsJudged: 2 },
    });
  });

  it('fails for the principals a StringNotLike on aws:PrincipalArn denies', () => {
    // Act
    const verdict = judge(
      policy(allowAll, {
        Sid: 'DataTeamOnly',
        Effect: 'Deny',
        Principal: '*',
        Action: 'sagemaker:*',
        Resource: '*',
        Condition: { StringNotLike: { 'aws:PrincipalArn': `arn:aws:iam::${ACCOUNT}:role/Data*` } },
      }),
    );

    // Assess
    expect(verdict).toMatchObject({
      status: 'FAIL',
      summary: `its endpoint policy refuses ${NOTEBOOK_URL}, ${DOMAIN_URL}, ${CREATE_APP} for user alice (statement 1 (Sid DataTeamOnly) denies it)`,
    });
  });

  it('fails for the principals a NotPrincipal Deny does not exempt', () => {
    // Act
    const verdict = judge(
      policy(allowAll, {
        Sid: 'OnlyDataScientist',
        Effect: 'Deny',
        NotPrincipal: { AWS: ROLE_ARN },
        Action: NOTEBOOK_URL,
        Resource: '*',
      }),
    );

    // Assess
    expect(verdict).toMatchObject({
      status: 'FAIL',
      summary: `its endpoint policy refuses ${NOTEBOOK_URL} for user alice (statement 1 (Sid OnlyDataScientist) denies it)`,
    });
  });

  it.each([
    {
      case: 'a Deny on a condition key the snapshot does not tell (aws:PrincipalTag)',
      document: policy(allowAll, {
        Sid: 'TagGate',
        Effect: 'Deny',
        Principal: '*',
        Action: DOMAIN_URL,
        Resource: '*',
        Condition: { StringNotEquals: { 'aws:PrincipalTag/team': 'ml' } },
      }),
      reason: `${DOMAIN_URL} for user alice, role DataScientist (statement 1 (Sid TagGate) may deny it: its condition StringNotEquals aws:PrincipalTag/team [ml] depends on aws:PrincipalTag/team, which the snapshot does not tell)`,
    },
    {
      case: 'an Allow on aws:PrincipalOrgID without the organization section',
      document: policy({
        ...allowAll,
        Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-abc123def4' } },
      }),
      reason: `${NOTEBOOK_URL}, ${DOMAIN_URL}, ${CREATE_APP} for user alice, role DataScientist (statement 0 may allow it, not surely: its condition StringEquals aws:PrincipalOrgID [o-abc123def4] depends on aws:PrincipalOrgID, which the snapshot does not tell)`,
    },
    {
      case: 'an Allow for the account id, which an endpoint policy may read as the root user only',
      document: policy({ Effect: 'Allow', Principal: { AWS: ACCOUNT }, Action: '*', Resource: '*' }),
      reason: `${NOTEBOOK_URL}, ${DOMAIN_URL}, ${CREATE_APP} for user alice, role DataScientist (statement 0 may allow it, not surely: its Principal: an account id (or its root ARN) as principal of an endpoint policy grants the account root user only, not its users and roles (VPC User Guide, "Control access to VPC endpoints using endpoint policies"), while elsewhere it stands for the whole account: which one AWS applies here is not known)`,
    },
    {
      case: 'an Allow for one session of a role',
      document: policy(
        {
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:sts::${ACCOUNT}:assumed-role/DataScientist/jane` },
          Action: '*',
          Resource: '*',
        },
        {
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/alice` },
          Action: '*',
          Resource: '*',
        },
      ),
      reason: `${NOTEBOOK_URL}, ${DOMAIN_URL}, ${CREATE_APP} for role DataScientist (statement 0 may allow it, not surely: its Principal: it names one session of the role (arn:aws:sts::${ACCOUNT}:assumed-role/DataScientist/jane), not every session)`,
    },
    {
      case: 'an unknown condition operator',
      document: policy({ ...allowAll, Condition: { StringFancy: { 'aws:PrincipalAccount': ACCOUNT } } }),
      reason: `${NOTEBOOK_URL}, ${DOMAIN_URL}, ${CREATE_APP} for user alice, role DataScientist (statement 0 may allow it, not surely: its condition is not understood (unknown condition operator StringFancy))`,
    },
  ])('gives ERROR (not known to allow), each reason once, for $case', ({ document, reason }) => {
    // Act
    const verdict = judge(document);

    // Assess
    expect(verdict).toMatchObject({
      status: 'ERROR',
      summary: `its endpoint policy is not known to allow ${reason}`,
      unjudgedFor: 'policy',
    });
  });

  const NOT_SENT =
    'a SageMaker call may not carry: the IAM condition keys reference does not list SageMaker among the services that support it';

  it.each([
    { key: 'aws:VpceAccount', value: ACCOUNT },
    { key: 'aws:VpceOrgID', value: 'o-abc123def4' },
    { key: 'aws:VpceOrgPaths', value: 'o-abc123def4/r-ab12/*' },
  ])(
    'gives ERROR, never PASS, for an Allow that hinges on $key, which SageMaker is not documented to send',
    ({ key, value }) => {
      // Act
      const verdict = judge(policy({ ...allowAll, Condition: { StringLike: { [key]: value } } }));

      // Assess
      expect(verdict).toMatchObject({
        status: 'ERROR',
        summary: `its endpoint policy is not known to allow ${NOTEBOOK_URL}, ${DOMAIN_URL}, ${CREATE_APP} for user alice, role DataScientist (statement 0 may allow it, not surely: its condition StringLike ${key} [${value}] depends on ${key}, which ${NOT_SENT})`,
        unjudgedFor: 'policy',
      });
    },
  );

  it('gives ERROR, never PASS, for a Deny unless aws:VpceAccount is the endpoint owner', () => {
    // Act
    const verdict = judge(
      policy(allowAll, {
        Sid: 'OwnEndpointsOnly',
        Effect: 'Deny',
        Principal: '*',
        Action: '*',
        Resource: '*',
        Condition: { StringNotEquals: { 'aws:VpceAccount': ACCOUNT } },
      }),
    );

    // Assess
    expect(verdict).toMatchObject({
      status: 'ERROR',
      summary: `its endpoint policy is not known to allow ${NOTEBOOK_URL}, ${DOMAIN_URL}, ${CREATE_APP} for user alice, role DataScientist (statement 1 (Sid OwnEndpointsOnly) may deny it: its condition StringNotEquals aws:VpceAccount [${ACCOUNT}] depends on aws:VpceAccount, which ${NOT_SENT})`,
    });
  });

  it('fails what it can prove and names what it could not judge beside it', () => {
    // Act
    const verdict = judge(
      policy(
        { ...allowAll, Condition: { StringEquals: { 'aws:PrincipalTag/team': 'ml' } } },
        { Sid: 'NoApps', Effect: 'Deny', Principal: '*', Action: CREATE_APP, Resource: '*' },
      ),
    );

    // Assess
    expect(verdict.status).toBe('FAIL');
    expect(verdict.summary).toBe(
      `its endpoint policy refuses ${CREATE_APP} for any principal of the account (statement 1 (Sid NoApps) denies it); it is not known to allow ${NOTEBOOK_URL}, ${DOMAIN_URL} for any principal of the account (statement 0 may allow it, not surely: its condition StringEquals aws:PrincipalTag/team [ml] depends on aws:PrincipalTag/team, which the snapshot does not tell)`,
    );
  });

  it.each([
    {
      case: 'text that is not JSON',
      document: '{"Statement": [',
      problem: 'the policy document does not parse as JSON',
    },
    {
      case: 'no Statement',
      document: '{"Version":"2012-10-17"}',
      problem: 'the policy document has no Statement',
    },
    {
      case: 'a statement without a principal',
      document: policy({ Sid: 'NoOne', Effect: 'Allow', Action: '*', Resource: '*' }),
      problem: 'statement 0 (Sid NoOne) needs exactly one of Principal and NotPrincipal',
    },
    {
      case: 'a wildcard inside a principal ARN',
      document: policy({
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/*` },
        Action: '*',
        Resource: '*',
      }),
      problem: `statement 0 has a Principal that AWS "arn:aws:iam::${ACCOUNT}:role/*" holds a wildcard`,
    },
    {
      case: 'an unknown principal type',
      document: policy({ Effect: 'Allow', Principal: { Aws: '*' }, Action: '*', Resource: '*' }),
      problem: 'statement 0 has a Principal that names the unknown principal type "Aws"',
    },
    {
      case: 'an Effect that is neither Allow nor Deny',
      document: policy({ ...allowAll, Effect: 'allow' }),
      problem: 'statement 0 has no Effect of Allow or Deny',
    },
    {
      case: 'both Action and NotAction',
      document: policy({ ...allowAll, NotAction: 'iam:*' }),
      problem: 'statement 0 needs exactly one of Action and NotAction',
    },
  ])('gives ERROR for an unparsable policy: $case', ({ document, problem }) => {
    // Act
    const verdict = judge(document);

    // Assess
    expect(verdict).toMatchObject({ status: 'ERROR', unjudgedFor: 'policy' });
    expect(verdict.summary).toContain(`its endpoint policy cannot be read: ${problem}`);
  });

  it('gives ERROR when principals decide and the iam section lists no user or role but service-linked ones', () => {
    // Act
    const verdict = judge(
      policy({ Effect: 'Allow', Principal: { AWS: ROLE_ARN }, Action: '*', Resource: '*' }),
      {
        iam: { ...iam, UserDetailList: [], RoleDetailList: iam.RoleDetailList?.slice(1) },
      },
    );

    // Assess
    expect(verdict).toMatchObject({
      status: 'ERROR',
      summary:
        'its endpoint policy names principals, and the iam section lists no users or roles of the account to judge it for',
      unjudgedFor: 'policy',
      evidence: { principalsJudged: 0 },
    });
  });

  it('gives ERROR when principals decide and the iam section is missing, and passes the default without it', () => {
    // Prepare
    const named = policy({ Effect: 'Allow', Principal: { AWS: ROLE_ARN }, Action: '*', Resource: '*' });

    // Act
    const withoutIam = judge(named, {});
    const denied = judge(named, {
      collectionErrors: [
        { section: 'iam', code: 'AccessDenied', message: 'not authorized to GetAccountAuthorizationDetails' },
      ],
    });
    const defaultWithoutIam = judge(undefined, {});

    // Assess
    const reason = `${NOTEBOOK_URL}, ${DOMAIN_URL}, ${CREATE_APP} for any principal of the account (statement 0 may allow it, not surely: its Principal: it names ${ROLE_ARN}, and the request is judged for any principal)`;
    expect(withoutIam).toMatchObject({
      status: 'ERROR',
      summary: `its endpoint policy is not known to allow ${reason}, and the account's users and roles, to judge it for each, were not read (the inventory has no iam section)`,
      unjudgedFor: 'iam',
      evidence: { missingSection: 'iam' },
    });
    expect(denied).toMatchObject({
      status: 'ERROR',
      summary: `its endpoint policy is not known to allow ${reason}, and the account's users and roles, to judge it for each, were not read (AccessDenied: not authorized to GetAccountAuthorizationDetails)`,
      unjudgedFor: 'iam',
    });
    expect(defaultWithoutIam.status).toBe('PASS');
  });
});
