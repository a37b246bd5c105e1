/**
 * Retention: which recovery points to keep. The policy keeps the newest `keepLast` points, then the
 * newest point of each of the last N hours, days, ISO weeks and months that have points (UTC),
 * preferring within a period a point that is Completed and verified. Whatever the policy says, it
 * always keeps the newest selectable point (the "previous version" of rollback:quick) and the
 * newest selectable point at least 24 hours old (the target of the emergency rollback), and never
 * touches a point still being taken. Failed points and dead in-progress runs hold no usable data
 * and are removed.
 */
import { isSelectable, type RecoveryPointRecord } from './catalog.js';
import type { RetentionPolicy } from './plan.js';

export interface RetentionDecision {
  readonly recoveryPointId: string;
  readonly keep: boolean;
  readonly reasons: string[];
}

const HOUR = 3_600_000;

function isoWeek(d: Date): string {
  const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  const day = t.getUTCDay() || 7;
  t.setUTCDate(t.getUTCDate() + 4 - day);
  const yearStart = Date.UTC(t.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((t.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return `${t.getUTCFullYear()}-W${week}`;
}

const periods: { name: keyof Omit<RetentionPolicy, 'keepLast'>; bucket: (d: Date) => string }[] = [
  { name: 'hourly', bucket: (d) => d.toISOString().slice(0, 13) },
  { name: 'daily', bucket: (d) => d.toISOString().slice(0, 10) },
  { name: 'weekly', bucket: isoWeek },
  { name: 'monthly', bucket: (d) => d.toISOString().slice(0, 7) },
];

/**
 * Decides for each point. `isLive` says whether an InProgress point's owner is still running.
 */
export function decideRetention(
  points: readonly RecoveryPointRecord[],
  policy: RetentionPolicy,
  now: Date,
  isLive: (point: RecoveryPointRecord) => boolean,
): RetentionDecision[] {
  const reasons = new Map<string, string[]>(points.map((p) => [p.recoveryPointId, []]));
  const keep = (p: RecoveryPointRecord, why: string): void => {
    reasons.get(p.recoveryPointId)?.push(why);
  };
  const newestFirst = [...points].sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
  const usable = newestFirst.filter((p) => p.status !== 'Failed' && p.status !== 'InProgress');

  for (const p of newestFirst) if (p.status === 'InProgress' && isLive(p)) keep(p, 'being taken');
  for (const p of usable.slice(0, policy.keepLast)) keep(p, 'keep-last');

  for (const period of periods) {
    const limit = policy[period.name];
    if (limit <= 0) continue;
    const chosen = new Map<string, RecoveryPointRecord>();
    for (const p of usable) {
      const bucket = period.bucket(new Date(p.createdAt));
      const current = chosen.get(bucket);
      if (!current) {
        if (chosen.size >= limit) continue;
        chosen.set(bucket, p);
      } else if (!isSelectable(current) && isSelectable(p)) {
        chosen.set(bucket, p);
      }
    }
    for (const p of chosen.values()) keep(p, period.name);
  }

  const selectable = usable.filter(isSelectable);
  const newest = selectable[0];
  if (newest) keep(newest, 'newest verified');
  const dayOld = selectable.find((p) => now.getTime() - new Date(p.createdAt).getTime() >= 24 * HOUR);
  if (dayOld) keep(dayOld, 'newest verified at least 24 h old');

  return points.map((p) => {
    const why = reasons.get(p.recoveryPointId) ?? [];
    return { recoveryPointId: p.recoveryPointId, keep: why.length > 0, reasons: why };
  });
}
