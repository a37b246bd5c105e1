/**
 * EventBridge schedule expressions of the plan, for the local scheduler: `rate(N unit)` becomes
 * an interval, `cron(min hour day-of-month month day-of-week year)` a five-field cron pattern
 * (croner's syntax). On AWS, EventBridge Scheduler reads the same expressions as they are.
 *
 * Differences handled here: EventBridge numbers the days of the week 1-7 from Sunday where cron
 * uses 0-6; the year field has no cron counterpart, so only `*` is accepted locally.
 */
import { ValidationError } from './errors.js';

export type LocalSchedule = { readonly kind: 'rate'; readonly everyMs: number } | { readonly kind: 'cron'; readonly pattern: string };

const UNIT_MS = { minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;

export function localSchedule(expression: string): LocalSchedule {
  const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression);
  if (rate?.[1] && rate[2]) {
    const n = Number(rate[1]);
    if (n < 1) throw new ValidationError(`${expression}: a rate is at least 1`);
    const unit = rate[2].replace(/s$/, '') as keyof typeof UNIT_MS;
    return { kind: 'rate', everyMs: n * UNIT_MS[unit] };
  }
  const cron = /^cron\((.+)\)$/.exec(expression);
  const fields = cron?.[1]?.trim().split(/\s+/);
  if (fields?.length !== 6) throw new ValidationError(`${expression}: a schedule is rate(N unit) or cron(six fields)`);
  const [minute, hour, dayOfMonth, month, dayOfWeek, year] = fields as [string, string, string, string, string, string];
  if (year !== '*') throw new ValidationError(`${expression}: the local scheduler runs schedules whose year field is *`);
  return { kind: 'cron', pattern: [minute, hour, wildcard(dayOfMonth), month, wildcard(shiftWeekdays(dayOfWeek))].join(' ') };
}

function wildcard(field: string): string {
  return field === '?' ? '*' : field;
}

/** 1-7 (Sunday first) → 0-6; names and `L`/`#` suffixes stay as they are. */
function shiftWeekdays(field: string): string {
  return field.replace(/\b([1-7])\b/g, (d) => String(Number(d) - 1));
}
