/**
 * vision-lake: the knowledge store every agent reads, an index table plus document bodies in S3.
 * Its check: every index entry has its document, with the digest the entry records, and every
 * document has an index entry (an orphan body is invisible to agents and means a torn write).
 */
import type { CheckResult } from '../core/catalog.js';
import type { ComponentPlan } from '../core/plan.js';
import { result, type ComponentSemantics } from './component-checks.js';
import { stringAttr, type SnapshotView } from './snapshot-view.js';

export class VisionLakeBackup implements ComponentSemantics {
  readonly kind = 'vision-lake' as const;

  async check(view: SnapshotView, component: ComponentPlan): Promise<CheckResult[]> {
    const documents = new Map<string, string>();
    for await (const obj of view.objectDigests(component.name)) documents.set(obj.key, obj.digest);
    const problems: string[] = [];
    const indexed = new Set<string>();
    let entries = 0;
    for await (const item of view.items(component.name)) {
      const bodyKey = stringAttr(item, 'bodyKey');
      if (bodyKey === undefined) continue;
      entries += 1;
      indexed.add(bodyKey);
      const digest = documents.get(bodyKey);
      if (digest === undefined) problems.push(`index entry ${stringAttr(item, 'pk') ?? '?'} has no document ${bodyKey}`);
      else if (digest !== stringAttr(item, 'digest')) problems.push(`document ${bodyKey} does not match its index digest`);
    }
    for (const key of documents.keys()) if (!indexed.has(key)) problems.push(`document ${key} has no index entry`);
    return [result('index-matches-documents', component.name, problems, `${entries} index entries, ${documents.size} documents agree`)];
  }
}
