/**
 * The events other WING systems subscribe to (CONTRACT.md, "Events"): EventBridge source
 * `wing.rollback`, one detail shape for every type. On AWS they go to the event bus; locally they
 * land in the notification outbox of the state folder.
 */

export const EVENT_SOURCE = 'wing.rollback';
export const EVENT_VERSION = 1;

export const eventTypes = [
  'BackupCompleted',
  'BackupFailed',
  'RollbackRequested',
  'RollbackStarted',
  'ComponentRestored',
  'RollbackCompleted',
  'RollbackFailed',
  'RollbackUndone',
  'HealthChanged',
  'SystemModeChanged',
  'DrillCompleted',
  'DrillFailed',
  // Beyond the contract's list: the agent runtime restarts the agents named (agent:restart).
  'AgentRestartRequested',
] as const;
export type EventType = (typeof eventTypes)[number];

export interface EventDetail {
  readonly version: number;
  readonly time: string;
  readonly rollbackId?: string;
  readonly recoveryPointId?: string;
  readonly component?: string;
  readonly step?: string;
  readonly status: string;
  readonly from?: string;
  readonly to?: string;
  readonly counts?: Readonly<Record<string, number>>;
  /** AgentRestartRequested only: the agents to restart. */
  readonly agentIds?: readonly string[];
}

export interface WingEvent {
  readonly type: EventType;
  readonly detail: EventDetail;
}

/** Where events go: EventBridge on AWS, the notification outbox locally. */
export interface EventPublisher {
  publish(event: WingEvent): Promise<void>;
}
