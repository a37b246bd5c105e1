/**
 * The second confirmation of a † call inside a signed-in session: an administrator's session
 * and the password typed again (CONTRACT.md: inside one session the confirmation asks for the
 * password only; the TOTP code was used at sign-in). A wrong password is audited as a refusal.
 */
import { refusalDetail } from '../core/errors.js';
import type { RequestOrigin } from '../core/network-policy.js';
import { originOf, sourceOf, type ApiEvent } from './api-http.js';
import { signedIn, type AdminApiDeps, type SignedIn } from './admin-api.js';

export interface ConfirmedAdministrator {
  readonly username: string;
  /** The caller's address, for the audit records of the operation. */
  readonly source: string;
  /** The caller's address and country, for the limits of the operation. */
  readonly origin: RequestOrigin;
}

export async function confirmedAdministrator(event: ApiEvent, deps: AdminApiDeps, caller: SignedIn | undefined, password: string, action: string): Promise<ConfirmedAdministrator> {
  const session = signedIn(caller);
  const source = sourceOf(event);
  try {
    await deps.operations.services.gate.confirmPassword(session.username, password, originOf(event), 'admin');
  } catch (err) {
    await deps.audit.append({ actor: session.username, action, outcome: 'refused', detail: refusalDetail(err), source });
    throw err;
  }
  return { username: session.username, source, origin: originOf(event) };
}
