/**
 * The health of the platform as the health monitor judges it, and the memory of the last
 * whole-platform check that lets the health watch announce each transition once.
 */

/** Health of a component or of the whole platform, from best to worst. */
export type HealthStatus = 'healthy' | 'degraded' | 'critical';

/** What is remembered of the last whole-platform check. */
export interface HealthState {
  readonly status: HealthStatus;
  readonly checkedAt: string;
  readonly components: Readonly<Record<string, HealthStatus>>;
}

/** Port: the last recorded health (the system table on AWS and locally). */
export interface HealthStateStore {
  get(): Promise<HealthState | undefined>;
  put(state: HealthState): Promise<void>;
}
