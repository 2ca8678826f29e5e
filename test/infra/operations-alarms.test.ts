import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { Construct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { configureApp, propsFromContext, STACK_NAME } from '../../infra/scanner-app.ts';
import { ScannerStack } from '../../infra/scanner-stack.ts';

const SKIP_BUNDLING = { 'aws:cdk:bundling-stacks': [] };

const ALARM_ARNS = {
  'Fn::Join': [
    '',
    [
      'arn:',
      { Ref: 'AWS::Partition' },
      ':cloudwatch:',
      { Ref: 'AWS::Region' },
      ':',
      { Ref: 'AWS::AccountId' },
      `:alarm:${STACK_NAME}-*`,
    ],
  ],
};

let stack: ScannerStack;
let template: Template;
let synthesized: () => void;

const ref = (construct: Construct) => ({
  Ref: Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement),
});
const arnOf = (construct: Construct) => ({
  'Fn::GetAtt': [Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement), 'Arn'],
});

beforeAll(() => {
  const app = new App({
    context: {
      ...SKIP_BUNDLING,
      alertEmails: 'secops@example.com',
      operationsEmails: 'platform@example.com',
    },
  });
  stack = configureApp(app);
  template = Template.fromStack(stack);
  synthesized = () => app.synth();
});

describe('operationsEmails: the scanner\u2019s alarms on a second topic', () => {
  it('sends every alarm to the operations topic, and findings still to the findings topic', () => {
    // Act
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    const subscriptions = Object.values(template.findResources('AWS::SNS::Subscription')).map(
      (subscription) => subscription.Properties,
    );

    // Assess
    expect(stack.alarmTopic).not.toBe(stack.topic);
    expect(alarms).toHaveLength(6);
    for (const alarm of alarms) expect(alarm.Properties.AlarmActions).toEqual([ref(stack.alarmTopic)]);
    const redrive = { deadLetterTargetArn: arnOf(stack.node.findChild('UndeliveredNotifications')) };
    expect(subscriptions).toEqual([
      {
        Protocol: 'email',
        Endpoint: 'secops@example.com',
        TopicArn: ref(stack.topic),
        RedrivePolicy: redrive,
      },
      {
        Protocol: 'email',
        Endpoint: 'platform@example.com',
        TopicArn: ref(stack.alarmTopic),
        RedrivePolicy: redrive,
      },
    ]);
  });

  it('lets only this stack\u2019s alarms publish to the operations topic, over TLS', () => {
    // Prepare
    const topic = ref(stack.alarmTopic);

    // Act
    const policy = Object.values(template.findResources('AWS::SNS::TopicPolicy')).find(
      (candidate) => JSON.stringify(candidate.Properties.Topics) === JSON.stringify([topic]),
    );

    // Assess
    expect(policy?.Properties.PolicyDocument.Statement).toEqual([
      {
        Sid: 'AllowPublishThroughSSLOnly',
        Effect: 'Deny',
        Principal: '*',
        Action: 'sns:Publish',
        Resource: topic,
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
      {
        Sid: 'AlarmsPublish',
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: 'sns:Publish',
        Resource: topic,
        Condition: {
          StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
          ArnLike: { 'aws:SourceArn': ALARM_ARNS },
        },
      },
      {
        Sid: 'OnlyAlarmsPublish',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 'sns:Publish',
        Resource: topic,
        Condition: { StringNotEquals: { 'aws:PrincipalServiceName': 'cloudwatch.amazonaws.com' } },
      },
    ]);
    template.hasResourceProperties('AWS::SNS::Topic', {
      DisplayName: 'SageMaker compliance scanner alarms',
      KmsMasterKeyId: { 'Fn::GetAtt': [ref(stack.node.findChild('FindingsKey')).Ref, 'Arn'] },
    });
  });

  it('passes cdk-nag AwsSolutions', () => {
    // Assess
    expect(synthesized).not.toThrow();
  });

  it('refuses an address that is not one, naming the setting', () => {
    // Prepare
    const app = new App({ context: SKIP_BUNDLING });

    // Act
    const build = () => new ScannerStack(app, 'BadOperationsEmail', { operationsEmails: ['platform'] });

    // Assess
    expect(build).toThrow('operationsEmails: "platform" is not an email address');
  });

  it('is read from context as a comma list', () => {
    // Act
    const props = propsFromContext((key) => (key === 'operationsEmails' ? 'a@x.com, b@y.com' : undefined));

    // Assess
    expect(props.operationsEmails).toEqual(['a@x.com', 'b@y.com']);
  });
});
