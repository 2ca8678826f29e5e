import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BundleResult, bundleScanHandler } from '../../scripts/build.ts';
import type { Report } from '../../src/model/report.ts';
import { healthy, WIRE_ACCOUNT_ID, WIRE_REGION } from '../faults/wire-world.ts';
import { startFakeAws } from '../support/aws-faults.ts';

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

/**
 * Runs the bundle's handler on Node 24 (the Lambda runtime's major version) in a fresh process,
 * asynchronously so that a server in this process can answer it, and returns what it printed: the
 * Node version and the response, or the error.
 */
function invokeBundleAsync(event: unknown, env: Record<string, string>): Promise<string> {
  const script = `
    const { handler } = await import(${JSON.stringify(bundle.outfile)});
    try {
      const response = await handler(${JSON.stringify(event)}, { getRemainingTimeInMillis: () => 900000 });
      console.log(JSON.stringify({ node: process.version, response }));
    } catch (error) {
      console.log(error.name + ': ' + error.message);
    }`;
  const child = spawn('npx', ['-y', 'node@24', '--input-type=module', '-e', script], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? tmpdir(),
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      POWERTOOLS_METRICS_DISABLED: 'true',
      LOG_LEVEL: 'SILENT',
      ...env,
    },
  });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', () => resolve(stdout));
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

  it('keeps only the English messages of zod, not its other locales', () => {
    // Act
    const output = Object.values(bundle.metafile.outputs).find((entry) => entry.entryPoint !== undefined);
    const locales = Object.entries(output?.inputs ?? {})
      .filter(
        ([path, input]) =>
          path.includes('node_modules/zod/') && /\/locales\//.test(path) && input.bytesInOutput > 0,
      )
      .map(([path]) => path.slice(path.indexOf('/locales/') + '/locales/'.length));

    // Assess
    expect(locales).toEqual(['en.js']);
  });

  it('leaves the YAML parser out: the function reads the JSON suppressions file the stack ships', () => {
    // Act
    const inputs = Object.entries(Object.values(bundle.metafile.outputs)[0]?.inputs ?? {});

    // Assess
    expect(
      inputs.filter(([path, input]) => path.includes('node_modules/yaml/') && input.bytesInOutput > 0),
    ).toEqual([]);
  });

  it('loads as an ES module and rejects a bad payload naming the field', () => {
    // Act
    const run = invokeBundle({ regions: ['eu-west-1'], dryRun: 'yes' }, { AWS_REGION: 'eu-west-1' });

    // Assess
    expect(run.stdout).toContain('UserInputError: dryRun: expected true or false');
  });

  it('rejects a scheduled event that carries options, naming them', () => {
    // Act
    const run = invokeBundle(
      {
        source: 'aws.events',
        'detail-type': 'Scheduled Event',
        detail: {},
        dryRun: true,
        regions: ['eu-west-1'],
      },
      { AWS_REGION: 'eu-west-1' },
    );

    // Assess
    expect(run.stdout).toContain(
      'UserInputError: payload: "regions", "dryRun" cannot be combined with an EventBridge scheduled event',
    );
  });

  it('fails the cold start with the name of a malformed environment variable', () => {
    // Act: the import is the cold start; Lambda reports what it rejects with
    const script = `
      try {
        await import(${JSON.stringify(bundle.outfile)});
        console.log('imported');
      } catch (error) {
        console.log(error.name + ': ' + error.message);
      }`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      env: { PATH: process.env.PATH ?? '', AWS_REGION: 'eu-west-1', REGION_CONCURRENCY: 'lots' },
      encoding: 'utf8',
    });

    // Assess
    expect(run.stdout).toBe(
      'UserInputError: environment variable REGION_CONCURRENCY: "lots" is not all or a whole number from 1 to 64\n',
    );
  });

  it('fails the cold start naming the variable and the file when the bundled configuration is not JSON', async () => {
    // Prepare
    const config = join(outDir, 'scan-config.json');
    await writeFile(config, '{"version": 1, "rules": [');

    // Act
    const run = invokeBundle({ dryRun: true }, { AWS_REGION: 'eu-west-1', SCAN_CONFIG_FILE: config });

    // Assess
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain(`environment variable SCAN_CONFIG_FILE: ${config} is not valid JSON (`);
  });

  it('reports stats.apiCalls by service:Operation as the minified Lambda runs, one per request made', async () => {
    // Prepare
    const aws = await startFakeAws(healthy);

    // Act
    const output = await invokeBundleAsync(
      { dryRun: true },
      {
        AWS_REGION: WIRE_REGION,
        AWS_ENDPOINT_URL: aws.endpoint,
        AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
        AWS_SECRET_ACCESS_KEY: 'secret',
      },
    );
    await aws.close();

    // Assess
    const { node, response } = JSON.parse(output) as { node: string; response: Report };
    expect(node).toMatch(/^v24\./);
    expect(response.scope.accounts).toEqual([WIRE_ACCOUNT_ID]);
    expect(response.scope.accountAliases).toEqual({ [WIRE_ACCOUNT_ID]: 'wire-prod' });
    expect(response.summary.error).toBe(0);
    expect(response.stats.apiCalls).toEqual({
      'ec2:DescribeSecurityGroups': 1,
      'ec2:DescribeSubnets': 1,
      'ec2:DescribeVpcAttribute': 2,
      'ec2:DescribeVpcEndpointServices': 1,
      'ec2:DescribeVpcEndpoints': 1,
      'ec2:DescribeVpcs': 1,
      'iam:GetAccountAuthorizationDetails': 1,
      'iam:ListAccountAliases': 1,
      'organizations:DescribeOrganization': 1,
      'organizations:DescribePolicy': 1,
      'organizations:ListParents': 1,
      'organizations:ListPoliciesForTarget': 2,
      'organizations:ListRoots': 1,
      'sagemaker:DescribeDomain': 1,
      'sagemaker:DescribeNotebookInstance': 1,
      'sagemaker:ListDomains': 1,
      'sagemaker:ListNotebookInstances': 1,
      'sts:GetCallerIdentity': 1,
    });
    expect(
      response.results.find((result) => result.ruleId === 'iam-principal-presigned-url-source-ip')?.evidence
        .scpsEvaluated,
    ).toBe(true);
    expect(aws.calls.map((call) => call.action).sort()).toEqual([
      'DescribeDomain',
      'DescribeNotebookInstance',
      'DescribeOrganization',
      'DescribePolicy',
      'DescribeSecurityGroups',
      'DescribeSubnets',
      'DescribeVpcAttribute',
      'DescribeVpcAttribute',
      'DescribeVpcEndpointServices',
      'DescribeVpcEndpoints',
      'DescribeVpcs',
      'GetAccountAuthorizationDetails',
      'GetCallerIdentity',
      'ListAccountAliases',
      'ListDomains',
      'ListNotebookInstances',
      'ListParents',
      'ListPoliciesForTarget',
      'ListPoliciesForTarget',
      'ListRoots',
    ]);
    // A fresh Node 24 process (through npx) and a whole scan: seconds on a busy machine.
  }, 60_000);

  it('runs only the rules of the bundled configuration, and reads only what they need', async () => {
    // Prepare
    const aws = await startFakeAws(healthy);
    const config = join(outDir, 'scan-config.json');
    await writeFile(config, JSON.stringify({ version: 1, rules: ['iam-principal-presigned-url-source-ip'] }));

    // Act
    const output = await invokeBundleAsync(
      { dryRun: true },
      {
        AWS_REGION: WIRE_REGION,
        AWS_ENDPOINT_URL: aws.endpoint,
        AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
        AWS_SECRET_ACCESS_KEY: 'secret',
        SCAN_CONFIG_FILE: config,
      },
    );
    await aws.close();

    // Assess
    const { response } = JSON.parse(output) as { response: Report };
    expect(Object.keys(response.summary.byRule)).toEqual(['iam-principal-presigned-url-source-ip']);
    expect(response.stats.apiCalls).toEqual({
      'iam:GetAccountAuthorizationDetails': 1,
      'iam:ListAccountAliases': 1,
      'organizations:DescribeOrganization': 1,
      'organizations:DescribePolicy': 1,
      'organizations:ListParents': 1,
      'organizations:ListPoliciesForTarget': 2,
      'organizations:ListRoots': 1,
      'sts:GetCallerIdentity': 1,
    });
  }, 60_000);

  it('names the package version in the report without shipping package.json (no scripts, no devDependencies)', async () => {
    // Prepare
    const packageJson = JSON.parse(
      await readFile(new URL('../../package.json', import.meta.url), 'utf8'),
    ) as {
      version: string;
      scripts: Record<string, string>;
    };
    const code = await readFile(bundle.outfile, 'utf8');

    // Assess
    expect(code).toContain(`version:${JSON.stringify(packageJson.version)}`);
    for (const devOnly of ['"@biomejs/biome"', '"@cloud-copilot/iam-simulate"', '"aws-sdk-client-mock"']) {
      expect(code).not.toContain(devOnly);
    }
    expect(code).not.toContain(packageJson.scripts.build);
    expect(code).not.toContain('sagemaker-compliance-scanner.mjs');
  });
});
