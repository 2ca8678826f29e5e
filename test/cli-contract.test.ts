import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli.ts';
import { evaluate } from '../src/engine/evaluate.ts';
import { DEFAULT_RULE_CONFIG } from '../src/model/config.ts';
import type { Inventory } from '../src/model/inventory.ts';
import { checkCollected, parseSnapshot } from '../src/model/snapshot.ts';
import { RULES } from '../src/rules/index.ts';
import { healthy, WIRE_REGION } from './faults/wire-world.ts';
import { fastClientOverrides, startFakeAws } from './support/aws-faults.ts';
import { fakeIo } from './support/cli-io.ts';
import { inventory, region, vpc } from './support/inventory.ts';

const ROLE_ARN = 'arn:aws:iam::111122223333:role/ml';
const POLICY_ARN = 'arn:aws:iam::111122223333:policy/notebooks';

let dir: string;

function file(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

async function run(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const io = fakeIo({ env });
  const code = await main(argv, io);
  return { code, out: io.out(), err: io.err() };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'scanner-contract-'));
});

describe('an evidence file written from a live collection', () => {
  it('passes as it is when the collection matches the schema', () => {
    // Prepare
    const collected = inventory([region('eu-west-1', { vpcs: [vpc('vpc-1')] })]);

    // Act
    const checked = checkCollected(collected);

    // Assess
    expect(checked).toEqual({ inventory: collected, errors: [] });
  });

  it('records a section that fails the schema as a collection error naming every path, and keeps the rest', () => {
    // Prepare: a VPC without its id, and an endpoint list that is not a list
    const collected = inventory([region('eu-west-1', { vpcs: [vpc('vpc-1')] })]);
    const regionData = collected.accounts[0]?.regions[0] as unknown as Record<string, unknown>;
    regionData.vpcs = [{ CidrBlock: '10.0.0.0/16' }, { VpcId: 7 }];
    regionData.endpointServices = ['com.amazonaws.eu-west-1.sagemaker.api'];

    // Act
    const checked = checkCollected(collected);

    // Assess
    const written = checked.inventory.accounts[0]?.regions[0];
    expect(written?.vpcs).toBeUndefined();
    expect(written?.endpointServices).toEqual(['com.amazonaws.eu-west-1.sagemaker.api']);
    expect(written?.collectionErrors).toEqual([
      {
        section: 'vpcs',
        code: 'InvalidCollectedData',
        message:
          'the data read does not pass the evidence file schema, at $.accounts[0].regions[0].vpcs[0].VpcId: Invalid input: expected string, received undefined; at $.accounts[0].regions[0].vpcs[1].VpcId: Invalid input: expected string, received number',
      },
    ]);
    expect(checked.errors).toEqual([
      `account 111122223333 eu-west-1 vpcs: ${written?.collectionErrors?.[0]?.message}`,
    ]);
    expect(() => parseSnapshot(checked.inventory, 'evidence.json')).not.toThrow();
  });

  it('accepts IAM data without names, as moto sends a managed policy, and names the policy by its ARN', () => {
    // Prepare: GetAccountAuthorizationDetails without the managed policy's PolicyName
    const document = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'sagemaker:CreatePresignedNotebookInstanceUrl', Resource: '*' }],
    };
    const collected = inventory([], {
      account: {
        iam: {
          RoleDetailList: [{ Arn: ROLE_ARN, AttachedManagedPolicies: [{ PolicyArn: POLICY_ARN }] }],
          Policies: [
            {
              Arn: POLICY_ARN,
              DefaultVersionId: 'v1',
              PolicyVersionList: [{ VersionId: 'v1', IsDefaultVersion: true, Document: document }],
            },
          ],
        },
      },
    });

    // Act
    const checked = checkCollected(collected);
    const evaluation = evaluate(
      parseSnapshot(checked.inventory, 'evidence.json'),
      RULES.filter((rule) => rule.meta.id === 'iam-policy-presigned-url-source-ip'),
      DEFAULT_RULE_CONFIG,
    );

    // Assess
    expect(checked.errors).toEqual([]);
    expect(evaluation.results.map((result) => [result.status, result.resourceId])).toEqual([
      ['FAIL', POLICY_ARN],
    ]);
    expect(evaluation.results[0]?.message).toContain(POLICY_ARN);
  });
});

describe('an evidence file taken for some rules', () => {
  it('records the rules and the sections it was taken for, and only those sections', async () => {
    // Prepare
    const aws = await startFakeAws(healthy);
    const io = fakeIo({
      env: { AWS_REGION: WIRE_REGION },
      clientOverrides: { endpoint: aws.endpoint, ...fastClientOverrides(2) },
    });

    // Act
    const code = await main(['snapshot', '--rules', 'vpc-sagemaker-endpoints'], io);
    await aws.close();

    // Assess
    expect(code).toBe(0);
    const evidence = JSON.parse(io.out()) as Inventory;
    expect(evidence.takenFor).toEqual({
      rules: ['vpc-sagemaker-endpoints'],
      sections: ['endpointServices', 'vpcEndpoints', 'vpcs'],
    });
    expect(evidence.accounts[0]?.iam).toBeUndefined();
    expect(() => parseSnapshot(evidence, 'evidence.json')).not.toThrow();
  });

  it('says, when scanned with another rule, which rules it was taken for and which section it lacks', async () => {
    // Prepare
    const evidence = file('vpc-only.json', {
      ...inventory([region('eu-west-1', { vpcs: [vpc('vpc-1')] })]),
      takenFor: {
        rules: ['vpc-sagemaker-endpoints'],
        sections: ['endpointServices', 'vpcEndpoints', 'vpcs'],
      },
    });

    // Act
    const { code, out } = await run([
      'scan',
      '--input',
      evidence,
      '--rules',
      'iam-principal-presigned-url-source-ip',
      '--format',
      'json',
    ]);

    // Assess
    expect(code).toBe(1);
    const report = JSON.parse(out) as { results: { status: string; message: string; remediation: string }[] };
    expect(report.results.map((result) => [result.status, result.message])).toEqual([
      [
        'ERROR',
        'Could not judge iam-principal-presigned-url-source-ip: this evidence file was taken for rules vpc-sagemaker-endpoints; sections iam and organization were not collected.',
      ],
    ]);
    expect(report.results[0]?.remediation).not.toContain('Grant');
  });

  it('is judged as usual by the rules it was taken for', async () => {
    // Prepare
    const evidence = file('vpc-endpoints.json', {
      ...inventory([region('eu-west-1', { vpcs: [vpc('vpc-1')] })]),
      takenFor: {
        rules: ['vpc-sagemaker-endpoints'],
        sections: ['endpointServices', 'vpcEndpoints', 'vpcs'],
      },
    });

    // Act
    const { out } = await run([
      'scan',
      '--input',
      evidence,
      '--rules',
      'vpc-sagemaker-endpoints',
      '-f',
      'json',
    ]);

    // Assess
    const report = JSON.parse(out) as { results: { status: string; resourceId: string }[] };
    expect(report.results.map((result) => [result.status, result.resourceId])).toEqual([['FAIL', 'vpc-1']]);
  });
});

describe('files with several problems', () => {
  it('lists every problem of an evidence file, up to 20, then how many more', async () => {
    // Prepare: 23 VPCs without an id
    const data = inventory([region('eu-west-1', { vpcs: [] })]);
    (data.accounts[0]?.regions[0] as { vpcs: unknown[] }).vpcs = Array.from({ length: 23 }, () => ({}));
    const evidence = file('many.json', data);

    // Act
    const { code, err } = await run(['scan', '--input', evidence]);

    // Assess
    expect(code).toBe(2);
    const listed = Array.from(
      { length: 20 },
      (_, index) =>
        `at $.accounts[0].regions[0].vpcs[${index}].VpcId: Invalid input: expected string, received undefined`,
    );
    expect(err).toBe(`error: ${evidence}: invalid snapshot ${listed.join('; ')} (and 3 more problems)\n`);
  });

  it('lists every problem of a suppressions file, shape and meaning alike', async () => {
    // Prepare
    const suppressions = file('suppressions.json', {
      version: 1,
      suppressions: [
        { rule: 'no-such-rule', resources: ['vpc-1'], reason: 'sandbox', expires: '2026-12-31' },
        { rule: '*', reason: 'everything', expires: '2026-12-31' },
      ],
    });

    // Act
    const { code, err } = await run([
      'scan',
      '--input',
      file('empty.json', inventory([])),
      '--suppressions',
      suppressions,
    ]);

    // Assess
    expect(code).toBe(2);
    expect(err).toMatch(
      new RegExp(
        `^error: ${suppressions.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: suppressions\\[0\\]\\.rule: unknown rule id "no-such-rule" \\(known: .*\\); suppressions\\[1\\]: rule "\\*" with no account, region or resource narrower than "\\*" would mute every finding and switch the scanner off; name a rule or narrow the entry\\n$`,
      ),
    );
  });
});

describe('a live scan with a wrong AWS_PROFILE', () => {
  it('names the profile that was not found, and the profiles there are', async () => {
    // Prepare
    const config = file('config', '[default]\nregion = eu-west-1\n[profile dev]\nregion = eu-west-1\n');
    const credentials = file(
      'credentials',
      '[ops]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = x\n',
    );

    // Act
    const { code, err } = await run(['scan', '--regions', 'eu-west-1'], {
      AWS_PROFILE: 'prod',
      AWS_CONFIG_FILE: config,
      AWS_SHARED_CREDENTIALS_FILE: credentials,
    });

    // Assess
    expect(code).toBe(2);
    expect(err).toBe(
      `error: AWS_PROFILE: profile "prod" is not in ${config} or ${credentials} (profiles there: default, dev, ops)\n`,
    );
  });
});
