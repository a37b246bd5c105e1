/**
 * The rollback log (CONTRACT.md): one line per step, with its time, the step, and `key=value`
 * fields; per-component lines carry `component=<name>`. Locally a file in the state folder
 * (`logs/rollback-<id>.log`); on AWS an S3 object per line beside CloudWatch Logs.
 */

export interface RollbackLogEntry {
  readonly at: Date;
  readonly step: string;
  readonly message: string;
  readonly fields?: Readonly<Record<string, string | number | boolean | undefined>>;
}

/** Port: where the log lines go and how they are read back, in order. */
export interface RollbackLog {
  append(rollbackId: string, entry: RollbackLogEntry): Promise<void>;
  /** The whole log; NotFoundError when there is none. */
  read(rollbackId: string): Promise<string>;
}

/** A value as a log field: quoted when it holds spaces or quotes, so lines stay machine-readable. */
function fieldValue(value: string | number | boolean): string {
  const s = String(value);
  return /^[^\s"=]+$/.test(s) ? s : JSON.stringify(s);
}

export function formatLogLine(entry: RollbackLogEntry): string {
  const fields = Object.entries(entry.fields ?? {})
    .filter((e): e is [string, string | number | boolean] => e[1] !== undefined)
    .map(([k, v]) => `${k}=${fieldValue(v)}`);
  return [entry.at.toISOString(), `step=${entry.step}`, ...fields, entry.message].filter((s) => s !== '').join(' ');
}
