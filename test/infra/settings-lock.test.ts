import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { App } from 'aws-cdk-lib';
import { Annotations } from 'aws-cdk-lib/assertions';
import { beforeEach, describe, expect, it } from 'vitest';
import { STACK_NAME, synthesizeApp } from '../../infra/scanner-app.ts';
import {
  readSettingsLock,
  removalsBetween,
  type SettingsRecord,
  settingsRecord,
  writeSettingsLock,
} from '../../infra/settings-lock.ts';

const SKIP_BUNDLING = { 'aws:cdk:bundling-stacks': [] };
let directory: string;

function file(name: string, text: string): string {
  const path = join(directory, name);
  writeFileSync(path, text);
  return path;
}

/** A date the suppressions horizon (365 days) accepts whenever the test runs. */
const EXPIRES = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);

function suppressionsFile(name: string, entries: Record<string, unknown>[]): string {
  const suppressions = entries.map((entry) => ({ reason: 'reviewed', expires: EXPIRES, ...entry }));
  return file(name, JSON.stringify({ version: 1, suppressions }));
}

const RECORD: SettingsRecord = {
  alertEmails: ['oncall@example.org', 'secops@example.com'],
  operationsEmails: ['platform@example.com'],
  suppressions: [
    { rule: 'iam-principal-presigned-url-source-ip', resources: ['arn:aws:iam::*:role/ci-*'] },
    { rule: 'vpc-sagemaker-endpoints', regions: ['eu-west-1'], resources: ['vpc-0a1b2c3d4e5f60718'] },
  ],
  tagSuppressions: true,
};

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'scanner-lock-'));
});

describe('the record of what a deployment delivers to and mutes', () => {
  it('sorts and deduplicates, and keeps only what a suppression mutes', () => {
    // Act
    const record = settingsRecord(
      { alertEmails: ['secops@example.com', 'oncall@example.org', 'secops@example.com'] },
      [
        { rule: 'vpc-sagemaker-endpoints', resources: ['vpc-1'], reason: 'a', expires: '2027-01-01' },
        { rule: 'vpc-sagemaker-endpoints', resources: ['vpc-1'], reason: 'b', expires: '2027-02-01' },
        { rule: 'iam-principal-presigned-url-source-ip', accounts: ['111122223333'] },
      ] as never,
    );

    // Assess
    expect(record).toEqual({
      alertEmails: ['oncall@example.org', 'secops@example.com'],
      operationsEmails: [],
      suppressions: [
        { rule: 'iam-principal-presigned-url-source-ip', accounts: ['111122223333'] },
        { rule: 'vpc-sagemaker-endpoints', resources: ['vpc-1'] },
      ],
      tagSuppressions: false,
    });
  });

  it('names every subscription and suppression the next deployment drops', () => {
    // Prepare
    const next: SettingsRecord = {
      alertEmails: ['secops@example.com', 'new@example.com'],
      operationsEmails: [],
      suppressions: [
        { rule: 'iam-principal-presigned-url-source-ip', resources: ['arn:aws:iam::*:role/ci-*'] },
        { rule: 'vpc-sagemaker-endpoints', resources: ['vpc-0a1b2c3d4e5f60718'] },
      ],
      tagSuppressions: false,
    };

    // Act
    const removals = removalsBetween(RECORD, next);

    // Assess
    expect(removals).toEqual([
      'the findings email subscription of oncall@example.org',
      'the alarms email subscription of platform@example.com',
      'the suppression {"rule":"vpc-sagemaker-endpoints","regions":["eu-west-1"],"resources":["vpc-0a1b2c3d4e5f60718"]}',
      'tagSuppressions (every sagemaker-compliance:suppress tag stops muting)',
    ]);
  });

  it('finds nothing removed when the next deployment only adds, or renews an entry', () => {
    // Prepare
    const more = { ...RECORD, alertEmails: [...RECORD.alertEmails, 'new@example.com'] };

    // Act
    const removals = removalsBetween(RECORD, more);

    // Assess
    expect(removals).toEqual([]);
  });
});

describe('the settings lock file', () => {
  it('reads back what it wrote, and rewrites nothing when nothing changed', () => {
    // Prepare
    const lock = join(directory, 'scanner-settings.lock.json');
    writeSettingsLock(lock, RECORD);
    const written = readFileSync(lock, 'utf8');

    // Act
    const record = readSettingsLock(lock);
    writeSettingsLock(lock, RECORD);

    // Assess
    expect(record).toEqual(RECORD);
    expect(readFileSync(lock, 'utf8')).toBe(written);
    expect(JSON.parse(written).version).toBe(1);
  });

  it('is no record yet when there is no file', () => {
    // Act
    const record = readSettingsLock(join(directory, 'absent.json'));

    // Assess
    expect(record).toBeUndefined();
  });

  it.each([
    ['broken JSON', '{"version": 1,', /lock\.json: not valid JSON \(/],
    [
      'a missing list',
      '{"version": 1, "alertEmails": [], "suppressions": [], "tagSuppressions": false}',
      /lock\.json: \$\.operationsEmails: .*; restore it from version control/,
    ],
    [
      'an unknown key',
      '{"version": 1, "alertEmail": [], "operationsEmails": [], "alertEmails": [], "suppressions": [], "tagSuppressions": false}',
      /lock\.json: \$: Unrecognized key/,
    ],
  ])('refuses %s, naming the file, rather than checking nothing', (_name, text, message) => {
    // Prepare
    const lock = file('lock.json', text);

    // Act
    const read = () => readSettingsLock(lock);

    // Assess
    expect(read).toThrow(message);
  });
});

describe('a synth that would remove what the last one deployed', () => {
  function synth(context: Record<string, unknown>) {
    return synthesizeApp(new App({ context: { ...SKIP_BUNDLING, ...context } }));
  }

  it('records the first deployment in the lock file', () => {
    // Prepare
    const lock = join(directory, 'scanner-settings.lock.json');
    const suppressions = suppressionsFile('suppressions.json', [
      { rule: 'vpc-sagemaker-endpoints', resources: ['vpc-1'] },
    ]);

    // Act
    synth({ settingsLock: lock, alertEmails: 'secops@example.com', suppressionsFile: suppressions });

    // Assess
    expect(readSettingsLock(lock)).toEqual({
      alertEmails: ['secops@example.com'],
      operationsEmails: [],
      suppressions: [{ rule: 'vpc-sagemaker-endpoints', resources: ['vpc-1'] }],
      tagSuppressions: false,
    });
  });

  it('fails when a later deploy lacks the -c alertEmails of the last, and says what would go', () => {
    // Prepare
    const lock = join(directory, 'scanner-settings.lock.json');
    synth({ settingsLock: lock, alertEmails: 'secops@example.com,oncall@example.org' });
    const recorded = readFileSync(lock, 'utf8');

    // Act
    const withoutFlags = () => synth({ settingsLock: lock });

    // Assess
    expect(withoutFlags).toThrow(
      [
        `THIS DEPLOY REMOVES 2 THINGS THAT ${lock} RECORDS AS DEPLOYED:`,
        '  - the findings email subscription of oncall@example.org',
        '  - the findings email subscription of secops@example.com',
        'Put them back in the settings, or run again with -c allowRemovals=true if removing them is intended.',
      ].join('\n'),
    );
    expect(readFileSync(lock, 'utf8')).toBe(recorded);
  });

  it('fails when a suppression is deleted from the settings file', () => {
    // Prepare
    const lock = join(directory, 'scanner.lock.json');
    const entries = [
      { rule: 'vpc-sagemaker-endpoints', resources: ['vpc-1'] },
      { rule: 'vpc-sagemaker-private-dns', resources: ['vpc-2'] },
    ];
    suppressionsFile('suppressions.json', entries);
    const settings = file('scanner.yaml', 'suppressionsFile: suppressions.json\n');
    synth({ settingsLock: lock, settingsFile: settings });
    suppressionsFile('suppressions.json', [{ ...entries[1], reason: 'renewed after review' }]);

    // Act
    const withFewer = () => synth({ settingsLock: lock, settingsFile: settings });

    // Assess
    expect(withFewer).toThrow(
      `THIS DEPLOY REMOVES 1 THING THAT ${lock} RECORDS AS DEPLOYED:\n  - the suppression {"rule":"vpc-sagemaker-endpoints","resources":["vpc-1"]}\n`,
    );
  });

  it('goes ahead with -c allowRemovals=true, warns in the synth output and records the new state', () => {
    // Prepare
    const lock = join(directory, 'scanner-settings.lock.json');
    synth({ settingsLock: lock, alertEmails: 'secops@example.com', operationsEmails: 'ops@example.com' });

    // Act
    const stack = synth({ settingsLock: lock, alertEmails: 'secops@example.com', allowRemovals: 'true' });

    // Assess
    Annotations.fromStack(stack).hasWarning(
      `/${STACK_NAME}`,
      `THIS DEPLOY REMOVES 1 THING THAT ${lock} RECORDS AS DEPLOYED:\n  - the alarms email subscription of ops@example.com\n(allowed by -c allowRemovals=true) [ack: scanner:removals]`,
    );
    expect(readSettingsLock(lock)?.operationsEmails).toEqual([]);
    expect(() => synth({ settingsLock: lock, alertEmails: 'secops@example.com' })).not.toThrow();
  });

  it('lets a deploy add an address without a flag or a warning', () => {
    // Prepare
    const lock = join(directory, 'scanner-settings.lock.json');
    synth({ settingsLock: lock, alertEmails: 'secops@example.com' });

    // Act
    const stack = synth({ settingsLock: lock, alertEmails: 'secops@example.com,new@example.com' });

    // Assess
    Annotations.fromStack(stack).hasNoWarning(`/${STACK_NAME}`, /REMOVES/);
    expect(readSettingsLock(lock)?.alertEmails).toEqual(['new@example.com', 'secops@example.com']);
  });

  it('makes `cdk synth` exit non-zero through infra/app.ts', async () => {
    // Prepare
    const lock = join(directory, 'scanner-settings.lock.json');
    writeSettingsLock(lock, { ...RECORD, operationsEmails: [], suppressions: [], tagSuppressions: false });

    // Act
    const run = promisify(execFile)(
      'npx',
      ['cdk', 'synth', '--quiet', '-o', join(directory, 'cdk.out'), '-c', `settingsLock=${lock}`],
      { cwd: process.cwd() },
    );

    // Assess
    await expect(run).rejects.toMatchObject({
      stderr: expect.stringContaining(
        `THIS DEPLOY REMOVES 2 THINGS THAT ${lock} RECORDS AS DEPLOYED:\n  - the findings email subscription of oncall@example.org\n`,
      ),
    });
  });
});
