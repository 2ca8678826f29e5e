import { App } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
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

  it('still flag a wildcard on the scan role outside the acknowledged report prefix', () => {
    // Prepare
    const app = new App({ context: SKIP_BUNDLING });
    const stack = configureApp(app);
    stack.function.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject'],
        resources: [stack.reportsBucket.arnForObjects('reports/*')],
      }),
    );

    // Act
    const synth = () => app.synth();

    // Assess
    expect(synth).toThrow(/AwsSolutions-IAM5\[Resource::<Reports[0-9A-F]+\.Arn>\/reports\/\*\]/);
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
