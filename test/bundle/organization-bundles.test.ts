import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BundleResult, bundleLambda, type LambdaName } from '../../scripts/build.ts';

type OrganizationHandler = Extract<LambdaName, 'org-plan' | 'org-aggregate'>;

let outDir: string;
const bundles = new Map<OrganizationHandler, BundleResult>();

/** Imports a bundle in a fresh Node process and invokes its handler with `event`: what it printed. */
function invoke(name: OrganizationHandler, event: unknown, env: Record<string, string>): string {
  const script = `
    try {
      const { handler } = await import(${JSON.stringify(bundles.get(name)?.outfile)});
      await handler(${JSON.stringify(event)});
      console.log('no error');
    } catch (error) {
      console.log(error.name + ': ' + error.message);
    }`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    env: {
      PATH: process.env.PATH ?? '',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...env,
    },
    encoding: 'utf8',
  });
  return child.stdout.trim();
}

const ENV = { AWS_REGION: 'eu-west-1', REPORTS_BUCKET: 'compliance-reports' };

beforeAll(async () => {
  outDir = await mkdtemp(join(tmpdir(), 'org-bundles-'));
  for (const name of ['org-plan', 'org-aggregate'] as const) {
    bundles.set(name, await bundleLambda(name, join(outDir, name)));
  }
}, 180_000);

afterAll(async () => {
  await rm(outDir, { recursive: true, force: true });
});

describe('Organization mode Lambda bundles', () => {
  it('leave test-only and AGPL code out', () => {
    for (const bundle of bundles.values()) {
      // Act
      const inputs = Object.keys(bundle.metafile.inputs);

      // Assess
      expect(
        inputs.filter((path) => /@cloud-copilot\/iam-simulate|vitest|aws-sdk-client-mock/.test(path)),
      ).toEqual([]);
    }
  });

  it('fail the cold start of the plan function on a bad environment, naming the variable', () => {
    // Act
    const printed = invoke('org-plan', { runId: 'r' }, { ...ENV, EXCLUDE_ACCOUNTS: '12345' });

    // Assess
    expect(printed).toBe(
      'UserInputError: environment variable EXCLUDE_ACCOUNTS: "12345" is not a 12-digit account id',
    );
  });

  it('refuse a payload that drifted from the contract, naming the field, in the minified plan and aggregate', () => {
    // Act
    const plan = invoke('org-plan', { runId: 'not a name' }, ENV);
    const aggregate = invoke(
      'org-aggregate',
      { runId: 'r' },
      { ...ENV, FINDINGS_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:findings' },
    );

    // Assess
    expect(plan).toBe('UserInputError: plan input: $.runId: expected a Step Functions execution name');
    expect(aggregate).toBe(
      'UserInputError: aggregate input: $.plan: Invalid input: expected object, received undefined',
    );
  });
});
