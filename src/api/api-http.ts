/**
 * HTTP plumbing of the admin API, shared by every route group: JSON responses, the mapping of
 * domain errors to status codes, request parsing with zod, and the session check. Handlers stay
 * thin: parse, authorize, call the rollback system, answer.
 *
 * Errors: a WingError's message is written for operators and is returned as is, with a 4xx
 * status (bad input 400, refused credentials 401, insufficient level 403, unknown id 404,
 * conflict 409, verification failed 422, rate limited 429 with Retry-After). Anything else is a
 * fault of the system: 500 with a generic message (details go to the log, never to the caller).
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { MiddlewareObj } from '@middy/core';
import type { z } from 'zod';
import type { AdminLevel } from '../core/credentials.js';
import type { Session } from '../core/admin-sessions.js';
import type { RequestOrigin } from '../core/network-policy.js';
import { AuthenticationError, AuthorizationError, ConflictError, IntegrityError, NotFoundError, RateLimitedError, TransientError, ValidationError, WingError } from '../core/errors.js';

export type ApiEvent = APIGatewayProxyEvent;
export type ApiResult = APIGatewayProxyResult;

/** Headers of every answer: JSON, never cached (tokens and live state), no sniffing, no framing. */
const BASE_HEADERS = {
  'Content-Type': 'application/json; charset=utf-8',
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Strict-Transport-Security': 'max-age=63072000; includeSubDomains',
} as const;

export function json(statusCode: number, body: Record<string, unknown>, headers: Record<string, string> = {}): ApiResult {
  return { statusCode, headers: { ...BASE_HEADERS, ...headers }, body: JSON.stringify(body) };
}

export function ok(body: Record<string, unknown>, statusCode = 200): ApiResult {
  return json(statusCode, { success: true, ...body });
}

/** The status code and message an error is answered with. */
export function errorResponse(err: unknown): ApiResult {
  const status = statusOf(err);
  if (status >= 500) return json(status, { success: false, error: 'internal error of the rollback system: see its logs' });
  const message = err instanceof Error ? (err.message.split('\n')[0] ?? err.message) : String(err);
  const headers: Record<string, string> = err instanceof RateLimitedError ? { 'Retry-After': String(Math.max(1, Math.ceil(err.retryAfterSeconds))) } : err instanceof TransientError ? { 'Retry-After': '5' } : {};
  // The error's class name lets a client (the CLI) keep the contract's exit code for it.
  const errorName = err instanceof WingError ? err.name : undefined;
  return json(status, { success: false, error: message, ...(errorName !== undefined ? { errorName } : {}) }, headers);
}

function statusOf(err: unknown): number {
  if (err instanceof NotFoundError) return 404;
  if (err instanceof ValidationError) return 400;
  // 401 only when the caller is not signed in (or the sign-in failed); a signed-in caller whose
  // level or password confirmation is refused keeps the session (403).
  if (err instanceof AuthorizationError) return 403;
  if (err instanceof AuthenticationError) return /^confirmation refused/.test(err.message) ? 403 : 401;
  if (err instanceof RateLimitedError) return 429;
  if (err instanceof ConflictError) return 409;
  if (err instanceof IntegrityError) return 422;
  if (err instanceof TransientError) return 503;
  // Errors of middy's router (unknown route: 404, method) carry their status.
  const http = (err as { statusCode?: unknown; expose?: unknown } | null)?.statusCode;
  if (typeof http === 'number' && http >= 400 && http < 500) return http;
  // An operation that could not be done as asked (no point old enough, nothing to undo).
  if (err instanceof WingError) return 422;
  return 500;
}

/** Middy middleware: every error becomes a JSON answer; 5xx are logged with their stack. */
export function apiErrors(log: (message: string, err: unknown) => void): MiddlewareObj<ApiEvent, ApiResult> {
  return {
    onError: (request) => {
      const response = errorResponse(request.error);
      if (response.statusCode >= 500) log('admin API request failed', request.error);
      request.response = response;
    },
  };
}

function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid request';
  const path = issue.path.map(String).join('.');
  return path ? `${path}: ${issue.message}` : issue.message;
}

/** The JSON body, validated; 400 with the first problem otherwise. */
export function parseBody<T extends z.ZodType>(event: ApiEvent, schema: T): z.infer<T> {
  const text = event.body === null ? '' : event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  // A body must say it is JSON: a web page can send text/plain to 127.0.0.1 without asking (no
  // CORS preflight), and sign-in attempts sent that way could lock an administrator out.
  if (text.trim() !== '' && !isJsonContentType(event)) throw new ValidationError('the request body must be sent with Content-Type: application/json');
  let value: unknown;
  try {
    value = text.trim() === '' ? {} : JSON.parse(text);
  } catch {
    throw new ValidationError('the request body is not JSON');
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new ValidationError(`invalid request: ${firstIssue(parsed.error)}`);
  return parsed.data;
}

function isJsonContentType(event: ApiEvent): boolean {
  const header = Object.entries(event.headers).find(([name]) => name.toLowerCase() === 'content-type')?.[1] ?? '';
  return /^application\/json\s*(;|$)/i.test(header.trim());
}

/** The query string or path parameters, validated; 400 with the first problem otherwise. */
export function parseParams<T extends z.ZodType>(params: Record<string, string | undefined> | null, schema: T): z.infer<T> {
  const defined = Object.fromEntries(Object.entries(params ?? {}).filter(([, v]) => v !== undefined));
  const parsed = schema.safeParse(defined);
  if (!parsed.success) throw new ValidationError(`invalid request: ${firstIssue(parsed.error)}`);
  return parsed.data;
}

/** The bearer token of the request, or 401. */
export function bearerToken(event: ApiEvent): string {
  const header = Object.entries(event.headers).find(([name]) => name.toLowerCase() === 'authorization')?.[1];
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  if (!match?.[1]) throw new AuthenticationError('sign in first: this call needs "Authorization: Bearer <token>" from POST /api/sessions');
  return match[1];
}

/** Verifies the session of every call (expiry, signature, revocation, the user's current level). */
export interface SessionVerifier {
  verify(token: string, requiredLevel?: AdminLevel): Promise<Session>;
}

export async function authorize(event: ApiEvent, sessions: SessionVerifier, level: AdminLevel): Promise<Session & { token: string }> {
  const token = bearerToken(event);
  return { ...(await sessions.verify(token, level)), token };
}

/** The caller's address, for the audit trail (API Gateway's view of it, or the local server's). */
export function sourceOf(event: ApiEvent): string {
  return event.requestContext.identity.sourceIp || 'unknown';
}

/**
 * The caller's address and, behind CloudFront, country (the `CloudFront-Viewer-Country` header,
 * which CloudFront sets and overwrites, so a caller cannot choose it when the API is reached
 * through CloudFront only).
 */
export function originOf(event: ApiEvent): RequestOrigin {
  const header = Object.entries(event.headers).find(([name]) => name.toLowerCase() === 'cloudfront-viewer-country')?.[1];
  return { address: sourceOf(event), ...(header ? { country: header } : {}) };
}

/** What an HTTP request is, before it becomes an API Gateway event. */
export interface HttpRequestParts {
  readonly method: string;
  /** The URL (path and query string), relative to the server. */
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | null;
  readonly sourceIp: string;
  readonly requestId: string;
}

/**
 * The request as API Gateway (REST, proxy integration) hands it to a Lambda: how the local
 * server (and the in-process tests) call the same handlers as AWS does.
 */
export function proxyEvent(request: HttpRequestParts): ApiEvent {
  const query = Object.fromEntries(request.url.searchParams.entries());
  return {
    httpMethod: request.method,
    path: request.url.pathname,
    resource: request.url.pathname,
    headers: { ...request.headers },
    multiValueHeaders: {},
    queryStringParameters: Object.keys(query).length > 0 ? query : null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    body: request.body === '' ? null : request.body,
    isBase64Encoded: false,
    requestContext: {
      requestId: request.requestId,
      httpMethod: request.method,
      path: request.url.pathname,
      stage: 'local',
      identity: { sourceIp: request.sourceIp, userAgent: request.headers['user-agent'] ?? null },
    },
  } as unknown as ApiEvent;
}
