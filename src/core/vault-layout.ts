/**
 * Every object-store key of the vault is built here and nowhere else. Data is grouped per
 * component so that pruning and scratch restores work on one component's prefix.
 *
 *   components/<component>/packs/<aa>/<packId>      sealed pack: zstd(records), AES-256-GCM
 *   components/<component>/packs/<aa>/<packId>.g<n> the same pack after its n-th repack
 *   components/<component>/indexes/<packId>         sealed pack index: key, digest, offset, length
 *   components/<component>/manifests/<chunkId>      sealed manifest chunk (runs), id = sha256(plain)
 *   components/<component>/snapshots/<snapshotId>.json   authenticated snapshot summary
 *   recovery-points/<recoveryPointId>.json          the run over all components (catalog rebuild)
 */

export const vaultLayout = {
  componentPrefix: (component: string): string => `components/${component}/`,
  pack: (component: string, packId: string, generation = 0): string =>
    `components/${component}/packs/${packId.slice(0, 2)}/${packObjectId(packId, generation)}`,
  packsPrefix: (component: string): string => `components/${component}/packs/`,
  packIndex: (component: string, packId: string): string => `components/${component}/indexes/${packId}`,
  indexesPrefix: (component: string): string => `components/${component}/indexes/`,
  manifestChunk: (component: string, chunkId: string): string => `components/${component}/manifests/${chunkId}`,
  manifestsPrefix: (component: string): string => `components/${component}/manifests/`,
  snapshotSummary: (component: string, snapshotId: string): string =>
    `components/${component}/snapshots/${snapshotId}.json`,
  snapshotsPrefix: (component: string): string => `components/${component}/snapshots/`,
  componentsPrefix: 'components/',
  recoveryPoint: (recoveryPointId: string): string => `recovery-points/${recoveryPointId}.json`,
  recoveryPointsPrefix: 'recovery-points/',
  /** One object per line of a rollback's log, so parallel Tasks never overwrite each other. */
  rollbackLogPrefix: (rollbackId: string): string => `rollback-logs/${rollbackId}/`,
  /** The status document other WING systems poll: the latest rollback, step by step. */
  statusDocument: 'status/rollback-status.json',
  /** Scratch copies of restore drills (retention prunes only `components/`). */
  drillsPrefix: 'drills/',
  drillPrefix: (drillId: string): string => `drills/${drillId}/`,
} as const;

/** The id a pack generation is sealed under (and named by): the pack id, then `.g<n>` after a repack. */
export function packObjectId(packId: string, generation: number): string {
  return generation === 0 ? packId : `${packId}.g${String(generation)}`;
}
