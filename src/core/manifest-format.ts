/**
 * Manifests. A stream's manifest is its records in order, each addressed by (pack, position). It
 * is stored as runs -- (pack id, first position, count) -- because consecutive records of a stream
 * sit at consecutive positions of one pack: a full backup is one run per pack, and a 1 % scattered
 * change adds about two runs per changed record. Keys and digests are not repeated here; they live
 * once in the pack indexes.
 *
 * The run list is cut into chunks at content-defined boundaries (a run whose hash ends in enough
 * zero bits closes a chunk), so an unchanged stretch of runs yields the same chunk, with the same
 * id (sha256 of its bytes), as in the parent snapshot and is stored once. A change only rewrites
 * the chunks around it.
 */
import { createHash } from 'node:crypto';
import { IntegrityError } from './errors.js';
import { PACK_ID_BYTES } from './pack-format.js';
import { ByteReader, ByteWriter } from './varint.js';

export interface Run {
  readonly packId: string;
  readonly start: number;
  readonly count: number;
}

/** Average runs per chunk is 2^CHUNK_BITS; bounded to keep chunks neither tiny nor huge. */
const CHUNK_BITS = 5;
const MIN_RUNS = 4;
const MAX_RUNS = 512;

/** Builds runs from record locations, in stream order. */
export class RunBuilder {
  private current: { packId: string; start: number; count: number } | undefined;
  private readonly runs: Run[] = [];

  add(packId: string, position: number): void {
    const c = this.current;
    if (c?.packId === packId && c.start + c.count === position) {
      c.count += 1;
      return;
    }
    if (c) this.runs.push(c);
    this.current = { packId, start: position, count: 1 };
  }

  finish(): Run[] {
    if (this.current) this.runs.push(this.current);
    this.current = undefined;
    return this.runs;
  }
}

function encodeRun(w: ByteWriter, run: Run): void {
  w.bytes(Buffer.from(run.packId, 'hex'));
  w.varint(run.start);
  w.varint(run.count);
}

function isBoundary(run: Run): boolean {
  const h = createHash('sha256').update(run.packId).update(`:${run.start}:${run.count}`).digest();
  return ((h[0] ?? 0) & ((1 << CHUNK_BITS) - 1)) === 0;
}

/** Cuts runs into chunk plaintexts at content-defined boundaries. */
export function chunkRuns(runs: readonly Run[]): Buffer[] {
  const chunks: Buffer[] = [];
  let w = new ByteWriter();
  let inChunk = 0;
  for (const run of runs) {
    encodeRun(w, run);
    inChunk += 1;
    if ((inChunk >= MIN_RUNS && isBoundary(run)) || inChunk >= MAX_RUNS) {
      chunks.push(w.toBuffer());
      w = new ByteWriter();
      inChunk = 0;
    }
  }
  if (inChunk > 0) chunks.push(w.toBuffer());
  return chunks;
}

export function decodeRuns(chunk: Buffer): Run[] {
  const r = new ByteReader(chunk);
  const runs: Run[] = [];
  while (!r.done) {
    const packId = r.bytes(PACK_ID_BYTES).toString('hex');
    const start = r.varint();
    const count = r.varint();
    if (count === 0) throw new IntegrityError('manifest run of zero records');
    runs.push({ packId, start, count });
  }
  return runs;
}

export function chunkId(plaintext: Buffer): string {
  return createHash('sha256').update(plaintext).digest('hex');
}
