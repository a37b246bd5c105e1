/**
 * The component semantics by kind. `generic` components have no checks of their own.
 */
import type { ComponentKind } from '../core/plan.js';
import { AgentBackup } from './agent-backup.js';
import { AuthBackup } from './auth-backup.js';
import type { ComponentSemantics } from './component-checks.js';
import { SquadronBackup } from './squadron-backup.js';
import { VisionLakeBackup } from './vision-lake-backup.js';

const semantics: Partial<Record<ComponentKind, ComponentSemantics>> = {
  'vision-lake': new VisionLakeBackup(),
  auth: new AuthBackup(),
  agents: new AgentBackup(),
  squadrons: new SquadronBackup(),
};

export function semanticsOf(kind: ComponentKind): ComponentSemantics | undefined {
  return semantics[kind];
}

export { AgentBackup, AuthBackup, SquadronBackup, VisionLakeBackup };
export type { ComponentSemantics };
