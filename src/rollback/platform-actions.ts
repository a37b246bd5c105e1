/**
 * Operational actions on the live WING components that are not restores (CONTRACT.md):
 * - `auth:clear-cache`: every session of WING's auth component that is not revoked yet gets a
 *   revocation (reason `cache-cleared`), so every cached session and token is refused from now
 *   on and every user signs in again. Revocations are never rolled back (reconciliation rule 2),
 *   so a later rollback does not bring the sessions back.
 * - `agent:restart [--id=A]`: each agent's runtime status is reset (`status: restarting`, no
 *   current task, `restartRequestedAt`), and an `AgentRestartRequested` event tells the agent
 *   runtime to restart them; their configuration, memory and relationships are not touched.
 *
 * Both change data, so they run through RollbackOperations.changeAs (mode, lock, audit). They
 * read and write the components through the same live streams as backups and restores.
 */
import type { ComponentSources } from '../adapters/component-sources.js';
import { AGENT_PREFIX } from '../components/agent-backup.js';
import { stringAttr } from '../components/snapshot-view.js';
import { decodeItem, encodeItem, encodeItemKey, type TypedItem } from '../core/canonical-item.js';
import { NotFoundError, ValidationError } from '../core/errors.js';
import { EVENT_VERSION, type EventPublisher } from '../core/events.js';
import { noticeSubject, type Notifier } from '../core/notifications.js';
import type { ComponentKind, ComponentPlan, Plan } from '../core/plan.js';
import type { Clock } from '../core/ports.js';
import type { SnapshotRecord } from '../core/snapshot/record-stream.js';
import type { SourceDescriptor } from '../core/snapshot/snapshot-summary.js';

export interface PlatformActionsDeps {
  readonly plan: Plan;
  readonly sources: ComponentSources;
  readonly events: EventPublisher;
  readonly notifier: Notifier;
  readonly clock: Clock;
}

/** Records written per call: the live streams batch them further. */
const BATCH = 100;

function componentOfKind(plan: Plan, kind: ComponentKind): ComponentPlan {
  const found = plan.components.find((c) => c.kind === kind);
  if (!found) throw new ValidationError(`the plan has no component of kind ${kind}`);
  return found;
}

/** The DynamoDB items of a component, decoded, with the stream that holds them. */
async function* itemsOf(sources: ComponentSources, component: ComponentPlan) {
  for (const stream of await sources.streams(component)) {
    if (stream.descriptor.type !== 'dynamodb') continue;
    for await (const batch of stream.scan()) for (const record of batch) yield { stream, item: decodeItem(record.body) };
  }
}

function record(item: TypedItem, keyNames: readonly string[]): SnapshotRecord {
  return { key: encodeItemKey(item, keyNames), body: encodeItem(item) };
}

function keyNamesOf(descriptor: SourceDescriptor): string[] {
  const names = descriptor.keyNames;
  return Array.isArray(names) ? names.map(String) : ['pk', 'sk'];
}

export class PlatformActions {
  constructor(private readonly deps: PlatformActionsDeps) {}

  /** Revokes every session that has no revocation yet; returns how many sessions and revocations there are now. */
  async clearAuthCache(reason: string): Promise<{ sessions: number; revoked: number; alreadyRevoked: number }> {
    const auth = componentOfKind(this.deps.plan, 'auth');
    const now = this.deps.clock.now().toISOString();
    const revokedIds = new Set<string>();
    const sessions: { sessionId: string; pk: string; sk: string }[] = [];
    let target: Awaited<ReturnType<ComponentSources['streams']>>[number] | undefined;
    for await (const { stream, item } of itemsOf(this.deps.sources, auth)) {
      const kind = stringAttr(item, 'kind');
      if (kind === 'revocation') {
        const id = stringAttr(item, 'sessionId');
        if (id !== undefined) revokedIds.add(id);
      } else if (kind === 'session') {
        target ??= stream;
        sessions.push({ sessionId: stringAttr(item, 'sessionId') ?? stringAttr(item, 'sk') ?? '', pk: stringAttr(item, 'pk') ?? '', sk: stringAttr(item, 'sk') ?? '' });
      }
    }
    const open = sessions.filter((s) => s.sessionId !== '' && !revokedIds.has(s.sessionId));
    if (target) {
      const keyNames = keyNamesOf(target.descriptor);
      for (let i = 0; i < open.length; i += BATCH) {
        await target.write(
          open.slice(i, i + BATCH).map((s) =>
            record(
              {
                pk: { S: `REVOCATION#${s.sessionId}` },
                sk: { S: 'META' },
                kind: { S: 'revocation' },
                sessionId: { S: s.sessionId },
                sessionPk: { S: s.pk },
                sessionSk: { S: s.sk },
                revokedAt: { S: now },
                reason: { S: 'cache-cleared' },
                ...(reason !== '' ? { note: { S: reason } } : {}),
              },
              keyNames,
            ),
          ),
        );
      }
    }
    if (open.length > 0) {
      await this.deps.notifier.notify({
        topic: 'users',
        subject: noticeSubject('please sign in again'),
        message: `Every WING session was ended at ${now} by an administrator${reason !== '' ? ` (${reason})` : ''}. Sign in again to continue.`,
      });
    }
    return { sessions: sessions.length, revoked: open.length, alreadyRevoked: sessions.length - open.length };
  }

  /** Resets the runtime status of every agent, or of `agentId`, and asks the agent runtime to restart them. */
  async restartAgents(agentId: string | undefined): Promise<{ agents: string[] }> {
    const agents = componentOfKind(this.deps.plan, 'agents');
    const now = this.deps.clock.now().toISOString();
    const restarted: string[] = [];
    const pending: { stream: Awaited<ReturnType<ComponentSources['streams']>>[number]; records: SnapshotRecord[] }[] = [];
    for await (const { stream, item } of itemsOf(this.deps.sources, agents)) {
      const pk = stringAttr(item, 'pk') ?? '';
      if (!pk.startsWith(AGENT_PREFIX) || stringAttr(item, 'sk') !== 'STATE') continue;
      const id = pk.slice(AGENT_PREFIX.length);
      if (agentId !== undefined && id !== agentId) continue;
      const reset: TypedItem = { ...item, status: { S: 'restarting' }, currentTask: { NULL: true }, restartRequestedAt: { S: now }, updatedAt: { S: now } };
      let entry = pending.find((p) => p.stream === stream);
      if (!entry) pending.push((entry = { stream, records: [] }));
      entry.records.push(record(reset, keyNamesOf(stream.descriptor)));
      restarted.push(id);
    }
    if (agentId !== undefined && restarted.length === 0) throw new NotFoundError(`no agent ${agentId} in ${agents.name}`);
    for (const { stream, records } of pending) {
      for (let i = 0; i < records.length; i += BATCH) await stream.write(records.slice(i, i + BATCH));
    }
    await this.deps.events.publish({
      type: 'AgentRestartRequested',
      detail: { version: EVENT_VERSION, time: now, component: agents.name, status: 'Requested', step: 'AgentRestart', counts: { agents: restarted.length }, agentIds: restarted },
    });
    return { agents: restarted };
  }
}
