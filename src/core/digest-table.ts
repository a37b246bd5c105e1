/**
 * A compact map from record digest to where the record is stored (pack, position). A backup holds
 * one entry for every record of the parent snapshot and of its own, so a JS Map of strings and
 * objects (about 130 bytes an entry) would make memory grow with the table; this open-addressing
 * table keeps about 50 bytes an entry in a few typed arrays. Digests are sha256 values, uniformly
 * distributed, so their first bytes serve as the hash.
 */
import { DIGEST_BYTES } from './digest.js';

export interface DigestLocation {
  readonly packId: string;
  readonly position: number;
}

export class DigestTable {
  private slots = new Uint32Array(1 << 12);
  private digests = Buffer.allocUnsafe(1024 * DIGEST_BYTES);
  private packRefs = new Uint32Array(1024);
  private positions = new Uint32Array(1024);
  private readonly packIds: string[] = [];
  private readonly packNumbers = new Map<string, number>();
  private size = 0;

  get count(): number {
    return this.size;
  }

  get(digest: Buffer): DigestLocation | undefined {
    const i = this.find(digest);
    if (i < 0) return undefined;
    return { packId: this.packIds[this.packRefs[i] ?? 0] ?? '', position: this.positions[i] ?? 0 };
  }

  /** Adds a digest; a digest already present keeps its first location. */
  set(digest: Buffer, location: DigestLocation): void {
    if (this.find(digest) >= 0) return;
    if ((this.size + 1) * 2 > this.slots.length) this.growSlots();
    if (this.size >= this.packRefs.length) this.growEntries();
    let pack = this.packNumbers.get(location.packId);
    if (pack === undefined) {
      pack = this.packIds.length;
      this.packIds.push(location.packId);
      this.packNumbers.set(location.packId, pack);
    }
    const entry = this.size++;
    digest.copy(this.digests, entry * DIGEST_BYTES, 0, DIGEST_BYTES);
    this.packRefs[entry] = pack;
    this.positions[entry] = location.position;
    this.insertSlot(entry);
  }

  private find(digest: Buffer): number {
    const mask = this.slots.length - 1;
    for (let s = digest.readUInt32LE(0) & mask; ; s = (s + 1) & mask) {
      const slot = this.slots[s] ?? 0;
      if (slot === 0) return -1;
      const entry = slot - 1;
      if (this.digests.compare(digest, 0, DIGEST_BYTES, entry * DIGEST_BYTES, (entry + 1) * DIGEST_BYTES) === 0) return entry;
    }
  }

  private insertSlot(entry: number): void {
    const mask = this.slots.length - 1;
    let s = this.digests.readUInt32LE(entry * DIGEST_BYTES) & mask;
    while ((this.slots[s] ?? 0) !== 0) s = (s + 1) & mask;
    this.slots[s] = entry + 1;
  }

  private growSlots(): void {
    this.slots = new Uint32Array(this.slots.length * 2);
    for (let e = 0; e < this.size; e++) this.insertSlot(e);
  }

  private growEntries(): void {
    const capacity = this.packRefs.length * 2;
    const digests = Buffer.allocUnsafe(capacity * DIGEST_BYTES);
    this.digests.copy(digests, 0, 0, this.size * DIGEST_BYTES);
    this.digests = digests;
    const refs = new Uint32Array(capacity);
    refs.set(this.packRefs);
    this.packRefs = refs;
    const positions = new Uint32Array(capacity);
    positions.set(this.positions);
    this.positions = positions;
  }
}
