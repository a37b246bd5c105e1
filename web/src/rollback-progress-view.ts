/**
 * A rollback as it runs: polls its status about once a second and draws the timeline until the
 * phase is final, then says plainly whether it completed or failed, and why. It has its own
 * address (#/rollbacks/<id>), so a reload or a second administrator can watch the same rollback.
 */
import type { RollbackStatusResponse } from '../../src/api/api-schemas.js';
import { ApiRequestError, errorMessage } from './api-client.js';
import { h, replaceChildren } from './dom-builder.js';
import { rollbackTimeline } from './rollback-timeline.js';
import { errorAlert, showScreen, type ScreenContext } from './screen.js';

const POLL_INTERVAL_MS = 1000;
/**
 * After a failed poll the next waits longer, up to this: the rollback goes on whether or not the
 * page can see it, so the page keeps trying (an outage of the API, a laptop waking up) rather
 * than giving up; only an answer that it will never see this rollback stops it.
 */
const MAX_RETRY_INTERVAL_MS = 30_000;

export const ROLLBACK_ROUTE_PREFIX = '/rollbacks/';

export function rollbackRoute(rollbackId: string): string {
  return `${ROLLBACK_ROUTE_PREFIX}${encodeURIComponent(rollbackId)}`;
}

export async function showRollbackProgress(context: ScreenContext, rollbackId: string): Promise<void> {
  const timeline = rollbackTimeline();
  // The live region exists before its text does, so that the result is announced when it comes.
  const result = h('div', { class: 'rollback-result', role: 'status' }, h('p', { class: 'loading' }, 'Waiting for the first status…'));
  const failureSlot = h('div', { class: 'error-slot' });
  showScreen(context.main, 'Rollback progress', result, failureSlot, timeline.element);
  context.main.setAttribute('aria-busy', 'true');

  let failedPolls = 0;
  try {
    for (;;) {
      let status: RollbackStatusResponse;
      try {
        status = await context.api.get<RollbackStatusResponse>(`/rollbacks/${encodeURIComponent(rollbackId)}`, { signal: context.signal });
        failedPolls = 0;
      } catch (err) {
        if (context.signal.aborted) return;
        failedPolls += 1;
        const final = err instanceof ApiRequestError && (err.status === 403 || err.status === 404);
        if (final) {
          replaceChildren(failureSlot, errorAlert(`${errorMessage(err)} Stopped watching.`));
          return;
        }
        const wait = Math.min(POLL_INTERVAL_MS * 2 ** (failedPolls - 1), MAX_RETRY_INTERVAL_MS);
        const attempt = `The rollback goes on; retrying in ${String(Math.round(wait / 1000))} s (attempt ${String(failedPolls)}).`;
        // The failure is announced once; the attempts update a plain line, not the alert.
        if (failedPolls === 1) replaceChildren(failureSlot, errorAlert(errorMessage(err)), h('p', { class: 'hint retry-line' }, attempt));
        const line = failureSlot.querySelector('.retry-line');
        if (line) line.textContent = attempt;
        if (!(await pause(wait, context.signal))) return;
        continue;
      }
      if (context.signal.aborted) return;
      failureSlot.replaceChildren();
      timeline.update(status);
      if (status.finished) {
        showResult(result, failureSlot, status);
        return;
      }
      replaceChildren(result, h('p', { class: 'in-progress' }, `Rollback in progress: ${status.step}…`));
      if (!(await pause(POLL_INTERVAL_MS, context.signal))) return;
    }
  } finally {
    context.main.removeAttribute('aria-busy');
  }
}

/**
 * "Rollback completed" in the status region, or "Rollback failed" with the reason as an alert:
 * a failure needs the administrator's attention at once.
 */
function showResult(result: HTMLElement, failureSlot: HTMLElement, status: RollbackStatusResponse): void {
  const warnings = status.warnings.length === 0 ? null : h('ul', { class: 'warnings' }, ...status.warnings.map((w) => h('li', {}, w)));
  if (status.phase === 'Completed') {
    // The symbol stays outside the heading, whose text is exactly "Rollback completed".
    replaceChildren(result, h('div', { class: 'result-heading result-completed' }, h('span', { class: 'result-symbol', 'aria-hidden': 'true' }, '✓'), h('h2', {}, 'Rollback completed')), h('p', {}, status.message), warnings);
    return;
  }
  replaceChildren(result);
  replaceChildren(
    failureSlot,
    h(
      'div',
      { role: 'alert', class: 'result-failed' },
      h('div', { class: 'result-heading' }, h('span', { class: 'result-symbol', 'aria-hidden': 'true' }, '✗'), h('h2', {}, 'Rollback failed')),
      h('p', {}, status.error ?? status.message),
      status.error !== undefined && status.message !== '' && status.message !== status.error ? h('p', {}, status.message) : null,
      h('p', {}, `Phase: ${status.phase}. System mode: ${status.systemMode}.`),
      warnings,
    ),
  );
}

/** Waits `ms`; resolves true when the time passed, false as soon as the screen was left. */
function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve(false);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
