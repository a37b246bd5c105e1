/**
 * `/api/sessions`: sign in with password + TOTP (the code is used once) for a short-lived signed
 * token; see and end the current session. Every sign-in, accepted or refused, is audited.
 */
import { signInRequest } from '../api-schemas.js';
import { ok, originOf, parseBody, sourceOf } from '../api-http.js';
import { refusalDetail } from '../../core/errors.js';
import { signedIn, type RouteGroup } from '../admin-api.js';

/** At most this many characters of a refusal message go into an audit record. */
const MAX_DETAIL_CHARS = 500;

function bounded(text: string): string {
  if (text.length <= MAX_DETAIL_CHARS) return text;
  // Never half a surrogate pair.
  const head = text.slice(0, MAX_DETAIL_CHARS).replace(/[\uD800-\uDBFF]$/, '');
  return `${head}… (${String(text.length - head.length)} more characters)`;
}

export const sessionRoutes: RouteGroup = {
  name: 'sessions',
  prefix: '/api/sessions',
  routes: [
    {
      method: 'POST',
      path: '/api/sessions',
      summary: 'Sign in with username, password and authentication code; returns a session token',
      access: 'public',
      body: signInRequest,
      status: 201,
      handle: async (event, deps) => {
        let credentials: ReturnType<typeof signInRequest.parse>;
        try {
          credentials = parseBody(event, signInRequest);
        } catch (err) {
          // A malformed sign-in is an attempt too; its username (if any) is all that is kept.
          const claimed = (() => {
            try {
              const body = JSON.parse(event.body ?? '') as { username?: unknown };
              return typeof body.username === 'string' ? body.username.slice(0, 128) : 'anonymous';
            } catch {
              return 'anonymous';
            }
          })();
          // The message can quote the caller's input (an unknown key of any length): bounded, so the
          // record always fits the audit table (a DynamoDB item is at most 400 KB) and the refusal stays a 400.
          await deps.audit.append({ actor: claimed, action: 'session.signIn', outcome: 'refused', detail: bounded(err instanceof Error ? err.message : String(err)), source: sourceOf(event) });
          throw err;
        }
        try {
          const { token, session } = await deps.sessions.signIn(credentials, originOf(event));
          await deps.audit.append({ actor: session.username, action: 'session.signIn', outcome: 'succeeded', detail: `session ${session.sessionId} until ${session.expiresAt.toISOString()}`, source: sourceOf(event) });
          return ok({ token, username: session.username, level: session.level, expiresAt: session.expiresAt.toISOString() }, 201);
        } catch (err) {
          await deps.audit.append({ actor: credentials.username, action: 'session.signIn', outcome: 'refused', detail: refusalDetail(err), source: sourceOf(event) });
          throw err;
        }
      },
    },
    {
      method: 'GET',
      path: '/api/sessions/current',
      summary: 'The current session',
      access: 'viewer',
      handle: (_event, _deps, session) => {
        const caller = signedIn(session);
        return Promise.resolve(ok({ username: caller.username, level: caller.level, expiresAt: caller.expiresAt.toISOString() }));
      },
    },
    {
      method: 'DELETE',
      path: '/api/sessions/current',
      summary: 'Sign out: revoke the current session',
      access: 'viewer',
      handle: async (event, deps, session) => {
        const caller = signedIn(session);
        await deps.sessions.revoke(caller);
        await deps.audit.append({ actor: caller.username, action: 'session.signOut', outcome: 'succeeded', detail: `session ${caller.sessionId}`, source: sourceOf(event) });
        return ok({});
      },
    },
  ],
};
