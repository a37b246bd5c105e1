/**
 * auth: users, sessions, tokens, revocations and emergency credentials (items carry `kind`). Its
 * checks: at least one emergency credential exists (the break-glass path must survive), at least
 * one administrator (a user with role `admin`) exists, and every session belongs to a user that
 * exists. An administrator brought back by a restore is disabled for review (reconciliation rule
 * 5): it counts as present, and the detail says how many are enabled. Its restores reconcile
 * (auth-reconciliation.ts).
 */
import { decodeItem, encodeItem } from '../core/canonical-item.js';
import type { CheckResult } from '../core/catalog.js';
import { reconcileAuthItem } from './auth-reconciliation.js';
import type { ComponentPlan } from '../core/plan.js';
import { result, type ComponentSemantics } from './component-checks.js';
import { stringAttr, type SnapshotView } from './snapshot-view.js';

export class AuthBackup implements ComponentSemantics {
  readonly kind = 'auth' as const;

  readonly reconcileItem = (point: Buffer | undefined, live: Buffer | undefined): Buffer | undefined => {
    const item = reconcileAuthItem(point && decodeItem(point), live && decodeItem(live));
    return item && encodeItem(item);
  };

  async check(view: SnapshotView, component: ComponentPlan): Promise<CheckResult[]> {
    const users = new Set<string>();
    const sessions: { pk: string; sk: string }[] = [];
    let emergency = 0;
    let admins = 0;
    let enabledAdmins = 0;
    for await (const item of view.items(component.name)) {
      const kind = stringAttr(item, 'kind');
      const pk = stringAttr(item, 'pk') ?? '';
      if (kind === 'user') {
        users.add(pk);
        if (stringAttr(item, 'role') === 'admin') {
          admins += 1;
          const disabled = item.disabled;
          if (!(disabled !== undefined && 'BOOL' in disabled && disabled.BOOL)) enabledAdmins += 1;
        }
      }
      else if (kind === 'session') sessions.push({ pk, sk: stringAttr(item, 'sk') ?? '' });
      else if (kind === 'emergency-credential') emergency += 1;
    }
    const orphans = sessions.filter((s) => !users.has(s.pk)).map((s) => `session ${s.pk}/${s.sk} has no user`);
    return [
      result('emergency-credential-present', component.name, emergency > 0 ? [] : ['no emergency credential'], `${emergency} emergency credential(s)`),
      result('administrator-present', component.name, admins > 0 ? [] : ['no user has the role admin'], `${admins} administrator(s), ${enabledAdmins} enabled`),
      result('sessions-have-users', component.name, orphans, `${sessions.length} sessions of ${users.size} users`),
    ];
  }
}
