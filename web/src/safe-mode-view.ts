/**
 * Safe mode: the system refuses changes (new rollbacks, restores, retention) until an
 * administrator leaves it again. Entering and leaving take a reason, for the audit trail, and the
 * password again, as every change of the system's mode does.
 */
import type { SystemResponse } from '../../src/api/api-schemas.js';
import { errorMessage } from './api-client.js';
import { statusBadge } from './data-table.js';
import { timeElement } from './display-format.js';
import { h, replaceChildren, uniqueId } from './dom-builder.js';
import { inputField, textAreaField, whileBusy } from './form-controls.js';
import { errorAlert, errorSlot, loadingRegion, showScreen, type ScreenContext } from './screen.js';

const MODE_TEXT: Record<SystemResponse['mode'], string> = {
  normal: 'Normal: every operation is allowed.',
  recovery: 'Recovery: a rollback is running; changes wait until it ends.',
  safe: 'Safe mode: changes are refused until an administrator leaves safe mode.',
};

function modeFacts(system: SystemResponse): HTMLElement {
  return h(
    'dl',
    { class: 'facts' },
    h('dt', {}, 'Mode'),
    h('dd', {}, statusBadge(system.mode), ' — ', MODE_TEXT[system.mode]),
    h('dt', {}, 'Since'),
    h('dd', {}, timeElement(system.changedAt, true)),
    h('dt', {}, 'Why'),
    h('dd', {}, system.reason === '' ? 'no reason given' : system.reason),
    system.rollbackId === null ? null : h('dt', {}, 'Rollback'),
    system.rollbackId === null ? null : h('dd', {}, h('code', {}, system.rollbackId)),
  );
}

export async function showSafeMode(context: ScreenContext): Promise<void> {
  const state = loadingRegion('System mode');
  showScreen(context.main, 'Safe mode', state.element);
  let system: SystemResponse;
  try {
    system = await context.api.get<SystemResponse>('/system', { signal: context.signal });
  } catch (err) {
    if (context.signal.aborted) return;
    state.done(errorAlert(errorMessage(err)));
    return;
  }
  if (context.signal.aborted) return;

  const facts = h('div', {}, modeFacts(system));
  const reason = textAreaField('Reason', { required: true, maxlength: 1000 }, 'Recorded in the audit trail.');
  const password = inputField('Password', { type: 'password', autocomplete: 'current-password', required: true }, 'Your password again, to confirm it is you.');
  const errors = errorSlot();
  const done = h('div', { role: 'status', class: 'notice-slot' });
  const button = h('button', { type: 'submit', class: 'danger' });
  const headingId = uniqueId('change-mode');
  const heading = h('h2', { id: headingId });
  const form = h('form', { 'aria-labelledby': headingId }, heading, errors.element, reason.row, password.row, h('div', { class: 'actions' }, button));

  const showMode = (s: SystemResponse): void => {
    system = s;
    replaceChildren(facts, modeFacts(s));
    const entering = s.mode !== 'safe';
    heading.textContent = entering ? 'Enter safe mode' : 'Leave safe mode';
    button.textContent = entering ? 'Enter safe mode' : 'Leave safe mode';
    button.className = entering ? 'danger' : 'primary';
  };
  showMode(system);
  state.done(facts, done, form);

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (button.disabled) return;
    errors.clear();
    done.replaceChildren();
    const enabled = system.mode !== 'safe';
    void whileBusy(button, form, enabled ? 'Entering safe mode…' : 'Leaving safe mode…', async () => {
      try {
        const changed = await context.api.post<SystemResponse>('/system/safe-mode', { enabled, reason: reason.control.value.trim(), password: password.control.value }, { signal: context.signal });
        if (context.signal.aborted) return;
        reason.control.value = '';
        password.control.value = '';
        replaceChildren(done, h('p', {}, enabled ? 'Safe mode is on.' : 'Safe mode is off.'));
        return changed;
      } catch (err) {
        if (context.signal.aborted) return;
        password.control.value = '';
        errors.show(errorMessage(err));
        return undefined;
      }
    }).then((changed) => {
      // After whileBusy restored the button, so that its new text is not overwritten.
      if (changed !== undefined) showMode(changed);
    });
  });
}
