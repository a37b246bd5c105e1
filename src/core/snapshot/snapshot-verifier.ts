/**
 * Verification: decrypt and re-hash everything a set of snapshots references. For each snapshot,
 * the summary's signature, every manifest chunk (its id is the hash of its content), the content
 * digest recomputed from the manifest and the pack indexes; for each pack, once however many
 * snapshots share it, every record re-hashed against its index. Damage does not stop the walk:
 * every damaged object is reported by its store key, so an operator sees the whole extent.
 */
import { ContentDigest, combineDigests } from '../digest.js';
import { IntegrityError } from '../errors.js';
import { vaultLayout } from '../vault-layout.js';
import { SnapshotReader } from './snapshot-reader.js';
import type { SnapshotSummary } from './snapshot-summary.js';
import { checkRecordDigest, type VaultReader } from './vault-reader.js';

export interface VerifyProblem {
  readonly snapshotId: string;
  readonly objectKey: string | undefined;
  readonly message: string;
}

export interface VerifyReport {
  readonly snapshots: number;
  readonly packs: number;
  readonly records: number;
  readonly bytes: number;
  readonly problems: VerifyProblem[];
}

function problemOf(snapshotId: string, err: unknown): VerifyProblem {
  if (err instanceof IntegrityError) return { snapshotId, objectKey: err.objectKey, message: err.message };
  throw err;
}

export class SnapshotVerifier {
  private readonly reader: SnapshotReader;
  /** Packs already checked in this verifier's lifetime, and the result. */
  private readonly checkedPacks = new Map<string, VerifyProblem | null>();
  private records = 0;
  private bytes = 0;

  constructor(private readonly vault: VaultReader) {
    this.reader = new SnapshotReader(vault);
  }

  /** Verifies one snapshot given by its id, including reading its summary. */
  async verifyById(component: string, snapshotId: string): Promise<VerifyProblem[]> {
    let summary: SnapshotSummary;
    try {
      summary = await this.vault.readSummary(component, snapshotId);
    } catch (err) {
      return [problemOf(snapshotId, err)];
    }
    return this.verify(summary);
  }

  async verify(summary: SnapshotSummary): Promise<VerifyProblem[]> {
    const problems: VerifyProblem[] = [];
    const id = summary.snapshotId;
    try {
      const streamDigests: string[] = [];
      for (const stream of summary.streams) {
        const digest = new ContentDigest();
        for await (const record of this.reader.expectedRecords(summary, stream)) digest.add(record.key, record.digest);
        if (digest.value() !== stream.contentDigest) {
          throw new IntegrityError(
            `snapshot ${id}: content digest of ${stream.source.name} does not match its manifest`,
            vaultLayout.snapshotSummary(summary.component, id),
          );
        }
        streamDigests.push(digest.value());
      }
      if (combineDigests(streamDigests) !== summary.contentDigest) {
        throw new IntegrityError(`snapshot ${id}: content digest mismatch`, vaultLayout.snapshotSummary(summary.component, id));
      }
    } catch (err) {
      problems.push(problemOf(id, err));
    }
    for (const packId of summary.packs) {
      const problem = await this.verifyPack(summary.component, packId, id);
      if (problem) problems.push(problem);
    }
    return problems;
  }

  private async verifyPack(component: string, packId: string, snapshotId: string): Promise<VerifyProblem | null> {
    const cacheKey = `${component}/${packId}`;
    const known = this.checkedPacks.get(cacheKey);
    if (known !== undefined) return known ? { ...known, snapshotId } : null;
    let problem: VerifyProblem | null = null;
    try {
      const { data, index } = await this.reader.loadPack(component, packId);
      const storeKey = vaultLayout.pack(component, packId, index.generation);
      for (let i = 0; i < index.count; i++) {
        if (!index.isLive(i)) continue;
        checkRecordDigest(data.subarray(index.offset(i), index.offset(i) + index.length(i)), index.digest(i), storeKey);
      }
      this.records += index.count;
      this.bytes += data.length;
    } catch (err) {
      problem = problemOf(snapshotId, err);
    }
    this.checkedPacks.set(cacheKey, problem);
    return problem;
  }

  report(snapshots: number, problems: VerifyProblem[]): VerifyReport {
    return { snapshots, packs: this.checkedPacks.size, records: this.records, bytes: this.bytes, problems };
  }
}
