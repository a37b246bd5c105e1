/**
 * Reads the vault's sealed objects back: summaries, pack indexes, manifest runs and packs. Every
 * read authenticates what it returns, so a damaged object surfaces as an IntegrityError naming its
 * key wherever it is read (backup, restore, verify).
 */
import { sha256 } from '../digest.js';
import { IntegrityError, NotFoundError } from '../errors.js';
import { chunkId as computeChunkId, decodeRuns, type Run } from '../manifest-format.js';
import { decodePackIndex, type PackIndex } from '../pack-format.js';
import type { Compressor, KeyService, ObjectStore } from '../ports.js';
import { KeyRing, openObject, SealedKind } from '../sealed-object.js';
import { packObjectId, vaultLayout } from '../vault-layout.js';
import { openSummary, type SnapshotSummary } from './snapshot-summary.js';

export interface VaultDeps {
  readonly store: ObjectStore;
  readonly keys: KeyService;
  readonly compressor: Compressor;
}

export class VaultReader {
  readonly ring: KeyRing;
  private readonly indexCache = new Map<string, Promise<PackIndex>>();

  constructor(private readonly deps: VaultDeps) {
    this.ring = new KeyRing(deps.keys);
  }

  async readSummary(component: string, snapshotId: string): Promise<SnapshotSummary> {
    const storeKey = vaultLayout.snapshotSummary(component, snapshotId);
    const bytes = await this.getOrDamaged(storeKey);
    const summary = await openSummary(bytes, storeKey, this.ring);
    if (summary.snapshotId !== snapshotId || summary.component !== component) {
      throw new IntegrityError(`damaged object ${storeKey}: holds snapshot ${summary.snapshotId}`, storeKey);
    }
    return summary;
  }

  /** The index of a pack (cached: indexes are immutable). */
  readPackIndex(component: string, packId: string): Promise<PackIndex> {
    const cacheKey = `${component}/${packId}`;
    let found = this.indexCache.get(cacheKey);
    if (!found) {
      found = this.loadPackIndex(component, packId);
      found.catch(() => this.indexCache.delete(cacheKey));
      this.indexCache.set(cacheKey, found);
    }
    return found;
  }

  /** The index of a pack, read without caching it (one pass over many indexes). */
  async loadPackIndex(component: string, packId: string): Promise<PackIndex> {
    const storeKey = vaultLayout.packIndex(component, packId);
    const sealed = await this.getOrDamaged(storeKey);
    const compressed = await openObject(sealed, { kind: SealedKind.PackIndex, id: packId, storeKey }, this.ring);
    try {
      return decodePackIndex(await this.deps.compressor.decompress(compressed));
    } catch (err) {
      throw new IntegrityError(`damaged object ${storeKey}: unreadable index`, storeKey, { cause: err });
    }
  }

  /** The decompressed bytes of one generation of a pack (its index names the current one). */
  async readPack(component: string, packId: string, generation: number): Promise<Buffer> {
    const storeKey = vaultLayout.pack(component, packId, generation);
    const sealed = await this.getOrDamaged(storeKey);
    const compressed = await openObject(sealed, { kind: SealedKind.Pack, id: packObjectId(packId, generation), storeKey }, this.ring);
    try {
      return await this.deps.compressor.decompress(compressed);
    } catch (err) {
      throw new IntegrityError(`damaged object ${storeKey}: does not decompress`, storeKey, { cause: err });
    }
  }

  async readManifestChunk(component: string, id: string): Promise<Run[]> {
    const storeKey = vaultLayout.manifestChunk(component, id);
    const sealed = await this.getOrDamaged(storeKey);
    const compressed = await openObject(sealed, { kind: SealedKind.ManifestChunk, id, storeKey }, this.ring);
    const plain = await this.deps.compressor.decompress(compressed).catch((err: unknown) => {
      throw new IntegrityError(`damaged object ${storeKey}: does not decompress`, storeKey, { cause: err });
    });
    if (computeChunkId(plain) !== id) throw new IntegrityError(`damaged object ${storeKey}: content does not match its id`, storeKey);
    return decodeRuns(plain);
  }

  /** All runs of a stream, in order. */
  async readRuns(component: string, chunkIds: readonly string[]): Promise<Run[]> {
    const runs: Run[] = [];
    for (const id of chunkIds) runs.push(...(await this.readManifestChunk(component, id)));
    return runs;
  }

  private async getOrDamaged(storeKey: string): Promise<Buffer> {
    try {
      return await this.deps.store.get(storeKey);
    } catch (err) {
      if (err instanceof NotFoundError) throw new IntegrityError(`missing object ${storeKey}`, storeKey, { cause: err });
      throw err;
    }
  }
}

/** Checks that a record's bytes hash to the digest its index promises. */
export function checkRecordDigest(body: Buffer, digest: Buffer, storeKey: string): void {
  if (!sha256(body).equals(digest)) {
    throw new IntegrityError(`damaged object ${storeKey}: a record does not match its digest`, storeKey);
  }
}
