/** The action of `start` (start-command.ts): the long-lived owner of the local environment. */
import { join } from 'node:path';
import type { Command } from 'commander';
import { ConflictError, ValidationError } from '../../core/errors.js';
import { isFinished } from '../../core/rollback-journal.js';
import { startAdminHttpServer } from '../../local/admin-http-server.js';
import { localAdminApiDeps } from '../../local/local-admin-api.js';
import { initLocal, readInitMarker } from '../../local/local-init.js';
import { localRollbackOperations } from '../../local/local-rollback.js';
import { openLocalRuntime } from '../../local/local-runtime.js';
import { startLocalScheduler } from '../../local/local-scheduler.js';
import { projectRoot } from '../../local/project-root.js';
import { readLiveOwner, updateEndpoints } from '../../local/run-owner.js';
import { resolveWingHome } from '../../local/state-folder.js';
import { CommandContext } from '../command-context.js';
import { globalFlagsOf } from '../command-runner.js';
import { printGeneratedAdmin } from '../generated-admin.js';
import { writeError } from '../output.js';

/** The portal's port unless WING_PORT says otherwise; a taken port falls back to a free one. */
const DEFAULT_PORT = 8780;

function portFromEnv(value: string | undefined): number {
  if (value === undefined || value === '') return DEFAULT_PORT;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ValidationError(`WING_PORT must be a port number (0 for any free port), not "${value}"`);
  return port;
}

function timestamped(line: string): string {
  return `${new Date().toISOString().slice(11, 19)} ${line}\n`;
}

export async function start(command: Command): Promise<void> {
  const opts = command.opts<{ scale?: number; debug?: boolean; json?: boolean }>();
  try {
    // Validates the global flags (start runs locally, and waits by nature).
    const ctx = new CommandContext(globalFlagsOf(command.opts<Record<string, unknown>>()));
    if (ctx.isAws) throw new ValidationError('start runs the local environment on this machine; a deployed stack runs on AWS (npx cdk deploy): run start without --target aws');
    const port = portFromEnv(process.env.WING_PORT);
    const home = resolveWingHome();
    const owner = await readLiveOwner(home);
    if (owner) throw new ConflictError(`the local environment of ${home} is already running (process ${owner.lock.pid}); stop it with Ctrl-C there first`);
    // Ctrl-C while a rollback runs in this process would leave the platform in recovery mode
    // until rollback:cleanup: the first one says so, the second stops anyway.
    let runningRollbacks: () => Promise<string[]> = () => Promise.resolve([]);
    const confirmStop = async (): Promise<string | undefined> => {
      const running = await runningRollbacks();
      if (running.length === 0) return undefined;
      return `\nrollback ${running.join(', ')} is running in this process: stopping now leaves the platform in recovery mode until "npx wing rollback:cleanup". Press Ctrl-C again to stop anyway.`;
    };
    const runtime = await openLocalRuntime({ home, kind: 'long-lived', createKey: true, confirmStop });
    if (!runtime.isOwner) throw new ConflictError(`another process took the local environment of ${home} while starting`);
    let firstAdmin: string | undefined;
    if (!(await readInitMarker(home))) {
      process.stderr.write('first start: creating the local environment and loading demo data\n');
      const result = await initLocal(runtime, { demo: true, ...(opts.scale ? { scale: opts.scale } : {}), onStep: (m) => process.stderr.write(`  ${m}\n`) });
      printGeneratedAdmin(result.admin);
      firstAdmin = result.admin.username;
    }
    const operations = localRollbackOperations(runtime, {
      onTransition: (rollbackId, t) => {
        if (t.type === 'StateFailed' && t.state) process.stderr.write(timestamped(`${rollbackId}: ${t.state} failed: ${t.cause ?? t.error ?? ''}`));
      },
    });
    runningRollbacks = async () =>
      (await operations.list()).filter((r) => !isFinished(r.phase) && r.executor !== null && 'pid' in r.executor && r.executor.pid === process.pid).map((r) => r.rollbackId);
    const server = await startAdminHttpServer({
      deps: () =>
        localAdminApiDeps(runtime, operations, (message, err) => {
          process.stderr.write(timestamped(`${message}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`));
        }),
      portalFolder: join(projectRoot(), 'web', 'dist'),
      requestLog: join(runtime.paths.logs, 'api-requests.log'),
      port,
    });
    await updateEndpoints(home, { api: server.apiUrl, portal: server.url });
    const scheduler = startLocalScheduler({ plan: runtime.plan, backups: runtime.backups, drills: runtime.services.drills, healthWatch: runtime.services.healthWatch, audit: runtime.services.audit, report: (line) => process.stderr.write(timestamped(line)) });
    const points = await runtime.backups.listRecoveryPoints();
    const admins = (await runtime.admins.list()).filter((a) => !a.disabled && a.level === 'admin').map((a) => a.username);
    const latest = (await operations.list())[0];
    process.stdout.write(
      [
        `WING Rollback local environment running (state folder ${home})`,
        `  Portal: ${server.url}`,
        `  Admin API: ${server.apiUrl} (document: ${server.apiUrl}/openapi.json)`,
        `  DynamoDB Local: ${runtime.endpoints.dynamodb}`,
        `  S3 (s3rver):    ${runtime.endpoints.s3}`,
        `  recovery points: ${String(points.length)} (newest ${points[0]?.recoveryPointId ?? 'none'}); schedules: ${scheduler.schedules.map((s) => `${s.expression} (${s.job ?? s.components.join(', ')})`).join('; ')}`,
        `  Sign in at ${server.url} as ${firstAdmin ?? (admins.join(' or ') || 'your administrator')} with the password and the 6-digit code of your authenticator app${firstAdmin && process.env.WING_ADMIN_TOTP_SECRET === undefined ? ' (both shown above)' : ''}.`,
        ...(latest && !isFinished(latest.phase) ? [`  WARNING: rollback ${latest.rollbackId} did not finish (${latest.phase} at ${latest.step}): run "npx wing rollback:cleanup"`] : []),
        '  CLI: npx wing backup:list    npx wing rollback:plan    npx wing rollback:emergency --reason="..."',
        '  Ctrl-C stops everything.',
        '',
      ].join('\n'),
    );
    process.once('exit', () => {
      scheduler.stop();
    });
    setInterval(() => undefined, 1 << 30);
  } catch (err) {
    process.exitCode = writeError(err, { json: opts.json === true, debug: opts.debug === true });
    process.exit();
  }
}
