/**
 * A client of the admin API, for the CLI: the † commands go through the API of the running
 * `npm start` (locally) or of the deployed stack (`--target aws`), so they pass the same
 * authentication, limits and audit as the portal, and a rollback goes on when the CLI ends.
 * An answer's status becomes the domain error the CLI maps to its exit code (400 → 2, 401/403 →
 * 3, 404 → 2, 409 → 6, 422 → 5, 429 → 4 with Retry-After).
 */
import type { Credentials } from '../core/credentials.js';
import { AuthenticationError, ConflictError, IntegrityError, NotFoundError, RateLimitedError, TransientError, ValidationError, WingError } from '../core/errors.js';
import type { RetentionReport } from '../rollback/backup-manager.js';
import type { PlanResponse, RollbackStartedResponse, RollbackStatusResponse, SessionResponse, SystemResponse } from './api-schemas.js';

export class AdminApiClient {
  private token: string | undefined;

  /** `apiUrl`: the API's base, ending in `/api` (endpoints.json's `api`, or the stack's output). */
  constructor(
    readonly apiUrl: string,
    private readonly fetchFn: typeof fetch = fetch,
  ) {}

  async signIn(credentials: Credentials): Promise<SessionResponse> {
    const session = await this.call<SessionResponse>('POST', '/sessions', credentials);
    this.token = session.token;
    return session;
  }

  /** Ends the session; a failure here changes nothing that matters (the token expires soon). */
  async signOut(): Promise<void> {
    if (this.token === undefined) return;
    await this.call('DELETE', '/sessions/current').catch(() => undefined);
    this.token = undefined;
  }

  plan(choice: { hours: number } | { backupId: string }): Promise<PlanResponse> {
    const query = 'backupId' in choice ? `backupId=${encodeURIComponent(choice.backupId)}` : `hours=${String(choice.hours)}`;
    return this.call('GET', `/rollbacks/plan?${query}`);
  }

  startRollback(request: { command: string; hours?: number; backupId?: string; reason: string; password: string; expectRecoveryPointId?: string }): Promise<RollbackStartedResponse> {
    return this.call('POST', '/rollbacks', { ...request, confirmDataLoss: true });
  }

  /** What a targeted restore would change (`GET /api/rollbacks/repair-plan`). */
  planRepair(request: { command: string; component?: string | undefined; agentId?: string | undefined; backupId?: string | undefined }): Promise<PlanResponse> {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(request) as [string, string | undefined][]) if (value !== undefined) query.set(key, value);
    return this.call('GET', `/rollbacks/repair-plan?${query.toString()}`);
  }

  /** Starts a targeted restore (`POST /api/rollbacks/repair`); followed like a rollback. */
  startRepair(request: { command: string; component?: string | undefined; agentId?: string | undefined; backupId?: string | undefined; reason: string; password: string; expectRecoveryPointId?: string }): Promise<RollbackStartedResponse> {
    return this.call('POST', '/rollbacks/repair', { ...request, confirmDataLoss: true });
  }

  /** `resync:vision-lake` through the running owner's API (`POST /api/vision-lake/resync`). */
  resyncVisionLake<T>(request: { force: boolean; reason?: string; password: string }): Promise<T> {
    return this.call('POST', '/vision-lake/resync', request);
  }

  clearAuthCache(request: { reason?: string; password: string }): Promise<{ sessions: number; revoked: number; alreadyRevoked: number }> {
    return this.call('POST', '/platform/auth-cache/clear', request);
  }

  restartAgents(request: { agentId?: string; reason?: string; password: string }): Promise<{ agents: string[] }> {
    return this.call('POST', '/platform/agents/restart', request);
  }

  undo(request: { rollbackId?: string; reason?: string; password: string }): Promise<RollbackStartedResponse> {
    return this.call('POST', '/rollbacks/undo', request);
  }

  cleanup(request: { reason?: string; password: string }): Promise<{ rollbackId: string | null; actions: string[] }> {
    return this.call('POST', '/rollbacks/cleanup', request);
  }

  applyRetention(request: { reason?: string; password: string }): Promise<{ report: RetentionReport }> {
    return this.call('POST', '/backups/retention', { ...request, dryRun: false });
  }

  status(rollbackId: string): Promise<RollbackStatusResponse> {
    return this.call('GET', `/rollbacks/${encodeURIComponent(rollbackId)}`);
  }

  safeMode(request: { enabled: boolean; reason: string; password: string }): Promise<SystemResponse> {
    return this.call('POST', '/system/safe-mode', request);
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await this.fetchFn(`${this.apiUrl}${path}`, {
        method,
        headers: { 'Content-Type': 'application/json', ...(this.token !== undefined ? { Authorization: `Bearer ${this.token}` } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    } catch (err) {
      throw new WingError(`the admin API at ${this.apiUrl} does not answer (${err instanceof Error ? err.message : String(err)}): is "npm start" still running?`);
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new WingError(`the admin API answered ${String(response.status)} with something that is not JSON`);
    }
    if (response.ok) return parsed as T;
    const refusal = parsed as { error?: unknown; errorName?: unknown };
    const message = typeof refusal.error === 'string' ? refusal.error : `HTTP ${String(response.status)}`;
    throw errorOf(response.status, message, response.headers.get('retry-after'), typeof refusal.errorName === 'string' ? refusal.errorName : undefined);
  }
}

function errorOf(status: number, message: string, retryAfter: string | null, errorName: string | undefined): WingError {
  // The class the API named keeps its exit code (a plain WingError is 1, an IntegrityError 5).
  switch (errorName) {
    case 'WingError':
      return new WingError(message);
    case 'TransientError':
      return new TransientError(message);
    case 'IntegrityError':
      return new IntegrityError(message);
    default:
      break;
  }
  switch (status) {
    case 400:
      return new ValidationError(message);
    case 401:
    case 403:
      return new AuthenticationError(message);
    case 404:
      return new NotFoundError(message);
    case 409:
      return new ConflictError(message);
    case 422:
      return new IntegrityError(message);
    case 429:
      return new RateLimitedError(message, Number(retryAfter ?? '60') || 60);
    default:
      return new WingError(message);
  }
}
