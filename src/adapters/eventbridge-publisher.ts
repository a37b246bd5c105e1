/**
 * Events to an EventBridge bus (source `wing.rollback`). PutEvents reports failed entries in its
 * answer rather than by throwing, so they are checked.
 */
import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { TransientError } from '../core/errors.js';
import { EVENT_SOURCE, type EventPublisher, type WingEvent } from '../core/events.js';
import { withRetry } from '../core/retry.js';

export class EventBridgePublisher implements EventPublisher {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly eventBusName: string,
  ) {}

  async publish(event: WingEvent): Promise<void> {
    const out = await withRetry(() =>
      this.client.send(
        new PutEventsCommand({
          Entries: [{ Source: EVENT_SOURCE, DetailType: event.type, Detail: JSON.stringify(event.detail), EventBusName: this.eventBusName }],
        }),
      ),
    );
    if ((out.FailedEntryCount ?? 0) > 0) {
      const entry = out.Entries?.[0];
      throw new TransientError(`EventBridge refused ${event.type}: ${entry?.ErrorCode ?? ''} ${entry?.ErrorMessage ?? ''}`.trim());
    }
  }
}
