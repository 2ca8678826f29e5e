// biome-ignore-all lint/suspicious/noTemplateCurlyInString: IAM policy variables are written ${…} in policy documents.
/**
 * Differential tests: our evaluator against `@cloud-copilot/iam-simulate`, an independent IAM
 * policy simulator (AGPL-3.0, a devDependency only: it never reaches src/ or the Lambda bundle).
 * Every policy set is asked the rules' question as concrete requests: a presigned-URL action
 * (notebook or Studio domain) on concrete notebook or user-profile ARNs from concrete source
 * addresses, with no VPC keys and `aws:ViaAWSService` false.
 */
import { readFileSync } from 'node:fs';
import { runSimulation, runUnsafeSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import { describe, expect, it } from 'vitest';
import {
  evaluatePolicySet,
  type PolicySet,
  type StatementRef,
  type Verdict,
} from '../../src/iam/evaluate.ts';
import { globMatch } from '../../src/iam/glob.ts';
import {
  contains,
  formatAddress,
  type IpRange,
  parseIpRange,
  rangeToCidrs,
  splitAddressSpace,
} from '../../src/iam/ip.ts';
import { compilePolicy } from '../../src/iam/policy.ts';
import {
  type AccountTarget,
  DOMAIN_URL,
  NOTEBOOK_URL,
  type PresignedUrlAction,
} from '../../src/iam/request.ts';
import { ACCOUNT, ACTION, APPROVED, DOMAIN_ACTION, doc, guardrail, type Statement } from './builders.ts';

type Document = Record<string, unknown>;

interface Case {
  name: string;
  identity: Document[];
  boundary?: Document[];
  approved: string[];
  /** The action asked about; the notebook one when absent. */
  presign?: PresignedUrlAction;
}

function presignOf(testCase: Case): PresignedUrlAction {
  return testCase.presign ?? NOTEBOOK_URL;
}

function targetOf(testCase: Case): AccountTarget {
  return { partition: 'aws', accountId: ACCOUNT, presign: presignOf(testCase) };
}
const PRINCIPAL = `arn:aws:iam::${ACCOUNT}:user/alice`;

/**
 * One notebook per combination of the regions and name prefixes the resource patterns tell apart.
 * All combinations are needed: with `eu-west-1/aws-glue-a` missing, `seed 147` (an Allow on
 * `notebook-instance/aws-glue-*` in every region from 198.51.100.0/24, a Deny from the same range
 * on `us-east-1` notebooks only) looked like an over-report of ours, while AWS allows it on
 * `aws-glue-*` notebooks outside us-east-1, as ours says.
 */
const NOTEBOOKS = ['us-east-1', 'eu-west-1'].flatMap((region) =>
  ['prod-a', 'dev-a', 'aws-glue-a'].map(
    (name) => `arn:aws:sagemaker:${region}:${ACCOUNT}:notebook-instance/${name}`,
  ),
);

/** The same for user profiles: each region with domains and profile names the patterns tell apart. */
const PROFILES = ['us-east-1', 'eu-west-1'].flatMap((region) =>
  ['d-prod1/alice', 'd-prod1/aws-glue-x', 'd-dev2/alice', 'd-dev2/bob'].map(
    (name) => `arn:aws:sagemaker:${region}:${ACCOUNT}:user-profile/${name}`,
  ),
);

function arnsOf(testCase: Case): string[] {
  return presignOf(testCase) === DOMAIN_URL ? PROFILES : NOTEBOOKS;
}

/** Public addresses in and out of the approved lists, besides the evaluator's representatives. */
const FIXED_ADDRESSES = [
  '203.0.113.9',
  '198.51.100.7',
  '198.51.100.200',
  '8.8.8.8',
  '2001:db8::5',
  '2600:1f18::1',
];

// --- The two evaluators ---------------------------------------------------------------------

function ourVerdict(testCase: Case): Verdict {
  const refs = (documents: Document[], attachment: string): StatementRef[] =>
    documents.flatMap((document, index) =>
      compilePolicy(document, targetOf(testCase)).statements.map((statement) => ({
        policy: { name: `p${index}`, attachment },
        statement,
      })),
    );
  const set: PolicySet = { presign: presignOf(testCase), identity: refs(testCase.identity, 'inline') };
  if (testCase.boundary) set.boundary = refs(testCase.boundary, 'permissions boundary');
  return evaluatePolicySet(set, { ranges: ranges(testCase.approved) });
}

function ranges(cidrs: string[]): IpRange[] {
  return cidrs.map((cidr) => parseIpRange(cidr) as IpRange);
}

/**
 * Known difference of iam-simulate 0.1.173: it compares a bare address in an IP condition as a
 * string and only within its own family, so `NotIpAddress 203.0.113.7` does not match an IPv6
 * caller. AWS reads a bare address as a /32 (or /128) CIDR ("If you specify an IP address without
 * the associated routing prefix, IAM uses the default prefix value of /32", IAM User Guide, IP
 * address condition operators), under which any IPv6 address is "not in" it. We hand iam-simulate
 * the equivalent CIDR so that it judges AWS's semantics; the tests of its deviations pin them.
 * It also matches nothing against `0.0.0.0/0` (its IPv4 mask is computed with a 32-bit shift, which
 * JavaScript takes modulo 32): we hand it the two halves `0.0.0.0/1` and `128.0.0.0/1`.
 */
function withPrefixes(policy: Document): Document {
  const statements = policy.Statement;
  if (!Array.isArray(statements)) return policy;
  const prefixed = (value: unknown) =>
    typeof value === 'string' && !value.includes('/') ? `${value}/${value.includes(':') ? 128 : 32}` : value;
  const split = (value: unknown) =>
    value === '0.0.0.0/0' ? ['0.0.0.0/1', '128.0.0.0/1'] : [prefixed(value)];
  return {
    ...policy,
    Statement: statements.map((statement: Statement) => {
      const condition = statement.Condition as Record<string, Record<string, unknown>> | undefined;
      if (!condition) return statement;
      const rewritten = Object.fromEntries(
        Object.entries(condition).map(([operator, block]) => [
          operator,
          /IpAddress/.test(operator)
            ? Object.fromEntries(
                Object.entries(block).map(([key, values]) => [
                  key,
                  (Array.isArray(values) ? values : [values]).flatMap(split),
                ]),
              )
            : block,
        ]),
      );
      return { ...statement, Condition: rewritten };
    }),
  };
}

type SimulatedPolicies = Pick<Simulation, 'identityPolicies' | 'permissionBoundaryPolicies'>;

/** Rewritten once per case: a case is simulated for dozens of addresses and notebooks. */
const simulatedPolicies = new WeakMap<Case, SimulatedPolicies>();

function policiesFor(testCase: Case): SimulatedPolicies {
  let policies = simulatedPolicies.get(testCase);
  if (!policies) {
    policies = {
      identityPolicies: testCase.identity.map((policy, index) => ({
        name: `p${index}`,
        policy: withPrefixes(policy),
      })),
    };
    if (testCase.boundary) {
      policies.permissionBoundaryPolicies = testCase.boundary.map((policy, index) => ({
        name: `b${index}`,
        policy: withPrefixes(policy),
      }));
    }
    simulatedPolicies.set(testCase, policies);
  }
  return policies;
}

function simulation(testCase: Case, resource: string, context: Record<string, string>): Simulation {
  return {
    request: {
      principal: PRINCIPAL,
      action: presignOf(testCase).action,
      resource: { resource, accountId: ACCOUNT },
      contextVariables: { 'aws:ViaAWSService': 'false', ...context },
    },
    ...policiesFor(testCase),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
  };
}

const distinctResources = new WeakMap<Case, string[]>();

/**
 * One ARN of each group that every Resource and NotResource pattern of the case treats alike:
 * the others would get the same answer (no condition key of the comparison depends on the
 * resource), and iam-simulate is the slow part of the comparison.
 */
function resourcesFor(testCase: Case): string[] {
  const arns = arnsOf(testCase);
  let resources = distinctResources.get(testCase);
  if (!resources) {
    const patterns = [...testCase.identity, ...(testCase.boundary ?? [])].flatMap(
      (document) =>
        (document.Statement as Statement[])
          .flatMap((statement) => [statement.Resource ?? statement.NotResource ?? []])
          .flat() as string[],
    );
    // A pattern with a policy variable matches what the request's values make of it: try them all.
    if (patterns.some((pattern) => pattern.includes('${'))) {
      distinctResources.set(testCase, arns);
      return arns;
    }
    const bySignature = new Map<string, string>();
    for (const arn of arns) {
      const signature = patterns.map((pattern) => (globMatch(pattern, arn) ? '1' : '0')).join('');
      if (!bySignature.has(signature)) bySignature.set(signature, arn);
    }
    resources = [...bySignature.values()];
    distinctResources.set(testCase, resources);
  }
  return resources;
}

/** iam-simulate's answer for one address: allowed on at least one of the resources. */
function simulatedAllows(testCase: Case, address: string, extra: Record<string, string> = {}): boolean {
  return resourcesFor(testCase).some(
    (resource) =>
      runUnsafeSimulation(simulation(testCase, resource, { 'aws:SourceIp': address, ...extra }), {}) ===
      'Allowed',
  );
}

/** The validating entry point once per case: a policy iam-simulate rejects would make the comparison moot. */
async function simulationErrors(testCase: Case): Promise<string | undefined> {
  const result = await runSimulation(
    simulation(testCase, arnsOf(testCase)[0] as string, { 'aws:SourceIp': '8.8.8.8' }),
    {},
  );
  return result.resultType === 'error' ? JSON.stringify(result.errors) : undefined;
}

interface Probe {
  address: string;
  approved: boolean;
  family: 'ipv4' | 'ipv6';
  /** One of the addresses our evaluator judges (a piece's representative), not a fixed one. */
  representative: boolean;
}

/** The address our evaluator judges for every piece, plus the fixed public addresses not among them. */
function addressesFor(testCase: Case): Probe[] {
  const documents = [...testCase.identity, ...(testCase.boundary ?? [])];
  const policyRanges = documents.flatMap((document) =>
    compilePolicy(document, targetOf(testCase)).statements.flatMap((statement) => statement.ipRanges),
  );
  const approved = ranges(testCase.approved);
  const representatives = splitAddressSpace(policyRanges, approved).map((piece) => ({
    address: formatAddress(piece.family, piece.representative),
    approved: piece.approved,
    family: piece.family,
    representative: true,
  }));
  const judged = new Set(representatives.map((probe) => probe.address));
  const fixed = FIXED_ADDRESSES.filter((address) => !judged.has(address)).map((address) => {
    const range = parseIpRange(address) as IpRange;
    return {
      address,
      approved: approved.some((cidr) => contains(cidr, range.family, range.first)),
      family: range.family,
      representative: false,
    };
  });
  return [...representatives, ...fixed];
}

/**
 * Whether our evaluator allows the request from the address: read from the verdict's
 * `allowedFrom`, or, when that list is capped, by approving everything but the address.
 */
function weAllow(testCase: Case, verdict: Verdict, address: string): boolean {
  const range = parseIpRange(address) as IpRange;
  if (!verdict.allowedFromTruncated) {
    return verdict.allowedFrom.some((cidr) =>
      contains(parseIpRange(cidr) as IpRange, range.family, range.first),
    );
  }
  const last = range.family === 'ipv4' ? (1n << 32n) - 1n : (1n << 128n) - 1n;
  const everythingElse = [
    range.family === 'ipv4' ? '::/0' : '0.0.0.0/0',
    ...(range.first > 0n ? rangeToCidrs(range.family, 0n, range.first - 1n) : []),
    ...(range.first < last ? rangeToCidrs(range.family, range.first + 1n, last) : []),
  ];
  return ourVerdict({ ...testCase, approved: everythingElse }).status === 'FAIL';
}

// --- Generated policy sets ------------------------------------------------------------------

/** mulberry32: small, fast and deterministic, so a failing case can be regenerated from its seed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ACTIONS = [
  '*',
  'sagemaker:*',
  'sagemaker:Create*',
  'sagemaker:*NotebookInstanceUrl',
  'sagemaker:createpresignednotebookinstanceurl',
  'SAGEMAKER:CreatePresignedNotebookInstanceUrl',
  'sagemaker:CreatePresignedNotebookInstanceUr?',
  ACTION,
  'sagemaker:CreatePresignedDomainUrl',
  'sagemaker:Describe*',
  's3:*',
];
const NOT_ACTIONS = [
  ['iam:*', 'organizations:*', 'account:*'],
  [ACTION],
  ['sagemaker:Create*'],
  ['s3:*'],
  ['sagemaker:*Url'],
];
const RESOURCES = [
  '*',
  `arn:aws:sagemaker:*:${ACCOUNT}:notebook-instance/*`,
  `arn:aws:sagemaker:*:${ACCOUNT}:notebook-instance/prod-*`,
  `arn:aws:sagemaker:*:${ACCOUNT}:notebook-instance/aws-glue-*`,
  `arn:aws:sagemaker:us-east-1:${ACCOUNT}:notebook-instance/*`,
  'arn:aws:sagemaker:*:*:notebook-instance/*',
  'arn:aws:sagemaker:*:*:training-job/*',
  'arn:aws:sagemaker:*:444455556666:notebook-instance/*',
];
const NOT_RESOURCES = [
  ['arn:aws:sagemaker:*:*:domain/*', 'arn:aws:sagemaker:*:*:user-profile/*', 'arn:aws:sagemaker:*:*:app/*'],
  [`arn:aws:sagemaker:*:${ACCOUNT}:notebook-instance/prod-*`],
  ['arn:aws:sagemaker:*:*:training-job/*'],
];
/** Resources with policy variables, whose values the assignments of the unknown-key test vary. */
const VARIABLE_RESOURCES = [
  `arn:aws:sagemaker:*:${ACCOUNT}:notebook-instance/\${aws:username}`,
  `arn:aws:sagemaker:*:*:notebook-instance/\${aws:PrincipalTag/notebook}*`,
];
const VARIABLE_NOT_RESOURCES = [
  [`arn:aws:sagemaker:*:${ACCOUNT}:notebook-instance/\${aws:username}`],
  [
    `arn:aws:sagemaker:*:${ACCOUNT}:notebook-instance/prod-*`,
    'arn:aws:sagemaker:*:*:notebook-instance/${aws:PrincipalTag/notebook}*',
  ],
];
/** What a generated policy set is made of, for one action. */
interface Vocabulary {
  presign: PresignedUrlAction;
  actions: string[];
  notActions: string[][];
  resources: string[];
  notResources: string[][];
  variableResources: string[];
  variableNotResources: string[][];
  /** Values of the policy variables for the unknown-key test. */
  variableValues: Record<string, string>[];
}

const NOTEBOOK_WORDS: Vocabulary = {
  presign: NOTEBOOK_URL,
  actions: ACTIONS,
  notActions: NOT_ACTIONS,
  resources: RESOURCES,
  notResources: NOT_RESOURCES,
  variableResources: VARIABLE_RESOURCES,
  variableNotResources: VARIABLE_NOT_RESOURCES,
  variableValues: [
    { 'aws:username': 'prod-a' },
    { 'aws:username': 'dev-a' },
    { 'aws:PrincipalTag/notebook': 'aws-glue' },
    { 'aws:PrincipalTag/notebook': 'prod' },
  ],
};

/**
 * The user-profile vocabulary. Its Allow patterns spell the name's two segments out (or are `*`,
 * `user-profile/*`): one like `user-profile/d-prod*`, whose wildcard spans the slash, is widened to
 * every profile, which the test of over-reports below pins.
 */
const PROFILE = `arn:aws:sagemaker:*:${ACCOUNT}:user-profile`;
const DOMAIN_WORDS: Vocabulary = {
  presign: DOMAIN_URL,
  actions: [
    '*',
    'sagemaker:*',
    'sagemaker:Create*',
    'sagemaker:*DomainUrl',
    'sagemaker:createpresigneddomainurl',
    'SAGEMAKER:CreatePresignedDomainUrl',
    'sagemaker:CreatePresignedDomainUr?',
    DOMAIN_ACTION,
    ACTION,
    'sagemaker:Describe*',
    's3:*',
  ],
  notActions: [
    ['iam:*', 'organizations:*', 'account:*'],
    [DOMAIN_ACTION],
    ['sagemaker:Create*'],
    ['s3:*'],
    ['sagemaker:*Url'],
  ],
  resources: [
    '*',
    `${PROFILE}/*`,
    `${PROFILE}/*/*`,
    `${PROFILE}/d-prod*/*`,
    `${PROFILE}/*/aws-glue-*`,
    `${PROFILE}/d-prod1/alice`,
    `arn:aws:sagemaker:us-east-1:${ACCOUNT}:user-profile/*`,
    'arn:aws:sagemaker:*:*:user-profile/*',
    'arn:aws:sagemaker:*:*:notebook-instance/*',
    'arn:aws:sagemaker:*:444455556666:user-profile/*',
  ],
  notResources: [
    [
      'arn:aws:sagemaker:*:*:domain/*',
      'arn:aws:sagemaker:*:*:notebook-instance/*',
      'arn:aws:sagemaker:*:*:app/*',
    ],
    [`${PROFILE}/d-prod*/*`],
    [`${PROFILE}/d-prod*`],
    [`${PROFILE}/*/alice`],
    ['arn:aws:sagemaker:*:*:training-job/*'],
  ],
  variableResources: [`${PROFILE}/*/\${aws:username}`, `${PROFILE}/\${aws:PrincipalTag/domain}*/*`],
  variableNotResources: [
    [`${PROFILE}/*/\${aws:username}`],
    [`${PROFILE}/d-prod*/*`, `${PROFILE}/\${aws:PrincipalTag/domain}/*`],
  ],
  variableValues: [
    { 'aws:username': 'alice' },
    { 'aws:username': 'bob' },
    { 'aws:PrincipalTag/domain': 'd-prod' },
    { 'aws:PrincipalTag/domain': 'd-dev2' },
  ],
};

const CIDRS = [
  '203.0.113.0/24',
  '203.0.113.128/25',
  '198.51.100.0/24',
  '198.51.100.7',
  '10.0.0.0/8',
  '0.0.0.0/0',
  '128.0.0.0/1',
  '2001:db8::/32',
  '2001:db8:1::/48',
  '2001:db8::5',
  '2600:1f18::/32',
  '::/0',
];
const IP_OPERATORS = ['IpAddress', 'NotIpAddress', 'IpAddressIfExists', 'NotIpAddressIfExists'];
const SOURCE_IP_SPELLINGS = ['aws:SourceIp', 'aws:sourceip', 'AWS:SOURCEIP'];
const APPROVED_LISTS = [
  [],
  APPROVED,
  ['198.51.100.0/24'],
  ['203.0.113.0/24', '198.51.100.0/25', '2600:1f18::/32'],
];

/** Condition keys our evaluator cannot know for an internet caller, with values to try in iam-simulate. */
const UNKNOWN_KEYS: Record<string, { operator: string; values: string[]; other: string }> = {
  'aws:PrincipalTag/team': { operator: 'StringEquals', values: ['data-science'], other: 'finance' },
  'aws:RequestedRegion': { operator: 'StringNotEquals', values: ['us-east-1'], other: 'eu-west-1' },
  'aws:MultiFactorAuthPresent': { operator: 'Bool', values: ['true'], other: 'false' },
  'aws:ResourceTag/env': { operator: 'StringLike', values: ['prod*'], other: 'dev' },
};

function generate(seed: number, withUnknownKeys: boolean, words: Vocabulary = NOTEBOOK_WORDS): Case {
  const next = random(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  const some = <T>(items: readonly T[], most: number): T[] => {
    const count = 1 + Math.floor(next() * most);
    return [...new Set(Array.from({ length: count }, () => pick(items)))];
  };
  const condition = (): Record<string, unknown> => {
    const block: Record<string, Record<string, unknown>> = {};
    if (next() < 0.7) {
      const cidrs = some(CIDRS, 3);
      block[pick(IP_OPERATORS)] = { [pick(SOURCE_IP_SPELLINGS)]: cidrs.length === 1 ? cidrs[0] : cidrs };
    }
    if (next() < 0.15) block.Bool = { 'aws:ViaAWSService': pick(['true', 'false']) };
    if (withUnknownKeys && next() < 0.5) {
      const key = pick(Object.keys(UNKNOWN_KEYS));
      const spec = UNKNOWN_KEYS[key] as (typeof UNKNOWN_KEYS)[string];
      block[spec.operator] = { ...block[spec.operator], [key]: spec.values };
    }
    return block;
  };
  const statement = (effect: 'Allow' | 'Deny'): Statement => {
    const result: Statement = { Effect: effect };
    if (next() < 0.8) result.Action = next() < 0.5 ? pick(words.actions) : some(words.actions, 3);
    else result.NotAction = pick(words.notActions);
    const resources = withUnknownKeys ? [...words.resources, ...words.variableResources] : words.resources;
    if (next() < 0.8) result.Resource = next() < 0.6 ? pick(resources) : some(resources, 2);
    else
      result.NotResource = pick(
        withUnknownKeys ? [...words.notResources, ...words.variableNotResources] : words.notResources,
      );
    const block = condition();
    if (Object.keys(block).length > 0) result.Condition = block;
    return result;
  };
  const policy = (denyShare: number): Document =>
    doc(
      ...Array.from({ length: 1 + Math.floor(next() * 3) }, () =>
        statement(next() < denyShare ? 'Deny' : 'Allow'),
      ),
    );
  const testCase: Case = {
    name: `${words.presign.action} seed ${seed}`,
    identity: Array.from({ length: 1 + Math.floor(next() * 3) }, () => policy(0.35)),
    approved: pick(APPROVED_LISTS),
    presign: words.presign,
  };
  if (next() < 0.25) testCase.boundary = [policy(0.15)];
  return testCase;
}

// --- Hand-written cases ---------------------------------------------------------------------

function managedDocument(name: string): Document {
  const fixture = JSON.parse(
    readFileSync(new URL(`../fixtures/iam/${name}.json`, import.meta.url), 'utf8'),
  ) as {
    Document: Document;
  };
  return fixture.Document;
}

const allowAction = (extra: Statement = {}): Statement => ({
  Effect: 'Allow',
  Action: ACTION,
  Resource: '*',
  ...extra,
});
const onSourceIp = (operator: string, value: string | string[]): Statement => ({
  Condition: { [operator]: { 'aws:SourceIp': value } },
});

/** The statement with `NotResource` in place of its `Resource`. */
const onNotResource = (
  { Resource: _resource, ...statement }: Statement,
  notResource: string | string[],
): Statement => ({
  ...statement,
  NotResource: notResource,
});

const HAND_WRITTEN: Case[] = [
  ...['AdministratorAccess', 'PowerUserAccess', 'AmazonSageMakerFullAccess', 'DataScientist'].flatMap(
    (name) => [
      { name: `${name} alone`, identity: [managedDocument(name)], approved: APPROVED },
      {
        name: `${name} with a guardrail`,
        identity: [managedDocument(name), doc(guardrail())],
        approved: APPROVED,
      },
      { name: `${name} alone, no approved ranges`, identity: [managedDocument(name)], approved: [] },
      {
        name: `${name} with a guardrail, no approved ranges`,
        identity: [managedDocument(name), doc(guardrail())],
        approved: [],
      },
    ],
  ),
  ...IP_OPERATORS.flatMap((operator) =>
    [
      '203.0.113.0/24',
      '2001:db8::/32',
      '203.0.113.7',
      '2001:db8::5',
      ['203.0.113.0/24', '2001:db8::/32'],
    ].flatMap((value) => [
      {
        name: `Allow ${operator} ${value}`,
        identity: [doc(allowAction(onSourceIp(operator, value)))],
        approved: APPROVED,
      },
      {
        name: `Deny ${operator} ${value} beside an open Allow`,
        identity: [doc(allowAction(), { ...allowAction(onSourceIp(operator, value)), Effect: 'Deny' })],
        approved: APPROVED,
      },
    ]),
  ),
  {
    name: 'guardrail in another policy with a VPC endpoint exception',
    identity: [doc(allowAction()), doc(guardrail(APPROVED, { Null: { 'aws:SourceVpce': 'true' } }))],
    approved: APPROVED,
  },
  {
    name: 'guardrail with a StringNotEqualsIfExists exception for the endpoint',
    identity: [
      doc(allowAction(), guardrail(APPROVED, { StringNotEqualsIfExists: { 'aws:SourceVpce': 'vpce-1a2b' } })),
    ],
    approved: APPROVED,
  },
  {
    name: 'Deny on prod notebooks only beside an open Allow',
    identity: [
      doc(allowAction(), {
        ...guardrail(),
        Resource: `arn:aws:sagemaker:*:${ACCOUNT}:notebook-instance/prod-*`,
      }),
    ],
    approved: APPROVED,
  },
  {
    name: 'Deny with NotAction that excludes the action',
    identity: [
      doc(allowAction(), {
        Effect: 'Deny',
        NotAction: 'sagemaker:CreatePresigned*',
        Resource: '*',
        Condition: { NotIpAddress: { 'aws:SourceIp': APPROVED } },
      }),
    ],
    approved: APPROVED,
  },
  {
    name: 'Allow only through an AWS service',
    identity: [doc(allowAction({ Condition: { Bool: { 'aws:ViaAWSService': 'true' } } }))],
    approved: APPROVED,
  },
  {
    name: 'Deny unless through an AWS service',
    identity: [doc(allowAction(), { ...guardrail(), Condition: { Bool: { 'aws:ViaAWSService': 'false' } } })],
    approved: APPROVED,
  },
  {
    name: 'boundary without the action',
    identity: [doc(allowAction())],
    boundary: [doc({ Effect: 'Allow', Action: 's3:*', Resource: '*' })],
    approved: APPROVED,
  },
  {
    name: 'boundary with an IP-conditioned Allow',
    identity: [doc(allowAction())],
    boundary: [doc(allowAction(onSourceIp('IpAddress', APPROVED)))],
    approved: APPROVED,
  },
  {
    name: 'boundary with a guardrail of its own',
    identity: [managedDocument('AmazonSageMakerFullAccess')],
    boundary: [doc({ Effect: 'Allow', Action: '*', Resource: '*' }, guardrail())],
    approved: APPROVED,
  },
  {
    name: 'Allow restricted to the notebooks of aws-glue-*',
    identity: [doc(allowAction({ Resource: `arn:aws:sagemaker:*:${ACCOUNT}:notebook-instance/aws-glue-*` }))],
    approved: APPROVED,
  },
  {
    name: 'Allow on training jobs only',
    identity: [doc(allowAction({ Resource: 'arn:aws:sagemaker:*:*:training-job/*' }))],
    approved: APPROVED,
  },
  {
    name: 'NotResource listing only domains, user profiles and apps',
    identity: [
      doc({
        Effect: 'Allow',
        Action: 'sagemaker:*',
        NotResource: [
          'arn:aws:sagemaker:*:*:domain/*',
          'arn:aws:sagemaker:*:*:user-profile/*',
          'arn:aws:sagemaker:*:*:app/*',
        ],
      }),
    ],
    approved: APPROVED,
  },
  {
    name: 'Deny with NotResource on domains, user profiles and apps beside an open Allow',
    identity: [
      doc(allowAction(), {
        Effect: 'Deny',
        Action: 'sagemaker:*',
        NotResource: [
          'arn:aws:sagemaker:*:*:domain/*',
          'arn:aws:sagemaker:*:*:user-profile/*',
          'arn:aws:sagemaker:*:*:app/*',
        ],
        Condition: { NotIpAddress: { 'aws:SourceIp': APPROVED } },
      }),
    ],
    approved: APPROVED,
  },
  {
    name: 'Deny with NotResource that leaves the prod-* notebooks out beside an open Allow',
    identity: [
      doc(allowAction(), {
        Effect: 'Deny',
        Action: 'sagemaker:*',
        NotResource: [
          'arn:aws:sagemaker:*:*:domain/*',
          `arn:aws:sagemaker:*:${ACCOUNT}:notebook-instance/prod-*`,
        ],
        Condition: { NotIpAddress: { 'aws:SourceIp': APPROVED } },
      }),
    ],
    approved: APPROVED,
  },
  {
    name: 'Allow on aws-glue-* notebooks in every region, Deny from the same range in us-east-1 only (seed 147)',
    identity: [
      doc(
        allowAction({
          Resource: `arn:aws:sagemaker:*:${ACCOUNT}:notebook-instance/aws-glue-*`,
          ...onSourceIp('IpAddress', '198.51.100.0/24'),
        }),
        {
          ...allowAction(onSourceIp('IpAddress', '198.51.100.0/24')),
          Effect: 'Deny',
          Resource: `arn:aws:sagemaker:us-east-1:${ACCOUNT}:notebook-instance/*`,
        },
      ),
    ],
    approved: APPROVED,
  },
  {
    name: 'Deny on prod-* notebooks and Deny on every notebook but prod-*, both NotIpAddress, beside an open Allow',
    identity: [
      doc(
        allowAction(),
        { ...guardrail(), Resource: `arn:aws:sagemaker:*:${ACCOUNT}:notebook-instance/prod-*` },
        onNotResource(guardrail(), `arn:aws:sagemaker:*:${ACCOUNT}:notebook-instance/prod-*`),
      ),
    ],
    approved: APPROVED,
  },
  {
    name: 'Deny on us-east-1 notebooks and Deny with NotResource on them, from ranges that differ',
    identity: [
      doc(allowAction(), {
        ...guardrail(['203.0.113.0/24', '198.51.100.0/24', '2001:db8::/32']),
        Resource: `arn:aws:sagemaker:us-east-1:${ACCOUNT}:notebook-instance/*`,
      }),
      doc(onNotResource(guardrail(), `arn:aws:sagemaker:us-east-1:${ACCOUNT}:notebook-instance/*`)),
    ],
    approved: APPROVED,
  },
  ...['aws:VpceAccount', 'aws:VpceOrgID', 'aws:VpceOrgPaths'].map((key) => ({
    name: `data-perimeter Deny StringNotEquals ${key} beside an open Allow`,
    identity: [
      doc(allowAction(), {
        ...allowAction({ Condition: { StringNotEquals: { [key]: 'o-a1b2c3d4e5' } } }),
        Effect: 'Deny',
      }),
    ],
    approved: APPROVED,
  })),
  {
    name: 'restriction that admits every IPv4 address as a union of halves',
    identity: [doc(allowAction(onSourceIp('IpAddress', ['0.0.0.0/1', '128.0.0.0/1'])))],
    approved: [],
  },
  {
    name: 'restriction to a documentation range with no approved ranges',
    identity: [doc(allowAction(onSourceIp('IpAddress', '198.51.100.0/24')))],
    approved: [],
  },
  {
    name: 'guardrail on a narrower range than the approved list',
    identity: [doc(allowAction(), guardrail(['203.0.113.128/25']))],
    approved: APPROVED,
  },
  {
    name: 'guardrail on a wider range than the approved list',
    identity: [doc(allowAction(), guardrail(['203.0.113.0/23', '2001:db8::/31']))],
    approved: APPROVED,
  },
];

const allowDomainUrl = (extra: Statement = {}): Statement => ({
  ...allowAction(extra),
  Action: DOMAIN_ACTION,
});
const domainGuardrail = (ranges: string[] = APPROVED, extra: Record<string, unknown> = {}): Statement => ({
  ...guardrail(ranges, extra),
  Action: DOMAIN_ACTION,
});

/** The Studio domain action: the same questions on user-profile ARNs. */
const DOMAIN_HAND_WRITTEN: Case[] = [
  ...['AdministratorAccess', 'PowerUserAccess', 'AmazonSageMakerFullAccess', 'DataScientist'].flatMap(
    (name) => [
      { name: `domain URL: ${name} alone`, identity: [managedDocument(name)], approved: APPROVED },
      {
        name: `domain URL: ${name} with a domain guardrail`,
        identity: [managedDocument(name), doc(domainGuardrail())],
        approved: APPROVED,
      },
      {
        name: `domain URL: ${name} with only the notebook guardrail`,
        identity: [managedDocument(name), doc(guardrail())],
        approved: APPROVED,
      },
      {
        name: `domain URL: ${name} alone, no approved ranges`,
        identity: [managedDocument(name)],
        approved: [],
      },
    ],
  ),
  ...IP_OPERATORS.map((operator) => ({
    name: `domain URL: Allow ${operator} 203.0.113.0/24 and 2001:db8::/32`,
    identity: [doc(allowDomainUrl(onSourceIp(operator, ['203.0.113.0/24', '2001:db8::/32'])))],
    approved: APPROVED,
  })),
  {
    name: 'domain URL: Deny on sagemaker:CreatePresigned* from outside beside an open Allow',
    identity: [doc(allowDomainUrl(), { ...guardrail(), Action: 'sagemaker:CreatePresigned*' })],
    approved: APPROVED,
  },
  {
    name: 'domain URL: Deny on the d-prod1 profiles only beside an open Allow',
    identity: [doc(allowDomainUrl(), { ...domainGuardrail(), Resource: `${PROFILE}/d-prod1/*` })],
    approved: APPROVED,
  },
  {
    name: 'domain URL: Deny on user-profile/* (one wildcard over both segments) beside an open Allow',
    identity: [doc(allowDomainUrl(), { ...domainGuardrail(), Resource: `${PROFILE}/*` })],
    approved: APPROVED,
  },
  {
    name: "domain URL: Allow on alice's profiles in every domain",
    identity: [doc(allowDomainUrl({ Resource: `${PROFILE}/*/alice` }))],
    approved: APPROVED,
  },
  {
    name: 'domain URL: Allow on user profiles of another account',
    identity: [doc(allowDomainUrl({ Resource: 'arn:aws:sagemaker:*:444455556666:user-profile/*/*' }))],
    approved: APPROVED,
  },
  {
    name: 'domain URL: Allow on apps only (the URL is authorized on the user profile)',
    identity: [doc(allowDomainUrl({ Resource: `arn:aws:sagemaker:*:${ACCOUNT}:app/*` }))],
    approved: APPROVED,
  },
  {
    name: 'domain URL: Deny with NotResource leaving the d-prod* profiles out beside an open Allow',
    identity: [doc(allowDomainUrl(), onNotResource(domainGuardrail(), `${PROFILE}/d-prod*`))],
    approved: APPROVED,
  },
  {
    name: 'domain URL: Deny with NotResource on notebooks, domains and apps beside an open Allow',
    identity: [
      doc(
        allowDomainUrl(),
        onNotResource(domainGuardrail(), [
          'arn:aws:sagemaker:*:*:notebook-instance/*',
          'arn:aws:sagemaker:*:*:domain/*',
          'arn:aws:sagemaker:*:*:app/*',
        ]),
      ),
    ],
    approved: APPROVED,
  },
  {
    name: 'domain URL: Deny on us-east-1 profiles and Deny with NotResource on them',
    identity: [
      doc(
        allowDomainUrl(),
        { ...domainGuardrail(), Resource: `arn:aws:sagemaker:us-east-1:${ACCOUNT}:user-profile/*/*` },
        onNotResource(domainGuardrail(), `arn:aws:sagemaker:us-east-1:${ACCOUNT}:user-profile/*/*`),
      ),
    ],
    approved: APPROVED,
  },
].map((testCase) => ({ ...testCase, presign: DOMAIN_URL }));

// --- The comparisons ------------------------------------------------------------------------

interface Disagreement {
  name: string;
  address: string;
  ours: boolean;
  simulated: boolean;
}

function compare(testCase: Case): { disagreements: Disagreement[]; statusAgrees: boolean; verdict: Verdict } {
  const verdict = ourVerdict(testCase);
  const addresses = addressesFor(testCase);
  const disagreements: Disagreement[] = [];
  const simulated = new Map<string, boolean>();
  for (const { address } of addresses) {
    const theirs = simulatedAllows(testCase, address);
    simulated.set(address, theirs);
    const ours = weAllow(testCase, verdict, address);
    if (ours !== theirs) disagreements.push({ name: testCase.name, address, ours, simulated: theirs });
  }
  const representatives = addresses.filter((probe) => probe.representative);
  const fails =
    testCase.approved.length > 0
      ? representatives.some(({ address, approved }) => !approved && simulated.get(address))
      : (['ipv4', 'ipv6'] as const).some((family) =>
          representatives
            .filter((entry) => entry.family === family)
            .every(({ address }) => simulated.get(address)),
        );
  return { disagreements, statusAgrees: verdict.status === (fails ? 'FAIL' : 'PASS'), verdict };
}

const GENERATED = 60;
const GENERATED_WITH_UNKNOWN_KEYS = 15;

/** iam-simulate's answer for one request, with the policy exactly as written. */
function simulatedAsWritten(policy: Document, address: string): string {
  return runUnsafeSimulation(
    {
      request: {
        principal: PRINCIPAL,
        action: ACTION,
        resource: { resource: NOTEBOOKS[0] as string, accountId: ACCOUNT },
        contextVariables: { 'aws:ViaAWSService': 'false', 'aws:SourceIp': address },
      },
      identityPolicies: [{ name: 'p0', policy }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
}

/**
 * The deviations from AWS that `withPrefixes` works around, pinned as iam-simulate behaviour: when
 * a later version fixes one, its test fails and the workaround can go. Key case is not one of them
 * (it was taken for one): pinned too, since the generated policies rely on it.
 */
describe('iam-simulate 0.1.173 deviations from AWS that the comparison works around', () => {
  it('does not read a bare IPv4 address as a /32 for an IPv6 caller (AWS: NotIpAddress matches)', () => {
    // Prepare
    const denyOutside = (value: string) =>
      doc(allowAction(), { ...allowAction(onSourceIp('NotIpAddress', value)), Effect: 'Deny' });
    // Act
    const bare = simulatedAsWritten(denyOutside('203.0.113.7'), '2600:1f18::1');
    const cidr = simulatedAsWritten(denyOutside('203.0.113.7/32'), '2600:1f18::1');
    // Assess
    expect(bare).toBe('Allowed');
    expect(cidr).toBe('ExplicitlyDenied');
  });

  it('matches no address against 0.0.0.0/0 (AWS: every IPv4 address)', () => {
    // Prepare
    const everyIpv4 = (values: string[]) => doc(allowAction(onSourceIp('IpAddress', values)));
    // Act
    const whole = simulatedAsWritten(everyIpv4(['0.0.0.0/0']), '8.8.8.8');
    const halves = simulatedAsWritten(everyIpv4(['0.0.0.0/1', '128.0.0.0/1']), '8.8.8.8');
    // Assess
    expect(whole).toBe('ImplicitlyDenied');
    expect(halves).toBe('Allowed');
  });

  it('reads condition key names case-insensitively, as AWS does, so spellings need no rewriting', () => {
    // Prepare
    const allowFrom = (key: string) =>
      doc(allowAction({ Condition: { IpAddress: { [key]: '203.0.113.0/24' } } }));
    // Act
    const upper = simulatedAsWritten(allowFrom('AWS:SOURCEIP'), '203.0.113.9');
    const canonical = simulatedAsWritten(allowFrom('aws:SourceIp'), '203.0.113.9');
    // Assess
    expect(upper).toBe('Allowed');
    expect(canonical).toBe('Allowed');
  });
});

describe('differential: our IAM evaluation against iam-simulate', () => {
  it('gives iam-simulate policy sets it accepts as valid', async () => {
    // Prepare
    const cases = [
      ...HAND_WRITTEN,
      ...DOMAIN_HAND_WRITTEN,
      ...[NOTEBOOK_WORDS, DOMAIN_WORDS].flatMap((words) =>
        Array.from({ length: 20 }, (_, seed) => generate(seed, false, words)),
      ),
    ];
    // Act
    const rejected: string[] = [];
    for (const testCase of cases) {
      const error = await simulationErrors(testCase);
      if (error) rejected.push(`${testCase.name}: ${error}`);
    }
    // Assess
    expect(rejected).toEqual([]);
  });

  it.each([...HAND_WRITTEN, ...DOMAIN_HAND_WRITTEN].map((testCase) => [testCase.name, testCase] as const))(
    'agrees with iam-simulate on every address for the hand-written case: %s',
    (_name, testCase) => {
      // Act
      const { disagreements, statusAgrees } = compare(testCase);
      // Assess
      expect(disagreements).toEqual([]);
      expect(statusAgrees).toBe(true);
    },
  );

  it('over-reports, on the safe side, an Allow and a Deny that leave out the same notebooks with NotResource (seed 199 of 400)', () => {
    // Prepare
    const sameExclusion = {
      Action: ACTION,
      NotResource: `arn:aws:sagemaker:*:${ACCOUNT}:notebook-instance/prod-*`,
    };
    const testCase: Case = {
      name: 'Allow and Deny with the same NotResource',
      identity: [doc({ Effect: 'Allow', ...sameExclusion }, { Effect: 'Deny', ...sameExclusion })],
      approved: APPROVED,
    };
    // Act
    const { disagreements, verdict } = compare(testCase);
    // Assess: the Deny refuses every notebook the Allow grants, so AWS denies from everywhere. We
    // reduce an Allow with NotResource to "every notebook" and count a Deny with NotResource only
    // when none of its entries can match a notebook, so the pair reads as allowed.
    expect(verdict.status).toBe('FAIL');
    expect(disagreements.length).toBeGreaterThan(0);
    expect(disagreements.every((entry) => entry.ours && !entry.simulated)).toBe(true);
  });

  it('over-reports, on the safe side, an Allow on user-profile/d-prod* (its wildcard spans the slash) beside a Deny on user-profile/d-prod*/*', () => {
    // Prepare
    const testCase: Case = {
      name: 'Allow on a one-segment profile pattern, Deny on the two-segment one',
      identity: [
        doc(
          { Effect: 'Allow', Action: DOMAIN_ACTION, Resource: `${PROFILE}/d-prod*` },
          { Effect: 'Deny', Action: DOMAIN_ACTION, Resource: `${PROFILE}/d-prod*/*` },
        ),
      ],
      approved: APPROVED,
      presign: DOMAIN_URL,
    };
    // Act
    const { disagreements, verdict } = compare(testCase);
    // Assess: AWS denies every profile the Allow reaches; we widen a name pattern with fewer
    // slashes than a profile ARN to every profile, which the Deny does not cover.
    expect(verdict.status).toBe('FAIL');
    expect(disagreements.length).toBeGreaterThan(0);
    expect(disagreements.every((entry) => entry.ours && !entry.simulated)).toBe(true);
  });

  it.each([NOTEBOOK_WORDS, DOMAIN_WORDS].map((words) => [words.presign.action, words] as const))(
    `agrees with iam-simulate on every address for ${GENERATED} generated policy sets of %s`,
    (_action, words) => {
      // Prepare
      const cases = Array.from({ length: GENERATED }, (_, seed) => generate(seed, false, words));
      // Act
      const results = cases.map(compare);
      // Assess
      expect(results.flatMap((result) => result.disagreements)).toEqual([]);
      expect(
        cases.filter((_, index) => !results[index]?.statusAgrees).map((testCase) => testCase.name),
      ).toEqual([]);
      expect(results.filter((result) => result.verdict.status === 'FAIL').length).toBeGreaterThan(
        GENERATED / 10,
      );
      expect(results.filter((result) => result.verdict.status === 'PASS').length).toBeGreaterThan(
        GENERATED / 10,
      );
    },
    30_000,
  );

  it.each([NOTEBOOK_WORDS, DOMAIN_WORDS].map((words) => [words.presign.action, words] as const))(
    `never reports "not allowed" where iam-simulate allows under some value of an unknown key or policy variable (${GENERATED_WITH_UNKNOWN_KEYS} policy sets of %s)`,
    (_action, words) => {
      // Prepare
      const cases = Array.from({ length: GENERATED_WITH_UNKNOWN_KEYS }, (_, index) =>
        generate(10_000 + index, true, words),
      );
      const assignments = [
        {},
        ...Object.entries(UNKNOWN_KEYS).map(([key, spec]) => ({ [key]: spec.values[0] as string })),
        Object.fromEntries(
          Object.entries(UNKNOWN_KEYS).map(([key, spec]) => [key, spec.values[0] as string]),
        ),
        Object.fromEntries(Object.entries(UNKNOWN_KEYS).map(([key, spec]) => [key, spec.other])),
        ...words.variableValues,
      ];
      // Act
      const underReported: Disagreement[] = [];
      let usingUnknownKeys = 0;
      let usingVariables = 0;
      for (const testCase of cases) {
        if (JSON.stringify(testCase).match(/PrincipalTag|RequestedRegion|MultiFactor|ResourceTag/))
          usingUnknownKeys++;
        if (JSON.stringify(testCase).includes('${')) usingVariables++;
        const verdict = ourVerdict(testCase);
        for (const { address } of addressesFor(testCase)) {
          if (weAllow(testCase, verdict, address)) continue;
          if (assignments.some((assignment) => simulatedAllows(testCase, address, assignment))) {
            underReported.push({ name: testCase.name, address, ours: false, simulated: true });
          }
        }
      }
      // Assess
      expect(usingUnknownKeys).toBeGreaterThan(GENERATED_WITH_UNKNOWN_KEYS / 3);
      expect(usingVariables).toBeGreaterThan(GENERATED_WITH_UNKNOWN_KEYS / 5);
      expect(underReported).toEqual([]);
    },
    30_000,
  );

  it('never reports "not allowed" where iam-simulate allows for some value of a policy variable', () => {
    // Prepare: iam-simulate substitutes variables whatever the Version, so these are 2012-10-17 only
    const own = 'arn:aws:sagemaker:*:*:notebook-instance/${aws:username}';
    const viaTag = '${aws:PrincipalTag/via}';
    const cases: Case[] = [
      {
        name: 'Deny NotResource on the own notebook',
        identity: [doc(allowAction(), onNotResource(guardrail(), own))],
      },
      {
        name: 'Deny Resource on the own notebook',
        identity: [doc(allowAction(), { ...guardrail(), Resource: own })],
      },
      {
        name: 'Deny NotResource on the own notebook with a default',
        identity: [
          doc(
            allowAction(),
            onNotResource(guardrail(), "arn:aws:sagemaker:*:*:notebook-instance/${aws:username, 'nobody'}"),
          ),
        ],
      },
      {
        name: 'Deny NotResource on the notebook a tag names',
        identity: [
          doc(
            allowAction(),
            onNotResource(
              guardrail(),
              'arn:aws:sagemaker:*:*:notebook-instance/${aws:PrincipalTag/notebook}',
            ),
          ),
        ],
      },
      {
        name: 'Deny unless a tag names the AWS service path',
        identity: [
          doc(allowAction(), guardrail(APPROVED, { StringNotEquals: { 'aws:ViaAWSService': viaTag } })),
        ],
      },
      {
        name: 'Allow when a tag names the AWS service path',
        identity: [doc(allowAction({ Condition: { StringEquals: { 'aws:ViaAWSService': viaTag } } }))],
      },
      {
        name: 'Deny on prod-* notebooks beside a Deny NotResource on the own notebook',
        identity: [
          doc(
            allowAction(),
            { ...guardrail(), Resource: `arn:aws:sagemaker:*:${ACCOUNT}:notebook-instance/prod-*` },
            onNotResource(guardrail(), own),
          ),
        ],
      },
    ].map((testCase) => ({ ...testCase, approved: APPROVED }));
    const assignments: Record<string, string>[] = [
      {},
      { 'aws:username': 'prod-a' },
      { 'aws:username': 'dev-a' },
      { 'aws:PrincipalTag/notebook': 'prod-a' },
      { 'aws:PrincipalTag/via': 'false' },
      { 'aws:PrincipalTag/via': 'true' },
    ];
    const allowedOn = (testCase: Case, address: string, assignment: Record<string, string>) =>
      NOTEBOOKS.map(
        (notebook) =>
          runUnsafeSimulation(
            simulation(testCase, notebook, { 'aws:SourceIp': address, ...assignment }),
            {},
          ) === 'Allowed',
      );
    // Act
    const underReported: Disagreement[] = [];
    const dependsOnTheValue: string[] = [];
    for (const testCase of cases) {
      const verdict = ourVerdict(testCase);
      for (const { address, approved } of addressesFor(testCase)) {
        const answers = assignments.map((assignment) => allowedOn(testCase, address, assignment));
        const differs = NOTEBOOKS.some((_, index) => new Set(answers.map((row) => row[index])).size > 1);
        if (!approved && differs) dependsOnTheValue.push(testCase.name);
        if (!weAllow(testCase, verdict, address) && answers.flat().includes(true)) {
          underReported.push({ name: testCase.name, address, ours: false, simulated: true });
        }
      }
    }
    // Assess: each case answers differently for some notebook under some assignment, so the
    // comparison has something to catch
    expect(underReported).toEqual([]);
    expect([...new Set(dependsOnTheValue)]).toEqual(cases.map((testCase) => testCase.name));
  }, 30_000);
});
