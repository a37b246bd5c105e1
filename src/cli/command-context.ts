/**
 * What every command gets: its output mode, progress on stderr, and the runtime it works on. A
 * command opens the runtime lazily, so bad usage is refused before any service starts.
 */
import { ValidationError } from '../core/errors.js';
import { AdminApiClient } from '../api/admin-api-client.js';
import { openLocalRuntime, type LocalRuntime } from '../local/local-runtime.js';
import { readLiveOwner } from '../local/run-owner.js';
import { resolveWingHome } from '../local/state-folder.js';
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

export class CommandContext {
  readonly output: OutputOptions;
  readonly progress: ProgressReporter;
  private runtime: LocalRuntime | undefined;

  constructor(readonly flags: GlobalFlags) {
    this.output = { json: flags.json, debug: flags.debug };
    this.progress = progressOnStderr(true);
    // Bad flags are refused before anything starts.
    if (flags.target !== 'local' && flags.target !== 'aws') throw new ValidationError(`--target is local or aws, not "${flags.target}"`);
    if (flags.target === 'aws') {
      throw new ValidationError('--target aws needs a deployed stack; the AWS target of the CLI arrives with the operator-interfaces issue: use --target local');
    }
  }

  /**
   * The admin API that † commands go through: the live owner's (`npm start`), or none when this
   * command is the owner. A rollback started with --no-wait must outlive the command, so it
   * needs an API to run in.
   */
  async adminApi(): Promise<AdminApiClient | undefined> {
    const owner = await readLiveOwner(resolveWingHome());
    const api = owner?.endpoints.api;
    if (api === undefined && !this.flags.wait) {
      throw new ValidationError('--no-wait applies to rollbacks run by a running "npm start" (its admin API runs them after this command returns): start it, or run the command without --no-wait');
    }
    return api === undefined ? undefined : new AdminApiClient(api);
  }

  async open(options: { createKey?: boolean } = {}): Promise<LocalRuntime> {
    this.runtime ??= await openLocalRuntime({ kind: 'temporary', createKey: options.createKey ?? false });
    return this.runtime;
  }

  async close(): Promise<void> {
    this.progress.stop();
    await this.runtime?.close();
    this.runtime = undefined;
  }
}
