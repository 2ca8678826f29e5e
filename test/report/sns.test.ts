import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import type { Report } from '../../src/model/report.ts';
import type { Result } from '../../src/model/result.ts';
import { formatEmail } from '../../src/report/email.ts';
import {
  buildNotifications,
  PublishError,
  publishBytes,
  publishNotifications,
  SNS_MAX_BYTES,
  shouldNotify,
} from '../../src/report/sns.ts';
import { aReport, aResult, goldenDeltaReport, goldenReport } from '../fixtures/email/report.ts';

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:sagemaker-findings';
const sns = mockClient(SNSClient);

afterEach(() => {
  sns.reset();
});

/** Measured independently of the code under test: every string SNS counts, in UTF-8 bytes. */
function requestBytes(input: { Message: string; Subject: string; MessageAttributes?: object }): number {
  const attributes = Object.entries(input.MessageAttributes ?? {}).map(
    ([name, value]) =>
      name + (value as { DataType: string }).DataType + (value as { StringValue: string }).StringValue,
  );
  return new TextEncoder().encode(input.Message + input.Subject + attributes.join('')).length;
}

function manyFailures(count: number): Report {
  const results: Result[] = [];
  for (let index = 0; index < count; index += 1) {
    results.push(
      aResult({
        resourceId: `vpc-${String(index).padStart(17, '0')}`,
        region: index % 2 === 0 ? 'eu-west-1' : 'ap-northeast-1',
        severity: index % 3 === 0 ? 'critical' : 'high',
        message: `VPC 機械学習-本番-${index} «données» 🚀 has no interface endpoint for sagemaker.api or sagemaker.runtime.`,
      }),
    );
  }
  return aReport(results);
}

describe('buildNotifications', () => {
  it('builds one JSON-structured publish with both variants, a short subject and the filter attributes', () => {
    // Prepare
    const report = goldenReport();

    // Act
    const [notification, ...rest] = buildNotifications(report, TOPIC);

    // Assess
    expect(rest).toEqual([]);
    const input = notification?.input;
    expect(input).toMatchObject({
      TopicArn: TOPIC,
      MessageStructure: 'json',
      Subject: '[FAIL] SageMaker compliance 123456789012: 4 failing (4 high), 1 error (incomplete)',
      MessageAttributes: {
        maxSeverity: { DataType: 'String', StringValue: 'high' },
        failCount: { DataType: 'Number', StringValue: '4' },
        errorCount: { DataType: 'Number', StringValue: '1' },
        accountId: { DataType: 'String', StringValue: '123456789012' },
        scanId: { DataType: 'String', StringValue: report.scanId },
        part: { DataType: 'Number', StringValue: '1' },
        partCount: { DataType: 'Number', StringValue: '1' },
      },
    });
    const message = JSON.parse(input?.Message ?? '{}');
    expect(Object.keys(message).sort()).toEqual(['default', 'email']);
    expect(message.email).toBe(formatEmail(report));
    const machine = JSON.parse(message.default);
    expect(machine.summary).toEqual(report.summary);
    expect(machine.scanId).toBe(report.scanId);
    expect(machine.results.map((result: Result) => result.status).sort()).toEqual([
      'ERROR',
      'FAIL',
      'FAIL',
      'FAIL',
      'FAIL',
    ]);
    expect(machine.stats).toBeUndefined();
  });

  it('splits 5,000 failing results with multi-byte names into numbered parts that each fit 262,144 bytes', () => {
    // Prepare
    const report = manyFailures(5000);

    // Act
    const notifications = buildNotifications(report, TOPIC);

    // Assess
    expect(notifications.length).toBeGreaterThan(1);
    const delivered: string[] = [];
    notifications.forEach(({ input }, index) => {
      expect(requestBytes(input)).toBeLessThanOrEqual(SNS_MAX_BYTES);
      expect(publishBytes(input)).toBe(requestBytes(input));
      expect(input.Subject).toMatch(new RegExp(`\\(part ${index + 1}/${notifications.length}\\)$`));
      expect(input.Subject.length).toBeLessThan(100);
      expect(input.MessageAttributes?.scanId?.StringValue).toBe(report.scanId);
      const message = JSON.parse(input.Message);
      const machine = JSON.parse(message.default);
      expect(machine.summary.fail).toBe(5000);
      expect(machine.part).toEqual({ number: index + 1, count: notifications.length, totalResults: 5000 });
      expect(message.email).toContain(`This is part ${index + 1} of ${notifications.length}`);
      delivered.push(...machine.results.map((result: Result) => result.id));
    });
    expect(delivered.sort()).toEqual(report.results.map((result) => result.id).sort());
  });

  it('fills parts well: no more than one part beyond what the bytes strictly need', () => {
    // Prepare
    const report = manyFailures(5000);

    // Act
    const notifications = buildNotifications(report, TOPIC);

    // Assess
    const total = notifications.reduce((sum, { input }) => sum + publishBytes(input), 0);
    expect(notifications.length).toBeLessThanOrEqual(Math.ceil(total / SNS_MAX_BYTES) + 1);
  });

  it('keeps a result whose evidence alone exceeds the limit, with its evidence left out of the SNS copy', () => {
    // Prepare
    const huge = { ...aResult({ resourceId: 'vpc-huge' }), evidence: { blob: 'x'.repeat(300_000) } };
    const report = aReport([huge]);

    // Act
    const notifications = buildNotifications(report, TOPIC);

    // Assess
    expect(notifications).toHaveLength(1);
    const input = notifications[0]?.input ?? { Message: '{}', Subject: '' };
    expect(publishBytes(input)).toBeLessThanOrEqual(SNS_MAX_BYTES);
    const machine = JSON.parse(JSON.parse(input.Message).default);
    expect(machine.results[0].id).toBe(huge.id);
    expect(machine.results[0].evidence.omitted).toMatch(/too large/);
  });

  it('sends a single all-clear message for a clean report', () => {
    // Prepare
    const report = aReport([aResult({ resourceId: 'vpc-1', status: 'PASS' })]);

    // Act
    const notifications = buildNotifications(report, TOPIC);

    // Assess
    expect(notifications).toHaveLength(1);
    expect(notifications[0]?.input.Subject).toBe(
      '[OK] SageMaker compliance 123456789012: the 1 check passes',
    );
    expect(notifications[0]?.input.MessageAttributes?.maxSeverity?.StringValue).toBe('none');
  });
});

describe('shouldNotify', () => {
  const clean = aReport([aResult({ resourceId: 'vpc-1', status: 'PASS' })]);
  const failing = aReport([aResult({ resourceId: 'vpc-1' })]);
  const erroring = aReport([aResult({ resourceId: 'vpc-1', status: 'ERROR' })]);

  it.each([
    { mode: 'on-findings', name: 'a clean report', report: clean, expected: false },
    { mode: 'on-findings', name: 'a failing report', report: failing, expected: true },
    { mode: 'on-findings', name: 'a report with errors', report: erroring, expected: true },
    { mode: 'always', name: 'a clean report', report: clean, expected: true },
    { mode: 'never', name: 'a failing report', report: failing, expected: false },
  ] as const)('with NOTIFY=$mode, publishing $name is $expected', ({ mode, report, expected }) => {
    // Act
    const decision = shouldNotify(mode, report);

    // Assess
    expect(decision).toBe(expected);
  });
});

describe('publishNotifications', () => {
  it('sends each part as a PublishCommand with exactly the built input, in order', async () => {
    // Prepare
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const notifications = buildNotifications(manyFailures(800), TOPIC);

    // Act
    const outcome = await publishNotifications(new SNSClient({ region: 'eu-west-1' }), notifications);

    // Assess
    const inputs = sns.commandCalls(PublishCommand).map((call) => call.args[0].input);
    expect(inputs).toEqual(notifications.map(({ input }) => input));
    expect(outcome.resultsPublished).toBe(800);
  });

  it('rejects with the parts already delivered when a later part cannot be published', async () => {
    // Prepare
    sns
      .on(PublishCommand)
      .resolvesOnce({ MessageId: 'm-1' })
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottledException' }));
    const notifications = buildNotifications(manyFailures(800), TOPIC);
    const client = new SNSClient({ region: 'eu-west-1', maxAttempts: 1 });

    // Act
    const outcome = publishNotifications(client, notifications);

    // Assess
    await expect(outcome).rejects.toBeInstanceOf(PublishError);
    await expect(outcome).rejects.toMatchObject({ deliveredParts: [1], failedPart: 2 });
    await expect(outcome).rejects.toThrow(
      /part 2\/\d+ failed \(ThrottledException: Rate exceeded\); delivered parts: 1/,
    );
  });
});

describe('shouldNotify and the default variant with history and exceptions', () => {
  const persisting = {
    change: 'persisting' as const,
    firstSeen: '2025-03-01T02:00:00.000Z',
    previousStatus: 'FAIL' as const,
  };
  const history = { resolved: [] };
  it.each([
    {
      name: 'only persisting failures',
      results: [{ ...aResult({ resourceId: 'vpc-1' }), delta: persisting }],
      extra: history,
      changes: false,
      onFindings: true,
    },
    {
      name: 'a new failure',
      results: [{ ...aResult({ resourceId: 'vpc-1' }), delta: { change: 'new' as const } }],
      extra: history,
      changes: true,
      onFindings: true,
    },
    {
      name: 'a new failure that is muted',
      results: [
        {
          ...aResult({ resourceId: 'vpc-1' }),
          delta: { change: 'new' as const },
          muted: { reason: 'lab', expires: '2099-01-01', entry: 0 },
        },
      ],
      extra: history,
      changes: false,
      onFindings: false,
    },
    {
      name: 'a persisting error',
      results: [{ ...aResult({ resourceId: 'vpc-1', status: 'ERROR' }), delta: persisting }],
      extra: history,
      changes: true,
      onFindings: true,
    },
    {
      name: 'something resolved and nothing failing',
      results: [aResult({ resourceId: 'vpc-1', status: 'PASS' })],
      extra: { resolved: goldenDeltaReport().resolved },
      changes: true,
      onFindings: false,
    },
  ])(
    'decides for $name: changes=$changes, on-findings=$onFindings',
    ({ results, extra, changes, onFindings }) => {
      // Prepare
      const report = aReport(results, extra);
      report.summary.muted = results.filter((result) => 'muted' in result).length;

      // Act
      const decisions = [
        shouldNotify('changes', report),
        shouldNotify('on-findings', report),
        shouldNotify('always', report),
        shouldNotify('never', report),
      ];

      // Assess
      expect(decisions).toEqual([changes, onFindings, true, false]);
    },
  );

  it('carries muted results flagged as they are in the default variant, and counts them apart', () => {
    // Prepare
    const report = goldenDeltaReport();

    // Act
    const [notification] = buildNotifications(report, TOPIC);

    // Assess
    const machine = JSON.parse(JSON.parse(notification?.input.Message ?? '{}').default);
    expect(
      machine.results.find((result: Result) => result.resourceId === 'vpc-0sandbox00000001').muted,
    ).toMatchObject({ entry: 0 });
    expect(notification?.input.MessageAttributes).toMatchObject({
      failCount: { StringValue: '4' },
      mutedCount: { StringValue: '1' },
      newCount: { StringValue: '2' },
    });
  });
});
