/**
 * The subscription check over SNS's real query protocol, against moto. moto differs from SNS in one
 * way that matters here: it confirms every subscription at once (an email one too), so a pending
 * subscription ("PendingConfirmation") is covered with aws-sdk-client-mock only
 * (test/report/sns-subscriptions.test.ts, test/handlers/scan-handler.test.ts).
 */
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkTopicReach } from '../../src/report/sns-subscriptions.ts';
import { type Moto, motoAvailable, startMoto } from './moto.ts';

const REGION = 'eu-west-1';

describe.runIf(motoAvailable())('the findings topic subscription check against moto', () => {
  let moto: Moto;
  let sns: SNSClient;

  beforeAll(async () => {
    moto = await startMoto();
    sns = new SNSClient(moto.clientConfig(REGION));
  }, 60_000);

  afterAll(async () => {
    await moto?.stop();
  });

  it('warns that a topic without subscriptions reaches nobody', async () => {
    // Prepare
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'nobody-listens' }));

    // Act
    const reach = await checkTopicReach(sns, TopicArn as string);

    // Assess
    expect(reach).toEqual({
      topicArn: TopicArn,
      confirmed: 0,
      pending: 0,
      warning: `no confirmed subscription (it has none): findings and alarms published to ${TopicArn} reach nobody`,
    });
  });

  it('counts an email subscription that moto confirmed at once, without a warning', async () => {
    // Prepare
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'someone-listens' }));
    await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'email', Endpoint: 'security@example.com' }));

    // Act
    const reach = await checkTopicReach(sns, TopicArn as string);

    // Assess
    expect(reach).toEqual({ topicArn: TopicArn, confirmed: 1, pending: 0 });
  });

  it('is an error naming the topic when the topic does not exist', async () => {
    // Prepare
    const missing = `arn:aws:sns:${REGION}:123456789012:deleted-topic`;

    // Act
    const reach = await checkTopicReach(sns, missing);

    // Assess
    expect(reach).toEqual({
      topicArn: missing,
      error: expect.stringMatching(
        /^cannot list the subscriptions of arn:aws:sns:eu-west-1:123456789012:deleted-topic \(NotFound/,
      ),
    });
  });
});
