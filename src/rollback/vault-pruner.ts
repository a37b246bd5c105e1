/**
 * Prune: delete every vault object no kept snapshot references, and repack packs that are mostly
 * dead. Runs under the rollback lock (the caller holds it), so it never races a restore.
 *
 * Which snapshots are kept: a recovery-point snapshot while its point is kept; a component or
 * safety snapshot while it is younger than seven days or the newest of its component. A summary of
 * a point that no longer exists (a crashed run) goes, and with it the packs only it referenced.
 *
 * Repack: when less than half of a pack's bytes are referenced by kept snapshots, its live records
 * are rewritten as the pack's next generation, with empty slots where dead records were, so every
 * manifest pointing into it stays valid. The index, which names the generation, is replaced after
 * the new pack is written; the old generation is deleted by the next prune, so a reader that
 * loaded the old index a moment earlier still finds its pack.
 */
import { IntegrityError } from '../core/errors.js';
import type { Catalog } from '../core/catalog.js';
import type { LockGuard } from '../core/rollback-lock.js';
import { encodePackIndex, type PackIndex, type PackIndexInput } from '../core/pack-format.js';
import { openObject, sealObject, sealedObjectKey, SealedKind } from '../core/sealed-object.js';
import { SnapshotReader } from '../core/snapshot/snapshot-reader.js';
import type { SnapshotSummary } from '../core/snapshot/snapshot-summary.js';
import { VaultReader, type VaultDeps } from '../core/snapshot/vault-reader.js';
import { packObjectId, vaultLayout } from '../core/vault-layout.js';

export interface PruneResult {
  readonly deletedObjects: number;
  readonly freedBytes: number;
  readonly deletedSnapshots: string[];
  readonly repackedPacks: number;
}

/** A pack is repacked when less than this share of its bytes is still referenced. */
const REPACK_BELOW_LIVE_SHARE = 0.5;

export class VaultPruner {
  constructor(
    private readonly vault: VaultDeps,
    private readonly catalog: Catalog,
  ) {}

  /** With `dryRun`, reports what would be deleted and repacked and changes nothing. */
  async prune(keptPoints: ReadonlySet<string>, sideCutoffMs: number, dryRun = false, guard?: LockGuard): Promise<PruneResult> {
    const reader = new VaultReader(this.vault);
    const objects = new Map<string, number>();
    for await (const o of this.vault.store.list(vaultLayout.componentsPrefix)) objects.set(o.key, o.size);

    const summaries: SnapshotSummary[] = [];
    const newestSide = new Map<string, string>();
    for (const key of objects.keys()) {
      const m = /^components\/([^/]+)\/snapshots\/(.+)\.json$/.exec(key);
      if (!m?.[1] || !m[2]) continue;
      let s: SnapshotSummary;
      try {
        s = await reader.readSummary(m[1], m[2]);
      } catch (err) {
        // Never prune from a partial view: a damaged summary may be the only reference to live data.
        throw new IntegrityError(`cannot prune: unreadable snapshot summary ${key}; run "npx wing backup:verify --all"`, key, { cause: err });
      }
      summaries.push(s);
      if (s.purpose !== 'recovery-point' && (newestSide.get(s.component) ?? '') < s.snapshotId) newestSide.set(s.component, s.snapshotId);
    }
    const keep = (s: SnapshotSummary): boolean => {
      if (s.purpose === 'recovery-point') return s.recoveryPointId !== null && keptPoints.has(s.recoveryPointId);
      return new Date(s.createdAt).getTime() >= sideCutoffMs || newestSide.get(s.component) === s.snapshotId;
    };

    const referenced = new Set<string>();
    const deletedSnapshots: string[] = [];
    const kept: SnapshotSummary[] = [];
    for (const s of summaries) {
      if (keep(s)) {
        kept.push(s);
        referenced.add(vaultLayout.snapshotSummary(s.component, s.snapshotId));
        for (const stream of s.streams) for (const c of stream.manifestChunks) referenced.add(vaultLayout.manifestChunk(s.component, c));
      } else {
        deletedSnapshots.push(s.snapshotId);
        if (!dryRun) await this.catalog.deleteSnapshot(s.component, s.snapshotId);
      }
    }

    const repackedPacks = await this.markPacks(kept, reader, referenced, dryRun, guard);

    let freedBytes = 0;
    const toDelete: string[] = [];
    for (const [key, size] of objects) {
      if (referenced.has(key)) continue;
      toDelete.push(key);
      freedBytes += size;
    }
    guard?.assertHeld();
    if (!dryRun) await this.vault.store.delete(toDelete);
    return { deletedObjects: toDelete.length, freedBytes, deletedSnapshots, repackedPacks };
  }

  /**
   * Marks every pack generation and index the kept snapshots need as referenced, repacking the
   * packs that are mostly dead. Returns how many were repacked.
   */
  private async markPacks(kept: readonly SnapshotSummary[], reader: VaultReader, referenced: Set<string>, dryRun: boolean, guard: LockGuard | undefined): Promise<number> {
    const snapshotReader = new SnapshotReader(reader);
    // Live positions of every referenced pack, from the manifests of the kept snapshots.
    const live = new Map<string, { component: string; packId: string; positions: Set<number> }>();
    for (const s of kept) {
      for (const packId of s.packs) {
        const key = `${s.component}/${packId}`;
        if (!live.has(key)) live.set(key, { component: s.component, packId, positions: new Set() });
      }
      for (const stream of s.streams) {
        for (const run of await snapshotReader.runs(s, stream)) {
          const entry = live.get(`${s.component}/${run.packId}`);
          for (let p = run.start; entry && p < run.start + run.count; p++) entry.positions.add(p);
        }
      }
    }
    let repacked = 0;
    for (const { component, packId, positions } of live.values()) {
      const index = await reader.readPackIndex(component, packId);
      referenced.add(vaultLayout.packIndex(component, packId));
      referenced.add(vaultLayout.pack(component, packId, index.generation));
      let liveBytes = 0;
      for (const p of positions) liveBytes += index.length(p);
      const deadRecords = [...Array(index.count).keys()].some((p) => index.isLive(p) && !positions.has(p));
      if (!deadRecords || liveBytes >= index.packLength * REPACK_BELOW_LIVE_SHARE) continue;
      const next = index.generation + 1;
      guard?.assertHeld();
      if (!dryRun) await this.repack(component, packId, index, next, positions, reader);
      referenced.add(vaultLayout.pack(component, packId, next));
      repacked += 1;
    }
    return repacked;
  }

  private async repack(component: string, packId: string, index: PackIndex, next: number, positions: ReadonlySet<number>, reader: VaultReader): Promise<void> {
    // One download: the sealed pack gives both its data key (to reseal the next generation under
    // the same snapshot key) and its records.
    const storeKey = vaultLayout.pack(component, packId, index.generation);
    const sealed = await this.vault.store.get(storeKey);
    const key = await sealedObjectKey(sealed, storeKey, reader.ring);
    const compressed = await openObject(sealed, { kind: SealedKind.Pack, id: packObjectId(packId, index.generation), storeKey }, reader.ring);
    const data = await this.vault.compressor.decompress(compressed);
    if (data.length !== index.packLength) throw new IntegrityError(`damaged object ${storeKey}: size does not match its index`, storeKey);
    const parts: Buffer[] = [];
    const entries: PackIndexInput[] = [];
    for (let p = 0; p < index.count; p++) {
      if (!positions.has(p) || !index.isLive(p)) {
        entries.push({ dead: true });
        continue;
      }
      parts.push(data.subarray(index.offset(p), index.offset(p) + index.length(p)));
      entries.push({ key: index.key(p), digest: index.digest(p), length: index.length(p), fingerprint: index.fingerprint(p) });
    }
    const pack = sealObject(SealedKind.Pack, packObjectId(packId, next), key, await this.vault.compressor.compress(Buffer.concat(parts)));
    const packIndex = sealObject(SealedKind.PackIndex, packId, key, await this.vault.compressor.compress(encodePackIndex(entries, next)));
    await this.vault.store.put(vaultLayout.pack(component, packId, next), pack);
    await this.vault.store.put(vaultLayout.packIndex(component, packId), packIndex);
  }
}
