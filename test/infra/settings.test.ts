import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeEach, describe, expect, it } from 'vitest';
import { configureApp, propsFromContext } from '../../infra/scanner-app.ts';
import { loadSettings, SETTING_KEYS } from '../../infra/settings.ts';

const SKIP_BUNDLING = { 'aws:cdk:bundling-stacks': [] };
let directory: string;

function file(name: string, text: string): string {
  const path = join(directory, name);
  writeFileSync(path, text);
  return path;
}

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'scanner-settings-'));
});

describe('the deployment settings file', () => {
  it('reads every setting from YAML, with the suppressions file relative to it', () => {
    // Prepare
    mkdirSync(join(directory, 'deploy'));
    const path = file(
      'deploy/scanner.yaml',
      [
        'alertEmails: [secops@example.com, oncall@example.org]',
        'operationsEmails: [platform@example.com]',
        'schedule: cron(30 1 ? * MON-FRI *)',
        'timeZone: Europe/Paris',
        'regions: all',
        'rules: [vpc-sagemaker-endpoints]',
        'allowedSourceCidrs: [203.0.113.0/24]',
        'approvedVpces: [vpce-0a1b2c3d4e5f67890]',
        'skipDefaultVpcs: true',
        'notify: changes',
        'regionConcurrency: 2',
        'apiRateShare: 0.3',
        'logLevel: DEBUG',
        'reservedConcurrency: off',
        'suppressionsFile: suppressions.yaml',
        'tagSuppressions: true',
        'suppressionHorizonDays: 180',
        'reportRetentionDays: 730',
      ].join('\n'),
    );

    // Act
    const settings = loadSettings(path);

    // Assess
    expect(settings).toEqual({
      alertEmails: ['secops@example.com', 'oncall@example.org'],
      operationsEmails: ['platform@example.com'],
      schedule: 'cron(30 1 ? * MON-FRI *)',
      timeZone: 'Europe/Paris',
      regions: 'all',
      rules: ['vpc-sagemaker-endpoints'],
      allowedSourceCidrs: ['203.0.113.0/24'],
      approvedVpces: ['vpce-0a1b2c3d4e5f67890'],
      skipDefaultVpcs: true,
      notify: 'changes',
      regionConcurrency: 2,
      apiRateShare: 0.3,
      logLevel: 'DEBUG',
      reservedConcurrency: 'off',
      suppressionsFile: join(directory, 'deploy', 'suppressions.yaml'),
      tagSuppressions: true,
      suppressionHorizonDays: 180,
      reportRetentionDays: 730,
    });
    expect(Object.keys(settings).sort()).toEqual([...SETTING_KEYS].sort());
  });

  it('reads JSON, and an empty file as every default', () => {
    // Prepare
    const json = file('scanner.json', '{"alertEmails": ["secops@example.com"], "reservedConcurrency": 2}');
    const empty = file('empty.yaml', '');

    // Act
    const fromJson = loadSettings(json);
    const fromEmpty = loadSettings(empty);

    // Assess
    expect(fromJson).toEqual({ alertEmails: ['secops@example.com'], reservedConcurrency: 2 });
    expect(fromEmpty).toEqual({});
  });

  it.each([
    [
      'a misspelt key',
      'alertEmail: [secops@example.com]',
      /scanner\.yaml: \$: Unrecognized key.*\(alertEmail\)/,
    ],
    [
      'a list given as text',
      'alertEmails: secops@example.com',
      /scanner\.yaml: \$\.alertEmails: Invalid input/,
    ],
    ['an unknown notify mode', 'notify: sometimes', /scanner\.yaml: \$\.notify: Invalid option/],
    ['a fractional retention', 'reportRetentionDays: 1.5', /scanner\.yaml: \$\.reportRetentionDays: /],
    ['an empty rule list', 'rules: []', /scanner\.yaml: \$\.rules: /],
    ['broken YAML', 'alertEmails: [a@b.c', /scanner\.yaml: not valid YAML/],
  ])('refuses %s, naming the file and the key', (_name, text, message) => {
    // Prepare
    const path = file('scanner.yaml', text);

    // Act
    const load = () => loadSettings(path);

    // Assess
    expect(load).toThrow(message);
  });

  it('names a settings file it cannot read', () => {
    // Act
    const load = () => loadSettings(join(directory, 'missing.yaml'));

    // Assess
    expect(load).toThrow(/settingsFile: cannot read .*missing\.yaml \(ENOENT\)/);
  });

  it('refuses a setting given both in the file and as context, so a redeploy cannot undo it', () => {
    // Prepare
    const path = file('scanner.yaml', 'alertEmails: [secops@example.com]');
    const context: Record<string, unknown> = {
      settingsFile: path,
      alertEmails: 'other@example.com',
      notify: 'always',
    };

    // Act
    const read = () => propsFromContext((key) => context[key]);

    // Assess
    expect(read).toThrow(
      `alertEmails, notify: set in ${path} instead of as context, so that the next deploy keeps it`,
    );
  });

  it('builds the stack from the file named in the context, as cdk.json would name it', () => {
    // Prepare
    const path = file('scanner.yaml', 'alertEmails: [secops@example.com]\nreservedConcurrency: off\n');
    const app = new App({ context: { ...SKIP_BUNDLING, settingsFile: path } });

    // Act
    const template = Template.fromStack(configureApp(app));

    // Assess
    expect(
      Object.values(template.findResources('AWS::SNS::Subscription')).map(
        (resource) => resource.Properties.Endpoint,
      ),
    ).toEqual(['secops@example.com']);
    const [fn] = Object.values(template.findResources('AWS::Lambda::Function'));
    expect(fn?.Properties.ReservedConcurrentExecutions).toBeUndefined();
  });
});
