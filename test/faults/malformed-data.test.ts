import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { VpcEndpoint } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli.ts';
import type { Inventory } from '../../src/model/inventory.ts';
import type { Report } from '../../src/model/report.ts';
import { fakeIo } from '../support/cli-io.ts';
import { endpoint } from '../support/inventory.ts';
import {
  ACCOUNT_ID,
  encoded,
  type Faults,
  PRESIGNED,
  regionWorld,
  scanWorld,
  verdicts,
  vpcId,
  WORLD_RULE_IDS,
} from './world.ts';

const REGION = 'eu-west-1';
const policyArn = (name: string) => `arn:aws:iam::${ACCOUNT_ID}:policy/${name}`;
const ALICE = `arn:aws:iam::${ACCOUNT_ID}:user/alice`;
const BOB = `arn:aws:iam::${ACCOUNT_ID}:user/bob`;
const RUNNER = `arn:aws:iam::${ACCOUNT_ID}:role/notebook-runner`;
const RUNNER_INLINE = `${RUNNER}/inline/runner-notebooks`;

/** An endpoint as EC2 would never send it: no ServiceName. */
function withoutServiceName(vpcIndex: number): VpcEndpoint {
  const { ServiceName: _dropped, ...nameless } = endpoint(
    `vpce-0nameless0000000${vpcIndex}`,
    vpcId(REGION, vpcIndex),
    'dropped',
  );
  return nameless as VpcEndpoint;
}

/**
 * Four kinds of malformed data in one account: a policy document cut off mid-JSON, a statement
 * without Effect, an Action that is a number, and endpoints without ServiceName in a compliant VPC
 * (1) and in a VPC that has no SageMaker endpoint (3).
 */
const MALFORMED: Faults = {
  iamDocuments: {
    OpenPresignedUrls: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sagemaker:Create',
    OfficePresignedUrls: encoded({ Action: PRESIGNED, Resource: '*' }),
    'runner-notebooks': encoded({ Effect: 'Allow', Action: 42, Resource: '*' }),
  },
  endpoints: { [REGION]: [...regionWorld(REGION).endpoints, withoutServiceName(1), withoutServiceName(3)] },
};

/** What each malformed resource reports; every other result keeps its fault-free verdict. */
const EXPECTED_ERRORS: [string, string, RegExp][] = [
  [
    'iam-policy-presigned-url-source-ip',
    policyArn('OfficePresignedUrls'),
    /^Could not judge customer managed policy OfficePresignedUrls: statement 0 has no Effect of Allow or Deny\.$/,
  ],
  [
    'iam-policy-presigned-url-source-ip',
    policyArn('OpenPresignedUrls'),
    /^Could not judge customer managed policy OpenPresignedUrls: the policy document does not parse as JSON/,
  ],
  [
    'iam-policy-presigned-url-source-ip',
    RUNNER_INLINE,
    /^Could not judge inline policy runner-notebooks of role notebook-runner: statement 0 has an Action that is not a string or a list of strings\.$/,
  ],
  [
    'iam-principal-presigned-url-source-ip',
    RUNNER,
    /^Could not judge role notebook-runner: policy runner-notebooks \(inline\), statement 0: .*Action that is not a string/,
  ],
  [
    'iam-principal-presigned-url-source-ip',
    ALICE,
    /^Could not judge user alice: policy OpenPresignedUrls \(attached directly\): the policy document does not parse as JSON/,
  ],
  [
    'iam-principal-presigned-url-source-ip',
    BOB,
    /^Could not judge user bob: policy OfficePresignedUrls \(attached directly\), statement 0: .*no Effect/,
  ],
  [
    'vpc-sagemaker-endpoints',
    vpcId(REGION, 3),
    /^Could not judge VPC vpc-00000000000000003: endpoint data is incomplete \(vpce-0nameless00000003 lacks ServiceName/,
  ],
];

const errorsOf = (report: Report) =>
  report.results
    .filter((result) => result.status === 'ERROR')
    .map((result) => [result.ruleId, result.resourceId, result.message]);

let baseline: Report;
let live: Report;
let evidence: Inventory;
let directory: string;

beforeAll(async () => {
  ({ report: baseline } = await scanWorld());
  ({ report: live, inventory: evidence } = await scanWorld(MALFORMED));
  directory = await mkdtemp(join(tmpdir(), 'faults-malformed-'));
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('malformed data from AWS', () => {
  it('makes exactly the malformed resources ERROR, naming what is wrong, and judges everything else as before', () => {
    // Prepare
    const malformed = new Set(EXPECTED_ERRORS.map(([ruleId, resourceId]) => `${ruleId} ${resourceId}`));
    const key = (result: { ruleId: string; resourceId: string }) => `${result.ruleId} ${result.resourceId}`;

    // Act
    const errors = errorsOf(live);

    // Assess
    expect(errors).toHaveLength(EXPECTED_ERRORS.length);
    for (const [index, [ruleId, resourceId, message]] of EXPECTED_ERRORS.entries()) {
      expect(errors[index]?.slice(0, 2)).toEqual([ruleId, resourceId]);
      expect(errors[index]?.[2]).toMatch(message);
    }
    const others = (report: Report) => report.results.filter((result) => !malformed.has(key(result)));
    expect(verdicts(others(live))).toEqual(verdicts(others(baseline)));
  });

  it('keeps a VPC whose api and runtime endpoints are available PASS even beside an endpoint without ServiceName', () => {
    // Act
    const compliant = live.results.find(
      (result) => result.ruleId === 'vpc-sagemaker-endpoints' && result.resourceId === vpcId(REGION, 1),
    );

    // Assess
    expect(compliant?.status).toBe('PASS');
  });
});

describe('malformed data in an evidence file (scan --input)', () => {
  it('exits 1 with the same ERROR results as the live scan, for documents in the AWS CLI object form too', async () => {
    // Prepare
    const file = join(directory, 'evidence.json');
    const account = evidence.accounts[0];
    const office = account?.iam?.Policies?.find((policy) => policy.PolicyName === 'OfficePresignedUrls');
    const version = office?.PolicyVersionList?.[0];
    if (!version) throw new Error('the evidence lacks the OfficePresignedUrls policy');
    // The AWS CLI writes documents decoded, as objects.
    version.Document = { Version: '2012-10-17', Statement: [{ Action: PRESIGNED, Resource: '*' }] };
    await writeFile(file, JSON.stringify(evidence), 'utf8');
    const io = fakeIo();

    // Act
    const exitCode = await main(
      ['scan', '--input', file, '--rules', WORLD_RULE_IDS.join(','), '--format', 'json'],
      io,
    );

    // Assess
    expect(exitCode).toBe(1);
    expect(io.err()).toBe('');
    const report = JSON.parse(io.out()) as Report;
    expect(verdicts(report.results)).toEqual(verdicts(live.results));
    expect(report.summary.error).toBe(EXPECTED_ERRORS.length);
  });

  it('exits 1 and shows the ERROR rows in the table for an endpoint without ServiceName and a statement of the wrong shape', async () => {
    // Prepare
    const file = join(directory, 'table.json');
    await writeFile(file, JSON.stringify(evidence), 'utf8');
    const io = fakeIo();

    // Act
    const exitCode = await main(
      ['scan', '--input', file, '--rules', WORLD_RULE_IDS.join(','), '--quiet'],
      io,
    );

    // Assess
    expect(exitCode).toBe(1);
    const table = io.out();
    expect(table).toMatch(/ERROR.*vpc-00000000000000003/);
    expect(table).toMatch(/ERROR.*notebook-runner/);
    expect(table).not.toMatch(/^PASS /m);
    expect(table).toContain('38 results: 15 PASS, 16 FAIL, 7 ERROR');
  });
});
