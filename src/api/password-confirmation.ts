/**
 * The second confirmation of a † call inside a signed-in session: an administrator's session
 * and the password typed again (CONTRACT.md: inside one session the confirmation asks for the
 * password only; the TOTP code was used at sign-in). A wrong password is audited as a refusal.
 */
import { CredentialCheck } from '../core/credentials.js';
import { sourceOf, type ApiEvent } from './api-http.js';
import { signedIn, type AdminApiDeps, type SignedIn } from './admin-api.js';

export interface ConfirmedAdministrator {
  readonly username: string;
  /** The caller's address, for the audit records of the operation. */
  readonly source: string;
}

export async function confirmedAdministrator(event: ApiEvent, deps: AdminApiDeps, caller: SignedIn | undefined, password: string, action: string): Promise<ConfirmedAdministrator> {
  const session = signedIn(caller);
  const source = sourceOf(event);
  try {
    await new CredentialCheck(deps.admins, deps.operations.services.clock).confirmPassword(session.username, password);
  } catch (err) {
    await deps.audit.append({ actor: session.username, action, outcome: 'refused', detail: err instanceof Error ? err.message : String(err), source });
    throw err;
  }
  return { username: session.username, source };
}
