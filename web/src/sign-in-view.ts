/**
 * Sign in: username, password and the 6-digit code of the administrator's authenticator app.
 * The API answers with a short-lived token; a refusal does not say which of the three was wrong
 * (so it cannot be used to guess passwords), and its message is shown as it is.
 */
import type { SessionResponse } from '../../src/api/api-schemas.js';
import { errorMessage } from './api-client.js';
import { h } from './dom-builder.js';
import { inputField, whileBusy } from './form-controls.js';
import { errorSlot, showScreen, type ScreenContext } from './screen.js';
import { saveSession } from './session-store.js';

export interface SignInOptions {
  /** Why the administrator is here again (an expired session); shown as an error. */
  readonly message?: string;
  /** A calm note (signed out). */
  readonly notice?: string;
  /** Called with the new session once the API accepted the sign-in. */
  readonly onSignedIn: (session: SessionResponse) => void;
}

export function showSignIn(context: ScreenContext, options: SignInOptions): void {
  const username = inputField('Username', { type: 'text', autocomplete: 'username', required: true, autocapitalize: 'none', spellcheck: 'false' });
  const password = inputField('Password', { type: 'password', autocomplete: 'current-password', required: true });
  const code = inputField(
    'Authentication code',
    // Apps show the code as "123 456": a space is allowed here and removed before sending.
    { type: 'text', autocomplete: 'one-time-code', inputmode: 'numeric', pattern: '[0-9]{3} ?[0-9]{3}', maxlength: 7, required: true },
    'The 6-digit code from your authenticator app. Each code works once.',
  );
  const errors = errorSlot();
  const button = h('button', { type: 'submit', class: 'primary' }, 'Sign in');
  const form = h('form', { class: 'sign-in-form' }, errors.element, username.row, password.row, code.row, h('div', { class: 'actions' }, button));

  showScreen(
    context.main,
    'Sign in',
    options.notice === undefined ? null : h('p', { role: 'status', class: 'notice' }, options.notice),
    h('p', {}, 'Sign in as an administrator to see recovery points, health and the audit trail, and to run an emergency rollback.'),
    form,
  );
  if (options.message !== undefined) errors.show(options.message);

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (button.disabled) return;
    errors.clear();
    void whileBusy(button, form, 'Signing in…', async () => {
      try {
        const session = await context.api.post<SessionResponse>(
          '/sessions',
          { username: username.control.value.trim(), password: password.control.value, totp: code.control.value.replace(/\s+/g, '') },
          { signal: context.signal },
        );
        saveSession({ token: session.token, username: session.username });
        options.onSignedIn(session);
      } catch (err) {
        if (context.signal.aborted) return;
        errors.show(errorMessage(err));
        // A code is single-use: the next attempt needs a new one.
        code.control.value = '';
        code.control.focus();
      }
    });
  });
}
