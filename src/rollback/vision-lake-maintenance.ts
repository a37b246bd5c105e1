/**
 * Vision-lake maintenance: `vision-lake:status`, `vision-lake:verify` and `resync:vision-lake`.
 *
 * The vision-lake component is an index table plus document bodies in S3. An index entry is an
 * item with a `bodyKey` (the body's key relative to its S3 source's prefix) and the body's SHA-256
 * in `digest`. Index and documents agree when every entry's body exists with that digest and every
 * body has an entry: the `index-matches-documents` check of VisionLakeBackup, which decides the
 * component's health and a recovery point's cross-component check. This module judges by the same
 * rule, but keeps what it found as data (which entry, which body) so that it can count and repair.
 *
 * One pass reads the documents (a digest is of the body, so bodies must be read) keeping a few
 * facts per document, then streams the index past them; only faulty entries are kept whole. The
 * same pass compares every live record's digest with the manifest of the last backup, for the drift
 * since it: keys and digests only, no pack is read.
 *
 * Resync rebuilds the index from the documents, never the reverse: an entry can be derived from a
 * body, a body cannot be derived from an entry. An entry whose body is gone is therefore an orphan
 * that resync cannot repair: it is kept unless the operator says `--force` (restoring the body from
 * a backup, `repair:component`, is the other way out). Every change is idempotent, so a resync
 * that stopped half-way is simply run again.
 */
import type { ComponentSources, LiveStream } from '../adapters/component-sources.js';
import { stringAttr } from '../components/snapshot-view.js';
import { decodeItem, encodeItem, encodeItemKey, type TypedItem } from '../core/canonical-item.js';
import { decodeObject, type ObjectRecord } from '../core/canonical-object.js';
import type { RecoveryPointRecord, RecoveryPointStatus } from '../core/catalog.js';
import { sha256, sha256Hex } from '../core/digest.js';
import { asError, IntegrityError, ValidationError, WingError } from '../core/errors.js';
import type { ComponentPlan, Plan } from '../core/plan.js';
import type { Clock } from '../core/ports.js';
import { sanitizeItem } from '../core/sanitization.js';
import type { SnapshotRecord } from '../core/snapshot/record-stream.js';
import { SnapshotReader } from '../core/snapshot/snapshot-reader.js';
import { VaultReader, type VaultDeps } from '../core/snapshot/vault-reader.js';

/** What maintenance reads and writes: the plan's vision-lake sources, the catalog, the vault. */
export interface VisionLakeMaintenanceDeps {
  readonly plan: Plan;
  readonly sources: ComponentSources;
  /** Recovery points, newest first (the BackupManager's catalog view). */
  readonly backups: { listRecoveryPoints(): Promise<RecoveryPointRecord[]> };
  /**
   * The vault, to compare the live data with the last backup's manifest. Without it (a caller
   * that has no keys, such as the admin API's resync) status reports no drift.
   */
  readonly vault?: VaultDeps | undefined;
  readonly clock: Clock;
}

/** Progress of a pass: records read so far in each phase. */
export interface MaintenanceProgress {
  readonly phase: 'backup' | 'documents' | 'index';
  readonly done: number;
}

export interface MaintenanceOptions {
  readonly onProgress?: ((p: MaintenanceProgress) => void) | undefined;
}

/** What an index entry can be checked against: a few facts of one document body. */
export interface DocumentFacts {
  /** Key relative to the S3 source's prefix, as entries' `bodyKey` name it. */
  readonly key: string;
  readonly digest: string;
  readonly size: number;
  readonly contentType: string | undefined;
  readonly metadata: Readonly<Record<string, string>>;
  /** The first Markdown heading, when the body starts like a Markdown document. */
  readonly title: string | undefined;
}

/** An index item that names a document body. */
export interface IndexEntry {
  /** The index table's stream name (its table name). */
  readonly table: string;
  readonly recordKey: Buffer;
  readonly item: TypedItem;
  readonly pk: string;
  readonly bodyKey: string;
  readonly digest: string | undefined;
}

/** Where index and documents disagree. */
export interface IndexFindings {
  readonly entries: number;
  readonly documents: number;
  /** Entries whose body does not exist. */
  readonly orphans: readonly IndexEntry[];
  /** Bodies no entry names. */
  readonly unindexed: readonly DocumentFacts[];
  /** Entries whose `digest` is not their body's SHA-256. */
  readonly mismatched: readonly { readonly entry: IndexEntry; readonly document: DocumentFacts }[];
}

export interface DriftCounts {
  readonly added: number;
  readonly changed: number;
  readonly deleted: number;
  readonly unchanged: number;
}

/** The newest recovery point with a snapshot of the component. */
export interface LastBackup {
  readonly recoveryPointId: string;
  readonly snapshotId: string;
  readonly createdAt: string;
  readonly status: RecoveryPointStatus;
  readonly verified: boolean;
  /** Records of the snapshot: index items and documents together. */
  readonly items: number;
}

export interface VisionLakeStatus {
  readonly component: string;
  readonly checkedAt: string;
  readonly inSync: boolean;
  readonly entries: number;
  readonly documents: number;
  readonly entriesWithoutDocument: number;
  readonly documentsWithoutEntry: number;
  readonly digestMismatches: number;
  /** The first few problems, in the health check's words. */
  readonly problems: readonly string[];
  readonly lastBackup: LastBackup | null;
  /** Index items and documents changed since the last backup; null when it could not be computed. */
  readonly drift: { readonly items: DriftCounts; readonly documents: DriftCounts } | null;
  /** Why there is no drift (no backup, no vault access, a damaged backup). */
  readonly driftNote: string | null;
}

export interface VisionLakeVerification {
  readonly component: string;
  readonly checkedAt: string;
  readonly entries: number;
  readonly documents: number;
}

export interface ResyncReport {
  readonly component: string;
  /** Entries and documents before the resync. */
  readonly entries: number;
  readonly documents: number;
  readonly created: number;
  readonly updated: number;
  readonly orphansRemoved: number;
  readonly orphansKept: number;
  /** The first few orphan entries (removed or kept), as `pk -> bodyKey`. */
  readonly orphans: readonly string[];
  /** Documents left without an entry because the entry they would get exists for another body. */
  readonly conflicts: readonly string[];
}

/** Problems named in an error line: enough to act on, short enough to read. */
const NAMED_IN_ERROR = 3;
/** Problems listed by status. */
const LISTED = 20;
/** The sort key of a document's index entry (the demo's and WING's convention: `DOC#<id>` / `META`). */
const ENTRY_SK = 'META';
const ENTRY_PK_PREFIX = 'DOC#';
/** Points whose snapshots were taken whole; a Corrupt or Failed one cannot be compared with. */
const COMPARABLE: ReadonlySet<RecoveryPointStatus> = new Set(['Completed', 'PartiallyFailed', 'Inconsistent']);

/** The plan's one component of kind vision-lake (its name and sources come from the plan). */
export function visionLakeComponent(plan: Plan): ComponentPlan {
  const found = plan.components.filter((c) => c.kind === 'vision-lake');
  if (found.length !== 1 || !found[0]) {
    throw new ValidationError(`the vision-lake commands need exactly one component of kind vision-lake in the plan (found ${String(found.length)}): see "npx wing plan:show"`);
  }
  return found[0];
}

/** The first Markdown heading of a body, from its first kilobyte (titles are short). */
function titleOf(body: Buffer): string | undefined {
  const heading = /^#[ \t]+(.+)$/m.exec(body.subarray(0, 1024).toString('utf8'));
  return heading?.[1]?.trim().slice(0, 200) || undefined;
}

export function documentFacts(obj: ObjectRecord): DocumentFacts {
  return { key: obj.key, digest: sha256Hex(obj.body), size: obj.body.length, contentType: obj.contentType, metadata: obj.metadata, title: titleOf(obj.body) };
}

/** The document id: the body's `doc-id` metadata, else its file name without extension. */
export function documentIdOf(document: DocumentFacts): string {
  const fromMetadata = document.metadata['doc-id'];
  if (fromMetadata) return fromMetadata;
  const name = document.key.slice(document.key.lastIndexOf('/') + 1);
  return name.replace(/\.[^.]*$/, '') || document.key;
}

/**
 * The index entry of a document that has none: what the body itself tells (key, digest, size,
 * content type, version and title when the body carries them), marked `resyncedAt` so that an
 * operator can find the entries that were rebuilt rather than written by WING.
 */
export function indexEntryFor(document: DocumentFacts, at: Date): TypedItem {
  const docId = documentIdOf(document);
  const item: TypedItem = {
    pk: { S: `${ENTRY_PK_PREFIX}${docId}` },
    sk: { S: ENTRY_SK },
    docId: { S: docId },
    bodyKey: { S: document.key },
    digest: { S: document.digest },
    size: { N: String(document.size) },
    resyncedAt: { S: at.toISOString() },
  };
  if (document.contentType) item.contentType = { S: document.contentType };
  if (document.title) item.title = { S: document.title };
  const version = document.metadata.version;
  if (version !== undefined && /^\d{1,15}$/.test(version)) item.version = { N: String(Number(version)) };
  return item;
}

/** An entry brought back in line with its body: the body's digest (and size, if it records one). */
export function entryMatching(entry: IndexEntry, document: DocumentFacts, at: Date): TypedItem {
  const item: TypedItem = { ...entry.item, digest: { S: document.digest }, resyncedAt: { S: at.toISOString() } };
  if (item.size !== undefined) item.size = { N: String(document.size) };
  return item;
}

/** Every problem, in the words of the health check's `index-matches-documents`. */
export function problemsOf(findings: IndexFindings): string[] {
  return [
    ...findings.orphans.map((e) => `index entry ${e.pk} has no document ${e.bodyKey}`),
    ...findings.mismatched.map((m) => `document ${m.document.key} does not match its index digest`),
    ...findings.unindexed.map((d) => `document ${d.key} has no index entry`),
  ];
}

function problemCount(findings: IndexFindings): number {
  return findings.orphans.length + findings.mismatched.length + findings.unindexed.length;
}

function occupancyKey(table: string, recordKey: Buffer): string {
  return `${table}\u0000${recordKey.toString('latin1')}`;
}

/**
 * Compares index items, streamed, with the documents read before. Keeps the key of every index
 * item (a rebuilt entry must never overwrite one) and the faulty entries whole, nothing more.
 */
export class IndexDocumentComparison {
  private readonly indexed = new Set<string>();
  private readonly occupied = new Set<string>();
  private readonly orphans: IndexEntry[] = [];
  private readonly mismatched: { entry: IndexEntry; document: DocumentFacts }[] = [];
  private entries = 0;

  constructor(private readonly documents: ReadonlyMap<string, DocumentFacts>) {}

  addItem(table: string, recordKey: Buffer, item: TypedItem): void {
    this.occupied.add(occupancyKey(table, recordKey));
    const bodyKey = stringAttr(item, 'bodyKey');
    // Items without a body key are not entries (the health check skips them too).
    if (bodyKey === undefined) return;
    this.entries += 1;
    this.indexed.add(bodyKey);
    const document = this.documents.get(bodyKey);
    const digest = stringAttr(item, 'digest');
    if (document !== undefined && document.digest === digest) return;
    const entry: IndexEntry = { table, recordKey, item, pk: stringAttr(item, 'pk') ?? '?', bodyKey, digest };
    if (document === undefined) this.orphans.push(entry);
    else this.mismatched.push({ entry, document });
  }

  /** Whether an index table holds an item under this key already. */
  isOccupied(table: string, recordKey: Buffer): boolean {
    return this.occupied.has(occupancyKey(table, recordKey));
  }

  findings(): IndexFindings {
    const unindexed = [...this.documents.values()].filter((d) => !this.indexed.has(d.key));
    return { entries: this.entries, documents: this.documents.size, orphans: this.orphans, unindexed, mismatched: this.mismatched };
  }
}

/**
 * Counts one stream's drift from a snapshot: each live record is looked up by key in the
 * snapshot's manifest (key → record digest); what is left over at the end was deleted since.
 */
export class DriftCounter {
  private readonly remaining: Map<string, Buffer>;
  private added = 0;
  private changed = 0;
  private unchanged = 0;

  constructor(
    readonly type: 'dynamodb' | 's3',
    expected: Map<string, Buffer> = new Map<string, Buffer>(),
  ) {
    this.remaining = expected;
  }

  observe(key: Buffer, digest: Buffer): void {
    const k = key.toString('latin1');
    const want = this.remaining.get(k);
    if (want === undefined) {
      this.added += 1;
      return;
    }
    this.remaining.delete(k);
    if (want.equals(digest)) this.unchanged += 1;
    else this.changed += 1;
  }

  counts(): DriftCounts {
    return { added: this.added, changed: this.changed, deleted: this.remaining.size, unchanged: this.unchanged };
  }
}

function sumDrift(counters: Iterable<DriftCounter>, type: 'dynamodb' | 's3'): DriftCounts {
  let added = 0;
  let changed = 0;
  let deleted = 0;
  let unchanged = 0;
  for (const counter of counters) {
    if (counter.type !== type) continue;
    const c = counter.counts();
    added += c.added;
    changed += c.changed;
    deleted += c.deleted;
    unchanged += c.unchanged;
  }
  return { added, changed, deleted, unchanged };
}

/** One read of the component: its streams and where index and documents disagree. */
interface Inspection {
  readonly streams: readonly LiveStream[];
  readonly comparison: IndexDocumentComparison;
  readonly findings: IndexFindings;
}

/** A record key of a new entry in `stream`, or a ValidationError when the table is keyed otherwise. */
function entryRecordKey(stream: LiveStream, item: TypedItem): Buffer {
  const keyNames: unknown = stream.descriptor.keyNames;
  const names = Array.isArray(keyNames) ? keyNames.filter((n): n is string => typeof n === 'string') : [];
  if (names.length === 0 || names.some((n) => n !== 'pk' && n !== 'sk')) {
    throw new ValidationError(`the index table ${stream.descriptor.name} is keyed by ${names.join(', ') || 'unknown attributes'}: resync builds entries keyed by pk and sk`);
  }
  return encodeItemKey(item, names);
}

export class VisionLakeMaintenance {
  constructor(private readonly deps: VisionLakeMaintenanceDeps) {}

  /** The component this works on (from the plan by kind). */
  get component(): ComponentPlan {
    return visionLakeComponent(this.deps.plan);
  }

  /** Sync state, the last backup and the drift since it; changes nothing. */
  async status(options: MaintenanceOptions = {}): Promise<VisionLakeStatus> {
    const component = this.component;
    const checkedAt = this.deps.clock.now().toISOString();
    const lastBackup = await this.lastBackup(component);
    const baseline = await this.driftBaseline(component, lastBackup, options);
    const { findings } = await this.inspect(component, options, baseline.counters);
    const drift = baseline.counters ? { items: sumDrift(baseline.counters.values(), 'dynamodb'), documents: sumDrift(baseline.counters.values(), 's3') } : null;
    return {
      component: component.name,
      checkedAt,
      inSync: problemCount(findings) === 0,
      entries: findings.entries,
      documents: findings.documents,
      entriesWithoutDocument: findings.orphans.length,
      documentsWithoutEntry: findings.unindexed.length,
      digestMismatches: findings.mismatched.length,
      problems: problemsOf(findings).slice(0, LISTED),
      lastBackup,
      drift,
      driftNote: baseline.note,
    };
  }

  /**
   * Every entry's body exists and hashes to the entry's digest, every body has an entry; an
   * IntegrityError (exit 5) naming the first damaged keys otherwise.
   */
  async verify(options: MaintenanceOptions = {}): Promise<VisionLakeVerification> {
    const component = this.component;
    const checkedAt = this.deps.clock.now().toISOString();
    const { findings } = await this.inspect(component, options);
    const problems = problemsOf(findings);
    if (problems.length > 0) {
      const firstKey = findings.orphans[0]?.bodyKey ?? findings.mismatched[0]?.document.key ?? findings.unindexed[0]?.key;
      const more = problems.length > NAMED_IN_ERROR ? ` and ${String(problems.length - NAMED_IN_ERROR)} more` : '';
      throw new IntegrityError(
        `${component.name}: ${String(problems.length)} problem(s) between index and documents: ${problems.slice(0, NAMED_IN_ERROR).join('; ')}${more}; ` +
          '"npx wing resync:vision-lake" rebuilds the index from the documents, "npx wing repair:component --component=' + component.name + '" restores both from the newest verified backup',
        firstKey,
      );
    }
    return { component: component.name, checkedAt, entries: findings.entries, documents: findings.documents };
  }

  /**
   * Rebuilds the index from the documents: an entry for every body without one, the body's digest
   * for every entry that records another, and orphans removed with `force` (kept otherwise). The
   * caller holds the rollback lock (RollbackOperations.changeAs).
   */
  async resync(options: MaintenanceOptions & { readonly force: boolean }): Promise<ResyncReport> {
    const component = this.component;
    const { streams, comparison, findings } = await this.inspect(component, options);
    const at = this.deps.clock.now();
    const writes = new Map<LiveStream, SnapshotRecord[]>();
    const queue = (stream: LiveStream, key: Buffer, item: TypedItem): void => {
      const list = writes.get(stream) ?? [];
      list.push({ key, body: encodeItem(item) });
      writes.set(stream, list);
    };
    for (const { entry, document } of findings.mismatched) queue(this.streamNamed(streams, entry.table), entry.recordKey, entryMatching(entry, document, at));
    const conflicts: string[] = [];
    let created = 0;
    if (findings.unindexed.length > 0) {
      const target = this.entryTable(component, streams);
      const planned = new Set<string>();
      for (const document of findings.unindexed) {
        const item = indexEntryFor(document, at);
        const key = entryRecordKey(target, item);
        const k = key.toString('latin1');
        if (comparison.isOccupied(target.descriptor.name, key) || planned.has(k)) {
          conflicts.push(`document ${document.key} would get the entry ${stringAttr(item, 'pk') ?? '?'}, which exists already for another body`);
          continue;
        }
        planned.add(k);
        queue(target, key, item);
        created += 1;
      }
    }
    for (const [stream, records] of writes) await stream.write(records);
    if (options.force) await this.removeOrphans(streams, findings.orphans);
    return {
      component: component.name,
      entries: findings.entries,
      documents: findings.documents,
      created,
      updated: findings.mismatched.length,
      orphansRemoved: options.force ? findings.orphans.length : 0,
      orphansKept: options.force ? 0 : findings.orphans.length,
      orphans: findings.orphans.slice(0, LISTED).map((e) => `${e.pk} -> ${e.bodyKey}`),
      conflicts,
    };
  }

  private async removeOrphans(streams: readonly LiveStream[], orphans: readonly IndexEntry[]): Promise<void> {
    const byTable = new Map<string, Buffer[]>();
    for (const orphan of orphans) byTable.set(orphan.table, [...(byTable.get(orphan.table) ?? []), orphan.recordKey]);
    for (const [table, keys] of byTable) await this.streamNamed(streams, table).delete(keys);
  }

  /** The table new entries go to: the component's one DynamoDB source. */
  private entryTable(component: ComponentPlan, streams: readonly LiveStream[]): LiveStream {
    const tables = streams.filter((s) => s.descriptor.type === 'dynamodb');
    if (tables.length !== 1 || !tables[0]) {
      throw new ValidationError(`${component.name} has ${String(tables.length)} DynamoDB sources: resync needs exactly one index table to add entries to`);
    }
    return tables[0];
  }

  private streamNamed(streams: readonly LiveStream[], name: string): LiveStream {
    const found = streams.find((s) => s.descriptor.name === name);
    if (!found) throw new WingError(`the index table ${name} disappeared from the component's sources during the resync`);
    return found;
  }

  /** The newest point whose snapshot of the component can be compared with. */
  async lastBackup(component: ComponentPlan = this.component): Promise<LastBackup | null> {
    for (const point of await this.deps.backups.listRecoveryPoints()) {
      if (!COMPARABLE.has(point.status)) continue;
      const ref = point.snapshots.find((s) => s.component === component.name);
      if (!ref) continue;
      return { recoveryPointId: point.recoveryPointId, snapshotId: ref.snapshotId, createdAt: point.createdAt, status: point.status, verified: point.verifiedAt !== null, items: ref.items };
    }
    return null;
  }

  /**
   * A drift counter per source of the backup's snapshot, loaded with its manifest's keys and
   * digests, or why there is none. A damaged backup does not fail the status: it is reported.
   */
  private async driftBaseline(component: ComponentPlan, backup: LastBackup | null, options: MaintenanceOptions): Promise<{ counters: Map<string, DriftCounter> | undefined; note: string | null }> {
    if (!backup) return { counters: undefined, note: `no recovery point holds a snapshot of ${component.name}` };
    const vault = this.deps.vault;
    if (!vault) return { counters: undefined, note: 'the vault cannot be read from here, so the drift was not computed' };
    try {
      const vaultReader = new VaultReader(vault);
      const reader = new SnapshotReader(vaultReader);
      const summary = await vaultReader.readSummary(component.name, backup.snapshotId);
      const counters = new Map<string, DriftCounter>();
      let loaded = 0;
      for (const stream of summary.streams) {
        if (stream.source.type === 'file') continue;
        const expected = new Map<string, Buffer>();
        for await (const record of reader.expectedRecords(summary, stream)) {
          expected.set(record.key.toString('latin1'), record.digest);
          loaded += 1;
          if (loaded % 1000 === 0) options.onProgress?.({ phase: 'backup', done: loaded });
        }
        counters.set(stream.source.name, new DriftCounter(stream.source.type, expected));
      }
      return { counters, note: null };
    } catch (err) {
      if (!(err instanceof WingError)) throw err;
      return { counters: undefined, note: `the snapshot ${backup.snapshotId} could not be read: ${err.message}` };
    }
  }

  /**
   * Reads the documents, then the index, comparing them; each live record also goes to its
   * source's drift counter when there are counters.
   */
  private async inspect(component: ComponentPlan, options: MaintenanceOptions, counters?: Map<string, DriftCounter>): Promise<Inspection> {
    const streams = await this.openStreams(component);
    const counterOf = (stream: LiveStream): DriftCounter | undefined => {
      if (!counters || stream.descriptor.type === 'file') return undefined;
      let counter = counters.get(stream.descriptor.name);
      if (!counter) {
        // A source the snapshot did not have: all of it was added since.
        counter = new DriftCounter(stream.descriptor.type);
        counters.set(stream.descriptor.name, counter);
      }
      return counter;
    };
    const documents = new Map<string, DocumentFacts>();
    for (const stream of streams.filter((s) => s.descriptor.type === 's3')) {
      const counter = counterOf(stream);
      await this.scan(component, stream, (record) => {
        const document = documentFacts(decodeObject(record.body));
        documents.set(document.key, document);
        counter?.observe(record.key, sha256(record.body));
        options.onProgress?.({ phase: 'documents', done: documents.size });
      });
    }
    const comparison = new IndexDocumentComparison(documents);
    let items = 0;
    for (const stream of streams.filter((s) => s.descriptor.type === 'dynamodb')) {
      const counter = counterOf(stream);
      await this.scan(component, stream, (record) => {
        const item = decodeItem(record.body);
        comparison.addItem(stream.descriptor.name, record.key, item);
        counter?.observe(record.key, this.itemDigest(component, record.body, item));
        items += 1;
        options.onProgress?.({ phase: 'index', done: items });
      });
    }
    return { streams, comparison, findings: comparison.findings() };
  }

  /** The digest a backup would record for a live item: of its sanitized form when the plan sanitizes. */
  private itemDigest(component: ComponentPlan, body: Buffer, item: TypedItem): Buffer {
    return component.sanitize.length === 0 ? sha256(body) : sha256(encodeItem(sanitizeItem(item, component.sanitize)));
  }

  private async openStreams(component: ComponentPlan): Promise<LiveStream[]> {
    try {
      return await this.deps.sources.streams(component);
    } catch (err) {
      throw new WingError(`cannot open the sources of component "${component.name}": ${asError(err).message}`, { cause: err });
    }
  }

  /** Every record of one stream; a read failure names the source and the component (the SDK's rarely do). */
  private async scan(component: ComponentPlan, stream: LiveStream, visit: (record: SnapshotRecord) => void): Promise<void> {
    try {
      for await (const batch of stream.scan()) for (const record of batch) visit(record);
    } catch (err) {
      throw new WingError(`cannot read ${stream.descriptor.name} of component "${component.name}": ${asError(err).message}`, { cause: err });
    }
  }
}

/** The audit trail's and the CLI's one-line account of a resync. */
export function describeResync(report: ResyncReport): string {
  const conflicts = report.conflicts.length > 0 ? `, ${String(report.conflicts.length)} document(s) left without an entry (conflict)` : '';
  return `${report.component}: ${String(report.created)} entr(ies) created, ${String(report.updated)} updated, ${String(report.orphansRemoved)} orphan(s) removed, ${String(report.orphansKept)} kept${conflicts}`;
}
