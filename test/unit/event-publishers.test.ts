import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { EventBridgePublisher } from '../../src/adapters/eventbridge-publisher.js';
import { LOCAL_TOPICS, OutboxNotifier, OutboxPublisher } from '../../src/adapters/outbox-publisher.js';
import { SnsNotifier } from '../../src/adapters/sns-notifier.js';
import { noticeSubject } from '../../src/core/notifications.js';
import { TransientError } from '../../src/core/errors.js';
import type { WingEvent } from '../../src/core/events.js';

const event: WingEvent = { type: 'BackupCompleted', detail: { version: 1, time: '2026-11-25T12:00:00.000Z', recoveryPointId: 'rp-1', status: 'Completed', counts: { items: 3 } } };
const eventBridge = mockClient(EventBridgeClient);

describe('EventBridgePublisher', () => {
  afterEach(() => {
    eventBridge.reset();
  });

  it('puts the event on the bus with source wing.rollback, the type as detail type and the detail as JSON', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e1' }] });

    await new EventBridgePublisher(new EventBridgeClient({ region: 'us-east-1' }), 'wing-bus').publish(event);

    const input = eventBridge.commandCalls(PutEventsCommand)[0]?.args[0].input;
    expect(input?.Entries).toEqual([{ Source: 'wing.rollback', DetailType: 'BackupCompleted', Detail: JSON.stringify(event.detail), EventBusName: 'wing-bus' }]);
  });

  it('fails when EventBridge refuses the entry, which PutEvents reports without throwing', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'try later' }] });

    await expect(new EventBridgePublisher(new EventBridgeClient({ region: 'us-east-1' }), 'wing-bus').publish(event)).rejects.toBeInstanceOf(TransientError);
  });
});

describe('OutboxPublisher', () => {
  it('appends one JSON line per event to a 0600 outbox', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'outbox-'));
    const path = join(dir, 'notifications.jsonl');
    const outbox = new OutboxPublisher(path);

    await outbox.publish(event);
    await outbox.publish({ ...event, type: 'BackupFailed' });

    const lines = (await readFile(path, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { detailType: string; source: string; detail: unknown });
    expect(lines.map((l) => l.detailType)).toEqual(['BackupCompleted', 'BackupFailed']);
    expect(lines[0]).toMatchObject({ source: 'wing.rollback', detail: event.detail });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    await rm(dir, { recursive: true, force: true });
  });
});

describe('notifiers', () => {
  const sns = mockClient(SNSClient);
  afterEach(() => {
    sns.reset();
  });

  it('SnsNotifier publishes to the topic of the notice: administrators or users', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const notifier = new SnsNotifier(new SNSClient({ region: 'us-east-1' }), { admin: 'arn:aws:sns:us-east-1:1:admin', users: 'arn:aws:sns:us-east-1:1:users' });

    await notifier.notify({ topic: 'admin', subject: noticeSubject('drill FAILED'), message: 'details' });
    await notifier.notify({ topic: 'users', subject: noticeSubject('maintenance'), message: 'read-only for a while' });

    expect(sns.commandCalls(PublishCommand).map((c) => c.args[0].input)).toEqual([
      { TopicArn: 'arn:aws:sns:us-east-1:1:admin', Subject: '[WING rollback] drill FAILED', Message: 'details' },
      { TopicArn: 'arn:aws:sns:us-east-1:1:users', Subject: '[WING rollback] maintenance', Message: 'read-only for a while' },
    ]);
  });

  it('OutboxNotifier writes the line the local state machine writes for its SNS states, and subjects stay within SNS limits', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'outbox-'));
    const path = join(dir, 'notifications.jsonl');
    await new OutboxNotifier(path).notify({ topic: 'users', subject: noticeSubject(`a\nvery ${'long '.repeat(40)}subject`), message: 'm' });
    const line = JSON.parse((await readFile(path, 'utf8')).trim()) as { channel: string; topic: string; subject: string; message: string };
    expect(line).toMatchObject({ channel: 'notification', topic: LOCAL_TOPICS.users, message: 'm' });
    expect(line.subject.length).toBeLessThanOrEqual(99);
    expect(line.subject).not.toContain('\n');
    await rm(dir, { recursive: true, force: true });
  });
});
