import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleInto } from '../../infra/lambda-code.ts';
import { configureApp } from '../../infra/scanner-app.ts';
import { stageSuppressions } from '../../infra/suppressions.ts';
import { loadLambdaEnvironment } from '../../src/config/env.ts';

const NOW = new Date('2026-11-28T06:00:00Z');

const VALID = {
  version: 1,
  suppressions: [
    {
      rule: 'vpc-sagemaker-endpoints',
      resources: ['vpc-0a1b2c3d4e5f60718'],
      reason: 'Batch-only VPC, decommissioned with SEC-1423',
      expires: '2027-03-31',
      owner: 'platform-team@example.com',
    },
  ],
};

const YAML_TEXT = `version: 1
suppressions:
  - rule: vpc-sagemaker-endpoints
    resources: [vpc-0a1b2c3d4e5f60718]
    reason: Batch-only VPC, decommissioned with SEC-1423
    expires: "2027-03-31"
    owner: platform-team@example.com
`;

let workDir: string;

function writeFile(name: string, content: string): string {
  const path = join(workDir, name);
  writeFileSync(path, content);
  return path;
}

function withEntry(entry: Record<string, unknown>): string {
  return JSON.stringify({ version: 1, suppressions: [VALID.suppressions[0], entry] });
}

beforeAll(() => {
  workDir = mkdtempSync(join(tmpdir(), 'suppressions-test-'));
});

afterAll(() => {
  rmSync(workDir, { recursive: true, force: true });
});

describe('the suppressions file at synth time', () => {
  it('is converted from YAML to JSON for the bundle, with the same entries', () => {
    // Prepare
    const yamlFile = writeFile('suppressions.yaml', YAML_TEXT);

    // Act
    const staged = stageSuppressions(yamlFile, 365, NOW);

    // Assess
    expect(staged.path).toMatch(/suppressions\.json$/);
    expect(JSON.parse(readFileSync(staged.path, 'utf8'))).toEqual(VALID);
    expect(staged.suppressions.map(({ rule, resources }) => ({ rule, resources }))).toEqual(
      VALID.suppressions.map(({ rule, resources }) => ({ rule, resources })),
    );
  });

  it.each([
    [
      'an unknown rule id',
      { rule: 'no-such-rule', reason: 'x', expires: '2027-01-01' },
      /bad\.json: suppressions\[1\]\.rule: unknown rule id "no-such-rule"/,
    ],
    [
      'a missing reason',
      { rule: '*', reason: '  ', expires: '2027-01-01' },
      /bad\.json: invalid suppressions at \$\.suppressions\[1\]\.reason: a reason is required/,
    ],
    [
      'a malformed date',
      { rule: '*', reason: 'x', expires: '2027-02-30' },
      /suppressions\[1\]\.expires: not a calendar date/,
    ],
    [
      'a date beyond the horizon',
      { rule: 'vpc-sagemaker-endpoints', reason: 'x', expires: '2027-11-29' },
      /suppressions\[1\]\.expires: 2027-11-29 is more than 365 days ahead/,
    ],
  ])('is refused with the entry named when it has %s', (_problem, entry, message) => {
    // Prepare
    const file = writeFile('bad.json', withEntry(entry));

    // Act
    const stage = () => stageSuppressions(file, 365, NOW);

    // Assess
    expect(stage).toThrow(message);
  });

  it('is refused when it cannot be read or parsed', () => {
    // Prepare
    const broken = writeFile('broken.yml', 'version: 1\nsuppressions: [\n');

    // Act
    const missing = () => stageSuppressions(join(workDir, 'absent.json'), 365, NOW);
    const unparsable = () => stageSuppressions(broken, 365, NOW);

    // Assess
    expect(missing).toThrow(/suppressionsFile: cannot read .*absent\.json \(ENOENT\)/);
    expect(unparsable).toThrow(/broken\.yml: not valid YAML/);
  });

  it('makes `cdk synth` exit non-zero with the entry named', async () => {
    // Prepare
    const file = writeFile(
      'unknown-rule.json',
      withEntry({ rule: 'typo-rule', reason: 'x', expires: '2027-01-01' }),
    );
    const outdir = mkdtempSync(join(workDir, 'cdk-out-'));

    // Act
    const synth = promisify(execFile)(
      'npx',
      ['cdk', 'synth', '--quiet', '-o', outdir, '-c', `suppressionsFile=${file}`],
      { cwd: process.cwd() },
    );

    // Assess
    await expect(synth).rejects.toMatchObject({
      stderr: expect.stringMatching(/suppressions\[1\]\.rule: unknown rule id "typo-rule"/),
    });
  });
});

describe('shipping the suppressions file and the list configuration with the function', () => {
  it('bundles the handler with its chunks and ships no file when there is none to ship', () => {
    // Prepare
    const bundle = mkdtempSync(join(workDir, 'bundle-'));

    // Act
    bundleInto('scan', bundle, {});

    // Assess
    expect(readdirSync(bundle).sort()).toEqual(['chunks', 'index.mjs', 'index.mjs.map']);
  }, 60_000);

  it('copies the staged file into the bundle as suppressions.json', () => {
    // Prepare
    const staged = writeFile('staged.json', JSON.stringify(VALID));
    const bundle = mkdtempSync(join(workDir, 'bundle-'));

    // Act
    bundleInto('scan', bundle, { 'suppressions.json': staged });

    // Assess
    expect(readdirSync(bundle).sort()).toEqual(['chunks', 'index.mjs', 'index.mjs.map', 'suppressions.json']);
    expect(JSON.parse(readFileSync(join(bundle, 'suppressions.json'), 'utf8'))).toEqual(VALID);
  }, 60_000);

  it('puts the converted file and the list configuration next to the bundled handler, which reads them', () => {
    // Prepare
    const yamlFile = writeFile('deployed.yaml', YAML_TEXT);
    const app = new App({
      outdir: mkdtempSync(join(workDir, 'cdk-out-')),
      context: {
        suppressionsFile: yamlFile,
        rules: 'vpc-sagemaker-endpoints',
        allowedSourceCidrs: '203.0.113.0/24,2001:db8::/32',
      },
    });
    const stack = configureApp(app);

    // Act
    const assembly = app.synth();

    // Assess
    const [fn] = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function'));
    const bundles = readdirSync(assembly.directory)
      .filter((name) => name.startsWith('asset.'))
      .map((name) => join(assembly.directory, name))
      .filter((dir) => readdirSync(dir).includes('index.mjs'));
    expect(bundles).toHaveLength(1);
    const assetDir = bundles[0] as string;
    expect(readdirSync(assetDir).sort()).toEqual([
      'chunks',
      'index.mjs',
      'index.mjs.map',
      'scan-config.json',
      'suppressions.json',
    ]);
    expect(JSON.parse(readFileSync(join(assetDir, 'suppressions.json'), 'utf8'))).toEqual(VALID);
    const variables = fn?.Properties.Environment.Variables;
    expect(variables.SUPPRESSIONS_FILE).toBe('/var/task/suppressions.json');
    expect(variables.SCAN_CONFIG_FILE).toBe('/var/task/scan-config.json');
    const asDeployed = (path: string) => readFileSync(path.replace('/var/task', assetDir), 'utf8');
    const environment = loadLambdaEnvironment(
      { AWS_REGION: 'eu-west-1', SCAN_CONFIG_FILE: variables.SCAN_CONFIG_FILE },
      asDeployed,
    );
    expect(environment.ruleIds).toEqual(['vpc-sagemaker-endpoints']);
    expect(environment.allowedSourceCidrs).toEqual(['203.0.113.0/24', '2001:db8::/32']);
  });
});
