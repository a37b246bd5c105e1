/**
 * The `wing` CLI end to end (CONTRACT.md, "CLI"): the compiled `dist/bin/wing.js` run as a child
 * process on one demo state folder, initialised once. The tests that check what a command leaves
 * behind as a temporary owner (`expectNoOwnerLeft`) run their commands without a live owner, so
 * each starts DynamoDB Local and s3rver itself and stops them on exit; the others share services
 * this process holds (see `sharedServices`).
 *
 * The tests of one file share the state folder and run in order: list → create → rebuild →
 * verify → retention → bad input → tampering.
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { totpCode } from '../../src/core/credentials.js';
import {
  ADMIN,
  ADMIN_ENV,
  backupCreateSchema,
  backupListSchema,
  cliEnv,
  componentSnapshotSchema,
  describeRun,
  expectJsonSuccess,
  expectOneErrorLine,
  parseOneJsonObject,
  planShowSchema,
  retentionSchema,
  runWing,
  verifySchema,
  type RecoveryPointJson,
  type RunResult,
  disposeStateFolder,
  holdLocalServices,
  newStateFolder,
  releaseLocalServices,
} from './cli-support.js';

const COMPONENTS = ['vision-lake', 'auth', 'agents', 'squadrons'];

let home = '';
let initRun: RunResult;

/** Environment of a command that needs no credentials. */
function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return cliEnv(home, extra);
}

/** Environment of a † command: the administrator's username, password and a TOTP code. */
function adminEnv(totp: string): NodeJS.ProcessEnv {
  return cliEnv(home, { WING_USERNAME: ADMIN.username, WING_PASSWORD: ADMIN.password, WING_TOTP: totp });
}

function wing(args: readonly string[], environment: NodeJS.ProcessEnv = env(), timeoutMs = 60_000): Promise<RunResult> {
  return runWing(args, environment, { timeoutMs });
}

async function listPoints(args: readonly string[] = []): Promise<RecoveryPointJson[]> {
  return expectJsonSuccess(await wing(['backup:list', '--json', ...args]), backupListSchema).recoveryPoints;
}

function newestFirst(points: readonly RecoveryPointJson[]): RecoveryPointJson[] {
  return [...points].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}

/**
 * Tests that check what a command leaves behind as the temporary owner of the local services
 * (`expectNoOwnerLeft`) call this first: no live owner, so each command of theirs starts and stops
 * its own DynamoDB Local and s3rver, exactly as a command run alone does.
 */
async function ownServices(): Promise<void> {
  await releaseLocalServices(home);
}

/**
 * The other tests call this first: this process holds the services as a temporary owner (what a
 * long command beside them would be), and their commands use its endpoints (CONTRACT.md, "State
 * folder and who owns the local services") instead of spending 4-6 s each starting and stopping
 * the services on a slow machine. They check what the commands do, not who owns the services, and
 * † commands still run in the CLI process with the same checks. Consecutive such tests keep the
 * same services.
 */
async function sharedServices(): Promise<void> {
  await holdLocalServices(home);
}

/** The owner files are gone once the command that was a temporary owner exited. */
function expectNoOwnerLeft(): void {
  expect(existsSync(join(home, 'run.lock')), 'run.lock left behind').toBe(false);
  expect(existsSync(join(home, 'endpoints.json')), 'endpoints.json left behind').toBe(false);
}

beforeAll(async () => {
  home = await newStateFolder('wing-cli-');
  initRun = await wing(['init', '--demo', '--scale', '0.01', '--json'], cliEnv(home, ADMIN_ENV), 120_000);
}, 240_000);

afterAll(async () => {
  await disposeStateFolder(home, 'the CLI tests');
}, 30_000);

// Each test runs a few CLI commands of 2-5 s each (more on a busy machine).
describe('wing CLI on a demo state folder', { timeout: 150_000 }, () => {
  let pointsBefore: RecoveryPointJson[] = [];

  describe('init', () => {
    it('init --demo --scale 0.01 creates the state folder, the administrator and 8 verified recovery points', () => {
      const body = expectJsonSuccess(
        initRun,
        z.object({
          success: z.literal(true),
          home: z.string(),
          administrator: z.string(),
          administratorCreated: z.boolean(),
          demo: z.object({ loaded: z.boolean(), scale: z.number(), recoveryPoints: z.array(z.string()) }),
        }),
      );
      expect(body.home).toBe(home);
      expect(body.administrator).toBe(ADMIN.username);
      expect(body.administratorCreated).toBe(true);
      expect(body.demo).toMatchObject({ loaded: true, scale: 0.01 });
      expect(body.demo.recoveryPoints).toHaveLength(8);
      // The state folder is 0700; the temporary owner removed run.lock and endpoints.json.
      expect(statSync(home).mode & 0o777).toBe(0o700);
      expect(statSync(join(home, 'keys', 'master.key')).mode & 0o777).toBe(0o600);
      expectNoOwnerLeft();
      // Bootstrapping from WING_ADMIN_* shows no secret.
      expect(initRun.stderr).not.toContain(ADMIN.password);
      expect(initRun.stderr).not.toContain(ADMIN.totpSecret);
    });

    it.each([['--scale=-1'], ['--scale=0'], ['--scale=abc']])('init %s is bad usage (exit 2), one line', async (flag) => {
      const r = await wing(['init', '--demo', flag, '--json']);
      const message = expectOneErrorLine(r, 2, { json: true });
      expect(message).toContain('--scale');
    });
  });

  describe('plan:show', () => {
    it('--json prints the four components with dependsOn, level, schedule and sources', async () => {
      await ownServices();
      const body = expectJsonSuccess(await wing(['plan:show', '--json']), planShowSchema);
      expect(body.components.map((c) => c.name)).toEqual(COMPONENTS);
      const byName = new Map(body.components.map((c) => [c.name, c]));
      expect(byName.get('vision-lake')).toMatchObject({ dependsOn: [], level: 0 });
      expect(byName.get('auth')?.dependsOn).toEqual(['vision-lake']);
      expect(byName.get('squadrons')?.dependsOn).toEqual(['agents']);
      // Every dependency is on a lower level.
      for (const c of body.components) for (const d of c.dependsOn) expect(byName.get(d)?.level ?? Infinity).toBeLessThan(c.level);
      expect(byName.get('vision-lake')?.sources).toEqual([
        { type: 'dynamodb', tableName: 'wing-vision-lake' },
        { type: 's3', bucketName: 'wing-vision-lake-documents', prefix: '' },
      ]);
      for (const name of ['auth', 'agents', 'squadrons']) expect(byName.get(name)?.sources).toEqual([{ type: 'dynamodb', tableName: `wing-${name}` }]);
      expect(body.jobs).toEqual({ retention: 'rate(1 day)', drill: 'rate(1 day)', health: 'rate(15 minutes)' });
      expectNoOwnerLeft();
    });

    it('prints a table for people', async () => {
      const r = await wing(['plan:show']);
      expect(r.code, describeRun(r)).toBe(0);
      for (const name of COMPONENTS) expect(r.stdout).toContain(name);
      expect(r.stdout).toContain('retention');
      expect(r.stdout).toContain('schedules: retention rate(1 day), restore drill rate(1 day), health check rate(15 minutes)');
    });
  });

  describe('backup:list', () => {
    it('--json lists the demo history with the contract fields, newest first, all Completed and verified', async () => {
      await ownServices();
      pointsBefore = await listPoints();
      expect(pointsBefore).toHaveLength(8);
      expect(pointsBefore.map((p) => p.recoveryPointId)).toEqual(newestFirst(pointsBefore).map((p) => p.recoveryPointId));
      for (const p of pointsBefore) {
        expect(p.status).toBe('Completed');
        expect(p.verifiedAt).not.toBeNull();
        expect(p.lastDrill).toBeNull();
        expect(p.snapshots.map((s) => s.component).sort()).toEqual([...COMPONENTS].sort());
      }
      // One point a day for the past 8 days.
      const days = new Set(pointsBefore.map((p) => p.createdAt.slice(0, 10)));
      expect(days.size).toBe(8);
      expectNoOwnerLeft();
    });

    it('--component auth keeps only the auth snapshots', async () => {
      await sharedServices();
      const points = await listPoints(['--component', 'auth']);
      expect(points.map((p) => p.recoveryPointId)).toEqual(pointsBefore.map((p) => p.recoveryPointId));
      for (const p of points) {
        expect(p.snapshots).toHaveLength(1);
        expect(p.snapshots[0]?.component).toBe('auth');
      }
    });

    it('"npx wing backup list" (group and command) prints the same as backup:list', async () => {
      await sharedServices();
      const grouped = await runWing(['backup', 'list', '--json'], env(), { command: ['npx', 'wing'] });
      const colon = await wing(['backup:list', '--json']);
      expect(grouped.code, describeRun(grouped)).toBe(0);
      expect(colon.code, describeRun(colon)).toBe(0);
      expect(parseOneJsonObject(grouped.stdout)).toEqual(parseOneJsonObject(colon.stdout));
    });

    it('prints a table for people', async () => {
      await sharedServices();
      const r = await wing(['backup:list']);
      expect(r.code, describeRun(r)).toBe(0);
      for (const p of pointsBefore) expect(r.stdout).toContain(p.recoveryPointId);
    });
  });

  describe('backup:create', () => {
    let created: z.infer<typeof backupCreateSchema>;

    it('takes a verified recovery point of every component', async () => {
      await ownServices();
      const r = await wing(['backup:create', '--json']);
      created = expectJsonSuccess(r, backupCreateSchema);
      expect(created.snapshots.map((s) => s.component)).toEqual(COMPONENTS);
      for (const s of created.snapshots) expect(s.items).toBeGreaterThan(0);
      expect(Date.now() - Date.parse(created.verifiedAt)).toBeLessThan(120_000);
      // Progress goes to stderr, never stdout (stdout parsed as one object above).
      expect(r.stderr.length).toBeGreaterThan(0);
      expectNoOwnerLeft();

      const points = await listPoints();
      expect(points).toHaveLength(pointsBefore.length + 1);
      const newest = points[0];
      expect(newest?.recoveryPointId).toBe(created.recoveryPointId);
      expect(newest?.status).toBe('Completed');
      expect(newest?.verifiedAt).not.toBeNull();
      expect(newest?.snapshots).toEqual(created.snapshots);
      pointsBefore = points;
    });

    it('--component auth takes a single-component snapshot, not a recovery point', async () => {
      await sharedServices();
      const r = await wing(['backup:create', '--component', 'auth', '--json']);
      const body = expectJsonSuccess(r, componentSnapshotSchema);
      expect(body.component).toBe('auth');
      expect(body.snapshotId).toContain('auth');
      expect(body).not.toHaveProperty('recoveryPointId');
      expect(body.items).toBeGreaterThan(0);
      const points = await listPoints();
      expect(points.map((p) => p.recoveryPointId)).toEqual(pointsBefore.map((p) => p.recoveryPointId));
    });

    it('--type full takes a full recovery point', async () => {
      await sharedServices();
      const body = expectJsonSuccess(await wing(['backup:create', '--type', 'full', '--json']), backupCreateSchema);
      const points = await listPoints();
      expect(points[0]?.recoveryPointId).toBe(body.recoveryPointId);
      expect(points[0]?.type).toBe('full');
      expect(points[0]?.status).toBe('Completed');
      pointsBefore = points;
    });
  });

  describe('backup:list --rebuild', () => {
    it('rebuilds the catalog from the vault alone: same points, statuses and snapshots', async () => {
      await sharedServices();
      const rebuilt = await listPoints(['--rebuild']);
      const essentials = (ps: RecoveryPointJson[]): unknown =>
        ps.map((p) => ({ id: p.recoveryPointId, createdAt: p.createdAt, type: p.type, status: p.status, snapshots: p.snapshots }));
      expect(essentials(rebuilt)).toEqual(essentials(pointsBefore));
      for (const p of rebuilt) expect(p.verifiedAt).not.toBeNull();
    });
  });

  describe('backup:verify', () => {
    it('without flags verifies the newest point', async () => {
      await ownServices();
      const body = expectJsonSuccess(await wing(['backup:verify', '--json']), verifySchema);
      expect(body.recoveryPoints).toEqual([{ recoveryPointId: pointsBefore[0]?.recoveryPointId, ok: true, status: 'Completed' }]);
      expect(body.problems).toEqual([]);
      expectNoOwnerLeft();
    });

    it('--backup-id verifies exactly that point', async () => {
      await sharedServices();
      const oldest = pointsBefore.at(-1)?.recoveryPointId ?? '';
      const body = expectJsonSuccess(await wing(['backup:verify', '--backup-id', oldest, '--json']), verifySchema);
      expect(body.recoveryPoints).toEqual([{ recoveryPointId: oldest, ok: true, status: 'Completed' }]);
    });

    it('--all verifies every point', async () => {
      await sharedServices();
      const body = expectJsonSuccess(await wing(['backup:verify', '--all', '--json']), verifySchema);
      expect(body.recoveryPoints.map((p) => p.recoveryPointId).sort()).toEqual(pointsBefore.map((p) => p.recoveryPointId).sort());
      expect(body.recoveryPoints.every((p) => p.ok && p.status === 'Completed')).toBe(true);
      expect(body.problems).toEqual([]);
    });
  });

  describe('retention:apply', () => {
    let dryRun: z.infer<typeof retentionSchema>;

    it('--dry-run needs no credentials and changes nothing', async () => {
      await sharedServices();
      dryRun = expectJsonSuccess(await wing(['retention:apply', '--dry-run', '--json']), retentionSchema);
      expect(dryRun.dryRun).toBe(true);
      const ids = new Set(pointsBefore.map((p) => p.recoveryPointId));
      for (const k of dryRun.kept) expect(ids.has(k.recoveryPointId)).toBe(true);
      for (const d of dryRun.deletedRecoveryPoints) expect(ids.has(d)).toBe(true);
      expect(dryRun.kept.length + dryRun.deletedRecoveryPoints.length).toBe(pointsBefore.length);
      // The newest verified point is always kept.
      expect(dryRun.kept.map((k) => k.recoveryPointId)).toContain(pointsBefore[0]?.recoveryPointId);
      expect((await listPoints()).map((p) => p.recoveryPointId)).toEqual(pointsBefore.map((p) => p.recoveryPointId));
    });

    it('with a wrong TOTP code is refused (exit 3), one line, nothing deleted', async () => {
      await ownServices();
      const now = Date.now();
      const valid = new Set([-30_000, 0, 30_000].map((d) => totpCode(ADMIN.totpSecret, new Date(now + d))));
      let wrong = '123456';
      while (valid.has(wrong)) wrong = String((Number(wrong) + 1) % 1_000_000).padStart(6, '0');
      const r = await wing(['retention:apply', '--json'], adminEnv(wrong));
      const message = expectOneErrorLine(r, 3, { json: true });
      expect(message).toMatch(/authentication refused/);
      expect(message).not.toContain(ADMIN.password);
      expectNoOwnerLeft();
      expect((await listPoints()).map((p) => p.recoveryPointId)).toEqual(pointsBefore.map((p) => p.recoveryPointId));
    });

    it('with the administrator\'s password and TOTP code deletes what the dry run announced', async () => {
      await sharedServices();
      const r = await wing(['retention:apply', '--reason', 'cli test', '--json'], adminEnv(totpCode(ADMIN.totpSecret, new Date())));
      const body = expectJsonSuccess(r, retentionSchema);
      expect(body.dryRun).toBe(false);
      expect([...body.deletedRecoveryPoints].sort()).toEqual([...dryRun.deletedRecoveryPoints].sort());
      expect(body.kept).toEqual(dryRun.kept);
      const after = await listPoints();
      expect(after.map((p) => p.recoveryPointId).sort()).toEqual(dryRun.kept.map((k) => k.recoveryPointId).sort());
      pointsBefore = after;
    });
  });

  describe('bad usage and invalid input: contract exit code, one line on stderr, {success:false,error} on stdout', () => {
    it.each([
      { name: 'an unknown flag', args: ['backup:list', '--bogus'], mentions: '--bogus' },
      { name: 'a --password flag', args: ['retention:apply', '--password=x'], mentions: 'WING_PASSWORD' },
      { name: 'a --password flag with a separate value', args: ['retention:apply', '--dry-run', '--password', 'x'], mentions: 'WING_PASSWORD' },
      { name: '--type weird', args: ['backup:create', '--type', 'weird'], mentions: 'weird' },
      { name: '--backup-id with --all', args: ['backup:verify', '--backup-id', 'X', '--all'], mentions: '--all' },
      { name: '--target aws without a region', args: ['backup:list', '--target', 'aws'], mentions: 'region' },
      { name: '--stack without --target aws', args: ['backup:list', '--stack', 'WingRollback'], mentions: '--target aws' },
      { name: 'init --target aws', args: ['init', '--target', 'aws', '--region', 'eu-west-1'], mentions: 'local' },
      { name: '--target elsewhere', args: ['backup:list', '--target', 'elsewhere'], mentions: 'elsewhere' },
      { name: 'an unknown command', args: ['nonsense'], mentions: 'nonsense' },
      { name: 'plan:show --target aws without a region', args: ['plan:show', '--target', 'aws'], mentions: 'region' },
      { name: 'rollback:plan --hours=-1', args: ['rollback:plan', '--hours=-1'], mentions: '--hours' },
      { name: 'rollback:plan with --hours and --backup-id', args: ['rollback:plan', '--hours=1', '--backup-id=X'], mentions: 'not both' },
      { name: 'plan:show --no-wait', args: ['plan:show', '--no-wait'], mentions: 'rollbacks' },
      { name: 'start --target aws', args: ['start', '--target', 'aws'], mentions: 'local' },
    ])('$name exits 2 (json and text)', async ({ args, mentions }) => {
      await ownServices();
      const [json, text] = await Promise.all([wing([...args, '--json']), wing(args)]);
      expect(expectOneErrorLine(json, 2, { json: true })).toContain(mentions);
      expect(expectOneErrorLine(text, 2, { json: false })).toContain(mentions);
      expectNoOwnerLeft();
    });

    it('--component nope exits 2 and names the components that exist', async () => {
      await ownServices();
      const r = await wing(['backup:create', '--component', 'nope', '--json']);
      const message = expectOneErrorLine(r, 2, { json: true });
      expect(message).toContain('nope');
      for (const c of COMPONENTS) expect(message).toContain(c);
      expectNoOwnerLeft();
      const list = await wing(['backup:list', '--component', 'nope', '--json']);
      expect(expectOneErrorLine(list, 2, { json: true })).toContain('nope');
    });

    it('backup:verify --backup-id rp-does-not-exist is invalid input: exit 2, one line naming the id', async () => {
      await ownServices();
      const r = await wing(['backup:verify', '--backup-id', 'rp-does-not-exist', '--json']);
      const message = expectOneErrorLine(r, 2, { json: true });
      expect(message).toContain('rp-does-not-exist');
      expectNoOwnerLeft();
    });

    it('rollback:plan prints per-component counts and changes nothing; with no point old enough it exits 1 listing the points', async () => {
      await sharedServices();
      const r = await wing(['rollback:plan', '--json']);
      expect(r.code).toBe(0);
      const out = JSON.parse(r.stdout) as { success: boolean; recoveryPointId: string; components: { component: string; write: number; delete: number; unchanged: number }[] };
      expect(out.success).toBe(true);
      expect(out.components.map((c) => c.component)).toEqual(['vision-lake', 'auth', 'agents', 'squadrons']);
      const tooOld = await wing(['rollback:plan', '--hours=5000', '--json']);
      expect(expectOneErrorLine(tooOld, 1, { json: true })).toMatch(/no verified recovery point is at least 5000 h old .*rollback:custom/);
    });

    it('wing without a command shows the usage on stderr and exits 2', async () => {
      const r = await wing([]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('Usage: wing');
      expect(r.stdout).toBe('');
    });

    it('retention:apply without WING_PASSWORD and without a terminal exits 2 instead of waiting for a prompt', async () => {
      const r = await wing(['retention:apply', '--json'], env({ WING_USERNAME: ADMIN.username, WING_TOTP: '123456' }), 20_000);
      expect(expectOneErrorLine(r, 2, { json: true })).toContain('WING_PASSWORD');
      const noUser = await wing(['retention:apply', '--json'], env({ WING_PASSWORD: ADMIN.password, WING_TOTP: '123456' }), 20_000);
      expect(expectOneErrorLine(noUser, 2, { json: true })).toContain('WING_USERNAME');
    });

    it('retention:apply with a malformed TOTP code exits 2', async () => {
      const r = await wing(['retention:apply', '--totp', '12ab', '--json'], env({ WING_USERNAME: ADMIN.username, WING_PASSWORD: ADMIN.password }), 20_000);
      expect(expectOneErrorLine(r, 2, { json: true })).toContain('6 digits');
    });
  });

  describe('tampering with the vault', () => {
    it('one flipped byte in a stored pack: backup:verify exits 5 naming the object key; restored, it verifies again', async () => {
      await sharedServices();
      const plan = parseOneJsonObject((await wing(['plan:show', '--json'])).stdout);
      const vaultBucket = typeof plan.vaultBucket === 'string' ? plan.vaultBucket : 'wing-rollback-vault';
      const bucketDir = join(home, 'data', 's3', vaultBucket);
      const newest = newestFirst(await listPoints())[0];
      if (!newest) throw new Error('no recovery point');
      const authSnapshot = newest.snapshots.find((s) => s.component === 'auth');
      if (!authSnapshot) throw new Error(`no auth snapshot in ${newest.recoveryPointId}`);

      // s3rver keeps each object as `<key>._S3rver_object` (with `._S3rver_metadata.json` and
      // `._S3rver_object.md5` beside it). The snapshot summary is its JSON body, then a MAC line.
      const summaryFile = join(bucketDir, 'components', 'auth', 'snapshots', `${authSnapshot.snapshotId}.json._S3rver_object`);
      const summary = z.object({ packs: z.array(z.string()).min(1) }).parse(JSON.parse(readFileSync(summaryFile, 'utf8').split('\n')[0] ?? ''));
      const packId = summary.packs[0] ?? '';
      const packsDir = join(bucketDir, 'components', 'auth', 'packs');
      const packFile = findFile(packsDir, `${packId}._S3rver_object`);
      const objectKey = relative(bucketDir, packFile).replace(/\._S3rver_object$/, '');
      expect(objectKey).toMatch(/^components\/auth\/packs\//);

      const original = readFileSync(packFile);
      const damaged = Buffer.from(original);
      const at = Math.floor(damaged.length / 2);
      damaged[at] = (damaged[at] ?? 0) ^ 0x01;
      writeFileSync(packFile, damaged);
      try {
        const r = await wing(['backup:verify', '--backup-id', newest.recoveryPointId, '--json']);
        const message = expectOneErrorLine(r, 5, { json: true, onlyLine: false, extraJsonFields: true });
        expect(message).toContain(objectKey);
        const body = z
          .object({ problems: z.array(z.object({ recoveryPointId: z.string(), objectKey: z.string().nullable() })) })
          .parse(parseOneJsonObject(r.stdout));
        expect(body.problems.map((p) => p.objectKey)).toContain(objectKey);
        // Without --json: the same line on stderr, and the report (naming the object) on stdout.
        const text = await wing(['backup:verify', '--backup-id', newest.recoveryPointId]);
        expect(text.code, describeRun(text)).toBe(5);
        expect(text.stderr, describeRun(text)).not.toMatch(/^\s+at\s/m);
        expect(text.stderr.trimEnd().split('\n').at(-1)).toBe(`wing: ${message}`);
        expect(text.stdout).toContain(objectKey);
        // The point is Corrupt, and rebuilding the catalog from the vault keeps it so.
        const corrupt = (await listPoints()).find((p) => p.recoveryPointId === newest.recoveryPointId);
        expect(corrupt?.status).toBe('Corrupt');
        const rebuilt = (await listPoints(['--rebuild'])).find((p) => p.recoveryPointId === newest.recoveryPointId);
        expect(rebuilt?.status).toBe('Corrupt');
      } finally {
        // Put the byte back whatever happened, so the state folder stays usable.
        writeFileSync(packFile, original);
      }

      // The last commands run without a live owner again, to check what they leave behind.
      await ownServices();
      const again = expectJsonSuccess(await wing(['backup:verify', '--backup-id', newest.recoveryPointId, '--json']), verifySchema);
      expect(again.recoveryPoints).toEqual([{ recoveryPointId: newest.recoveryPointId, ok: true, status: 'Completed' }]);
      const healed = (await listPoints()).find((p) => p.recoveryPointId === newest.recoveryPointId);
      expect(healed?.status).toBe('Completed');
      expectNoOwnerLeft();
    });
  });
});

function findFile(dir: string, name: string): string {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isFile() && entry.name === name) return path;
    if (entry.isDirectory()) {
      try {
        return findFile(path, name);
      } catch {
        // Not in this folder.
      }
    }
  }
  throw new Error(`${name} not found under ${dir}`);
}
