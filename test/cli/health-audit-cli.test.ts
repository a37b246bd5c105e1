/**
 * `health:check`, `audit:list`, `audit:verify` and `audit:report` through the built CLI on one demo
 * state folder (CONTRACT.md, "CLI"): the fresh demo is healthy; bad input exits 2 with one line; a
 * fault the component checks detect (a squadron listing a missing agent) makes the platform
 * degraded (exit 1), an unreadable table makes it critical; the audit trail lists its records
 * newest first, `--limit` bounded, and tampering with either copy (table, audit bucket) exits 5.
 *
 * The tests share the state folder and run in order: the faults come last. Faults and audit
 * records are written in-process (`openLocalRuntime`), as an operator with access to the state
 * folder could.
 *
 * One set of local services serves the whole file: this process holds them as a temporary owner
 * (what a long-running command beside these would be), so each command uses their endpoints
 * instead of starting and stopping DynamoDB Local and s3rver itself (4-6 s a command on a slow
 * machine). Nothing here is about who owns the services (cli.test.ts and kill.test.ts are).
 */
import { DeleteItemCommand, DeleteTableCommand, GetItemCommand, PutItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defaultResourceNames } from '../../src/core/plan.js';
import type { LocalRuntime } from '../../src/local/local-runtime.js';
import {
  ADMIN,
  cliEnv,
  describeRun,
  disposeStateFolder,
  expectJsonSuccess,
  expectOneErrorLine,
  holdLocalServices,
  initialisedStateFolder,
  parseOneJsonObject,
  runWing,
  type RunResult,
  withStateFolderRuntime,
} from './cli-support.js';

/** The default plan's components in restore order. */
const ORDER = ['vision-lake', 'auth', 'agents', 'squadrons'];
const MISSING_AGENT = 'agt-does-not-exist';

let home = '';

function wing(args: readonly string[], timeoutMs = 60_000): Promise<RunResult> {
  return runWing(args, cliEnv(home), { timeoutMs });
}

/** Runs `work` against the state folder's services (the live owner's), then lets them go. */
function withRuntime<T>(work: (runtime: LocalRuntime) => Promise<T>): Promise<T> {
  return withStateFolderRuntime(home, work);
}

const healthStatus = z.enum(['healthy', 'degraded', 'critical']);
const componentHealthSchema = z.strictObject({
  component: z.string().min(1),
  status: healthStatus,
  checks: z.array(z.strictObject({ name: z.string().min(1), ok: z.boolean(), detail: z.string() })).min(1),
});
const healthFields = {
  status: healthStatus,
  checkedAt: z.iso.datetime({ offset: true }),
  components: z.array(componentHealthSchema).min(1),
};
const healthSchema = z.strictObject({ success: z.literal(true), ...healthFields });
const unhealthySchema = z.strictObject({ success: z.literal(false), error: z.string().min(1), ...healthFields });

const auditRecordSchema = z.strictObject({
  seq: z.number().int().positive(),
  time: z.iso.datetime({ offset: true }),
  actor: z.string(),
  action: z.string(),
  outcome: z.enum(['succeeded', 'refused', 'failed', 'started']),
  detail: z.string(),
});
const auditListSchema = z.strictObject({ success: z.literal(true), records: z.array(auditRecordSchema) });
const auditReportSchema = z.strictObject({
  success: z.literal(true),
  from: z.iso.datetime(),
  to: z.iso.datetime(),
  backups: z.array(z.object({ recoveryPointId: z.string(), createdAt: z.iso.datetime(), status: z.string(), verifiedAt: z.string().nullable() })),
  verifications: z.array(z.object({ recoveryPointId: z.string(), verifiedAt: z.iso.datetime() })),
  drills: z.array(z.unknown()),
  rollbacks: z.array(z.object({ rollbackId: z.string(), command: z.string(), initiator: z.string(), reason: z.string(), phase: z.string() })),
  refusals: z.array(z.object({ seq: z.number(), time: z.iso.datetime(), actor: z.string(), action: z.string(), detail: z.string(), source: z.string().nullable() })),
  auditChain: z.strictObject({ ok: z.boolean(), records: z.number(), problems: z.array(z.unknown()) }),
});

/** A failed `health:check --json`: exit 1, the report beside the error, one `wing:` line last. */
function expectUnhealthy(r: RunResult): z.infer<typeof unhealthySchema> {
  const message = expectOneErrorLine(r, 1, { json: true, onlyLine: false, extraJsonFields: true });
  const parsed = unhealthySchema.safeParse(parseOneJsonObject(r.stdout));
  if (!parsed.success) throw new Error(`--json output does not match the contract: ${z.prettifyError(parsed.error)}\n${r.stdout}`);
  expect(parsed.data.error).toBe(message);
  expect(message).toContain(`platform is ${parsed.data.status}`);
  return parsed.data;
}

beforeAll(async () => {
  const folder = await initialisedStateFolder('wing-health-audit-cli-', { scale: 0.01 });
  home = folder.home;
  expect(folder.init.code, describeRun(folder.init)).toBe(0);
  await holdLocalServices(home);
}, 240_000);

afterAll(async () => {
  await disposeStateFolder(home, 'the health and audit CLI tests');
}, 30_000);

// Each CLI command takes 1-3 s (more on a busy machine).
describe('health:check and audit:list', { timeout: 150_000 }, () => {
  describe('on the fresh demo', () => {
    it('health:check --json: healthy, every component in restore order, exit 0', async () => {
      const body = expectJsonSuccess(await wing(['health:check', '--json']), healthSchema);
      expect(body.status).toBe('healthy');
      expect(Math.abs(Date.now() - Date.parse(body.checkedAt))).toBeLessThan(120_000);
      expect(body.components.map((c) => c.component)).toEqual(ORDER);
      for (const c of body.components) {
        expect(c.status, c.component).toBe('healthy');
        expect(c.checks.every((k) => k.ok), JSON.stringify(c.checks)).toBe(true);
        expect(c.checks.map((k) => k.name)).toContain('reachable');
      }
      // The validators of each component ran, not only the reachability scan.
      const squadrons = body.components.find((c) => c.component === 'squadrons');
      expect(squadrons?.checks.map((k) => k.name)).toEqual(expect.arrayContaining(['members-exist', 'hierarchy-acyclic']));
    });

    it('health:check prints "platform: healthy" and a table for people', async () => {
      const r = await wing(['health:check']);
      expect(r.code, describeRun(r)).toBe(0);
      const lines = r.stdout.trimEnd().split('\n');
      expect(lines[0]).toBe('platform: healthy');
      for (const name of ORDER) expect(r.stdout).toMatch(new RegExp(`^${name}\\s+healthy`, 'm'));
    });

    it('health:check --component auth reports auth only', async () => {
      const body = expectJsonSuccess(await wing(['health:check', '--component', 'auth', '--json']), healthSchema);
      expect(body.status).toBe('healthy');
      expect(body.components.map((c) => c.component)).toEqual(['auth']);
      expect(body.components[0]?.checks.map((k) => k.name)).toEqual(expect.arrayContaining(['reachable', 'emergency-credential-present', 'sessions-have-users']));
    });

    it.each([[['--json']], [[]]])('health:check --component nope %j exits 2 with one line naming the components', async (extra) => {
      const r = await wing(['health:check', '--component=nope', ...extra]);
      const message = expectOneErrorLine(r, 2, { json: extra.includes('--json') });
      expect(message).toContain('nope');
      for (const name of ORDER) expect(message).toContain(name);
    });

    it('audit:list --json exits 0 with a records array', async () => {
      const body = expectJsonSuccess(await wing(['audit:list', '--json']), auditListSchema);
      // Records come from the admin API and rollbacks; init writes none, but a list is a list.
      expect(Array.isArray(body.records)).toBe(true);
      const r = await wing(['audit:list']);
      expect(r.code, describeRun(r)).toBe(0);
      expect(r.stdout.trim().length).toBeGreaterThan(0);
    });

    it.each([['--limit=0'], ['--limit=1001'], ['--limit=abc'], ['--limit=2.5'], ['--limit=-1']])('audit:list %s exits 2 with one line', async (flag) => {
      const r = await wing(['audit:list', flag, '--json']);
      const message = expectOneErrorLine(r, 2, { json: true });
      expect(message).toContain('--limit');
    });

    it('audit:report over the demo history: its backups and a refused rollback, in JSON and Markdown', async () => {
      const refused = await runWing(['rollback:quick', '--json'], cliEnv(home, { WING_USERNAME: ADMIN.username, WING_PASSWORD: ADMIN.password, WING_TOTP: '000000' }), { timeoutMs: 60_000 });
      expectOneErrorLine(refused, 3, { json: true, onlyLine: false });
      const from = new Date(Date.now() - 9 * 86_400_000).toISOString().slice(0, 10);
      const report = expectJsonSuccess(await wing(['audit:report', `--from=${from}`, '--json']), auditReportSchema);
      expect(report.backups.length).toBeGreaterThanOrEqual(8);
      expect(report.backups.every((b) => b.status === 'Completed' && b.verifiedAt !== null)).toBe(true);
      expect(report.verifications.length).toBeGreaterThanOrEqual(8);
      expect(report.refusals.at(-1)).toMatchObject({ actor: ADMIN.username });
      expect(report.auditChain).toMatchObject({ ok: true, problems: [] });
      const markdown = await wing(['audit:report', `--from=${from}`]);
      expect(markdown.code, describeRun(markdown)).toBe(0);
      for (const heading of ['## Backups', '## Verifications', '## Drills', '## Rollbacks and undos', '## Refusals', '## Audit trail']) expect(markdown.stdout).toContain(`\n${heading}\n`);
      expect(markdown.stdout).toContain('No drills recorded in the period.');
    });

    it('an unknown flag is bad usage (exit 2), one line', async () => {
      for (const command of ['health:check', 'audit:list']) {
        const r = await wing([command, '--bogus', '--json']);
        expectOneErrorLine(r, 2, { json: true });
      }
    });
  });

  describe('with audit records and faults', () => {
    it('audit:list shows the records newest first, --limit the newest N', async () => {
      const before = expectJsonSuccess(await wing(['audit:list', '--json', '--limit=1000']), auditListSchema).records;
      await withRuntime(async (runtime) => {
        for (const i of [1, 2, 3]) {
          await runtime.services.audit.append({ actor: 'admin', action: `test.action${i}`, outcome: i === 2 ? 'refused' : 'succeeded', detail: `record ${i} of the test`, source: 'cli' });
        }
      });
      const all = expectJsonSuccess(await wing(['audit:list', '--json']), auditListSchema).records;
      expect(all).toHaveLength(before.length + 3);
      expect(all.slice(0, 3).map((r) => r.action)).toEqual(['test.action3', 'test.action2', 'test.action1']);
      const seqs = all.map((r) => r.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
      expect(all[1]).toMatchObject({ actor: 'admin', outcome: 'refused', detail: 'record 2 of the test' });

      const two = expectJsonSuccess(await wing(['audit:list', '--limit', '2', '--json']), auditListSchema).records;
      expect(two).toEqual(all.slice(0, 2));

      const text = await wing(['audit:list', '--limit=3']);
      expect(text.code, describeRun(text)).toBe(0);
      for (const i of [1, 2, 3]) expect(text.stdout).toContain(`test.action${i}`);
    });

    it('audit:verify passes an intact chain, and exits 5 naming a record altered or removed through DynamoDB', async () => {
      await withRuntime(async (runtime) => {
        for (const i of [4, 5, 6, 7]) await runtime.services.audit.append({ actor: 'admin', action: `test.chain${i}`, outcome: 'succeeded', detail: `record ${i} of the chain test`, source: 'cli' });
      });
      const intact = expectJsonSuccess(await wing(['audit:verify', '--json']), z.object({ records: z.number().min(4), head: z.string().regex(/^[0-9a-f]{64}$/), problems: z.array(z.unknown()).length(0) }));
      const records = expectJsonSuccess(await wing(['audit:list', '--json', '--limit=4']), auditListSchema).records;
      const [newest, , second] = records;
      if (!newest || !second) throw new Error('no records');
      expect(intact.records).toBe(newest.seq);
      const key = (seq: number): Record<string, AttributeValue> => ({ pk: { S: 'AUDIT' }, sk: { S: String(seq).padStart(12, '0') } });
      const stored = await withRuntime((runtime) => runtime.dynamo.send(new GetItemCommand({ TableName: 'wing-rollback-system', Key: key(second.seq) })));
      const original = stored.Item;
      if (!original?.data?.S) throw new Error('no stored record');
      // Someone with write access to the table softens what happened.
      const altered = { ...(JSON.parse(original.data.S) as Record<string, unknown>), outcome: 'refused' };
      await withRuntime((runtime) => runtime.dynamo.send(new PutItemCommand({ TableName: 'wing-rollback-system', Item: { ...original, data: { S: JSON.stringify(altered) } } })));
      const r = await wing(['audit:verify', '--json']);
      expect(expectOneErrorLine(r, 5, { json: true, extraJsonFields: true })).toContain(`record ${String(second.seq)} altered`);
      // Removed instead of altered: the gap names the record after it.
      await withRuntime((runtime) => runtime.dynamo.send(new DeleteItemCommand({ TableName: 'wing-rollback-system', Key: key(second.seq) })));
      const removed = await wing(['audit:verify', '--json']);
      expect(expectOneErrorLine(removed, 5, { json: true, extraJsonFields: true })).toContain(`record ${String(second.seq + 1)} removed`);
      // Put back as it was, the chain verifies again.
      await withRuntime((runtime) => runtime.dynamo.send(new PutItemCommand({ TableName: 'wing-rollback-system', Item: original })));
      expect((await wing(['audit:verify'])).code).toBe(0);
    });

    it('audit:verify exits 5 naming a record deleted from the audit bucket, the table being intact', async () => {
      const [newest] = expectJsonSuccess(await wing(['audit:list', '--json', '--limit=1']), auditListSchema).records;
      if (!newest) throw new Error('no records');
      const seq = newest.seq - 1;
      const object = { Bucket: 'wing-rollback-audit', Key: `audit/${String(seq).padStart(12, '0')}.json` };
      const body = await withRuntime(async (runtime) => {
        const out = await runtime.s3.send(new GetObjectCommand(object));
        await runtime.s3.send(new DeleteObjectCommand(object));
        return out.Body?.transformToString();
      });
      const r = await wing(['audit:verify', '--json']);
      expect(expectOneErrorLine(r, 5, { json: true, extraJsonFields: true })).toContain(`record ${String(seq)} removed (in the audit bucket)`);
      await withRuntime((runtime) => runtime.s3.send(new PutObjectCommand({ ...object, Body: body })));
      expect((await wing(['audit:verify'])).code).toBe(0);
    });

    it('a squadron listing a missing agent: degraded, exit 1, the failing check named', async () => {
      await withRuntime((runtime) =>
        runtime.dynamo.send(
          new PutItemCommand({
            TableName: defaultResourceNames.squadronsTable,
            Item: { pk: { S: 'SQUADRON#sqd-health-test' }, sk: { S: 'META' }, squadronId: { S: 'sqd-health-test' }, members: { SS: [MISSING_AGENT] } },
          }),
        ),
      );
      const body = expectUnhealthy(await wing(['health:check', '--json']));
      expect(body.status).toBe('degraded');
      expect(body.components.map((c) => c.component)).toEqual(ORDER);
      const byName = new Map(body.components.map((c) => [c.component, c]));
      for (const name of ['vision-lake', 'auth', 'agents']) expect(byName.get(name)?.status, name).toBe('healthy');
      const squadrons = byName.get('squadrons');
      expect(squadrons?.status).toBe('degraded');
      const failing = squadrons?.checks.filter((k) => !k.ok) ?? [];
      expect(failing.map((k) => k.name)).toEqual(['members-exist']);
      expect(failing[0]?.detail).toContain(MISSING_AGENT);
      expect(body.error).toContain('squadrons members-exist');

      // For people: the first line, the table with the failing check, the error line on stderr.
      const r = await wing(['health:check']);
      expect(r.code, describeRun(r)).toBe(1);
      expect(r.stdout.split('\n')[0]).toBe('platform: degraded');
      expect(r.stdout).toMatch(/^squadrons\s+degraded\s+members-exist: /m);
      const errorLines = r.stderr.split('\n').filter((l) => l.startsWith('wing: '));
      expect(errorLines, describeRun(r)).toHaveLength(1);
      expect(errorLines[0]).toContain('platform is degraded');
    });

    it('--component scopes the status: auth stays healthy (exit 0) while squadrons is degraded (exit 1)', async () => {
      const auth = expectJsonSuccess(await wing(['health:check', '--component', 'auth', '--json']), healthSchema);
      expect(auth.status).toBe('healthy');
      const squadrons = expectUnhealthy(await wing(['health:check', '--component', 'squadrons', '--json']));
      expect(squadrons.status).toBe('degraded');
      expect(squadrons.components.map((c) => c.component)).toEqual(['squadrons']);
    });

    it('a table that cannot be read: critical, exit 1', async () => {
      await withRuntime((runtime) => runtime.dynamo.send(new DeleteTableCommand({ TableName: defaultResourceNames.agentsTable })));
      const body = expectUnhealthy(await wing(['health:check', '--json']));
      expect(body.status).toBe('critical');
      const agents = body.components.find((c) => c.component === 'agents');
      expect(agents?.status).toBe('critical');
      expect(agents?.checks.map((k) => ({ name: k.name, ok: k.ok }))).toEqual([{ name: 'reachable', ok: false }]);
      // The component that depends on it is still reported, not the whole report lost.
      expect(body.components.map((c) => c.component)).toEqual(ORDER);
      expect(body.components.find((c) => c.component === 'squadrons')?.status).not.toBe('healthy');
    });
  });
});
