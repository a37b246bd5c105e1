/**
 * How every command answers: with `--json`, exactly one JSON object on stdout
 * (`{ success: true, ... }` or `{ success: false, error }`); otherwise human text on stdout. Errors
 * are one line on stderr naming what was wrong and what to do, with the contract's exit code; the
 * stack only with `--debug`.
 */
import { ExitCode, exitCodeOf, type ExitCodeValue, WingError } from '../core/errors.js';

export interface OutputOptions {
  readonly json: boolean;
  readonly debug: boolean;
}

/** What a command returns: its JSON fields and the text a person reads. */
export interface CommandResult {
  readonly fields: Record<string, unknown>;
  readonly text: string;
  /** Non-zero when the command ran but its outcome is a failure (verification failed, ...). */
  readonly exitCode?: ExitCodeValue;
  readonly error?: string;
}

export function writeResult(result: CommandResult, options: OutputOptions): ExitCodeValue {
  const code = result.exitCode ?? ExitCode.Success;
  if (options.json) {
    const body = code === ExitCode.Success ? { success: true, ...result.fields } : { success: false, error: result.error ?? 'failed', ...result.fields };
    process.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
  } else if (result.text) {
    process.stdout.write(result.text.endsWith('\n') ? result.text : `${result.text}\n`);
  }
  if (code !== ExitCode.Success && result.error) process.stderr.write(`wing: ${result.error}\n`);
  return code;
}

export function writeError(err: unknown, options: OutputOptions): ExitCodeValue {
  const code = exitCodeOf(err);
  const message = err instanceof Error ? err.message.split('\n')[0] ?? err.message : String(err);
  const known = err instanceof WingError;
  const line = known ? message : `unexpected error: ${message} (run again with --debug for details)`;
  if (options.json) process.stdout.write(`${JSON.stringify({ success: false, error: line })}\n`);
  process.stderr.write(`wing: ${line}\n`);
  if (options.debug && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  return code;
}

/** Bytes for people: 1.2 MB. */
export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = -1;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i += 1;
  }
  return `${v.toFixed(v < 10 ? 2 : 1)} ${units[i] ?? 'TB'}`;
}

/** A plain text table. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}
