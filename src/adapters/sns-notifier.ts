/**
 * Notifications to the SNS topics of the stack: administrators' and users' (service notices).
 */
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { Notice, Notifier, NoticeTopic } from '../core/notifications.js';
import { withRetry } from '../core/retry.js';

export class SnsNotifier implements Notifier {
  constructor(
    private readonly client: SNSClient,
    private readonly topicArns: Readonly<Record<NoticeTopic, string>>,
  ) {}

  async notify(notice: Notice): Promise<void> {
    await withRetry(() => this.client.send(new PublishCommand({ TopicArn: this.topicArns[notice.topic], Subject: notice.subject, Message: notice.message })));
  }
}
