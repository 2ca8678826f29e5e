import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { UserInputError } from '../../src/model/errors.ts';
import type { Inventory } from '../../src/model/inventory.ts';
import { applySuppressions, SUPPRESS_TAG_KEY } from '../../src/suppress/apply.ts';
import {
  loadSuppressions,
  parseSuppressions,
  type SuppressionEntry,
} from '../../src/suppress/suppressions.ts';
import { result as aResult } from '../support/report.ts';

const NOW = new Date('2026-11-28T10:00:00Z');
const RULES = ['vpc-sagemaker-endpoints', 'vpc-sagemaker-private-dns'];
const options = { knownRuleIds: RULES, now: NOW };

function entry(overrides: Partial<SuppressionEntry> = {}): SuppressionEntry {
  return {
    rule: 'vpc-sagemaker-endpoints',
    reason: 'sandbox VPC, no data',
    expires: '2027-01-31',
    ...overrides,
  };
}

function parse(...entries: unknown[]) {
  return parseSuppressions({ version: 1, suppressions: entries }, 'suppressions.json', options);
}

describe('suppressions file validation', () => {
  it.each([
    [
      'an unknown rule id',
      entry({ rule: 'no-such-rule' }),
      'suppressions[0].rule: unknown rule id "no-such-rule"',
    ],
    ['a missing reason', { rule: '*', expires: '2027-01-01' }, 'suppressions[0].reason'],
    ['a blank reason', entry({ reason: '   ' }), 'a reason is required'],
    [
      'a malformed date',
      entry({ expires: '31/01/2027' }),
      'suppressions[0].expires: expected a date YYYY-MM-DD',
    ],
    ['an impossible date', entry({ expires: '2027-02-30' }), 'not a calendar date'],
    ['a date past the horizon', entry({ expires: '2028-01-01' }), 'more than 365 days ahead'],
    ['an unknown field', { ...entry(), note: 'x' }, 'suppressions[0]'],
  ])('rejects %s with a message naming the entry', (_case, bad, expected) => {
    // Prepare
    const entries = [entry(), bad];
    // Act
    const attempt = () => parse(...entries);
    // Assess
    expect(attempt).toThrow(UserInputError);
    expect(attempt).toThrow(expected.replace('[0]', '[1]'));
  });

  it.each([
    ['rule * alone', entry({ rule: '*' })],
    ['rule * with only * patterns', entry({ rule: '*', accounts: ['*'], regions: ['*'], resources: ['*'] })],
  ])('refuses %s, which would mute every finding, naming the entry', (_case, bad) => {
    // Act
    const attempt = () => parse(entry(), bad);
    // Assess
    expect(attempt).toThrow(
      'suppressions.json: suppressions[1]: rule "*" with no account, region or resource narrower than "*" would mute every finding and switch the scanner off; name a rule or narrow the entry',
    );
  });

  it('accepts rule * narrowed by one account, region or resource pattern', () => {
    // Act
    const parsed = parse(
      entry({ rule: '*', accounts: ['*', '111122223333'] }),
      entry({ rule: '*', regions: ['eu-*'] }),
      entry({ rule: '*', resources: ['vpc-0sandbox*'] }),
    );
    // Assess
    expect(parsed.map((suppression) => suppression.entry)).toEqual([0, 1, 2]);
  });

  it('accepts an entry expiring exactly at the horizon and an already expired one', () => {
    // Act
    const parsed = parse(entry({ expires: '2027-11-28' }), entry({ expires: '2026-01-01' }));
    // Assess
    expect(parsed.map((suppression) => suppression.entry)).toEqual([0, 1]);
  });

  it('reads YAML and JSON files and names the file when it is not valid', async () => {
    // Prepare
    const folder = await mkdtemp(join(tmpdir(), 'suppressions-'));
    const yamlPath = join(folder, 'suppressions.yaml');
    await writeFile(
      yamlPath,
      'version: 1\nsuppressions:\n  - rule: "*"\n    resources: ["vpc-0sandbox*"]\n    reason: sandbox\n    expires: "2027-01-31"\n',
    );
    const brokenPath = join(folder, 'broken.json');
    await writeFile(brokenPath, '{"version": 1,');
    // Act
    const fromYaml = await loadSuppressions(yamlPath, { ...options, parseYaml });
    const broken = loadSuppressions(brokenPath, options);
    // Assess
    expect(fromYaml[0]?.rule).toBe('*');
    await expect(broken).rejects.toThrow(`${brokenPath}: not valid JSON`);
  });
});

it('refuses a YAML file where no YAML parser is given (the function reads the JSON the stack ships)', async () => {
  // Prepare
  const folder = await mkdtemp(join(tmpdir(), 'suppressions-'));
  const yamlPath = join(folder, 'suppressions.yml');
  await writeFile(yamlPath, 'version: 1\nsuppressions: []\n');

  // Act
  const loaded = loadSuppressions(yamlPath, options);

  // Assess
  await expect(loaded).rejects.toThrow(
    `${yamlPath}: a YAML suppressions file is read by the CLI and the CDK app; here give the JSON file the stack ships`,
  );
});

describe('muting results', () => {
  it.each([
    ['rule and exact resource', entry({ resources: ['vpc-0sandbox1'] }), true],
    ['a resource glob', entry({ resources: ['vpc-0sand*'] }), true],
    ['an ARN glob', entry({ resources: ['arn:aws:ec2:*:111122223333:vpc/*'] }), true],
    ['rule * in the account', entry({ rule: '*', accounts: ['111122223333'] }), true],
    ['the account', entry({ accounts: ['111122223333'] }), true],
    ['another account', entry({ accounts: ['999999999999'] }), false],
    ['a region glob', entry({ regions: ['eu-*'] }), true],
    ['another region', entry({ regions: ['us-east-1'] }), false],
    ['another rule', entry({ rule: 'vpc-sagemaker-private-dns' }), false],
    ['another resource', entry({ resources: ['vpc-0prod*'] }), false],
  ])('matches by %s: muted=%s', (_case, suppressionEntry, muted) => {
    // Prepare
    const result = aResult('FAIL', 'vpc-0sandbox1', 'vpc-0sandbox1 is FAIL', {
      resourceArn: 'arn:aws:ec2:eu-west-1:111122223333:vpc/vpc-0sandbox1',
    });
    // Act
    const outcome = applySuppressions([result], parse(suppressionEntry), NOW);
    // Assess
    expect(outcome.results[0]?.status).toBe('FAIL');
    expect(outcome.results[0]?.muted !== undefined).toBe(muted);
    expect(outcome.unusedSuppressions.length).toBe(muted ? 0 : 1);
  });

  it('keeps the status, and records reason, expiry, owner and entry index on the muted result', () => {
    // Prepare
    const suppressions = parse(
      entry({ resources: ['vpc-0other'] }),
      entry({ owner: 'ml-platform@example.com' }),
    );
    // Act
    const outcome = applySuppressions(
      [aResult('FAIL', 'vpc-0sandbox1', 'vpc-0sandbox1 is FAIL')],
      suppressions,
      NOW,
    );
    // Assess
    expect(outcome.results[0]).toMatchObject({
      status: 'FAIL',
      muted: {
        reason: 'sandbox VPC, no data',
        expires: '2027-01-31',
        owner: 'ml-platform@example.com',
        entry: 1,
      },
    });
    expect(outcome.unusedSuppressions.map((unused) => unused.entry)).toEqual([0]);
  });

  it('never mutes an ERROR, and does not count a matching PASS as a use', () => {
    // Prepare
    const results = [
      aResult('ERROR', 'eu-west-1', 'eu-west-1 is ERROR'),
      aResult('PASS', 'vpc-0fixed', 'vpc-0fixed is PASS'),
    ];
    // Act
    const outcome = applySuppressions(results, parse(entry({ rule: '*', regions: ['eu-west-1'] })), NOW);
    // Assess
    expect(outcome.results.every((result) => result.muted === undefined)).toBe(true);
    expect(outcome.unusedSuppressions).toHaveLength(1);
  });

  it('stops applying at UTC midnight of the expiry date and lists the entry as expired', () => {
    // Prepare
    const suppressions = parse(entry({ expires: '2026-11-29' }));
    const result = aResult('FAIL', 'vpc-0sandbox1', 'vpc-0sandbox1 is FAIL');
    // Act
    const lastMoment = applySuppressions([result], suppressions, new Date('2026-11-28T23:59:59.999Z'));
    const expiry = applySuppressions([result], suppressions, new Date('2026-11-29T00:00:00Z'));
    // Assess
    expect(lastMoment.results[0]?.muted).toBeDefined();
    expect(lastMoment.expiredSuppressions).toEqual([]);
    expect(expiry.results[0]?.muted).toBeUndefined();
    expect(expiry.expiredSuppressions).toEqual([
      { entry: 0, rule: 'vpc-sagemaker-endpoints', reason: 'sandbox VPC, no data', expires: '2026-11-29' },
    ]);
    expect(expiry.unusedSuppressions).toEqual([]);
  });
});

describe('muting by resource tag', () => {
  function inventoryTagging(value: string): Inventory {
    return {
      snapshotVersion: 1,
      collectedAt: NOW.toISOString(),
      partition: 'aws',
      accounts: [
        {
          accountId: '111122223333',
          regions: [
            {
              region: 'eu-west-1',
              vpcs: [{ VpcId: 'vpc-0sandbox1', Tags: [{ Key: SUPPRESS_TAG_KEY, Value: value }] }],
            },
          ],
        },
      ],
    };
  }

  it.each([
    ['vpc-sagemaker-endpoints until 2027-01-15: lab account, torn down in January', true, undefined],
    ['* until 2027-01-15: lab', true, undefined],
    ['vpc-sagemaker-private-dns until 2027-01-15: other rule', false, undefined],
    ['vpc-sagemaker-endpoints until 2026-11-01: lab', false, 'expired on 2026-11-01'],
    ['vpc-sagemaker-endpoints until 2030-01-01: lab', false, '2030-01-01 is more than 365 days ahead'],
    ['vpc-sagemaker-endpoints until 2027-02-30: lab', false, '2027-02-30 is not a calendar date'],
    ['please ignore', false, 'expected "<rule-ids> until <YYYY-MM-DD>: <reason>"'],
    [' '.repeat(3_000), false, 'expected "<rule-ids> until <YYYY-MM-DD>: <reason>"'],
    ['until 2027-01-15: no rule ids', false, 'expected "<rule-ids> until <YYYY-MM-DD>: <reason>"'],
  ])('tag %j mutes=%s', (value, muted, problem) => {
    // Prepare
    const result = aResult('FAIL', 'vpc-0sandbox1', 'vpc-0sandbox1 is FAIL');
    // Act
    const outcome = applySuppressions([result], [], NOW, {
      inventory: inventoryTagging(value),
      horizonDays: 365,
    });
    // Assess
    expect(outcome.results[0]?.muted?.entry).toBe(muted ? 'tag' : undefined);
    expect(outcome.invalidSuppressionTags.map((invalid) => invalid.problem)).toEqual(
      problem ? [problem] : [],
    );
  });

  it('ignores tags unless tag suppression is enabled', () => {
    // Prepare
    const result = aResult('FAIL', 'vpc-0sandbox1', 'vpc-0sandbox1 is FAIL');
    // Act
    const outcome = applySuppressions([result], [], NOW);
    // Assess
    expect(outcome.results[0]?.muted).toBeUndefined();
  });
});
