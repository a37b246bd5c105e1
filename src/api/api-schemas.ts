/**
 * The admin API's requests and responses: zod schemas for what comes in (validated by every
 * route, turned into the OpenAPI document) and types for what goes out. The portal imports the
 * types from here, so the two cannot drift apart.
 *
 * Every response is JSON: `{ success: true, ... }`, or `{ success: false, error }` with a 4xx
 * status whose message says what was wrong and what to do (5xx only for faults of the system).
 * Every route but `POST /api/sessions` and `GET /api/openapi.json` needs
 * `Authorization: Bearer <token>`.
 */
import { z } from 'zod';
import type { ExecutionStep } from '../core/execution-history.js';
import { ROLLBACK_COMMAND_NAMES } from '../core/rollback-commands.js';
import { AGENT_ID_PATTERN, REPAIR_COMMAND_NAMES } from '../rollback/repair-commands.js';

const username = z.string().trim().min(1, 'a username is required').max(128);
const password = z.string().min(1, 'the password is required').max(1024);
const totp = z.string().regex(/^\d{6}$/, 'an authentication code is 6 digits');
const reason = z.string().trim().max(1000);
const recoveryPointId = z.string().regex(/^rp-[A-Za-z0-9-]+$/, 'a recovery point id looks like rp-...').max(128);
const rollbackId = z.string().regex(/^rb-[A-Za-z0-9-]+$/, 'a rollback id looks like rb-...').max(128);
const hoursBounds = (n: z.ZodNumber): z.ZodNumber => n.min(0, 'hours are 0 or more').max(24 * 366, 'hours are at most 8784');
/** In a JSON body: a number, nothing that merely coerces to one (null, "", false would be 0). */
const hours = hoursBounds(z.number());
/** In a query string: digits, converted. */
const queryHours = z.string().regex(/^\d+(\.\d+)?$/, 'hours are a number, 0 or more').transform(Number).pipe(hoursBounds(z.number()));

/** POST /api/sessions: sign in. */
export const signInRequest = z.strictObject({ username, password, totp });

/** The rollback commands the API starts (CONTRACT.md, "Rollbacks"). */
export type { RollbackCommandName as RollbackCommand } from '../core/rollback-commands.js';

/** GET /api/rollbacks/plan?hours=N | ?backupId=ID (default: 24 hours). */
export const planQuery = z.strictObject({ hours: queryHours.optional(), backupId: recoveryPointId.optional() }).refine((q) => q.hours === undefined || q.backupId === undefined, 'give hours or backupId, not both');

/**
 * POST /api/rollbacks: start a rollback. The administrator confirms the data loss explicitly and
 * types the password again (the TOTP code was used at sign-in). `hours` only with
 * rollback:custom, `backupId` only with restore:alternative.
 */
export const startRollbackRequest = z
  .strictObject({
    command: z.enum(ROLLBACK_COMMAND_NAMES),
    hours: hours.optional(),
    backupId: recoveryPointId.optional(),
    reason,
    confirmDataLoss: z.literal(true, 'confirmDataLoss must be true: a rollback loses the changes made since the recovery point'),
    password,
    /** The point the administrator was shown (from the plan): refused with 409 if the command now chooses another. */
    expectRecoveryPointId: recoveryPointId.optional(),
  })
  .superRefine((r, ctx) => {
    if (r.command === 'rollback:emergency' && r.reason === '') ctx.addIssue({ code: 'custom', path: ['reason'], message: 'an emergency rollback needs a reason' });
    if (r.command === 'rollback:custom' && r.hours === undefined) ctx.addIssue({ code: 'custom', path: ['hours'], message: 'rollback:custom needs hours' });
    if (r.command !== 'rollback:custom' && r.hours !== undefined) ctx.addIssue({ code: 'custom', path: ['hours'], message: `${r.command} takes no hours` });
    if (r.command === 'restore:alternative' && r.backupId === undefined) ctx.addIssue({ code: 'custom', path: ['backupId'], message: 'restore:alternative needs backupId' });
    if (r.command !== 'restore:alternative' && r.backupId !== undefined) ctx.addIssue({ code: 'custom', path: ['backupId'], message: `${r.command} takes no backupId` });
  });

const componentName = z.string().regex(/^[a-z][a-z0-9-]{1,62}$/, 'a component name is lower-case letters, digits and dashes');
const agentId = z.string().regex(AGENT_ID_PATTERN, 'an agent id is letters, digits, ".", "_" and "-", at most 128');
const repairTarget = { command: z.enum(REPAIR_COMMAND_NAMES), component: componentName.optional(), agentId: agentId.optional(), backupId: recoveryPointId.optional() };

/** GET /api/rollbacks/repair-plan?command=...&component=...|agentId=...: what a targeted restore would change. */
export const repairPlanQuery = z.strictObject(repairTarget);

/**
 * POST /api/rollbacks/repair: a targeted restore (repair:component, auth:restore, agent:restore,
 * agent:reset-config), confirmed like a rollback. Which flags each command takes is checked
 * against the plan by the route (src/rollback/repair-commands.ts).
 */
export const startRepairRequest = z.strictObject({
  ...repairTarget,
  reason,
  confirmDataLoss: z.literal(true, 'confirmDataLoss must be true: a restore loses the changes made since the recovery point'),
  password,
  expectRecoveryPointId: recoveryPointId.optional(),
});

/** POST /api/rollbacks/undo. */
export const undoRequest = z.strictObject({ rollbackId: rollbackId.optional(), reason: reason.optional(), password });

/** POST /api/rollbacks/cleanup. */
export const cleanupRequest = z.strictObject({ reason: reason.optional(), password });

/** GET /api/rollbacks/{rollbackId} (or `latest`). */
// Not strict: API Gateway may add parameters of its own (a `{proxy+}` resource's `proxy`).
export const rollbackPath = z.object({ rollbackId: z.union([rollbackId, z.literal('latest')]) });

/** POST /api/backups: a recovery point now (or one component's snapshot). */
export const createBackupRequest = z.strictObject({ component: z.string().min(1).max(64).optional(), type: z.enum(['full', 'incremental']).optional() });

/** POST /api/backups/verify: one point, or all of them. */
export const verifyBackupRequest = z.union([z.strictObject({ backupId: recoveryPointId }), z.strictObject({ all: z.literal(true) })]);

/** POST /api/backups/drill: a restore drill of one point (default: the newest). */
export const drillRequest = z.strictObject({ backupId: recoveryPointId.optional() });

/** POST /api/backups/retention: apply the retention policy and prune (dryRun: only report). */
export const retentionRequest = z.strictObject({ dryRun: z.boolean().default(false), reason: reason.optional(), password: password.optional() }).refine((r) => r.dryRun || r.password !== undefined, { message: 'password: the password is required unless dryRun', path: ['password'] });

/** GET /api/health?component=C. */
export const healthQuery = z.strictObject({ component: z.string().min(1).max(64).optional() });

/** GET /api/audit?limit=N. */
export const auditQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(1000).optional() });

/** POST /api/system/safe-mode: enter (enabled true) or leave safe mode. */
export const safeModeRequest = z.strictObject({ enabled: z.boolean(), reason, password });

/** POST /api/vision-lake/resync: rebuild the vision-lake index from the documents (force: also remove orphans). */
/** POST /api/platform/auth-cache/clear: end every WING session (auth:clear-cache). */
export const clearAuthCacheRequest = z.strictObject({ reason: reason.optional(), password });

/** POST /api/platform/agents/restart: restart every agent, or one (agent:restart). */
export const restartAgentsRequest = z.strictObject({ agentId: agentId.optional(), reason: reason.optional(), password });

export const resyncVisionLakeRequest = z.strictObject({ force: z.boolean().default(false), reason: reason.optional(), password });

// ---------------------------------------------------------------------------------------------
// Responses

export type ApiError = { success: false; error: string };

export interface SessionResponse {
  success: true;
  token: string;
  username: string;
  level: 'viewer' | 'operator' | 'admin';
  expiresAt: string;
}

export interface CurrentSessionResponse {
  success: true;
  username: string;
  level: 'viewer' | 'operator' | 'admin';
  expiresAt: string;
}

export interface PlanResponse {
  success: true;
  recoveryPoint: { recoveryPointId: string; createdAt: string; status: string; verifiedAt: string | null };
  components: { component: string; write: number; delete: number; unchanged: number }[];
}

/** The result of starting a rollback or undo: CONTRACT.md's rollback shape. */
export interface RollbackStartedResponse {
  success: boolean;
  rollbackId: string;
  recoveryPointId: string | null;
  phase: string;
  message: string;
  error?: string;
}

/** One state of the state machine's run, for the live timeline. */
export type RollbackStep = ExecutionStep;

export interface RollbackStatusResponse {
  success: true;
  rollbackId: string;
  kind: 'rollback' | 'undo';
  command: string;
  phase: 'Pending' | 'InProgress' | 'Completed' | 'PartiallyFailed' | 'Failed' | 'Undone';
  /** True once the phase will not change any more (Undone can still follow Completed). */
  finished: boolean;
  step: string;
  recoveryPointId: string | null;
  initiator: string;
  reason: string;
  requestedAt: string;
  finishedAt: string | null;
  message: string;
  error?: string;
  errorName?: string;
  warnings: string[];
  systemMode: 'normal' | 'recovery' | 'safe';
  components: { component: string; phase: string; written: number; deleted: number; unchanged: number }[];
  steps: ExecutionStep[];
}

export interface RollbackListResponse {
  success: true;
  rollbacks: { rollbackId: string; kind: string; command: string; phase: string; step: string; initiator: string; reason: string; requestedAt: string; finishedAt: string | null; recoveryPointId: string | null; message: string }[];
}

export interface RecoveryPointSummary {
  recoveryPointId: string;
  createdAt: string;
  type: string;
  status: string;
  verifiedAt: string | null;
  /** `demo: "true"` marks the backdated history of `init --demo`. */
  labels: Record<string, string>;
  snapshots: { component: string; snapshotId: string; items: number; bytes: number }[];
  lastDrill: { at: string; durationMs: number; items: number; result: 'passed' | 'failed'; detail: string } | null;
  error?: string;
}

export interface BackupListResponse {
  success: true;
  recoveryPoints: RecoveryPointSummary[];
}

export interface HealthResponse {
  success: true;
  status: 'healthy' | 'degraded' | 'critical';
  checkedAt: string;
  components: { component: string; status: 'healthy' | 'degraded' | 'critical'; checks: { name: string; ok: boolean; detail?: string }[] }[];
}

export interface AuditResponse {
  success: true;
  records: { seq: number; time: string; actor: string; action: string; outcome: string; detail: string }[];
}

export interface SystemResponse {
  success: true;
  mode: 'normal' | 'recovery' | 'safe';
  changedAt: string;
  reason: string;
  rollbackId: string | null;
}
