/**
 * The status document (CONTRACT.md, "Events and notifications"): one JSON object in the vault
 * bucket (`status/rollback-status.json`) that the other WING systems and status pages poll
 * instead of subscribing to events. The rollback steps rewrite it at every step; it always says
 * what the latest rollback is doing, which components it restored, and the system mode.
 */
import type { ObjectStore } from '../core/ports.js';
import type { ComponentProgress, RollbackRecord } from '../core/rollback-journal.js';
import type { SystemModeState } from '../core/system-mode.js';
import { vaultLayout } from '../core/vault-layout.js';

export const STATUS_DOCUMENT_VERSION = 1;

export interface StatusDocument {
  readonly version: number;
  readonly updatedAt: string;
  readonly systemMode: SystemModeState['mode'];
  readonly rollback: {
    readonly rollbackId: string;
    readonly kind: RollbackRecord['kind'];
    readonly command: string;
    readonly phase: RollbackRecord['phase'];
    readonly step: string;
    readonly recoveryPointId: string | null;
    readonly components: readonly { component: string; phase: ComponentProgress['phase']; written: number; deleted: number }[];
    readonly requestedAt: string;
    readonly finishedAt: string | null;
    readonly message: string;
  };
}

export function statusDocumentOf(record: RollbackRecord, progress: readonly ComponentProgress[], mode: SystemModeState, at: Date, order: readonly string[]): StatusDocument {
  return {
    version: STATUS_DOCUMENT_VERSION,
    updatedAt: at.toISOString(),
    systemMode: mode.mode,
    rollback: {
      rollbackId: record.rollbackId,
      kind: record.kind,
      command: record.command,
      phase: record.phase,
      step: record.step,
      recoveryPointId: record.recoveryPointId,
      components: [...progress]
        .sort((a, b) => order.indexOf(a.component) - order.indexOf(b.component))
        .map((p) => ({ component: p.component, phase: p.phase, written: p.written, deleted: p.deleted })),
      requestedAt: record.requestedAt,
      finishedAt: record.finishedAt,
      message: record.message,
    },
  };
}

/** Writes the document to the vault bucket (S3 on AWS, s3rver locally). */
export class StatusDocumentWriter {
  /** What this writer last put, without its time: a step that changed nothing the document says is not written again. */
  private lastContent: string | undefined;

  constructor(private readonly store: ObjectStore) {}

  async write(document: StatusDocument): Promise<void> {
    const content = JSON.stringify({ ...document, updatedAt: undefined });
    if (content === this.lastContent) return;
    await this.store.put(vaultLayout.statusDocument, Buffer.from(`${JSON.stringify(document, null, 2)}\n`));
    this.lastContent = content;
  }

  async read(): Promise<StatusDocument | undefined> {
    if (!(await this.store.exists(vaultLayout.statusDocument))) return undefined;
    return JSON.parse((await this.store.get(vaultLayout.statusDocument)).toString('utf8')) as StatusDocument;
  }
}
