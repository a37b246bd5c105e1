import { createHash } from 'node:crypto';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/core/errors.js';
import {
  DEFAULT_DEMO_SCALE,
  agentItemKinds,
  authItemKinds,
  demoComponents,
  demoCounts,
  demoLiveStateFromItems,
  estimateDemoSize,
  generateAgentItems,
  generateAuthItems,
  generateSquadronItems,
  generateVisionLakeDocuments,
  planDemoMutation,
  type DemoComponent,
  type DemoItem,
  type DemoObject,
  type DemoTable,
  type DemoWrite,
  validateDemoOptions,
} from '../../src/local/demo/demo-records.js';

const SMALL = { scale: 0.01, seed: 7 };
const DAY_END = new Date(Date.UTC(2026, 0, 2));

/** The demo data held in memory the way the tables and bucket hold it. */
interface DemoWorld {
  tables: Record<DemoTable, Map<string, DemoItem>>;
  objects: Map<string, DemoObject>;
}

const keyOf = (item: DemoItem): string => `${item.pk?.S ?? ''}|${item.sk?.S ?? ''}`;
const tableOf: Record<DemoComponent, DemoTable> = {
  'vision-lake': 'visionLakeTable',
  auth: 'authTable',
  agents: 'agentsTable',
  squadrons: 'squadronsTable',
};

function generateWorld(options: { scale: number; seed: number }): DemoWorld {
  const world: DemoWorld = {
    tables: { visionLakeTable: new Map(), authTable: new Map(), agentsTable: new Map(), squadronsTable: new Map() },
    objects: new Map(),
  };
  for (const doc of generateVisionLakeDocuments(options)) {
    world.tables.visionLakeTable.set(keyOf(doc.indexItem), doc.indexItem);
    world.objects.set(doc.object.key, doc.object);
  }
  for (const item of generateAuthItems(options)) world.tables.authTable.set(keyOf(item), item);
  for (const item of generateAgentItems(options)) world.tables.agentsTable.set(keyOf(item), item);
  for (const item of generateSquadronItems(options)) world.tables.squadronsTable.set(keyOf(item), item);
  return world;
}

function cloneWorld(world: DemoWorld): DemoWorld {
  return {
    tables: {
      visionLakeTable: new Map(world.tables.visionLakeTable),
      authTable: new Map(world.tables.authTable),
      agentsTable: new Map(world.tables.agentsTable),
      squadronsTable: new Map(world.tables.squadronsTable),
    },
    objects: new Map(world.objects),
  };
}

/** What DynamoDB and S3 would do with the writes (updates only touch existing items). */
function applyWrites(world: DemoWorld, writes: readonly DemoWrite[]): void {
  for (const write of writes) {
    if (write.type === 'put-object') world.objects.set(write.object.key, write.object);
    if (write.type === 'delete-object') world.objects.delete(write.key);
    if (write.type === 'put-item') world.tables[write.table].set(keyOf(write.item), write.item);
    if (write.type === 'delete-item') world.tables[write.table].delete(keyOf(write.key));
    if (write.type === 'update-item') {
      const current = world.tables[write.table].get(keyOf(write.key));
      if (current) world.tables[write.table].set(keyOf(write.key), { ...current, ...write.set });
    }
  }
}

function liveState(world: DemoWorld) {
  return demoLiveStateFromItems({
    visionLake: [...world.tables.visionLakeTable.values()],
    auth: [...world.tables.authTable.values()],
    agents: [...world.tables.agentsTable.values()],
    squadrons: [...world.tables.squadronsTable.values()],
  });
}

/** Every cross-record rule of the demo data; returns the broken ones. */
function problemsOf(world: DemoWorld): string[] {
  const problems: string[] = [];
  const agents = world.tables.agentsTable;
  const agentIds = new Set([...agents.values()].map((a) => (a.pk?.S ?? '').replace('AGENT#', '')));
  for (const id of agentIds) {
    for (const sk of agentItemKinds) if (!agents.has(`AGENT#${id}|${sk}`)) problems.push(`agent ${id} has no ${sk}`);
  }
  for (const item of agents.values()) {
    for (const rel of item.relationships?.L ?? []) {
      const target = rel.M?.agentId?.S ?? '';
      if (!agentIds.has(target)) problems.push(`${item.pk?.S ?? ''} relates to missing agent ${target}`);
    }
  }
  const squadrons = new Map([...world.tables.squadronsTable.values()].map((s) => [s.squadronId?.S ?? '', s]));
  for (const [id, squadron] of squadrons) {
    const members = squadron.members?.SS ?? [];
    if (members.length === 0) problems.push(`squadron ${id} has no members`);
    for (const m of members) if (!agentIds.has(m)) problems.push(`squadron ${id} has missing member ${m}`);
    const seen = new Set([id]);
    const parentOf = (squadronId: string) => squadrons.get(squadronId)?.parentSquadron?.S;
    for (let parent = squadron.parentSquadron?.S; parent !== undefined; parent = parentOf(parent)) {
      if (!squadrons.has(parent)) problems.push(`squadron ${id} has missing parent ${parent}`);
      if (seen.has(parent)) {
        problems.push(`squadron ${id} is in a cycle`);
        break;
      }
      seen.add(parent);
    }
  }
  const indexed = new Set<string>();
  for (const item of world.tables.visionLakeTable.values()) {
    const key = item.bodyKey?.S ?? '';
    indexed.add(key);
    const object = world.objects.get(key);
    if (!object) {
      problems.push(`${item.pk?.S ?? ''} has no body`);
      continue;
    }
    const digest = createHash('sha256').update(object.body).digest('hex');
    if (digest !== item.digest?.S) problems.push(`${key} digest differs`);
    if (String(object.body.byteLength) !== item.size?.N) problems.push(`${key} size differs`);
    if (object.metadata.version !== item.version?.N) problems.push(`${key} version differs`);
    if (!agentIds.has(item.author?.S ?? '')) problems.push(`${key} has a missing author`);
  }
  for (const key of world.objects.keys()) if (!indexed.has(key)) problems.push(`${key} is not indexed`);
  const auth = [...world.tables.authTable.values()];
  const users = new Set(auth.filter((a) => a.kind?.S === 'user').map((a) => a.pk?.S));
  const sessions = new Set(auth.filter((a) => a.kind?.S === 'session').map((a) => keyOf(a)));
  for (const item of auth) {
    const kinds: readonly (string | undefined)[] = authItemKinds;
    if (!kinds.includes(item.kind?.S)) problems.push(`${keyOf(item)} has no kind`);
    if (item.kind?.S === 'session' && !users.has(item.pk?.S)) problems.push(`${keyOf(item)} belongs to no user`);
    if (item.kind?.S === 'revocation' && !sessions.has(`${item.sessionPk?.S ?? ''}|${item.sessionSk?.S ?? ''}`)) {
      problems.push(`${keyOf(item)} revokes a missing session`);
    }
  }
  return problems;
}

/** Attribute kinds used anywhere in an item, nested ones included. */
function kindsIn(value: AttributeValue, into: Set<string>): void {
  for (const [kind, inner] of Object.entries(value)) {
    if (inner === undefined) continue;
    into.add(kind);
    if (kind === 'L') for (const v of inner as AttributeValue[]) kindsIn(v, into);
    if (kind === 'M') for (const v of Object.values(inner as Record<string, AttributeValue>)) kindsIn(v, into);
  }
}

/** Items or objects that differ between two worlds (added, deleted or changed). */
function changedIn(before: Map<string, unknown>, after: Map<string, unknown>): number {
  let changed = 0;
  for (const [key, value] of after) if (JSON.stringify(before.get(key)) !== JSON.stringify(value)) changed += 1;
  for (const key of before.keys()) if (!after.has(key)) changed += 1;
  return changed;
}

describe('demo records', () => {
  it('generates the same records for the same seed and different ones for another seed', () => {
    const first = generateWorld(SMALL);
    const again = generateWorld(SMALL);
    const other = generateWorld({ ...SMALL, seed: 8 });

    for (const table of Object.keys(first.tables) as DemoTable[]) {
      expect([...again.tables[table]]).toEqual([...first.tables[table]]);
      expect([...other.tables[table].keys()]).not.toEqual([...first.tables[table].keys()]);
    }
    expect([...again.objects.values()].map((o) => o.digest)).toEqual([...first.objects.values()].map((o) => o.digest));
  });

  it('yields the counts of the scale, with every auth kind and two emergency credentials', () => {
    const counts = demoCounts(SMALL.scale);
    const world = generateWorld(SMALL);
    const kinds = [...world.tables.authTable.values()].map((a) => a.kind?.S);

    expect(world.tables.visionLakeTable.size).toBe(counts.documents);
    expect(world.objects.size).toBe(counts.documents);
    expect(world.tables.agentsTable.size).toBe(counts.agents * agentItemKinds.length);
    expect(world.tables.squadronsTable.size).toBe(counts.squadrons);
    expect(kinds.filter((k) => k === 'user')).toHaveLength(counts.users);
    expect(kinds.filter((k) => k === 'session')).toHaveLength(counts.sessions);
    expect(kinds.filter((k) => k === 'revocation')).toHaveLength(counts.revocations);
    expect(kinds.filter((k) => k === 'emergency-credential')).toHaveLength(2);
  });

  it('keeps its cross-record rules: bodies match the index, references resolve, the hierarchy is acyclic', () => {
    expect(problemsOf(generateWorld(SMALL))).toEqual([]);
    expect(problemsOf(generateWorld({ scale: 0.0001, seed: 3 }))).toEqual([]);
  });

  it('uses every DynamoDB attribute kind, so backups must keep values typed', () => {
    const world = generateWorld(SMALL);
    const kinds = new Set<string>();
    for (const table of Object.values(world.tables)) for (const item of table.values()) kindsIn({ M: item }, kinds);

    expect([...kinds].sort()).toEqual(['B', 'BOOL', 'L', 'M', 'N', 'NULL', 'S', 'SS']);
    expect([...world.tables.visionLakeTable.values()].some((i) => i.score?.N?.includes('.'))).toBe(true);
  });

  it('stores documents as markdown objects with their id and version as metadata', () => {
    const [doc] = generateVisionLakeDocuments(SMALL);

    expect(doc?.object.key).toBe(`docs/${doc?.docId ?? ''}.md`);
    expect(doc?.object.contentType).toBe('text/markdown');
    expect(doc?.object.metadata).toEqual({ 'doc-id': doc?.docId, version: doc?.indexItem.version?.N });
    expect(doc?.object.body.toString('utf8')).toMatch(/^# .+\n\n> /);
    expect(doc?.indexItem.embedding?.B?.byteLength).toBe(64);
  });

  it('sizes scale 1 at about 100 MB, mostly document bodies, without writing anything', () => {
    const { components, totalBytes } = estimateDemoSize({ scale: 1, seed: 1 });
    const visionLake = components['vision-lake'];

    expect(totalBytes).toBeGreaterThan(90e6);
    expect(totalBytes).toBeLessThan(115e6);
    expect(visionLake.objects).toBe(10_000);
    expect(visionLake.bytes / visionLake.objects).toBeGreaterThan(8_000);
    expect(visionLake.bytes / visionLake.objects).toBeLessThan(10_500);
    expect(visionLake.bytes / totalBytes).toBeGreaterThan(0.8);
    expect(components.auth.items).toBeGreaterThanOrEqual(20_000);
    expect(components.agents.items).toBe(4_800);
    expect(components.squadrons.items).toBe(300);
  });

  it('keeps the default scale small', () => {
    const { totalBytes } = estimateDemoSize({ scale: DEFAULT_DEMO_SCALE, seed: 1 });

    expect(totalBytes).toBeLessThan(5e6);
  });

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])('refuses scale %s', (scale) => {
    expect(() => demoCounts(scale)).toThrow(ValidationError);
  });

  it.each([-1, 1.5, Number.NaN])('refuses seed %s', (seed) => {
    expect(() => validateDemoOptions({ scale: 1, seed })).toThrow(ValidationError);
  });
});

describe('a day of activity', () => {
  const base = generateWorld(SMALL);

  it('changes about the percentage asked of each component and keeps the data valid', () => {
    const world = cloneWorld(base);

    const plan = planDemoMutation(liveState(world), { seed: SMALL.seed, day: 1, percent: 5, now: DAY_END });
    applyWrites(world, plan.writes);

    expect(problemsOf(world)).toEqual([]);
    for (const component of demoComponents) {
      const table = tableOf[component];
      const changed = changedIn(base.tables[table], world.tables[table]);
      const share = changed / base.tables[table].size;
      expect(changed, component).toBeGreaterThan(0);
      // Small tables round up to at least one record; big ones stay near 5 %.
      expect(share, component).toBeLessThanOrEqual(Math.max(0.1, 1.5 / base.tables[table].size));
    }
    const documents = plan.changes['vision-lake'];
    expect(changedIn(base.objects, world.objects)).toBe(documents.updated + documents.added + documents.deleted);
  });

  it('edits, adds and deletes documents, revokes a session and changes a password', () => {
    const plan = planDemoMutation(liveState(base), { seed: SMALL.seed, day: 2, percent: 1, now: DAY_END });
    const updates = plan.writes.filter((w) => w.type === 'update-item');
    const puts = plan.writes.filter((w) => w.type === 'put-item');

    expect(plan.changes['vision-lake']).toEqual({ updated: 1, added: 1, deleted: 1 });
    expect(puts.some((w) => w.item.kind?.S === 'revocation')).toBe(true);
    expect(puts.some((w) => w.item.kind?.S === 'session')).toBe(true);
    expect(updates.some((w) => w.set.passwordHash !== undefined)).toBe(true);
    expect(updates.some((w) => w.table === 'agentsTable' && w.key.sk?.S === 'STATE')).toBe(true);
    expect(updates.some((w) => w.table === 'squadronsTable' && w.set.parameters !== undefined)).toBe(true);
  });

  it('plans the same day the same way, and another day differently', () => {
    const state = liveState(base);
    const options = { seed: SMALL.seed, day: 3, percent: 2, now: DAY_END };

    const digest = (writes: readonly DemoWrite[]) => createHash('sha256').update(JSON.stringify(writes)).digest('hex');
    const once = digest(planDemoMutation(state, options).writes);

    expect(digest(planDemoMutation(state, options).writes)).toBe(once);
    expect(digest(planDemoMutation(state, { ...options, day: 4 }).writes)).not.toBe(once);
  });

  it('stays valid over eight days in a row', () => {
    const world = cloneWorld(base);

    for (let day = 1; day <= 8; day++) {
      const now = new Date(DAY_END.getTime() + day * 86_400_000);
      const plan = planDemoMutation(liveState(world), { seed: SMALL.seed, day, percent: 3, now });
      applyWrites(world, plan.writes);
    }

    expect(problemsOf(world)).toEqual([]);
    expect([...world.tables.authTable.values()].some((a) => a.disabledAt !== undefined)).toBe(true);
  });

  it('refuses a percentage outside 0-100', () => {
    const state = liveState(base);

    expect(() => planDemoMutation(state, { seed: 1, day: 1, percent: 101, now: DAY_END })).toThrow(ValidationError);
    expect(() => planDemoMutation(state, { seed: 1, day: -1, percent: 1, now: DAY_END })).toThrow(ValidationError);
  });
});
