/**
 * The live timeline of a running rollback: the states the state machine has run, in order
 * (`<ol aria-live="polite">`, so each new step is announced without interrupting), and the
 * progress of each component.
 *
 * The API reports events ("entered", then "succeeded", "failed" or "retried"); the timeline shows
 * one item per run of a state, whose status the later event updates, so that a rollback of a
 * hundred events reads as the fifty steps it took. Events are only ever appended, so each poll
 * handles just the new ones and a screen reader hears each step once.
 */
import type { RollbackStatusResponse, RollbackStep } from '../../src/api/api-schemas.js';
import { dataTable, statusBadge } from './data-table.js';
import { formatCount, formatDuration, timeElement } from './display-format.js';
import { h, replaceChildren, uniqueId } from './dom-builder.js';

export interface RollbackTimeline {
  readonly element: HTMLElement;
  update(status: RollbackStatusResponse): void;
}

const STEP_SYMBOL: Record<RollbackStep['status'], string> = { entered: '→', succeeded: '✓', failed: '✗', retried: '↻' };
const STEP_WORD: Record<RollbackStep['status'], string> = { entered: 'running', succeeded: 'succeeded', failed: 'failed', retried: 'retried' };

/** One item of the list: a state's run, with the parts that a later event changes. */
interface StepItem {
  readonly element: HTMLLIElement;
  readonly entered: RollbackStep;
  readonly symbol: HTMLElement;
  readonly status: HTMLElement;
  readonly duration: HTMLElement;
  readonly detail: HTMLElement;
}

/**
 * States that only announce (events, notifications), choose a branch or keep books: shown only
 * when they fail, otherwise they would bury the work under three lines per step. The API's
 * `steps` still lists every state.
 */
const PLUMBING = /^Announce|^(OutcomeChoice|AnyComponentFailed|CheckLevel|LevelRestored|ComponentRestored|RestoreComponentDone|RollbackSucceeded)$/;

function stepKey(step: RollbackStep): string {
  return `${step.state}\u0000${step.component ?? ''}`;
}

function newStepItem(step: RollbackStep): StepItem {
  const symbol = h('span', { class: 'step-symbol', 'aria-hidden': 'true' });
  const status = h('span', { class: 'step-status' });
  const duration = h('span', { class: 'step-duration' });
  const detail = h('span', { class: 'step-detail' });
  const element = h(
    'li',
    { class: 'step' },
    symbol,
    ' ',
    h('span', { class: 'step-state' }, step.state),
    step.component === undefined ? null : h('span', { class: 'step-component' }, ` · ${step.component}`),
    status,
    ' ',
    h('span', { class: 'step-time' }, timeElement(step.at, false, true), duration),
    detail,
  );
  const item = { element, entered: step, symbol, status, duration, detail };
  showStepStatus(item, step);
  return item;
}

function showStepStatus(item: StepItem, step: RollbackStep): void {
  item.element.className = `step step-${step.status}`;
  item.symbol.textContent = STEP_SYMBOL[step.status];
  item.status.textContent = ` — ${STEP_WORD[step.status]}`;
  const ms = Date.parse(step.at) - Date.parse(item.entered.at);
  item.duration.textContent = step !== item.entered && Number.isFinite(ms) ? `, ${formatDuration(ms)}` : '';
  item.detail.textContent = step.detail ?? '';
  item.detail.hidden = step.detail === undefined || step.detail === '';
}

export function rollbackTimeline(): RollbackTimeline {
  const summary = h('dl', { class: 'facts' });
  const stepsHeadingId = uniqueId('steps');
  const steps = h('ol', { class: 'timeline', 'aria-live': 'polite', 'aria-labelledby': stepsHeadingId });
  const componentsHeadingId = uniqueId('components');
  const components = h('div', { class: 'component-progress' });
  /** The events handled so far, and the items of states that were entered and not yet left. */
  let handled: readonly RollbackStep[] = [];
  let open = new Map<string, StepItem>();

  const element = h(
    'div',
    { class: 'rollback-timeline' },
    summary,
    h('section', { 'aria-labelledby': componentsHeadingId }, h('h2', { id: componentsHeadingId }, 'Components'), components),
    h('section', { 'aria-labelledby': stepsHeadingId }, h('h2', { id: stepsHeadingId }, 'Steps'), h('p', { class: 'hint' }, 'Announcements and branch choices are left out unless they fail.'), steps),
  );

  const handle = (step: RollbackStep): void => {
    if (PLUMBING.test(step.state) && step.status !== 'failed') return;
    const key = stepKey(step);
    const running = open.get(key);
    if (step.status === 'entered' || running === undefined) {
      const item = newStepItem(step);
      steps.appendChild(item.element);
      if (step.status === 'entered') open.set(key, item);
      return;
    }
    showStepStatus(running, step);
    open.delete(key);
  };

  return {
    element,
    update(status) {
      replaceChildren(
        summary,
        h('dt', {}, 'Rollback'),
        h('dd', {}, h('code', {}, status.rollbackId)),
        h('dt', {}, 'Phase'),
        h('dd', {}, statusBadge(status.phase)),
        h('dt', {}, 'Current step'),
        h('dd', {}, status.step),
        h('dt', {}, 'Recovery point'),
        h('dd', {}, status.recoveryPointId === null ? 'not chosen yet' : h('code', {}, status.recoveryPointId)),
        h('dt', {}, 'Started by'),
        h('dd', {}, status.initiator, ' at ', timeElement(status.requestedAt, false, true)),
        h('dt', {}, 'Why'),
        h('dd', {}, status.reason),
        h('dt', {}, 'System mode'),
        h('dd', {}, status.systemMode),
      );
      replaceChildren(
        components,
        dataTable(
          'Progress per component',
          [
            { heading: 'Component', cell: (c) => c.component },
            { heading: 'Phase', cell: (c) => statusBadge(c.phase) },
            { heading: 'Written', cell: (c) => formatCount(c.written), numeric: true },
            { heading: 'Deleted', cell: (c) => formatCount(c.deleted), numeric: true },
            { heading: 'Unchanged', cell: (c) => formatCount(c.unchanged), numeric: true },
          ],
          status.components,
          'No component has been restored yet.',
        ),
      );
      // Handle what is new; start over only if the events are not an extension of those handled.
      const extendsHandled = status.steps.length >= handled.length && handled.every((s, i) => sameStep(s, status.steps[i]));
      if (!extendsHandled) {
        steps.replaceChildren();
        handled = [];
        open = new Map();
      }
      for (const step of status.steps.slice(handled.length)) handle(step);
      handled = status.steps;
    },
  };
}

function sameStep(a: RollbackStep, b: RollbackStep | undefined): boolean {
  return b !== undefined && a.state === b.state && a.status === b.status && a.at === b.at && a.component === b.component;
}
