/**
 * The local stand-in for EventBridge and SNS: every event and every notification is appended as
 * one JSON line to the notification outbox of the state folder (mode 0600), where an operator or a
 * test can read it. Notifications have the shape the local state machine runner writes for its
 * SNS states (`channel`, `topic`, `subject`, `message`).
 */
import { appendFile } from 'node:fs/promises';
import { EVENT_SOURCE, type EventPublisher, type WingEvent } from '../core/events.js';
import type { Notice, Notifier, NoticeTopic } from '../core/notifications.js';

/** The local topics' names, as ARNs so that the outbox reads like SNS would. */
export const LOCAL_TOPICS: Readonly<Record<NoticeTopic, string>> = {
  admin: 'arn:aws:sns:local:000000000000:wing-rollback-admin',
  users: 'arn:aws:sns:local:000000000000:wing-rollback-user-notices',
};

export class OutboxPublisher implements EventPublisher {
  constructor(private readonly path: string) {}

  async publish(event: WingEvent): Promise<void> {
    const line = JSON.stringify({ channel: 'event', source: EVENT_SOURCE, detailType: event.type, detail: event.detail });
    await appendFile(this.path, `${line}\n`, { mode: 0o600 });
  }
}

export class OutboxNotifier implements Notifier {
  constructor(private readonly path: string) {}

  async notify(notice: Notice): Promise<void> {
    const line = JSON.stringify({ channel: 'notification', topic: LOCAL_TOPICS[notice.topic], subject: notice.subject, message: notice.message });
    await appendFile(this.path, `${line}\n`, { mode: 0o600 });
  }
}
