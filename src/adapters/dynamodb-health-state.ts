/**
 * The last whole-platform health check, one item of the system table (pk `HEALTH`, sk `last`).
 */
import type { HealthState, HealthStateStore } from '../core/health-state.js';
import type { SystemTable } from './system-table.js';

const PK = 'HEALTH';
const SK = 'last';

export class DynamoHealthStateStore implements HealthStateStore {
  constructor(private readonly table: SystemTable) {}

  get(): Promise<HealthState | undefined> {
    return this.table.getDoc<HealthState>(PK, SK);
  }

  put(state: HealthState): Promise<void> {
    return this.table.putDoc(PK, SK, state);
  }
}
