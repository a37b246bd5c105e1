/**
 * Who is calling, for requests that come through the portal's CloudFront distribution.
 *
 * Through the portal (same origin, `/api/*`), API Gateway sees CloudFront's edge addresses,
 * never the administrator's: the allowlist, the per-address sign-in lockout and rate limits and
 * the audit trail's `source` would all judge CloudFront. The distribution sends the viewer's
 * address and country (`CloudFront-Viewer-Address`, `CloudFront-Viewer-Country`, which it sets
 * and overwrites) and proves the request passed through it with the origin secret in `Referer`
 * (lib/admin-portal.ts). A request carrying that secret gets the viewer's address as its source;
 * any other request (the CLI calling the API directly) keeps its own address and loses the
 * viewer headers, so no caller can claim an address or a country by sending them itself. The
 * secret never goes further than this check.
 */
import { timingSafeEqual } from 'node:crypto';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { AdminApiHandler } from '../src/api/admin-api.js';
import type { ApiEvent } from '../src/api/api-http.js';

/** The request headers the distribution owns (lib/admin-portal.ts forwards them, and the secret as Referer). */
const VIEWER_HEADERS = ['cloudfront-viewer-address', 'cloudfront-viewer-country'] as const;
const ORIGIN_HEADER = 'referer';

/** A header by name, whatever its case; `headers` is typed as always there, but a test invocation can send none. */
function header(headers: Readonly<Record<string, string | undefined>> | null, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers ?? {})) if (key.toLowerCase() === name && value !== undefined) return value;
  return undefined;
}

function withoutHeaders<T>(headers: Record<string, T> | null | undefined, names: readonly string[]): Record<string, T> {
  return Object.fromEntries(Object.entries(headers ?? {}).filter(([key]) => !names.includes(key.toLowerCase())));
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** `198.51.100.7:46532`, `2001:db8::7:46532` or `[2001:db8::7]:46532` → the address. */
export function viewerAddress(value: string): string | undefined {
  const v = value.trim();
  const bracketed = /^\[([^\]]+)\]:\d+$/.exec(v);
  if (bracketed?.[1]) return bracketed[1];
  const at = v.lastIndexOf(':');
  return at > 0 && /^\d+$/.test(v.slice(at + 1)) ? v.slice(0, at) : undefined;
}

/**
 * The event as the handlers should see it: the viewer's address as `sourceIp` when the request
 * carries the portal's origin secret, and never the viewer headers (or the secret) otherwise.
 */
export function portalViewerEvent(event: ApiEvent, originSecret: string | undefined): ApiEvent {
  const presented = header(event.headers, ORIGIN_HEADER);
  const throughPortal = originSecret !== undefined && originSecret !== '' && presented !== undefined && same(presented, originSecret);
  const address = throughPortal ? viewerAddress(header(event.headers, VIEWER_HEADERS[0]) ?? '') : undefined;
  const drop = throughPortal ? [ORIGIN_HEADER] : [ORIGIN_HEADER, ...VIEWER_HEADERS];
  return {
    ...event,
    headers: withoutHeaders(event.headers, drop),
    multiValueHeaders: withoutHeaders(event.multiValueHeaders, drop),
    requestContext: { ...event.requestContext, identity: { ...event.requestContext.identity, sourceIp: address ?? event.requestContext.identity.sourceIp } },
  };
}

let secret: Promise<string | undefined> | undefined;

/** The origin secret named by WING_PORTAL_ORIGIN_SECRET_ARN, read once per cold start (none when unset). */
export function portalOriginSecret(env: NodeJS.ProcessEnv = process.env, client?: SecretsManagerClient): Promise<string | undefined> {
  const arn = env.WING_PORTAL_ORIGIN_SECRET_ARN;
  if (arn === undefined || arn === '') return Promise.resolve(undefined);
  secret ??= (client ?? new SecretsManagerClient(env.AWS_REGION ? { region: env.AWS_REGION } : {}))
    .send(new GetSecretValueCommand({ SecretId: arn }))
    .then((out) => out.SecretString)
    .catch((err: unknown) => {
      // Retried by the next request rather than cached.
      secret = undefined;
      throw err;
    });
  return secret;
}

/**
 * A route group's handler behind the portal check. Without the secret (unreadable for now) no
 * request is trusted as the portal's: direct callers are served as ever, portal callers are
 * judged by CloudFront's address until the secret can be read again.
 */
export function behindPortal(handler: AdminApiHandler, originSecret: () => Promise<string | undefined> = () => portalOriginSecret()): AdminApiHandler {
  return async (event, context) => {
    const known = await originSecret().catch((err: unknown) => {
      console.error('the portal origin secret could not be read: requests are not trusted as the portal\'s', err);
      return undefined;
    });
    return handler(portalViewerEvent(event, known), context);
  };
}
