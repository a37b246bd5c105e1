/**
 * Test support: the admin API's route-group handlers called in-process with API Gateway REST (v1)
 * proxy events, built the way the local HTTP server builds them (src/local/admin-http-server.ts),
 * so a test exercises the same router, schemas and error mapping as a deployed Lambda without a
 * socket in between.
 */
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { routeGroupHandler, type AdminApiDeps, type AdminApiHandler } from '../../src/api/admin-api.js';
import { errorResponse, proxyEvent, type ApiEvent, type ApiResult } from '../../src/api/api-http.js';
import { routeGroupFor, routeGroups } from '../../src/api/route-groups.js';
import { NotFoundError } from '../../src/core/errors.js';

export interface ApiRequest {
  readonly method: string;
  /** The path, optionally with a query string (`/api/rollbacks/plan?hours=24`). */
  readonly path: string;
  /** `Authorization: Bearer <token>` when given. */
  readonly token?: string;
  /** A value is sent as JSON; a string as it is (to send something that is not JSON). */
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  readonly sourceIp?: string;
}

export interface ApiAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** The parsed JSON body. */
  readonly body: Record<string, unknown>;
  readonly requestId: string;
}

export const TEST_SOURCE_IP = '203.0.113.7';

/** The request as API Gateway (REST, proxy integration) hands it to a Lambda (as the local server builds it). */
export function apiGatewayEvent(request: ApiRequest, requestId: string = randomUUID()): ApiEvent {
  const headers: Record<string, string> = { host: '127.0.0.1', 'user-agent': 'vitest', ...request.headers };
  if (request.token !== undefined) headers.authorization = `Bearer ${request.token}`;
  let body: string | null = null;
  if (request.body !== undefined) {
    body = typeof request.body === 'string' ? request.body : JSON.stringify(request.body);
    headers['content-type'] = 'application/json';
  }
  return proxyEvent({ method: request.method, url: new URL(request.path, 'http://127.0.0.1'), headers, body, sourceIp: request.sourceIp ?? TEST_SOURCE_IP, requestId });
}

export interface ApiCaller {
  (request: ApiRequest): Promise<ApiAnswer>;
  /** Every answer so far, in order (to check that none was a 5xx). */
  readonly answers: readonly { method: string; path: string; status: number }[];
}

/**
 * One handler per route group (built once, as one Lambda per group), dispatched by prefix like
 * the local server; a path no group serves is answered 404 like the local server does.
 */
export function apiCaller(deps: () => Promise<AdminApiDeps>): ApiCaller {
  const handlers = new Map<string, AdminApiHandler>(routeGroups.map((g) => [g.name, routeGroupHandler(g, deps)]));
  const answers: { method: string; path: string; status: number }[] = [];
  const call = async (request: ApiRequest): Promise<ApiAnswer> => {
    const requestId = randomUUID();
    const event = apiGatewayEvent(request, requestId);
    const group = routeGroupFor(event.path);
    const handler = group ? handlers.get(group.name) : undefined;
    let result: ApiResult;
    if (!group || !handler) {
      result = errorResponse(new NotFoundError(`no route ${event.httpMethod} ${event.path}: GET /api/openapi.json lists them`));
    } else {
      const context = { awsRequestId: requestId, functionName: `wing-admin-api-${group.name}`, getRemainingTimeInMillis: () => 29_000 } as Context;
      result = await handler(event, context);
    }
    answers.push({ method: request.method, path: event.path, status: result.statusCode });
    const headers = Object.fromEntries(Object.entries(result.headers ?? {}).map(([k, v]) => [k, String(v)]));
    return { status: result.statusCode, headers, body: JSON.parse(result.body) as Record<string, unknown>, requestId };
  };
  return Object.assign(call, { answers });
}
