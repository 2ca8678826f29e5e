import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { loadLambdaEnvironment } from '../../src/config/env.ts';
import { CHAT_LIST_LIMIT, chatNotification } from '../../src/report/chat.ts';
import { singlePart } from '../../src/report/email.ts';
import { buildNotifications } from '../../src/report/sns.ts';
import { formatsReport } from '../fixtures/report/report.ts';
import { report, result } from '../support/report.ts';

const GOLDEN = new URL('../fixtures/report/formats.golden.chat.json', import.meta.url);
const TOPIC = 'arn:aws:sns:eu-west-1:111122223333:sagemaker-findings';

/** The event format of Amazon Q Developer in chat applications custom notifications. */
const FIELDS = {
  top: ['content', 'id', 'metadata', 'source', 'version'],
  content: ['description', 'keywords', 'nextSteps', 'textType', 'title'],
  metadata: ['additionalContext', 'eventType', 'relatedResources', 'summary', 'threadId'],
};

describe('chatNotification', () => {
  it('writes the digest exactly as the golden file shows it', async () => {
    // Prepare
    const expected = await readFile(GOLDEN, 'utf8');
    const input = formatsReport();

    // Act
    const chat = `${JSON.stringify(chatNotification(input, singlePart(input)), null, 2)}\n`;

    // Assess
    expect(chat).toBe(expected);
  });

  it('uses only the fields of the custom notification format, with its fixed version, source and text type', () => {
    // Prepare
    const input = formatsReport();

    // Act
    const chat = chatNotification(input, singlePart(input));

    // Assess
    expect(Object.keys(chat).sort()).toEqual(FIELDS.top);
    expect(Object.keys(chat.content).every((key) => FIELDS.content.includes(key))).toBe(true);
    expect(Object.keys(chat.metadata).sort()).toEqual(FIELDS.metadata);
    expect([chat.version, chat.source, chat.content.textType]).toEqual(['1.0', 'custom', 'client-markdown']);
    expect(Object.values(chat.metadata.additionalContext).every((value) => typeof value === 'string')).toBe(
      true,
    );
  });

  it('lists new and regressed failures with resource and fix, not persisting or muted ones', () => {
    // Prepare
    const input = formatsReport();

    // Act
    const { description } = chatNotification(input, singlePart(input)).content;

    // Assess
    expect(description).toContain(
      '• *high* `vpc-sagemaker-endpoints` `vpc-0a1b2c3d4e5f60004` (us-east-1): No interface endpoint for sagemaker.api or sagemaker.runtime. Fix: Create an interface VPC endpoint',
    );
    expect(description).not.toContain('vpc-0a1b2c3d4e5f60002');
    expect(description).not.toContain('vpc-0sandbox00000001');
  });

  it('lists every counted failure when there is no previous scan, up to the limit and "and N more"', () => {
    // Prepare
    const failures = Array.from({ length: CHAT_LIST_LIMIT + 3 }, (_, index) =>
      result('FAIL', `vpc-${index}`, 'bad'),
    );
    const input = report([
      ...failures,
      result('FAIL', 'vpc-muted', 'bad', { muted: { reason: 'r', expires: '2026-06-30', entry: 0 } }),
    ]);
    input.summary.muted = 1;

    // Act
    const lines = chatNotification(input, singlePart(input)).content.description.split('\n');

    // Assess
    expect(lines[1]).toBe('*Failing (13)*');
    expect(lines.filter((line) => line.startsWith('• '))).toHaveLength(CHAT_LIST_LIMIT);
    expect(lines).toContain('…and 3 more in the report');
    expect(lines.some((line) => line.includes('vpc-muted'))).toBe(false);
  });

  it('keeps names from AWS from breaking the markdown or adding lines', () => {
    // Prepare
    const input = report([result('FAIL', 'vpc-`x`\n*FAKE*', 'bad')]);

    // Act
    const { description } = chatNotification(input, singlePart(input)).content;

    // Assess
    expect(description).toContain("`vpc-'x' *FAKE*`");
    expect(description.split('\n').some((line) => line.startsWith('*FAKE'))).toBe(false);
  });
});

describe('the chat variant of the SNS notification', () => {
  it('is the https variant only when chat notifications are on', () => {
    // Prepare
    const input = report([result('FAIL', 'vpc-1', 'bad')]);

    // Act
    const [on] = buildNotifications(input, TOPIC, { chat: true });
    const [off] = buildNotifications(input, TOPIC);

    // Assess
    const variants = JSON.parse(on?.input.Message ?? '{}');
    expect(Object.keys(variants).sort()).toEqual(['default', 'email', 'https']);
    expect(JSON.parse(variants.https)).toEqual(chatNotification(input, singlePart(input)));
    expect(Object.keys(JSON.parse(off?.input.Message ?? '{}')).sort()).toEqual(['default', 'email']);
  });

  it.each([
    [{}, false],
    [{ CHAT_NOTIFICATIONS: 'true' }, true],
  ])('is read from CHAT_NOTIFICATIONS (%o)', (env, expected) => {
    // Act
    const environment = loadLambdaEnvironment({ AWS_REGION: 'eu-west-1', ...env });

    // Assess
    expect(environment.chatNotifications).toBe(expected);
  });
});
