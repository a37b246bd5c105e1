/**
 * `start` (`npm start`): the long-lived owner of the local environment. On first start it runs
 * `init --demo`; it prints how to use the system and keeps the local services up until Ctrl-C,
 * which stops them cleanly (the owner's signal handler removes run.lock and endpoints.json).
 */
import type { Command } from 'commander';
import { ConflictError } from '../../core/errors.js';
import { initLocal, readInitMarker } from '../../local/local-init.js';
import { openLocalRuntime } from '../../local/local-runtime.js';
import { readLiveOwner } from '../../local/run-owner.js';
import { resolveWingHome } from '../../local/state-folder.js';
import { parseScale, printGeneratedAdmin } from './init-command.js';
import { CommandContext } from '../command-context.js';
import { globalFlagsOf, withGlobalFlags } from '../command-runner.js';
import { writeError } from '../output.js';

export function registerStart(program: Command): Command {
  return withGlobalFlags(
    program
      .command('start')
      .description('start the local environment (first start: create everything and load demo data); Ctrl-C stops it')
      .option('--scale <n>', 'demo data size on first start', parseScale),
  ).action(async (...args: unknown[]) => {
    const command = args[args.length - 1] as Command;
    const opts = command.opts<{ scale?: number; debug?: boolean; json?: boolean }>();
    try {
      // Validates the global flags (start runs locally, and waits by nature).
      new CommandContext(globalFlagsOf(command.opts<Record<string, unknown>>()));
      const home = resolveWingHome();
      const owner = await readLiveOwner(home);
      if (owner) throw new ConflictError(`the local environment of ${home} is already running (process ${owner.lock.pid}); stop it with Ctrl-C there first`);
      const runtime = await openLocalRuntime({ home, kind: 'long-lived', createKey: true });
      if (!runtime.isOwner) throw new ConflictError(`another process took the local environment of ${home} while starting`);
      if (!(await readInitMarker(home))) {
        process.stderr.write('first start: creating the local environment and loading demo data\n');
        const result = await initLocal(runtime, { demo: true, ...(opts.scale ? { scale: opts.scale } : {}), onStep: (m) => process.stderr.write(`  ${m}\n`) });
        printGeneratedAdmin(result.admin);
      }
      const points = await runtime.backups.listRecoveryPoints();
      process.stdout.write(
        [
          `WING Rollback local environment running (state folder ${home})`,
          `  DynamoDB Local: ${runtime.endpoints.dynamodb}`,
          `  S3 (s3rver):    ${runtime.endpoints.s3}`,
          `  recovery points: ${points.length} (newest ${points[0]?.recoveryPointId ?? 'none'})`,
          '  try: npx wing backup:list    npx wing backup:create    npx wing backup:verify',
          '  Ctrl-C stops everything.',
          '',
        ].join('\n'),
      );
      setInterval(() => undefined, 1 << 30);
    } catch (err) {
      process.exitCode = writeError(err, { json: opts.json === true, debug: opts.debug === true });
      process.exit();
    }
  });
}
