/**
 * Who acts on the state folder when no administrator signs in (break-glass reset, key export):
 * the operating system user, as far as this machine can tell, for the audit trail.
 */
import { userInfo } from 'node:os';

export function localOperatorName(): string {
  try {
    return userInfo().username || 'local-operator';
  } catch {
    return 'local-operator';
  }
}
