/**
 * The admin API: route groups over the rollback system. Each group (sessions, rollbacks,
 * backups, health, audit, system, docs) is one middy handler, one Lambda on AWS; locally the
 * same handlers sit behind the owner's HTTP server. A route declares its method, path, the
 * level it needs and its input schemas; the schemas validate requests and make up the OpenAPI
 * document, so the document cannot drift from what the handlers accept.
 */
import middy from '@middy/core';
import { decodeJwt } from 'jose';
import httpRouterHandler from '@middy/http-router';
import type { Context } from 'aws-lambda';
import type { z } from 'zod';
import type { AdminSessions, Session } from '../core/admin-sessions.js';
import type { AuditTrail } from '../core/audit-trail.js';
import type { AdminLevel, AdminStore } from '../core/credentials.js';
import type { ExecutionHistory } from '../core/execution-history.js';
import type { RollbackOperations } from '../rollback/rollback-operations.js';
import { AuthenticationError, AuthorizationError, NotFoundError, refusalDetail } from '../core/errors.js';
import { apiErrors, authorize, bearerToken, originOf, sourceOf, type ApiEvent, type ApiResult } from './api-http.js';

/** What the handlers work with; built once per process (cold start). */
export interface AdminApiDeps {
  readonly operations: RollbackOperations;
  readonly sessions: AdminSessions;
  readonly admins: AdminStore;
  readonly audit: AuditTrail;
  readonly history: ExecutionHistory;
  readonly logError: (message: string, err: unknown) => void;
}

export type HttpMethod = 'GET' | 'POST' | 'DELETE';

/** A verified session and its token. */
export type SignedIn = Session & { readonly token: string };

/** The session of a route that is not public (always there: the router checked it). */
export function signedIn(session: SignedIn | undefined): SignedIn {
  if (!session) throw new AuthenticationError('sign in first: this call needs "Authorization: Bearer <token>" from POST /api/sessions');
  return session;
}

export interface ApiRoute {
  readonly method: HttpMethod;
  /** With `{name}` path parameters, as API Gateway and middy's router write them. */
  readonly path: string;
  readonly summary: string;
  /** The level the session needs; `public` for sign-in and the API document. */
  readonly access: AdminLevel | 'public';
  readonly body?: z.ZodType;
  readonly query?: z.ZodType;
  /** Status of a successful answer (for the document). */
  readonly status?: number;
  /** `session`: the caller's, checked against `access` before the handler runs; undefined only for public routes. */
  readonly handle: (event: ApiEvent, deps: AdminApiDeps, session: SignedIn | undefined) => Promise<ApiResult>;
}

export interface RouteGroup {
  readonly name: string;
  /** Every route of the group starts with this path (the local server dispatches on it). */
  readonly prefix: string;
  readonly routes: readonly ApiRoute[];
}

/** The session at the route's level; a refused token or level is recorded in the audit trail. */
async function authorizeAudited(event: ApiEvent, deps: AdminApiDeps, level: AdminLevel): Promise<SignedIn> {
  try {
    return await authorize(event, deps.sessions, level);
  } catch (err) {
    // Only a level refusal comes from a verified token; any other token's subject is a claim.
    const actor = err instanceof AuthorizationError ? (claimedSubject(event) ?? 'anonymous') : 'anonymous';
    await deps.audit.append({ actor, action: 'api.request', outcome: 'refused', detail: `${event.httpMethod} ${event.path}: ${refusalDetail(err)}`, source: sourceOf(event) });
    throw err;
  }
}

function claimedSubject(event: ApiEvent): string | undefined {
  try {
    const sub = decodeJwt(bearerToken(event)).sub;
    return typeof sub === 'string' ? sub.slice(0, 128) : undefined;
  } catch {
    return undefined;
  }
}

/** Refuses (403) and audits a request from outside the allowlist or the allowed countries. */
async function checkOrigin(event: ApiEvent, deps: AdminApiDeps): Promise<void> {
  try {
    deps.operations.services.gate.checkOrigin(originOf(event));
  } catch (err) {
    await deps.audit.append({ actor: 'anonymous', action: 'api.request', outcome: 'refused', detail: `${event.httpMethod} ${event.path}: ${refusalDetail(err)}`, source: sourceOf(event) });
    throw err;
  }
}

export type AdminApiHandler = (event: ApiEvent, context: Context) => Promise<ApiResult>;

/** One route group as a middy handler: router, error mapping. `deps` is called once, lazily. */
export function routeGroupHandler(group: RouteGroup, deps: () => Promise<AdminApiDeps>): AdminApiHandler {
  let built: Promise<AdminApiDeps> | undefined;
  const resolved = (): Promise<AdminApiDeps> => {
    built ??= deps().catch((err: unknown) => {
      // A failed cold start is retried by the next request rather than cached.
      built = undefined;
      throw err;
    });
    return built;
  };
  const router = httpRouterHandler({
    routes: group.routes.map((route) => ({
      method: route.method,
      path: route.path,
      handler: async (event: ApiEvent) => {
        const d = await resolved();
        // The address allowlist comes first, for every route, sign-in included (CONTRACT.md's order).
        await checkOrigin(event, d);
        // Every route but the public ones is signed in at its level before its handler runs (and
        // before its body is read), so a route cannot forget the check.
        const session = route.access === 'public' ? undefined : await authorizeAudited(event, d, route.access);
        return route.handle(event, d, session);
      },
    })),
    notFoundResponse: ({ method, path }) => {
      throw new NotFoundError(`no route ${method} ${path}: GET /api/openapi.json lists them`);
    },
  }) as unknown as (event: ApiEvent, context: Context) => Promise<ApiResult>;
  const logError = (message: string, err: unknown): void => {
    // Before the deps exist (a failed cold start) the error still reaches the platform's log.
    resolved().then(
      (d) => {
        d.logError(message, err);
      },
      () => {
        console.error(message, err);
      },
    );
  };
  return middy<ApiEvent, ApiResult>().use(apiErrors(logError)).handler(router);
}
