/**
 * `/api/sessions`: sign in with password + TOTP (the code is used once) for a short-lived signed
 * token; see and end the current session. Every sign-in, accepted or refused, is audited.
 */
import { signInRequest } from '../api-schemas.js';
import { ok, parseBody, sourceOf } from '../api-http.js';
import { signedIn, type RouteGroup } from '../admin-api.js';

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
          await deps.audit.append({ actor: claimed, action: 'session.signIn', outcome: 'refused', detail: err instanceof Error ? err.message : String(err), source: sourceOf(event) });
          throw err;
        }
        try {
          const { token, session } = await deps.sessions.signIn(credentials);
          await deps.audit.append({ actor: session.username, action: 'session.signIn', outcome: 'succeeded', detail: `session ${session.sessionId} until ${session.expiresAt.toISOString()}`, source: sourceOf(event) });
          return ok({ token, username: session.username, level: session.level, expiresAt: session.expiresAt.toISOString() }, 201);
        } catch (err) {
          await deps.audit.append({ actor: credentials.username, action: 'session.signIn', outcome: 'refused', detail: err instanceof Error ? err.message : String(err), source: sourceOf(event) });
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
