/**
 * 24-Hour Emergency Rollback: returns the whole platform to the newest verified recovery point
 * that is at least 24 hours old. Before anything runs, the screen shows which point that is and
 * what will be lost, per component, from the API's plan (a dry run); the administrator gives a
 * reason and types the password again, and the button is the explicit confirmation of the data
 * loss. The TOTP code was used at sign-in, so it is not asked for again.
 */
import type { PlanResponse, RollbackStartedResponse } from '../../src/api/api-schemas.js';
import { ApiRequestError, errorMessage } from './api-client.js';
import { dataTable } from './data-table.js';
import { formatCount, optionalTime, timeElement } from './display-format.js';
import { h, uniqueId } from './dom-builder.js';
import { inputField, textAreaField, whileBusy } from './form-controls.js';
import { rollbackRoute } from './rollback-progress-view.js';
import { errorAlert, errorSlot, loadingRegion, showScreen, type ScreenContext } from './screen.js';

const HOURS = 24;

/**
 * The screen. `refusal`: why the last attempt was refused (the recovery point changed between
 * the plan and the confirmation); shown as an error above the form of the new plan.
 */
export async function showEmergencyRollback(context: ScreenContext, refusal?: string): Promise<void> {
  const plan = loadingRegion('Rollback plan', 'Finding the recovery point…');
  showScreen(
    context.main,
    '24-Hour Emergency Rollback',
    h('p', { class: 'lead' }, `Returns every component to the newest verified recovery point that is at least ${HOURS} hours old, in dependency order. Use it when the platform's data is damaged and the damage is less than a day old.`),
    plan.element,
  );

  let response: PlanResponse;
  try {
    response = await context.api.get<PlanResponse>(`/rollbacks/plan?hours=${HOURS}`, { signal: context.signal });
  } catch (err) {
    if (context.signal.aborted) return;
    plan.done(errorAlert(errorMessage(err)), h('p', {}, 'Nothing was changed. See ', h('a', { href: '#/recovery-points' }, 'Recovery points'), ' for the points that exist.'));
    return;
  }
  if (context.signal.aborted) return;
  const form = confirmationForm(context, response.recoveryPoint.recoveryPointId);
  plan.done(recoveryPointSection(response), dataLossWarning(response), form.element);
  if (refusal !== undefined) form.showError(refusal);
}

function recoveryPointSection(plan: PlanResponse): HTMLElement {
  const headingId = uniqueId('recovery-point');
  const point = plan.recoveryPoint;
  return h(
    'section',
    { class: 'recovery-point', 'aria-labelledby': headingId },
    h('h2', { id: headingId }, 'Recovery point'),
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, 'ID'),
      h('dd', {}, h('code', {}, point.recoveryPointId)),
      h('dt', {}, 'Created'),
      h('dd', {}, timeElement(point.createdAt, true)),
      h('dt', {}, 'Verified'),
      h('dd', {}, optionalTime(point.verifiedAt, 'not verified', true)),
      h('dt', {}, 'Status'),
      h('dd', {}, point.status),
    ),
  );
}

/**
 * The data-loss warning: a visible, labelled region (not role="alert": it is the content of the
 * screen, read in order, not an interruption).
 */
function dataLossWarning(plan: PlanResponse): HTMLElement {
  const headingId = uniqueId('data-loss');
  const written = plan.components.reduce((sum, c) => sum + c.write, 0);
  const deleted = plan.components.reduce((sum, c) => sum + c.delete, 0);
  return h(
    'section',
    { class: 'warning-region', 'aria-labelledby': headingId },
    h('h2', { id: headingId }, h('span', { class: 'warning-symbol', 'aria-hidden': 'true' }, '⚠ '), 'Warning: changes since the recovery point will be lost'),
    h(
      'p',
      {},
      'Everything changed since ',
      timeElement(plan.recoveryPoint.createdAt),
      ` is undone: ${formatCount(written)} items changed since then are rewritten to their earlier content ("to rewrite") and ${formatCount(deleted)} items created since then are deleted ("to delete"). A safety snapshot is taken first, so the rollback itself can be undone.`,
    ),
    dataTable(
      'Items per component',
      [
        { heading: 'Component', cell: (c) => c.component },
        { heading: 'To rewrite', cell: (c) => formatCount(c.write), numeric: true },
        { heading: 'To delete', cell: (c) => formatCount(c.delete), numeric: true },
        { heading: 'Unchanged', cell: (c) => formatCount(c.unchanged), numeric: true },
      ],
      plan.components,
      'No component has changed since the recovery point.',
    ),
  );
}

/**
 * Reason, password and the button. The request names the point the administrator was shown
 * (`expectRecoveryPointId`): if a newer point became old enough meanwhile, the API refuses with
 * 409 rather than restore a point nobody looked at, and the screen shows the new plan.
 */
function confirmationForm(context: ScreenContext, shownRecoveryPointId: string): { readonly element: HTMLElement; showError(message: string): void } {
  const reason = textAreaField('Reason', { required: true, maxlength: 1000 }, 'Recorded in the audit trail and the rollback log, e.g. "bad deploy at 02:10 corrupted agents".');
  const password = inputField('Password', { type: 'password', autocomplete: 'current-password', required: true }, 'Your password again, to confirm it is you.');
  const errors = errorSlot();
  const button = h('button', { type: 'submit', class: 'danger' }, 'Execute Emergency Rollback');
  const headingId = uniqueId('confirm');
  const form = h(
    'form',
    { class: 'confirm-form', 'aria-labelledby': headingId },
    h('h2', { id: headingId }, 'Confirm'),
    h('p', {}, 'Executing the rollback confirms that the changes listed above will be lost.'),
    errors.element,
    reason.row,
    password.row,
    h('div', { class: 'actions' }, button),
  );

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (button.disabled) return;
    errors.clear();
    if (reason.control.value.trim() === '') {
      errors.show('An emergency rollback needs a reason.');
      reason.control.focus();
      return;
    }
    void whileBusy(button, form, 'Starting the rollback…', async () => {
      try {
        const started = await context.api.post<RollbackStartedResponse>(
          '/rollbacks',
          { command: 'rollback:emergency', reason: reason.control.value.trim(), confirmDataLoss: true, password: password.control.value, expectRecoveryPointId: shownRecoveryPointId },
          { signal: context.signal },
        );
        password.control.value = '';
        context.navigate(rollbackRoute(started.rollbackId));
      } catch (err) {
        if (context.signal.aborted) return;
        password.control.value = '';
        // 409 is any conflict (a rollback already running, too): show the new plan only when the
        // point the plan chooses is no longer the one on screen.
        if (err instanceof ApiRequestError && err.status === 409 && (await planChanged(context, shownRecoveryPointId))) {
          void showEmergencyRollback(context, `${err.message} The plan below is the new one: review it before you confirm again.`);
          return;
        }
        errors.show(errorMessage(err));
      }
    });
  });
  return {
    element: form,
    showError(message) {
      errors.show(message);
      reason.control.focus();
    },
  };
}

/** Whether the plan now chooses another recovery point than `shownRecoveryPointId`. */
async function planChanged(context: ScreenContext, shownRecoveryPointId: string): Promise<boolean> {
  try {
    const plan = await context.api.get<PlanResponse>(`/rollbacks/plan?hours=${HOURS}`, { signal: context.signal });
    return plan.recoveryPoint.recoveryPointId !== shownRecoveryPointId;
  } catch {
    return false;
  }
}
