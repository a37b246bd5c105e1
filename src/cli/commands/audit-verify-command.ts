/**
 * `audit:verify`: checks the audit trail's hash chain (src/core/audit-trail.ts) and compares the
 * table with its copy in the audit bucket (src/core/audit-mirror.ts). Exit 5 when a record was
 * altered, removed or reordered in either copy, naming the record and the copy that differs;
 * otherwise the number of records and the head hash. Read-only, no credentials. The action is in
 * audit-verify-action.ts, imported when the command runs (command-runner.ts).
 */
import type { Command } from 'commander';
import { runAction } from '../command-runner.js';

export function registerAuditVerify(program: Command): Command {
  return program
    .command('audit:verify')
    .description("verify the audit trail's hash chain and its copy in the audit bucket; exit 5 if a record was altered, removed or reordered")
    .action(runAction(async () => (await import('./audit-verify-action.js')).auditVerify));
}
