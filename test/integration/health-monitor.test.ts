import {
  DeleteItemCommand,
  DeleteTableCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsComponentSources } from '../../src/adapters/component-sources.js';
import { DynamoTable } from '../../src/adapters/dynamodb-table.js';
import { ValidationError } from '../../src/core/errors.js';
import { defaultResourceNames } from '../../src/core/plan.js';
import { ManualClock } from '../../src/core/ports.js';
import type { SnapshotRecord } from '../../src/core/snapshot/record-stream.js';
import { createDemoTables } from '../../src/local/demo/demo-loader.js';
import { HealthMonitor, type ComponentHealth, type HealthReport } from '../../src/rollback/health-monitor.js';
import { startLocalTestEnv, tableState, type LocalTestEnv } from '../support/local-env.js';

type Item = Record<string, AttributeValue>;
const names = defaultResourceNames;
const CHECKED_AT = new Date('2026-03-01T12:00:00.000Z');

function componentOf(report: HealthReport, name: string): ComponentHealth {
  const found = report.components.find((c) => c.component === name);
  if (!found) throw new Error(`no component ${name} in the report`);
  return found;
}

function failing(report: HealthReport): { component: string; name: string; detail: string }[] {
  return report.components.flatMap((c) => c.checks.filter((k) => !k.ok).map((k) => ({ component: k.component, name: k.name, detail: k.detail })));
}

/**
 * Each fault is made on the one shared environment and undone before the next test, so every test
 * starts from the healthy demo data.
 */
describe('HealthMonitor on the live demo data (DynamoDB Local, s3rver)', () => {
  let env: LocalTestEnv;
  let monitor: HealthMonitor;

  const firstItem = async (table: string, filter: (item: Item) => boolean): Promise<Item> => {
    const page = await env.runtime.dynamo.send(new ScanCommand({ TableName: table }));
    const item = (page.Items ?? []).find(filter);
    if (!item) throw new Error(`no matching item in ${table}`);
    return item;
  };

  beforeAll(async () => {
    env = await startLocalTestEnv({ scale: 0.01 });
    monitor = new HealthMonitor({
      plan: env.runtime.plan,
      sources: new AwsComponentSources(env.runtime.dynamo, env.runtime.s3),
      clock: new ManualClock(CHECKED_AT),
    });
  });
  afterAll(async () => {
    await env.dispose();
  });

  it('finds the fresh demo environment healthy, every component reachable and every check passing', async () => {
    const report = await monitor.check();

    expect(report.status).toBe('healthy');
    expect(report.checkedAt).toBe(CHECKED_AT.toISOString());
    expect(report.components.map((c) => c.component)).toEqual(['vision-lake', 'auth', 'agents', 'squadrons']);
    expect(failing(report)).toEqual([]);
    expect(report.components.map((c) => [c.component, c.checks.map((k) => k.name)])).toEqual([
      ['vision-lake', ['reachable', 'index-matches-documents']],
      ['auth', ['reachable', 'emergency-credential-present', 'administrator-present', 'sessions-have-users']],
      ['agents', ['reachable', 'relationships-resolve']],
      ['squadrons', ['reachable', 'members-exist', 'hierarchy-acyclic']],
    ]);
    const objects = await env.runtime.s3.send(new ListObjectsV2Command({ Bucket: names.visionLakeBucket }));
    const visionLakeRecords = (await tableState(env, names.visionLakeTable)).size + (objects.KeyCount ?? 0);
    expect(componentOf(report, 'vision-lake').checks[0]?.detail).toBe(`${visionLakeRecords} records`);
    expect(componentOf(report, 'agents').checks[0]?.detail).toBe(`${(await tableState(env, names.agentsTable)).size} records`);
  });

  it('degrades vision-lake when an index entry has lost its document body', async () => {
    const entry = await firstItem(names.visionLakeTable, (item) => item.bodyKey?.S !== undefined);
    const bodyKey = entry.bodyKey?.S ?? '';
    const saved = await env.runtime.s3.send(new GetObjectCommand({ Bucket: names.visionLakeBucket, Key: bodyKey }));
    const body = await saved.Body?.transformToByteArray();
    await env.runtime.s3.send(new DeleteObjectCommand({ Bucket: names.visionLakeBucket, Key: bodyKey }));
    try {
      const report = await monitor.check();

      expect(report.status).toBe('degraded');
      expect(componentOf(report, 'vision-lake').status).toBe('degraded');
      expect(failing(report)).toEqual([
        {
          component: 'vision-lake',
          name: 'index-matches-documents',
          detail: `1 problem(s): index entry ${entry.pk?.S ?? ''} has no document ${bodyKey}`,
        },
      ]);
    } finally {
      await env.runtime.s3.send(
        new PutObjectCommand({ Bucket: names.visionLakeBucket, Key: bodyKey, Body: body, ContentType: saved.ContentType, Metadata: saved.Metadata }),
      );
    }
    expect((await monitor.check()).status).toBe('healthy');
  });

  it('degrades squadrons when one of a squadron\'s member agents is deleted from the agents table', async () => {
    const squadron = await firstItem(names.squadronsTable, (item) => (item.members?.SS?.length ?? 0) > 0);
    const agentId = squadron.members?.SS?.[0] ?? '';
    const agentItems =
      (await env.runtime.dynamo.send(new QueryCommand({ TableName: names.agentsTable, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: `AGENT#${agentId}` } } }))).Items ?? [];
    expect(agentItems.length).toBe(4);
    for (const item of agentItems) await env.runtime.dynamo.send(new DeleteItemCommand({ TableName: names.agentsTable, Key: { pk: item.pk as AttributeValue, sk: item.sk as AttributeValue } }));
    try {
      const report = await monitor.check();

      expect(report.status).toBe('degraded');
      const squadrons = componentOf(report, 'squadrons');
      expect(squadrons.status).toBe('degraded');
      const members = squadrons.checks.find((k) => k.name === 'members-exist');
      expect(members?.ok).toBe(false);
      expect(members?.detail).toContain(`squadron ${(squadron.pk?.S ?? '').slice('SQUADRON#'.length)} lists missing agent ${agentId}`);
      expect(squadrons.checks.find((k) => k.name === 'hierarchy-acyclic')?.ok).toBe(true);
      // Other agents' relationships to the deleted one are broken too; nothing else is.
      expect(report.components.every((c) => c.status !== 'critical')).toBe(true);
      for (const problem of failing(report).filter((p) => p.component !== 'squadrons')) {
        expect(problem).toMatchObject({ component: 'agents', name: 'relationships-resolve' });
        expect(problem.detail).toContain(`relates to missing agent ${agentId}`);
      }
    } finally {
      for (const item of agentItems) await env.runtime.dynamo.send(new PutItemCommand({ TableName: names.agentsTable, Item: item }));
    }
    expect((await monitor.check()).status).toBe('healthy');
  });

  it('degrades agents when a relationship points at an agent that does not exist', async () => {
    const state = await firstItem(names.agentsTable, (item) => item.sk?.S === 'STATE');
    const key = { pk: state.pk as AttributeValue, sk: state.sk as AttributeValue };
    const dangling = { M: { agentId: { S: 'agt-000000000000' }, type: { S: 'reports-to' } } };
    await env.runtime.dynamo.send(
      new PutItemCommand({ TableName: names.agentsTable, Item: { ...state, relationships: { L: [...(state.relationships?.L ?? []), dangling] } } }),
    );
    try {
      const report = await monitor.check();

      expect(report.status).toBe('degraded');
      expect(componentOf(report, 'agents').status).toBe('degraded');
      expect(failing(report)).toEqual([
        { component: 'agents', name: 'relationships-resolve', detail: `1 problem(s): ${state.pk?.S ?? ''} relates to missing agent agt-000000000000` },
      ]);
    } finally {
      await env.runtime.dynamo.send(new PutItemCommand({ TableName: names.agentsTable, Item: state }));
    }
    const restored = await env.runtime.dynamo.send(new GetItemCommand({ TableName: names.agentsTable, Key: key, ConsistentRead: true }));
    expect(restored.Item).toEqual(state);
  });

  it('checks only the component asked for, and refuses an unknown one naming the known ones', async () => {
    const report = await monitor.check({ component: 'squadrons' });

    expect(report.status).toBe('healthy');
    expect(report.components.map((c) => c.component)).toEqual(['squadrons']);
    expect(report.components[0]?.checks.map((k) => k.name)).toEqual(['reachable', 'members-exist', 'hierarchy-acyclic']);

    await expect(monitor.check({ component: 'billing' })).rejects.toBeInstanceOf(ValidationError);
    await expect(monitor.check({ component: 'billing' })).rejects.toThrow(
      'unknown component "billing": the plan has vision-lake, auth, agents, squadrons',
    );
  });

  it('marks a component whose table is gone critical, and the components that read it degraded', async () => {
    const saved: SnapshotRecord[] = [];
    for await (const batch of (await DynamoTable.open(env.runtime.dynamo, names.agentsTable)).scan()) saved.push(...batch);
    await env.runtime.dynamo.send(new DeleteTableCommand({ TableName: names.agentsTable }));
    try {
      const report = await monitor.check();

      expect(report.status).toBe('critical');
      expect(report.components.map((c) => [c.component, c.status])).toEqual([
        ['vision-lake', 'healthy'],
        ['auth', 'healthy'],
        ['agents', 'critical'],
        ['squadrons', 'degraded'],
      ]);
      // Its own checks are skipped: they could only repeat that the table cannot be read.
      const agents = componentOf(report, 'agents');
      expect(agents.checks).toHaveLength(1);
      expect(agents.checks[0]).toMatchObject({ name: 'reachable', ok: false });
      // "open" when the table's description is asked afresh, "read" when a recent one is reused and the scan fails.
      expect(agents.checks[0]?.detail).toMatch(/^cannot (open|read) wing-agents of component "agents": .+/);
      // Squadrons itself is readable; its membership check, which reads the agents, is not.
      expect(componentOf(report, 'squadrons').checks).toEqual([
        { name: 'reachable', component: 'squadrons', ok: true, detail: expect.stringMatching(/^\d+ records$/) as unknown },
        { name: 'readable', component: 'squadrons', ok: false, detail: expect.stringMatching(/^cannot (open|read) wing-agents of component "agents": /) as unknown },
      ]);

      const alone = await monitor.check({ component: 'agents' });
      expect(alone.status).toBe('critical');
    } finally {
      await createDemoTables(env.runtime.dynamo);
      await (await DynamoTable.open(env.runtime.dynamo, names.agentsTable)).write(saved);
    }
    expect((await monitor.check()).status).toBe('healthy');
  });
});
