/**
 * What every command gets: its output mode, progress on stderr, and the runtime it works on. A
 * command opens the runtime lazily, so bad usage is refused before any service starts.
 */
import { ValidationError } from '../core/errors.js';
import { openLocalRuntime, type LocalRuntime } from '../local/local-runtime.js';
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
    // A rollback started with --no-wait must outlive this command, so it runs in the owner's admin
    // API (npm start); until that exists every command waits.
    if (!flags.wait) throw new ValidationError('--no-wait applies to rollbacks sent to the admin API of a running "npm start", which arrives with the operator-interfaces issue: run the command without --no-wait');
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
