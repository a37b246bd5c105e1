/**
 * The longest time between two runs of a schedule expression (the plan's EventBridge format, in
 * UTC as the local scheduler and Scheduler read it): a rate's interval, or for a cron the longest
 * gap between consecutive runs over a year of them. Monitoring sizes the "no backup for too long"
 * alarm with it.
 */
import { Cron } from 'croner';
import { localSchedule } from '../src/core/schedule-expression.js';

const SAMPLE_FROM = Date.UTC(2025, 0, 1);
const SAMPLE_DAYS = 400;
const MAX_RUNS = 1_000;

/**
 * Seconds; undefined when it cannot be told here (a year field other than `*`, a pattern croner
 * does not read, no run within the sampled year): the caller then watches no staleness.
 */
export function longestIntervalSeconds(expression: string): number | undefined {
  let cron: Cron;
  try {
    const schedule = localSchedule(expression);
    if (schedule.kind === 'rate') return schedule.everyMs / 1000;
    // sloppyRanges: EventBridge's `0/5` (a numeric start before the step) is valid there.
    cron = new Cron(schedule.pattern, { timezone: 'UTC', paused: true, sloppyRanges: true });
  } catch {
    return undefined;
  }
  const end = SAMPLE_FROM + SAMPLE_DAYS * 86_400_000;
  let previous = cron.nextRun(new Date(SAMPLE_FROM));
  let longest = 0;
  for (let i = 0; previous !== null && previous.getTime() < end && i < MAX_RUNS; i += 1) {
    const next = cron.nextRun(previous);
    if (next === null) break;
    longest = Math.max(longest, next.getTime() - previous.getTime());
    previous = next;
  }
  return longest > 0 ? longest / 1000 : undefined;
}
