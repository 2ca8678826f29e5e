import { App } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { configureApp } from '../../infra/scanner-app.ts';

// cdk-nag 3 runs as a policy-validation plugin: an unacknowledged error makes synth() throw.
const SKIP_BUNDLING = { 'aws:cdk:bundling-stacks': [] };

describe('cdk-nag AwsSolutions checks', () => {
  it('find no unacknowledged error in the scanner app', () => {
    // Prepare
    const app = new App({ context: { ...SKIP_BUNDLING, alertEmails: 'secops@example.com' } });
    configureApp(app);

    // Act
    const synth = () => app.synth();

    // Assess
    expect(synth).not.toThrow();
  });

  it('fail synthesis when a resource breaks a rule without an acknowledgement', () => {
    // Prepare
    const app = new App({ context: SKIP_BUNDLING });
    const stack = configureApp(app);
    new sqs.Queue(stack, 'PlainQueue');

    // Act
    const synth = () => app.synth();

    // Assess
    expect(synth).toThrow(/AwsSolutions-SQS4/);
  });
});
