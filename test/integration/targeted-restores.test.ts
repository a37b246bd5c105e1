/**
 * Targeted restores (repair:component, auth:restore, agent:restore, agent:reset-config) on the
 * real state machine runner, DynamoDB Local and s3rver: each fixes the fault it exists for, changes
 * nothing outside its scope (compared byte for byte), and can be undone like any rollback.
 */
import { DeleteItemCommand, GetItemCommand, PutItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TOTP_STEP_SECONDS, totpCode } from '../../src/core/credentials.js';
import { NotFoundError, ValidationError } from '../../src/core/errors.js';
import { defaultResourceNames } from '../../src/core/plan.js';
import { ManualClock } from '../../src/core/ports.js';
import { validatedScope } from '../../src/core/restore-scope.js';
import { vaultLayout } from '../../src/core/vault-layout.js';
import type { StatusDocument } from '../../src/rollback/status-document.js';
import { localRollbackOperations } from '../../src/local/local-rollback.js';
import { repairRequestOf } from '../../src/rollback/repair-commands.js';
import type { RollbackOperations } from '../../src/rollback/rollback-operations.js';
import { expectOutboxEventsValid } from '../support/event-validation.js';
import { startLocalTestEnv, tableState, TEST_ADMIN, type LocalTestEnv } from '../support/local-env.js';

type Item = Record<string, AttributeValue>;
const names = defaultResourceNames;
const TABLES = [names.visionLakeTable, names.authTable, names.agentsTable, names.squadronsTable];

describe('targeted restores: one component or one agent, nothing else', () => {
  const clock = new ManualClock(new Date('2026-12-01T12:00:05Z'));
  let env: LocalTestEnv;
  let ops: RollbackOperations;

  const credentials = () => {
    clock.advance(TOTP_STEP_SECONDS * 1000);
    return { username: TEST_ADMIN.WING_ADMIN_USERNAME, password: TEST_ADMIN.WING_ADMIN_PASSWORD, totp: totpCode(TEST_ADMIN.WING_ADMIN_TOTP_SECRET, clock.now()) };
  };

  /** Runs a repair command as the CLI does: its choice and scope from the table, then a rollback limited to it. */
  const repair = async (command: Parameters<typeof repairRequestOf>[1], args: Parameters<typeof repairRequestOf>[2] = {}) => {
    const { choice, scope } = repairRequestOf(env.runtime.plan, command, args);
    return ops.rollback({ ...credentials(), ...choice, scope, reason: `test ${command}`, command });
  };

  /** The notices in the outbox that this system sent outside the state machine (the watch's, the drills'). */
  const notices = (): { subject: string; message: string }[] =>
    readFileSync(env.runtime.paths.notifications, 'utf8')
      .split('\n')
      .filter((l) => l.includes('"channel":"notification"') && l.includes('WING health'))
      .map((l) => JSON.parse(l) as { subject: string; message: string });

  const snapshotOf = async (): Promise<Map<string, Map<string, string>>> => new Map(await Promise.all(TABLES.map(async (t) => [t, await tableState(env, t)] as const)));
  const getItem = async (table: string, pk: string, sk: string): Promise<Item | undefined> =>
    (await env.runtime.dynamo.send(new GetItemCommand({ TableName: table, Key: { pk: { S: pk }, sk: { S: sk } }, ConsistentRead: true }))).Item;
  const agentIds = async (): Promise<string[]> =>
    [...(await tableState(env, names.agentsTable)).keys()].filter((k) => k.endsWith('|CONFIG')).map((k) => k.slice('AGENT#'.length, -'|CONFIG'.length));

  beforeAll(async () => {
    env = await startLocalTestEnv({ scale: 0.01, clock });
    ops = localRollbackOperations(env.runtime);
  });
  afterAll(async () => {
    await env.dispose();
  });
  // Each test starts from a recovery point equal to the live data, so "restored" means "as before the fault".
  beforeEach(async () => {
    clock.advance(60_000);
    await env.runtime.services.backups.createRecoveryPoint();
  });

  it('repair:component vision-lake brings back a deleted document body, leaves the other components byte for byte, and is undone like a rollback', async () => {
    const monitor = env.runtime.services.health;
    const listed = await env.runtime.s3.send(new ListObjectsV2Command({ Bucket: names.visionLakeBucket }));
    const key = listed.Contents?.[0]?.Key;
    if (key === undefined) throw new Error('no vision-lake document');
    await env.runtime.s3.send(new DeleteObjectCommand({ Bucket: names.visionLakeBucket, Key: key }));
    const broken = await monitor.check();
    expect(broken.components.find((c) => c.component === 'vision-lake')?.status).toBe('degraded');
    const before = await snapshotOf();

    const { choice, scope } = repairRequestOf(env.runtime.plan, 'repair:component', { component: 'vision-lake' });
    const planned = await ops.plan(choice, scope);
    expect(planned.components).toEqual([{ component: 'vision-lake', write: 1, delete: 0, unchanged: expect.any(Number) as number }]);

    const result = await repair('repair:component', { component: 'vision-lake' });
    expect(result.phase, result.message).toBe('Completed');
    expect((await monitor.check()).status).toBe('healthy');
    const after = await snapshotOf();
    for (const table of TABLES) expect(after.get(table), table).toEqual(before.get(table));
    const status = await ops.status(result.rollbackId);
    expect(status.components.map((c) => [c.component, c.phase, c.written, c.deleted])).toEqual([['vision-lake', 'restored', 1, 0]]);
    expect(status.command).toBe('repair:component');
    // The status document says it, as the other WING systems poll it; the users were told.
    const documentBody = await (await env.runtime.s3.send(new GetObjectCommand({ Bucket: env.runtime.plan.vaultBucket, Key: vaultLayout.statusDocument }))).Body?.transformToString();
    const document = JSON.parse(documentBody ?? '{}') as StatusDocument;
    expect(document.rollback).toMatchObject({ rollbackId: result.rollbackId, command: 'repair:component', phase: 'Completed', components: [{ component: 'vision-lake', phase: 'restored', written: 1, deleted: 0 }] });
    expect(document.systemMode).toBe('normal');
    const userNotices = readFileSync(env.runtime.paths.notifications, 'utf8').split('\n').filter((l) => l.includes('wing-rollback-user-notices'));
    expect(userNotices.some((l) => l.includes('read-only for a while'))).toBe(true);
    expect(userNotices.some((l) => l.includes('WING is available again'))).toBe(true);
    const audit = await env.runtime.services.audit.list({ limit: 20 });
    expect(audit.some((r) => r.action === 'rollback.start' && r.detail.includes(`repair:component ${result.rollbackId} of vision-lake`))).toBe(true);

    // The undo returns vision-lake (only) to its safety snapshot: the body is missing again.
    const undo = await ops.undo({ ...credentials(), reason: 'test undo of a repair' });
    expect(undo.phase, undo.message).toBe('Completed');
    expect((await ops.status(undo.rollbackId)).components.map((c) => c.component)).toEqual(['vision-lake']);
    expect((await monitor.check()).components.find((c) => c.component === 'vision-lake')?.status).toBe('degraded');
    expect((await ops.record(result.rollbackId)).phase).toBe('Undone');
    // Put it right for the next test.
    expect((await repair('repair:component', { component: 'vision-lake' })).phase).toBe('Completed');
  });

  it('agent:restore --id=A restores every item of agent A and nothing else: another agent\'s change and the other tables stay', async () => {
    const [a, b] = await agentIds();
    if (a === undefined || b === undefined) throw new Error('the demo needs two agents');
    const original = await tableState(env, names.agentsTable);
    // Faults: A's configuration changed and its memory deleted; B's configuration changed too.
    const configA = await getItem(names.agentsTable, `AGENT#${a}`, 'CONFIG');
    const configB = await getItem(names.agentsTable, `AGENT#${b}`, 'CONFIG');
    if (!configA || !configB) throw new Error('no CONFIG items');
    await env.runtime.dynamo.send(new PutItemCommand({ TableName: names.agentsTable, Item: { ...configA, model: { S: 'broken-model' } } }));
    await env.runtime.dynamo.send(new DeleteItemCommand({ TableName: names.agentsTable, Key: { pk: { S: `AGENT#${a}` }, sk: { S: 'MEMORY' } } }));
    await env.runtime.dynamo.send(new PutItemCommand({ TableName: names.agentsTable, Item: { ...configB, model: { S: 'kept-model' } } }));
    const before = await snapshotOf();

    const result = await repair('agent:restore', { agentId: a });
    expect(result.phase, result.message).toBe('Completed');
    const after = await snapshotOf();
    for (const table of TABLES.filter((t) => t !== names.agentsTable)) expect(after.get(table), table).toEqual(before.get(table));
    const agents = after.get(names.agentsTable) ?? new Map<string, string>();
    for (const [key, value] of agents) {
      if (key.startsWith(`AGENT#${a}|`)) expect(value, key).toBe(original.get(key));
      else expect(value, key).toBe(before.get(names.agentsTable)?.get(key));
    }
    expect([...agents.keys()].sort()).toEqual([...original.keys()].sort());
    expect((await getItem(names.agentsTable, `AGENT#${b}`, 'CONFIG'))?.model?.S).toBe('kept-model');
    const status = await ops.status(result.rollbackId);
    expect(status.components.map((c) => [c.component, c.written, c.deleted])).toEqual([['agents', 2, 0]]);
    // Put B right for the next test.
    await env.runtime.dynamo.send(new PutItemCommand({ TableName: names.agentsTable, Item: configB }));
  });

  it('agent:reset-config resets the configuration of every agent and leaves their state; with --id only that agent\'s', async () => {
    const [a, b] = await agentIds();
    if (a === undefined || b === undefined) throw new Error('the demo needs two agents');
    const original = await tableState(env, names.agentsTable);
    const configA = await getItem(names.agentsTable, `AGENT#${a}`, 'CONFIG');
    const configB = await getItem(names.agentsTable, `AGENT#${b}`, 'CONFIG');
    const stateA = await getItem(names.agentsTable, `AGENT#${a}`, 'STATE');
    if (!configA || !configB || !stateA) throw new Error('no CONFIG or STATE items');
    const breakConfigs = async (): Promise<void> => {
      await env.runtime.dynamo.send(new PutItemCommand({ TableName: names.agentsTable, Item: { ...configA, model: { S: 'drifted-a' } } }));
      await env.runtime.dynamo.send(new PutItemCommand({ TableName: names.agentsTable, Item: { ...configB, model: { S: 'drifted-b' } } }));
    };
    await breakConfigs();
    await env.runtime.dynamo.send(new PutItemCommand({ TableName: names.agentsTable, Item: { ...stateA, status: { S: 'kept-status' } } }));

    const all = await repair('agent:reset-config');
    expect(all.phase, all.message).toBe('Completed');
    expect((await getItem(names.agentsTable, `AGENT#${a}`, 'CONFIG'))?.model).toEqual(configA.model);
    expect((await getItem(names.agentsTable, `AGENT#${b}`, 'CONFIG'))?.model).toEqual(configB.model);
    expect((await getItem(names.agentsTable, `AGENT#${a}`, 'STATE'))?.status?.S).toBe('kept-status');
    expect((await ops.status(all.rollbackId)).components.map((c) => [c.component, c.written])).toEqual([['agents', 2]]);

    await breakConfigs();
    const one = await repair('agent:reset-config', { agentId: a });
    expect(one.phase, one.message).toBe('Completed');
    expect((await getItem(names.agentsTable, `AGENT#${a}`, 'CONFIG'))?.model).toEqual(configA.model);
    expect((await getItem(names.agentsTable, `AGENT#${b}`, 'CONFIG'))?.model?.S).toBe('drifted-b');
    // Put them right for the next test.
    await env.runtime.dynamo.send(new PutItemCommand({ TableName: names.agentsTable, Item: configB }));
    await env.runtime.dynamo.send(new PutItemCommand({ TableName: names.agentsTable, Item: stateA }));
    expect(await tableState(env, names.agentsTable)).toEqual(original);
  });

  it('auth:restore brings a deleted user back for review and keeps a revocation made since; the other tables stay', async () => {
    const auth = await tableState(env, names.authTable);
    const userKey = [...auth.keys()].find((k) => k.startsWith('USER#') && k.endsWith('|PROFILE'));
    if (userKey === undefined) throw new Error('no user');
    const [pk = '', sk = ''] = userKey.split('|');
    await env.runtime.dynamo.send(new DeleteItemCommand({ TableName: names.authTable, Key: { pk: { S: pk }, sk: { S: sk } } }));
    const revocation: Item = { pk: { S: 'REVOCATION#test-session' }, sk: { S: 'META' }, kind: { S: 'revocation' }, sessionId: { S: 'test-session' }, revokedAt: { S: clock.now().toISOString() } };
    await env.runtime.dynamo.send(new PutItemCommand({ TableName: names.authTable, Item: revocation }));
    const before = await snapshotOf();

    const result = await repair('auth:restore');
    expect(result.phase, result.message).toBe('Completed');
    const restored = await getItem(names.authTable, pk, sk);
    expect(restored?.disabled).toEqual({ BOOL: true });
    expect(restored?.reviewRequired).toEqual({ BOOL: true });
    expect(await getItem(names.authTable, 'REVOCATION#test-session', 'META')).toEqual(revocation);
    const after = await snapshotOf();
    for (const table of TABLES.filter((t) => t !== names.authTable)) expect(after.get(table), table).toEqual(before.get(table));
    expect((await ops.status(result.rollbackId)).components.map((c) => c.component)).toEqual(['auth']);
  });

  it('the health watch announces the last administrator\'s removal once, proposes a repair with the rollback\'s counts and starts nothing; the repair\'s own health check announces the recovery', async () => {
    const watch = env.runtime.services.healthWatch;
    expect((await watch.check()).status).toBe('healthy');
    const auth = await tableState(env, names.authTable);
    const admins = [...auth.entries()].filter(([, v]) => v.includes('"role":{"S":"admin"}')).map(([k]) => k.split('|'));
    expect(admins.length).toBeGreaterThan(0);
    for (const [pk = '', sk = ''] of admins) await env.runtime.dynamo.send(new DeleteItemCommand({ TableName: names.authTable, Key: { pk: { S: pk }, sk: { S: sk } } }));
    const rollbacksBefore = (await ops.list()).length;
    const noticesBefore = notices().length;

    const broken = await watch.check();
    expect(broken.status).toBe('degraded');
    expect(broken.transitions).toEqual([{ from: 'healthy', to: 'degraded' }, { component: 'auth', from: 'healthy', to: 'degraded' }]);
    expect(broken.components.find((c) => c.component === 'auth')?.checks.find((k) => k.name === 'administrator-present')?.ok).toBe(false);
    expect(broken.proposal).toContain('npx wing repair:component --component=auth');
    expect(broken.proposal).toMatch(new RegExp(`auth: ${String(admins.length)} to write, 0 to delete`));
    const sent = notices().slice(noticesBefore);
    expect(sent.map((n) => n.subject)).toEqual(['[WING rollback] WING health degraded']);
    expect(sent[0]?.message).toContain('auth administrator-present');
    // Once announced, the same state is not announced again; and nothing was started.
    expect((await watch.check()).transitions).toEqual([]);
    expect(notices()).toHaveLength(noticesBefore + 1);
    expect(await ops.list()).toHaveLength(rollbacksBefore);

    const repaired = await repair('auth:restore');
    expect(repaired.phase, repaired.message).toBe('Completed');
    const after = notices().slice(noticesBefore + 1).map((n) => n.subject);
    expect(after).toContain('[WING rollback] WING health healthy');
    expect((await watch.check()).status).toBe('healthy');
  });

  it('auth:clear-cache revokes every open session (users sign in again, a notice says so) and a later auth restore keeps them revoked; audited', async () => {
    const initiator = await ops.authenticate({ ...credentials(), source: 'test' });
    const first = await ops.changeAs(initiator, 'auth.clear-cache', { reason: 'token leak', source: 'test' }, (r) => `${String(r.revoked)} session(s) revoked`, () => env.runtime.services.actions.clearAuthCache('token leak'));
    expect(first.revoked).toBeGreaterThan(0);
    expect(first.revoked + first.alreadyRevoked).toBe(first.sessions);
    const auth = await tableState(env, names.authTable);
    const sessionIds = [...auth.values()].filter((v) => v.includes('"kind":{"S":"session"}')).map((v) => /"sessionId":\{"S":"([^"]+)"/.exec(v)?.[1]);
    for (const id of sessionIds) expect(auth.has(`REVOCATION#${id ?? ''}|META`), id).toBe(true);
    expect((await ops.changeAs(initiator, 'auth.clear-cache', {}, () => 'again', () => env.runtime.services.actions.clearAuthCache(''))).revoked).toBe(0);
    expect(readFileSync(env.runtime.paths.notifications, 'utf8')).toContain('please sign in again');
    const audit = await env.runtime.services.audit.list({ limit: 5 });
    expect(audit.some((r) => r.action === 'auth.clear-cache' && r.outcome === 'succeeded' && r.detail.startsWith('token leak: '))).toBe(true);
    // Revocations made after the point stay (reconciliation rule 2).
    expect((await repair('auth:restore')).phase).toBe('Completed');
    const after = await tableState(env, names.authTable);
    for (const id of sessionIds) expect(after.has(`REVOCATION#${id ?? ''}|META`), id).toBe(true);
  });

  it('agent:restart --id=A resets only A\'s runtime status and emits AgentRestartRequested naming it; refused in recovery mode', async () => {
    const [a] = await agentIds();
    if (a === undefined) throw new Error('no agent');
    const before = await tableState(env, names.agentsTable);
    const initiator = await ops.authenticate({ ...credentials(), source: 'test' });
    const result = await ops.changeAs(initiator, 'agent.restart', { source: 'test' }, (r) => `${String(r.agents.length)} agent(s)`, () => env.runtime.services.actions.restartAgents(a));
    expect(result.agents).toEqual([a]);
    const after = await tableState(env, names.agentsTable);
    for (const [key, value] of after) {
      if (key === `AGENT#${a}|STATE`) {
        expect(value).toContain('"status":{"S":"restarting"}');
        expect(value).toContain('"currentTask":{"NULL":true}');
      } else expect(value, key).toBe(before.get(key));
    }
    await expect(env.runtime.services.actions.restartAgents('agt-nope')).rejects.toThrow(/no agent agt-nope/);
    const modes = env.runtime.services.modes;
    const normal = await modes.get();
    await modes.set({ mode: 'recovery', changedAt: clock.now().toISOString(), rollbackId: 'rb-test', reason: 'test' });
    try {
      await expect(ops.changeAs(initiator, 'agent.restart', { source: 'test' }, () => '', () => env.runtime.services.actions.restartAgents(a))).rejects.toMatchObject({ exitCode: 6 });
    } finally {
      await modes.set(normal);
    }
    expect((await env.runtime.services.audit.list({ limit: 3 })).some((r) => r.action === 'agent.restart' && r.outcome === 'refused')).toBe(true);
  });

  it('every event the backups, repairs and undo emitted validates against its schema in schemas/events', () => {
    const counts = expectOutboxEventsValid(env.runtime.paths.notifications);
    for (const type of ['BackupCompleted', 'RollbackRequested', 'RollbackStarted', 'ComponentRestored', 'SystemModeChanged', 'RollbackCompleted', 'RollbackUndone', 'HealthChanged', 'AgentRestartRequested']) {
      expect(counts.get(type) ?? 0, type).toBeGreaterThan(0);
    }
  });

  it('refuses bad targets before anything runs: unknown component, malformed agent id, item scope on a component with S3 objects', () => {
    const plan = env.runtime.plan;
    expect(() => repairRequestOf(plan, 'repair:component', { component: 'nope' })).toThrow(ValidationError);
    expect(() => repairRequestOf(plan, 'repair:component', {})).toThrow(/needs --component=C \(one of vision-lake, auth, agents, squadrons\)/);
    expect(() => repairRequestOf(plan, 'agent:restore', {})).toThrow(/needs --id=AGENT_ID/);
    expect(() => repairRequestOf(plan, 'agent:restore', { agentId: 'a#b' })).toThrow(/is not an agent id/);
    expect(() => repairRequestOf(plan, 'auth:restore', { agentId: 'x' })).toThrow(/takes no --id/);
    expect(() => repairRequestOf(plan, 'agent:restore', { agentId: 'x', component: 'agents' })).toThrow(/takes no --component/);
    expect(() => validatedScope(plan, { components: ['vision-lake'], items: { pk: 'DOC#1', description: 'one document' } })).toThrow(/keeps S3 objects/);
  });

  it('refuses agent:restore of an agent that is neither in the point nor live (a mistyped id): 404-like, no rollback started, nothing changed', async () => {
    const before = await snapshotOf();
    const rollbacksBefore = (await ops.list()).length;
    const request = repairRequestOf(env.runtime.plan, 'agent:restore', { agentId: 'no-such-agent-42' });
    await expect(ops.plan(request.choice, request.scope)).rejects.toThrow(/agent no-such-agent-42 is in neither recovery point rp-\S+ nor the live data of agents: check the id/);
    await expect(repair('agent:restore', { agentId: 'no-such-agent-42' })).rejects.toBeInstanceOf(NotFoundError);
    expect((await ops.list()).length).toBe(rollbacksBefore);
    expect(await snapshotOf()).toEqual(before);
  });
});
