/**
 * The Wing Rollback admin portal: signs the administrator in and routes between the screens.
 *
 * Why no framework: this is a small static admin tool that must load at 3 a.m. from a CloudFront
 * bucket during an incident. Vanilla TypeScript and the DOM give one small script with no
 * runtime to keep updated (nothing to patch, nothing that breaks on its own upgrade), and every
 * element is plain semantic HTML (forms with labels, tables, lists, landmarks), which is what
 * makes it usable with a keyboard, a screen reader and a phone.
 *
 * Routing uses the URL's hash (#/health, #/rollbacks/rb-...), so a static bucket can serve every
 * address from one index.html and a reload keeps the screen.
 */
import type { SessionResponse } from '../../src/api/api-schemas.js';
import { ApiClient, loadApiUrl } from './api-client.js';
import { showAudit } from './audit-view.js';
import { h } from './dom-builder.js';
import { showEmergencyRollback } from './emergency-rollback-view.js';
import { showHealth } from './health-view.js';
import { renderNavigation, type Navigation } from './navigation.js';
import { showRecoveryPoints } from './recovery-points-view.js';
import { ROLLBACK_ROUTE_PREFIX, showRollbackProgress } from './rollback-progress-view.js';
import { showSafeMode } from './safe-mode-view.js';
import { showScreen, type Screen, type ScreenContext } from './screen.js';
import { clearSession, readSession } from './session-store.js';
import { showSignIn } from './sign-in-view.js';

const SIGN_IN_ROUTE = '/sign-in';
const HOME_ROUTE = '/recovery-points';

/** The screens of a signed-in administrator, by route. */
const SCREENS: Readonly<Record<string, Screen>> = {
  '/recovery-points': showRecoveryPoints,
  '/emergency-rollback': showEmergencyRollback,
  '/health': showHealth,
  '/audit': showAudit,
  '/safe-mode': showSafeMode,
};

function requiredElement(id: string): HTMLElement {
  const element = document.getElementById(id);
  if (!element) throw new Error(`index.html has no #${id}`);
  return element;
}

async function start(): Promise<void> {
  const main = requiredElement('main');
  const nav = requiredElement('main-nav');
  const signedInAs = requiredElement('signed-in-as');

  let screen: AbortController | undefined;
  let navigation: Navigation | undefined;
  /** What the next sign-in screen says (why the administrator is there). */
  let signInMessage: { message?: string; notice?: string } = {};
  /** Where to go after signing in: the screen the administrator was on when the session ended. */
  let returnTo = HOME_ROUTE;

  const currentRoute = (): string => decodeURIComponent(location.hash.replace(/^#/, '')) || '/';

  const go = (route: string): void => {
    if (currentRoute() === route) render();
    else location.hash = `#${route}`;
  };

  const signedOut = (options: { message?: string; notice?: string }): void => {
    // Stop the current screen now, so that it does not show the refusal on its own as well.
    screen?.abort();
    clearSession();
    navigation?.remove();
    navigation = undefined;
    signedInAs.hidden = true;
    signInMessage = options;
    go(SIGN_IN_ROUTE);
  };

  const api = new ApiClient(await loadApiUrl(), (message) => {
    const route = currentRoute();
    if (route !== SIGN_IN_ROUTE) returnTo = route;
    signedOut({ message });
  });

  const signOut = (): void => {
    // The token is revoked on the server; if that fails it still expires soon, and this tab
    // forgets it either way.
    void api.delete('/sessions/current').catch(() => undefined).finally(() => {
      returnTo = HOME_ROUTE;
      signedOut({ notice: 'You are signed out.' });
    });
  };

  const showSignedIn = (username: string): void => {
    signedInAs.textContent = `Signed in as ${username}`;
    signedInAs.hidden = false;
    navigation ??= renderNavigation(nav, { onSignOut: signOut });
  };

  function render(): void {
    screen?.abort();
    const controller = new AbortController();
    screen = controller;
    const route = currentRoute();
    const context: ScreenContext = { api, main, signal: controller.signal, navigate: go };
    const session = readSession();

    if (!session) {
      if (route !== SIGN_IN_ROUTE) {
        if (route !== '/') returnTo = route;
        location.replace(`#${SIGN_IN_ROUTE}`);
        return;
      }
      const options = signInMessage;
      signInMessage = {};
      showSignIn(context, {
        ...options,
        onSignedIn: (s: SessionResponse) => {
          showSignedIn(s.username);
          const target = returnTo;
          returnTo = HOME_ROUTE;
          go(target);
        },
      });
      return;
    }

    showSignedIn(session.username);
    if (route === SIGN_IN_ROUTE || route === '/') {
      location.replace(`#${HOME_ROUTE}`);
      return;
    }
    navigation?.setCurrent(route);
    const show = route.startsWith(ROLLBACK_ROUTE_PREFIX) ? (c: ScreenContext) => showRollbackProgress(c, route.slice(ROLLBACK_ROUTE_PREFIX.length)) : SCREENS[route];
    if (show === undefined) {
      showScreen(main, 'Page not found', h('p', {}, 'There is no screen at this address. ', h('a', { href: `#${HOME_ROUTE}` }, 'Go to the recovery points.')));
      return;
    }
    void Promise.resolve(show(context)).catch((err: unknown) => {
      // A screen handles its own request errors; this is a fault of the portal itself.
      if (!controller.signal.aborted) showScreen(main, 'Something went wrong', h('p', { role: 'alert' }, err instanceof Error ? err.message : String(err)));
    });
  }

  // The skip link moves the focus to the screen's heading instead of changing the hash route.
  requiredElement('skip-link').addEventListener('click', (event) => {
    event.preventDefault();
    (main.querySelector('h1') ?? main).focus();
  });
  window.addEventListener('hashchange', render);
  render();
}

void start();
