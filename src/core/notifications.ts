/**
 * Notifications to people (CONTRACT.md, "Events and notifications"): administrators get progress
 * and alarms on one topic, WING's users get service notices on a second. On AWS these are SNS
 * topics; locally they land in the notification outbox beside the events. The rollback state
 * machine publishes its own through a direct SNS integration; this port is for everything else
 * (drills, health transitions).
 */

export type NoticeTopic = 'admin' | 'users';

export interface Notice {
  readonly topic: NoticeTopic;
  /** At most 99 characters (SNS's limit for email subjects). */
  readonly subject: string;
  readonly message: string;
}

export interface Notifier {
  notify(notice: Notice): Promise<void>;
}

/** A subject as SNS takes it: one line, at most 99 characters, prefixed like the state machine's. */
export function noticeSubject(text: string): string {
  return `[WING rollback] ${text}`.replace(/\s+/g, ' ').slice(0, 99);
}
