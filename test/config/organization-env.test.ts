import { describe, expect, it } from 'vitest';
import { loadAggregateEnvironment, loadPlanEnvironment } from '../../src/config/organization-env.ts';
import { UserInputError } from '../../src/model/errors.ts';

const TOPIC = 'arn:aws:sns:eu-west-1:999988887777:sagemaker-findings';
const PLAN = { AWS_REGION: 'eu-west-1', REPORTS_BUCKET: 'compliance-reports' };
const AGGREGATE = { ...PLAN, FINDINGS_TOPIC_ARN: TOPIC };

describe('loadPlanEnvironment', () => {
  it('reads the variables, trimmed, empty ones as unset, and lists without repeats', () => {
    // Act
    const environment = loadPlanEnvironment({
      AWS_REGION: 'eu-west-1',
      REPORTS_BUCKET: ' compliance-reports ',
      ORGANIZATION_OUS: 'ou-ab12-cd34ef56, r-ab12,ou-ab12-cd34ef56',
      EXCLUDE_ACCOUNTS: '  ',
      LOG_LEVEL: 'debug',
    });

    // Assess
    expect(environment).toEqual({
      homeRegion: 'eu-west-1',
      reportsBucket: 'compliance-reports',
      ous: ['ou-ab12-cd34ef56', 'r-ab12'],
      excludeAccounts: [],
      logLevel: 'DEBUG',
    });
  });

  it.each([
    [{}, 'environment variable AWS_REGION is not set (the Lambda runtime always sets it)'],
    [
      { AWS_REGION: 'mars-1', REPORTS_BUCKET: 'compliance-reports' },
      'environment variable AWS_REGION: "mars-1" is not an AWS region name (e.g. eu-west-1)',
    ],
    [
      { AWS_REGION: 'eu-west-1', REPORTS_BUCKET: '' },
      'environment variable REPORTS_BUCKET is not set: the run keeps its plan, results and digest there',
    ],
    [
      { AWS_REGION: 'eu-west-1', REPORTS_BUCKET: 's3://Reports_Bucket' },
      'environment variable REPORTS_BUCKET is not an S3 bucket name (3 to 63 lower-case letters, digits, dots and hyphens)',
    ],
    [
      { ...PLAN, EXCLUDE_ACCOUNTS: '111111111111,1234' },
      'environment variable EXCLUDE_ACCOUNTS: "1234" is not a 12-digit account id',
    ],
    [
      { ...PLAN, LOG_LEVEL: 'verbose' },
      'environment variable LOG_LEVEL must be one of TRACE, DEBUG, INFO, WARN, ERROR, CRITICAL, SILENT',
    ],
  ])('refuses %o, naming the variable', (env, message) => {
    // Act
    const load = () => loadPlanEnvironment(env);

    // Assess
    expect(load).toThrow(new UserInputError(message));
  });
});

describe('loadAggregateEnvironment', () => {
  it('reads the variables, with the chat digest off unless asked for', () => {
    // Act
    const off = loadAggregateEnvironment(AGGREGATE);
    const on = loadAggregateEnvironment({ ...AGGREGATE, CHAT_NOTIFICATIONS: 'TRUE', LOG_LEVEL: '' });

    // Assess
    expect(off).toEqual({
      homeRegion: 'eu-west-1',
      reportsBucket: 'compliance-reports',
      findingsTopicArn: TOPIC,
      chatNotifications: false,
      logLevel: 'INFO',
    });
    expect(on.chatNotifications).toBe(true);
    expect(on.logLevel).toBe('INFO');
  });

  it.each([
    [PLAN, 'environment variable FINDINGS_TOPIC_ARN is not set: the digest is published there'],
    [
      { ...PLAN, FINDINGS_TOPIC_ARN: 'sagemaker-findings' },
      'environment variable FINDINGS_TOPIC_ARN is not an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>)',
    ],
    [
      { FINDINGS_TOPIC_ARN: TOPIC },
      'environment variable AWS_REGION is not set (the Lambda runtime always sets it)',
    ],
    [
      { ...AGGREGATE, REPORTS_BUCKET: undefined },
      'environment variable REPORTS_BUCKET is not set: the run keeps its plan, results and digest there',
    ],
    [
      { ...AGGREGATE, CHAT_NOTIFICATIONS: 'on' },
      'environment variable CHAT_NOTIFICATIONS: "on" is not true or false',
    ],
    [
      { ...AGGREGATE, LOG_LEVEL: 'verbose' },
      'environment variable LOG_LEVEL must be one of TRACE, DEBUG, INFO, WARN, ERROR, CRITICAL, SILENT',
    ],
  ])('refuses %o, naming the variable', (env, message) => {
    // Act
    const load = () => loadAggregateEnvironment(env);

    // Assess
    expect(load).toThrow(new UserInputError(message));
  });
});
