/**
 * What every command gets: its output mode, progress on stderr, and the target it works on. A
 * command opens its target lazily, so bad usage is refused before any service starts.
 *
 * Locally the target is the state folder's services (as a temporary owner, or through the live
 * owner's endpoints); with `--target aws` it is the deployed stack, found from its outputs.
 * † commands go through an admin API whenever one runs: the live owner's (`npm start`) or the
 * deployed one.
 *
 * The local runtime, the deployed stack's adapters and the local rollback runner are imported
 * when a command first needs them: the CLI is a process per command (command-runner.ts), and many
 * runs need one target, or none (a refused flag, a rollback run by the owner's admin API).
 */
import { AdminApiClient } from '../api/admin-api-client.js';
import type { AwsTarget } from '../adapters/aws-target.js';
import { ConflictError, ValidationError } from '../core/errors.js';
import type { Plan } from '../core/plan.js';
import { loadLocalPlan } from '../local/local-plan.js';
import type { LocalRollbackOptions } from '../local/local-rollback.js';
import type { LocalRuntime } from '../local/local-runtime.js';
import { assertStateFolderPrivate, resolveWingHome } from '../local/state-folder.js';
import type { RollbackOperations } from '../rollback/rollback-operations.js';
import type { RollbackServices } from '../rollback/rollback-services.js';
import type { OutputOptions } from './output.js';
import { progressOnStderr, type ProgressReporter } from './progress.js';

export interface GlobalFlags {
  readonly target: string;
  readonly json: boolean;
  readonly yes: boolean;
  readonly wait: boolean;
  readonly debug: boolean;
  readonly stack?: string;
  readonly region?: string;
}

/** What read commands use, the same for both targets. */
export interface CommandRuntime {
  readonly plan: Plan;
  readonly backups: RollbackServices['backups'];
  readonly services: RollbackServices;
  close(): Promise<void>;
}

export class CommandContext {
  readonly output: OutputOptions;
  readonly progress: ProgressReporter;
  private local: LocalRuntime | undefined;
  private aws: Promise<AwsTarget> | undefined;

  constructor(readonly flags: GlobalFlags) {
    this.output = { json: flags.json, debug: flags.debug };
    this.progress = progressOnStderr(true);
    // Bad flags are refused before anything starts.
    if (flags.target !== 'local' && flags.target !== 'aws') throw new ValidationError(`--target is local or aws, not "${flags.target}"`);
    if (flags.target === 'local' && (flags.stack !== undefined || flags.region !== undefined)) {
      throw new ValidationError('--stack and --region name a deployed stack: add --target aws');
    }
    // Locally, access to the state folder is the authority: every command (start included) builds
    // this context first, so a folder or key that others can open is refused here, before any
    // prompt or service, even by commands that never decrypt.
    if (flags.target === 'local') assertStateFolderPrivate(resolveWingHome());
  }

  get isAws(): boolean {
    return this.flags.target === 'aws';
  }

  /** The deployed stack (`--target aws`), opened once. */
  private awsTarget(): Promise<AwsTarget> {
    this.aws ??= (async () => {
      const [{ awsRegion, openAwsTarget }, { DEFAULT_STACK_NAME }] = await Promise.all([import('../adapters/aws-target.js'), import('../adapters/stack-outputs.js')]);
      const region = awsRegion(this.flags.region);
      return openAwsTarget({ stackName: this.flags.stack ?? DEFAULT_STACK_NAME, region, plan: await loadLocalPlan(resolveWingHome()) });
    })();
    return this.aws;
  }

  /** The services of the target, for reading (and for unmarked commands). */
  async open(): Promise<CommandRuntime> {
    if (this.isAws) return this.awsTarget();
    return this.openLocal();
  }

  /** The local runtime itself (init, and what only exists locally). */
  async openLocal(options: { createKey?: boolean } = {}): Promise<LocalRuntime> {
    if (this.isAws) throw new ValidationError('this command works on the local state folder only: run it without --target aws');
    if (this.local === undefined) {
      const { openLocalRuntime } = await import('../local/local-runtime.js');
      this.local = await openLocalRuntime({ kind: 'temporary', createKey: options.createKey ?? false });
    }
    return this.local;
  }

  /** The rollback operations of the target (locally with the in-process state machine runner). */
  async operations(options: LocalRollbackOptions = {}): Promise<RollbackOperations> {
    if (this.isAws) return (await this.awsTarget()).operations;
    const { localRollbackOperations } = await import('../local/local-rollback.js');
    return localRollbackOperations(await this.openLocal(), options);
  }

  /**
   * The admin API that † commands go through: the deployed one with --target aws, the live
   * owner's (`npm start`) locally, or none when this command is the owner. A rollback started
   * with --no-wait must outlive the command, so it needs an API to run in.
   */
  async adminApi(): Promise<AdminApiClient | undefined> {
    if (this.isAws) return (await this.awsTarget()).api;
    const { readLiveOwner } = await import('../local/run-owner.js');
    const owner = await readLiveOwner(resolveWingHome());
    const api = owner?.endpoints.api;
    if (owner && owner.lock.kind === 'long-lived' && api === undefined) {
      // Its API is not up yet (first start loads demo data): running here instead would put the
      // rollback in this process and race the start-up.
      throw new ConflictError(`"npm start" (process ${String(owner.lock.pid)}) is still starting: try again when it prints the portal URL`);
    }
    if (api === undefined && !this.flags.wait) {
      throw new ValidationError('--no-wait applies to rollbacks run by a running "npm start" (its admin API runs them after this command returns): start it, or run the command without --no-wait');
    }
    return api === undefined ? undefined : new AdminApiClient(api);
  }

  async close(): Promise<void> {
    this.progress.stop();
    await this.local?.close();
    this.local = undefined;
    const aws = this.aws;
    this.aws = undefined;
    await aws?.then((t) => t.close()).catch(() => undefined);
  }
}
