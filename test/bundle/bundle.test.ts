import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BundleResult, bundleScanHandler } from '../../scripts/build.ts';

let outDir: string;
let bundle: BundleResult;

/** Imports the bundle in a fresh Node process and invokes the handler with `event`. */
function invokeBundle(event: unknown, env: Record<string, string>) {
  const script = `
    const { handler } = await import(${JSON.stringify(bundle.outfile)});
    try {
      await handler(${JSON.stringify(event)}, { getRemainingTimeInMillis: () => 900000 });
      console.log('no error');
    } catch (error) {
      console.log(error.name + ': ' + error.message);
    }`;
  return spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    env: { PATH: process.env.PATH ?? '', AWS_EC2_METADATA_DISABLED: 'true', ...env },
    encoding: 'utf8',
  });
}

beforeAll(async () => {
  outDir = await mkdtemp(join(tmpdir(), 'scan-bundle-'));
  bundle = await bundleScanHandler(outDir);
}, 120_000);

afterAll(async () => {
  await rm(outDir, { recursive: true, force: true });
});

describe('Lambda bundle', () => {
  it('leaves test-only and AGPL code out: no @cloud-copilot/iam-simulate, no vitest, no mocks', () => {
    // Act
    const inputs = Object.keys(bundle.metafile.inputs);

    // Assess
    expect(inputs.some((path) => path.includes('src/handlers/scan.ts'))).toBe(true);
    expect(
      inputs.filter((path) => /@cloud-copilot\/iam-simulate|vitest|aws-sdk-client-mock/.test(path)),
    ).toEqual([]);
  });

  it('bundles the AWS SDK it was tested with instead of relying on the runtime copy', () => {
    // Act
    const inputs = Object.keys(bundle.metafile.inputs);

    // Assess
    for (const client of ['client-ec2', 'client-iam', 'client-securityhub', 'client-sns', 'client-sts']) {
      expect(inputs.some((path) => path.includes(`node_modules/@aws-sdk/${client}/dist-es/`))).toBe(true);
    }
  });

  it('loads as an ES module and rejects a bad payload naming the field', () => {
    // Act
    const run = invokeBundle({ regions: ['eu-west-1'], dryRun: 'yes' }, { AWS_REGION: 'eu-west-1' });

    // Assess
    expect(run.stdout).toContain('UserInputError: dryRun: expected true or false');
  });

  it('fails the cold start with the name of a malformed environment variable', () => {
    // Act
    const run = invokeBundle({ dryRun: true }, { AWS_REGION: 'eu-west-1', REGION_CONCURRENCY: 'lots' });

    // Assess
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('environment variable REGION_CONCURRENCY: "lots" is not a whole number');
  });
});
