import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  DEFAULT_DEADLINE_MARGIN_SECONDS,
  loadDeployedSuppressions,
  loadLambdaEnvironment,
} from '../../src/config/env.ts';
import { UserInputError } from '../../src/model/errors.ts';

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:sagemaker-findings';

/**
 * A cold start imports the handler module, and ESM evaluates its static imports (the whole
 * scanner: the SDK clients, the collector, the rules, the report writers, Powertools) before the
 * body that checks the environment. The first such import in a worker also transforms that whole graph: about 2 s on
 * an idle 2-core machine, more than vitest's 5 s default when the machine is busy. Later imports
 * reuse the transforms (about 60 ms), but each cold-start test may run first (alone, or filtered).
 */
const COLD_START_TIMEOUT_MS = 30_000;

afterEach(() => {
  vi.unstubAllEnvs();
  vi.resetModules();
});

describe('loadLambdaEnvironment', () => {
  it('defaults to the function region, every rule, on-findings and INFO', () => {
    // Act
    const environment = loadLambdaEnvironment({ AWS_REGION: 'eu-west-1', FINDINGS_TOPIC_ARN: TOPIC });

    // Assess
    expect(environment).toEqual({
      findingsTopicArn: TOPIC,
      homeRegion: 'eu-west-1',
      regions: ['eu-west-1'],
      ruleIds: undefined,
      allowedSourceCidrs: [],
      approvedVpces: [],
      skipDefaultVpcs: false,
      notify: 'on-findings',
      regionConcurrency: 'all',
      rateShare: 0.5,
      logLevel: 'INFO',
      deadlineMarginMs: DEFAULT_DEADLINE_MARGIN_SECONDS * 1000,
      reportsBucket: undefined,
      suppressionsFile: undefined,
      suppressionHorizonDays: 365,
      tagSuppressions: false,
      securityHub: false,
      chatNotifications: false,
    });
  });

  it('reads every variable, treating empty ones as unset', () => {
    // Act
    const environment = loadLambdaEnvironment({
      AWS_REGION: 'eu-west-1',
      SCAN_REGIONS: 'eu-west-1, us-east-1',
      RULES: 'vpc-sagemaker-endpoints',
      ALLOWED_SOURCE_CIDRS: '198.51.100.0/24',
      APPROVED_VPCES: 'vpce-0a1b2c3d4e5f67890, vpce-1a2b3c4d',
      SKIP_DEFAULT_VPCS: 'true',
      NOTIFY: 'always',
      REGION_CONCURRENCY: '8',
      API_RATE_SHARE: '0.25',
      LOG_LEVEL: 'debug',
      DEADLINE_MARGIN_SECONDS: '120',
      FINDINGS_TOPIC_ARN: '',
      REPORTS_BUCKET: 'compliance-reports-123456789012',
      SUPPRESSIONS_FILE: '/var/task/suppressions.json',
      SUPPRESSION_HORIZON_DAYS: '90',
      TAG_SUPPRESSIONS: 'true',
    });

    // Assess
    expect(environment).toMatchObject({
      findingsTopicArn: undefined,
      regions: ['eu-west-1', 'us-east-1'],
      ruleIds: ['vpc-sagemaker-endpoints'],
      allowedSourceCidrs: ['198.51.100.0/24'],
      approvedVpces: ['vpce-0a1b2c3d4e5f67890', 'vpce-1a2b3c4d'],
      skipDefaultVpcs: true,
      notify: 'always',
      regionConcurrency: 8,
      rateShare: 0.25,
      logLevel: 'DEBUG',
      deadlineMarginMs: 120_000,
      reportsBucket: 'compliance-reports-123456789012',
      suppressionsFile: '/var/task/suppressions.json',
      suppressionHorizonDays: 90,
      tagSuppressions: true,
    });
  });

  it('reads a value without the spaces pasted around it, as the Organization Lambdas do', () => {
    // Act
    const environment = loadLambdaEnvironment({
      AWS_REGION: 'eu-west-1',
      NOTIFY: ' always ',
      REPORTS_BUCKET: ' compliance-reports-123456789012\n',
    });

    // Assess
    expect(environment.notify).toBe('always');
    expect(environment.reportsBucket).toBe('compliance-reports-123456789012');
  });

  it('accepts NOTIFY=changes when there is a reports bucket to compare with', () => {
    // Act
    const environment = loadLambdaEnvironment({
      AWS_REGION: 'eu-west-1',
      NOTIFY: 'changes',
      REPORTS_BUCKET: 'compliance-reports',
    });

    // Assess
    expect(environment.notify).toBe('changes');
  });

  it('accepts SCAN_REGIONS=all', () => {
    // Act
    const environment = loadLambdaEnvironment({ AWS_REGION: 'eu-west-1', SCAN_REGIONS: 'ALL' });

    // Assess
    expect(environment.regions).toBe('all');
  });

  it.each([
    [{}, /^environment variable AWS_REGION is not set/],
    [
      { AWS_REGION: 'eu-west-1', FINDINGS_TOPIC_ARN: 'sagemaker-findings' },
      /^environment variable FINDINGS_TOPIC_ARN is not an SNS topic ARN/,
    ],
    [
      { AWS_REGION: 'eu-west-1', SCAN_REGIONS: 'eu-west-1,mars-1' },
      /^environment variable SCAN_REGIONS: "mars-1"/,
    ],
    [
      { AWS_REGION: 'eu-west-1', RULES: 'no-such-rule' },
      /^environment variable RULES: unknown rule id "no-such-rule"/,
    ],
    [
      { AWS_REGION: 'eu-west-1', ALLOWED_SOURCE_CIDRS: '10.0.0.0/8,banana' },
      /^environment variable ALLOWED_SOURCE_CIDRS: "banana"/,
    ],
    [
      { AWS_REGION: 'eu-west-1', APPROVED_VPCES: 'vpce-0a1b2c3d4e5f67890,vpce-*' },
      /^environment variable APPROVED_VPCES: "vpce-\*" is not a VPC endpoint ID/,
    ],
    [
      { AWS_REGION: 'eu-west-1', SKIP_DEFAULT_VPCS: 'maybe' },
      /^environment variable SKIP_DEFAULT_VPCS: "maybe" is not true or false/,
    ],
    [
      { AWS_REGION: 'eu-west-1', NOTIFY: 'changes-only' },
      /^environment variable NOTIFY must be one of on-findings, always, changes, never/,
    ],
    [
      { AWS_REGION: 'eu-west-1', NOTIFY: 'changes' },
      /^environment variable NOTIFY=changes needs REPORTS_BUCKET/,
    ],
    [
      { AWS_REGION: 'eu-west-1', REPORTS_BUCKET: 's3://Reports_Bucket' },
      /^environment variable REPORTS_BUCKET is not an S3 bucket name/,
    ],
    [
      { AWS_REGION: 'eu-west-1', SUPPRESSION_HORIZON_DAYS: 'a year' },
      /^environment variable SUPPRESSION_HORIZON_DAYS: "a year" is not a whole number from 1 to 3650/,
    ],
    [
      { AWS_REGION: 'eu-west-1', TAG_SUPPRESSIONS: 'on' },
      /^environment variable TAG_SUPPRESSIONS: "on" is not true or false/,
    ],
    [
      { AWS_REGION: 'eu-west-1', REGION_CONCURRENCY: '0' },
      /^environment variable REGION_CONCURRENCY: "0" is not all or a whole number from 1 to 64$/,
    ],
    [
      { AWS_REGION: 'eu-west-1', API_RATE_SHARE: '50%' },
      /^environment variable API_RATE_SHARE: "50%" is not a share above 0 and at most 1 \(e\.g\. 0\.5 for half\)$/,
    ],
    [
      { AWS_REGION: 'eu-west-1', API_RATE_SHARE: '1.5' },
      /^environment variable API_RATE_SHARE: "1\.5" is not a share above 0 and at most 1/,
    ],
    [
      { AWS_REGION: 'eu-west-1', API_RATE_SHARE: '0' },
      /^environment variable API_RATE_SHARE: "0" is not a share above 0 and at most 1/,
    ],
    [
      { AWS_REGION: 'eu-west-1', LOG_LEVEL: 'verbose' },
      /^environment variable LOG_LEVEL must be one of TRACE, DEBUG/,
    ],
  ])('rejects %o with one error that names the variable', (env, message) => {
    // Act
    const load = () => loadLambdaEnvironment(env);

    // Assess
    expect(load).toThrow(UserInputError);
    expect(load).toThrow(message);
  });

  it.each([
    ['all', 'all'],
    ['ALL', 'all'],
    ['64', 64],
  ])('reads REGION_CONCURRENCY=%s as %s', (value, expected) => {
    // Act
    const environment = loadLambdaEnvironment({ AWS_REGION: 'eu-west-1', REGION_CONCURRENCY: value });

    // Assess
    expect(environment.regionConcurrency).toBe(expected);
  });

  it(
    'fails the cold start of the handler module when a variable is malformed',
    async () => {
      // Prepare
      vi.stubEnv('AWS_REGION', 'eu-west-1');
      vi.stubEnv('NOTIFY', 'loudly');

      // Act
      const load = import('../../src/handlers/scan.ts');

      // Assess
      await expect(load).rejects.toThrow(/^environment variable NOTIFY must be one of/);
    },
    COLD_START_TIMEOUT_MS,
  );

  it(
    'fails the cold start of the handler module when the suppressions file has a bad entry',
    async () => {
      // Prepare
      const directory = await mkdtemp(join(tmpdir(), 'suppressions-'));
      const file = join(directory, 'suppressions.json');
      await writeFile(
        file,
        JSON.stringify({
          version: 1,
          suppressions: [
            { rule: 'vpc-sagemaker-endpoints', reason: 'sandbox', expires: '2099-01-01' },
            { rule: 'vpc-sagemaker-endpoints', reason: '', expires: '2099-01-01' },
          ],
        }),
      );
      vi.stubEnv('AWS_REGION', 'eu-west-1');
      vi.stubEnv('SUPPRESSIONS_FILE', file);
      vi.stubEnv('SUPPRESSION_HORIZON_DAYS', '3650');

      // Act
      const load = import('../../src/handlers/scan.ts');

      // Assess
      await expect(load).rejects.toThrow(
        `environment variable SUPPRESSIONS_FILE: ${file}: invalid suppressions at $.suppressions[1].reason`,
      );
      await rm(directory, { recursive: true });
    },
    COLD_START_TIMEOUT_MS,
  );
});

describe('the bundled list configuration (SCAN_CONFIG_FILE)', () => {
  const CONFIG = '/var/task/scan-config.json';
  const withFile =
    (text: string) =>
    (path: string): string => {
      if (path !== CONFIG) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
      return text;
    };

  it('takes the rules and approved CIDRs from the file the stack ships', () => {
    // Prepare
    const text = JSON.stringify({
      version: 1,
      rules: ['vpc-sagemaker-endpoints'],
      allowedSourceCidrs: ['203.0.113.0/24', '2001:db8::/32'],
    });

    // Act
    const environment = loadLambdaEnvironment(
      { AWS_REGION: 'eu-west-1', SCAN_CONFIG_FILE: CONFIG },
      withFile(text),
    );

    // Assess
    expect(environment.ruleIds).toEqual(['vpc-sagemaker-endpoints']);
    expect(environment.allowedSourceCidrs).toEqual(['203.0.113.0/24', '2001:db8::/32']);
  });

  it('leaves a list the file does not hold to its variable', () => {
    // Act
    const environment = loadLambdaEnvironment(
      { AWS_REGION: 'eu-west-1', SCAN_CONFIG_FILE: CONFIG, ALLOWED_SOURCE_CIDRS: '198.51.100.0/24' },
      withFile('{"version": 1}'),
    );

    // Assess
    expect(environment.ruleIds).toBeUndefined();
    expect(environment.allowedSourceCidrs).toEqual(['198.51.100.0/24']);
  });

  it.each([
    [
      'a missing file',
      undefined,
      'environment variable SCAN_CONFIG_FILE: cannot read /nowhere.json (ENOENT)',
    ],
    [
      'a truncated file',
      '{"version": 1, "rules": [',
      /^environment variable SCAN_CONFIG_FILE: \/var\/task\/scan-config\.json is not valid JSON \(/,
    ],
    [
      'an unknown key',
      '{"version": 1, "allowedCidrs": []}',
      'environment variable SCAN_CONFIG_FILE: /var/task/scan-config.json: $: Unrecognized key: "allowedCidrs" (allowedCidrs)',
    ],
    [
      'another version',
      '{"version": 2}',
      /^environment variable SCAN_CONFIG_FILE: \/var\/task\/scan-config\.json: \$\.version: /,
    ],
    [
      'a list given as text',
      '{"version": 1, "allowedSourceCidrs": "203.0.113.0/24"}',
      /^environment variable SCAN_CONFIG_FILE: \/var\/task\/scan-config\.json: \$\.allowedSourceCidrs: /,
    ],
    [
      'a malformed CIDR',
      '{"version": 1, "allowedSourceCidrs": ["10.0.0.0/8", "banana"]}',
      /^environment variable SCAN_CONFIG_FILE: \/var\/task\/scan-config\.json: allowedSourceCidrs: "banana" is not an IPv4 or IPv6 CIDR/,
    ],
    [
      'an unknown rule id',
      '{"version": 1, "rules": ["no-such-rule"]}',
      /^environment variable SCAN_CONFIG_FILE: \/var\/task\/scan-config\.json: rules: unknown rule id "no-such-rule"/,
    ],
  ])('refuses %s with an error naming the variable and the file', (_name, text, message) => {
    // Prepare
    const file = text === undefined ? '/nowhere.json' : CONFIG;

    // Act
    const load = () =>
      loadLambdaEnvironment({ AWS_REGION: 'eu-west-1', SCAN_CONFIG_FILE: file }, withFile(text ?? ''));

    // Assess
    expect(load).toThrow(UserInputError);
    expect(load).toThrow(message);
  });

  it('refuses a list set both in the file and as its variable', () => {
    // Act
    const load = () =>
      loadLambdaEnvironment(
        { AWS_REGION: 'eu-west-1', SCAN_CONFIG_FILE: CONFIG, RULES: 'vpc-sagemaker-endpoints' },
        withFile('{"version": 1, "rules": ["vpc-sagemaker-private-dns"]}'),
      );

    // Assess
    expect(load).toThrow(
      'environment variable RULES is set and /var/task/scan-config.json also holds rules: set it in one place',
    );
  });

  it(
    'fails the cold start of the handler module when the bundled file is not JSON',
    async () => {
      // Prepare
      const directory = await mkdtemp(join(tmpdir(), 'scan-config-'));
      const file = join(directory, 'scan-config.json');
      await writeFile(file, 'rules: [vpc-sagemaker-endpoints]');
      vi.stubEnv('AWS_REGION', 'eu-west-1');
      vi.stubEnv('SCAN_CONFIG_FILE', file);

      // Act
      const load = import('../../src/handlers/scan.ts');

      // Assess
      await expect(load).rejects.toThrow(
        `environment variable SCAN_CONFIG_FILE: ${file} is not valid JSON (`,
      );
      await rm(directory, { recursive: true });
    },
    COLD_START_TIMEOUT_MS,
  );
});

describe('loadDeployedSuppressions', () => {
  it('validates the entries against the registered rule ids and the horizon', async () => {
    // Prepare
    const directory = await mkdtemp(join(tmpdir(), 'suppressions-'));
    const file = join(directory, 'suppressions.json');
    const entry = { rule: 'vpc-sagemaker-endpoints', reason: 'sandbox VPC', expires: '2026-06-01' };
    await writeFile(
      file,
      JSON.stringify({ version: 1, suppressions: [entry, { ...entry, rule: 'no-such-rule' }] }),
    );
    const now = new Date('2026-03-01T00:00:00Z');

    // Act
    const unknownRule = await loadDeployedSuppressions(
      { suppressionsFile: file, suppressionHorizonDays: 365 },
      now,
    ).catch((error: unknown) => error);
    await writeFile(file, JSON.stringify({ version: 1, suppressions: [entry] }));
    const tooFar = await loadDeployedSuppressions(
      { suppressionsFile: file, suppressionHorizonDays: 30 },
      now,
    ).catch((error: unknown) => error);
    const valid = await loadDeployedSuppressions(
      { suppressionsFile: file, suppressionHorizonDays: 365 },
      now,
    );
    const none = await loadDeployedSuppressions({ suppressionHorizonDays: 365 }, now);

    // Assess
    expect(unknownRule).toBeInstanceOf(UserInputError);
    expect((unknownRule as Error).message).toMatch(
      /^environment variable SUPPRESSIONS_FILE: .*suppressions\.json: suppressions\[1\]\.rule: unknown rule id "no-such-rule"/,
    );
    expect((tooFar as Error).message).toMatch(
      /suppressions\[0\]\.expires: 2026-06-01 is more than 30 days ahead/,
    );
    expect(valid?.map((suppression) => [suppression.entry, suppression.reason])).toEqual([
      [0, 'sandbox VPC'],
    ]);
    expect(none).toBeUndefined();
    await rm(directory, { recursive: true });
  });
});
