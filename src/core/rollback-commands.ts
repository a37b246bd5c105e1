/**
 * The rollback commands (CONTRACT.md, "Rollbacks"): which recovery point each one chooses and
 * how it restores. The CLI, the admin API (its request schema and its routes) and the portal's
 * types all start from this one table.
 */
import { ValidationError } from './errors.js';

/** Differential: write only what differs, delete what the point did not have. Full: rewrite everything. */
export type RollbackMode = 'differential' | 'full';

export const ROLLBACK_COMMAND_NAMES = ['rollback:quick', 'rollback:full', 'rollback:emergency', 'rollback:custom', 'restore:alternative'] as const;

export type RollbackCommandName = (typeof ROLLBACK_COMMAND_NAMES)[number];

export const ROLLBACK_COMMANDS = {
  'rollback:quick': { mode: 'differential', hours: 0, description: 'the newest verified point ("previous version"), differential' },
  'rollback:full': { mode: 'full', hours: 24, description: 'the newest verified point at least 24 h old, rewriting and verifying everything' },
  'rollback:emergency': { mode: 'differential', hours: 24, description: 'the newest verified point at least 24 h old, differential; a reason is required' },
  'rollback:custom': { mode: 'differential', hours: undefined, description: 'the newest verified point at least N hours old (N=0: the newest)' },
  'restore:alternative': { mode: 'differential', hours: undefined, description: 'exactly this recovery point (verified, not Corrupt)' },
} as const satisfies Record<RollbackCommandName, { mode: RollbackMode; hours: number | undefined; description: string }>;

/** The point choice and mode of a rollback command; `hours` for rollback:custom, `backupId` for restore:alternative. */
export function rollbackRequestOf(command: RollbackCommandName, args: { hours?: number | undefined; backupId?: string | undefined; reason?: string | undefined }): { hours: number } | { backupId: string } {
  const spec = ROLLBACK_COMMANDS[command];
  if (command === 'rollback:emergency' && (args.reason === undefined || args.reason.trim() === '')) throw new ValidationError('rollback:emergency needs a reason (--reason="why")');
  if (command === 'restore:alternative') {
    if (args.backupId === undefined) throw new ValidationError('restore:alternative needs --backup-id=ID ("npx wing backup:list" lists them)');
    return { backupId: args.backupId };
  }
  if (command === 'rollback:custom') {
    if (args.hours === undefined) throw new ValidationError('rollback:custom needs --hours=N');
    return { hours: args.hours };
  }
  return { hours: spec.hours ?? 24 };
}
