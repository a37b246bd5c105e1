/**
 * The local stand-in for EventBridge and SNS: every event is appended as one JSON line to the
 * notification outbox of the state folder (mode 0600), where an operator or a test can read it.
 */
import { appendFile } from 'node:fs/promises';
import { EVENT_SOURCE, type EventPublisher, type WingEvent } from '../core/events.js';

export class OutboxPublisher implements EventPublisher {
  constructor(private readonly path: string) {}

  async publish(event: WingEvent): Promise<void> {
    const line = JSON.stringify({ channel: 'event', source: EVENT_SOURCE, detailType: event.type, detail: event.detail });
    await appendFile(this.path, `${line}\n`, { mode: 0o600 });
  }
}
