import { ListSubscriptionsByTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { checkTopicReach } from '../../src/report/sns-subscriptions.ts';

const TOPIC = 'arn:aws:sns:eu-west-1:111122223333:sagemaker-findings';
const sns = mockClient(SNSClient);
const client = () => new SNSClient({ region: 'eu-west-1', maxAttempts: 1 });

afterEach(() => {
  sns.reset();
});

describe('checkTopicReach', () => {
  it.each([
    {
      name: 'a confirmed email subscription',
      Subscriptions: [{ SubscriptionArn: `${TOPIC}:0b7c`, Protocol: 'email' }],
      reach: { topicArn: TOPIC, confirmed: 1, pending: 0 },
    },
    {
      name: 'no subscription at all',
      Subscriptions: [],
      reach: {
        topicArn: TOPIC,
        confirmed: 0,
        pending: 0,
        warning: `no confirmed subscription (it has none): findings and alarms published to ${TOPIC} reach nobody`,
      },
    },
    {
      name: 'two pending and a deleted subscription',
      Subscriptions: [
        { SubscriptionArn: 'PendingConfirmation', Protocol: 'email' },
        { SubscriptionArn: 'PendingConfirmation', Protocol: 'email' },
        { SubscriptionArn: 'Deleted', Protocol: 'email' },
      ],
      reach: {
        topicArn: TOPIC,
        confirmed: 0,
        pending: 2,
        warning: `no confirmed subscription (2 pending confirmation): findings and alarms published to ${TOPIC} reach nobody`,
      },
    },
  ])('answers for $name', async ({ Subscriptions, reach }) => {
    // Prepare
    sns.on(ListSubscriptionsByTopicCommand, { TopicArn: TOPIC }).resolves({ Subscriptions });

    // Act
    const answer = await checkTopicReach(client(), TOPIC);

    // Assess
    expect(answer).toEqual(reach);
  });

  it('is an error, never "nobody subscribed", when a page has no Subscriptions', async () => {
    // Prepare
    sns.on(ListSubscriptionsByTopicCommand).resolves({});

    // Act
    const answer = await checkTopicReach(client(), TOPIC);

    // Assess
    expect(answer).toEqual({
      topicArn: TOPIC,
      error: 'ListSubscriptionsByTopic answered without Subscriptions',
    });
  });
});
