import { paginateListSubscriptionsByTopic, type SNSClient } from '@aws-sdk/client-sns';
import type { TopicReach } from '../model/report.ts';

/** SNS's `SubscriptionArn` for a subscription whose endpoint has not confirmed it yet. */
const PENDING = 'PendingConfirmation';

/**
 * Reads the topic's subscriptions (`sns:ListSubscriptionsByTopic`, every page). A page without
 * `Subscriptions` is an error, not a topic without subscribers. Never throws: the scan must not
 * stop because its alerting could not be checked.
 *
 * @example
 * const reach = await checkTopicReach(new SNSClient({}), topicArn);
 * // { topicArn, confirmed: 0, pending: 1, warning: 'no confirmed subscription: …' }
 */
export async function checkTopicReach(sns: SNSClient, topicArn: string): Promise<TopicReach> {
  let confirmed = 0;
  let pending = 0;
  try {
    for await (const page of paginateListSubscriptionsByTopic({ client: sns }, { TopicArn: topicArn })) {
      if (page.Subscriptions === undefined) {
        return { topicArn, error: 'ListSubscriptionsByTopic answered without Subscriptions' };
      }
      for (const { SubscriptionArn } of page.Subscriptions) {
        if (SubscriptionArn === PENDING) pending += 1;
        else if (SubscriptionArn?.startsWith('arn:')) confirmed += 1;
      }
    }
  } catch (error) {
    const why = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return { topicArn, error: `cannot list the subscriptions of ${topicArn} (${why})` };
  }
  if (confirmed > 0) return { topicArn, confirmed, pending };
  const unconfirmed = pending === 0 ? 'it has none' : `${pending} pending confirmation`;
  return {
    topicArn,
    confirmed,
    pending,
    warning: `no confirmed subscription (${unconfirmed}): findings and alarms published to ${topicArn} reach nobody`,
  };
}
