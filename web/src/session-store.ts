/**
 * The administrator's session token, kept in sessionStorage: it survives a reload of the tab
 * (an operator who reloads in the middle of a rollback stays signed in) but not the tab itself,
 * and other tabs and later visitors of the machine do not get it. The token is short-lived and
 * revocable on the server; this is only where the tab remembers it.
 */
const TOKEN_KEY = 'wing-rollback.session-token';
const USERNAME_KEY = 'wing-rollback.username';

export interface StoredSession {
  readonly token: string;
  readonly username: string;
}

export function readSession(): StoredSession | undefined {
  try {
    const token = sessionStorage.getItem(TOKEN_KEY);
    const username = sessionStorage.getItem(USERNAME_KEY);
    return token ? { token, username: username ?? '' } : undefined;
  } catch {
    // Storage blocked by the browser's settings: the session lasts as long as the page.
    return memorySession;
  }
}

let memorySession: StoredSession | undefined;

export function saveSession(session: StoredSession): void {
  memorySession = session;
  try {
    sessionStorage.setItem(TOKEN_KEY, session.token);
    sessionStorage.setItem(USERNAME_KEY, session.username);
  } catch {
    // See readSession.
  }
}

export function clearSession(): void {
  memorySession = undefined;
  try {
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem(USERNAME_KEY);
  } catch {
    // See readSession.
  }
}
