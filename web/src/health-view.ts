/**
 * Health: the checks of every component, run live by the API (they scan tables, so they take
 * seconds; the region says "Checking…" and is aria-busy meanwhile). A component is listed with
 * the checks that fail, which are what the administrator has to act on.
 */
import type { HealthResponse } from '../../src/api/api-schemas.js';
import { errorMessage } from './api-client.js';
import { dataTable, statusBadge } from './data-table.js';
import { timeElement } from './display-format.js';
import { h } from './dom-builder.js';
import { whileBusy } from './form-controls.js';
import { errorAlert, loadingRegion, showScreen, type ScreenContext } from './screen.js';

type ComponentHealth = HealthResponse['components'][number];

function failingChecks(component: ComponentHealth): HTMLElement | string {
  const failing = component.checks.filter((c) => !c.ok);
  if (failing.length === 0) return `all ${component.checks.length} checks pass`;
  return h('ul', { class: 'failing-checks' }, ...failing.map((c) => h('li', {}, h('strong', {}, c.name), c.detail === undefined ? null : `: ${c.detail}`)));
}

export function showHealth(context: ScreenContext): void {
  const again = h('button', { type: 'button' }, 'Check again');
  const holder = h('div', {});
  showScreen(context.main, 'Health', h('div', { class: 'actions' }, again), holder);

  const check = async (): Promise<void> => {
    const result = loadingRegion('Health checks', 'Checking…');
    holder.replaceChildren(result.element);
    try {
      const health = await context.api.get<HealthResponse>('/health', { signal: context.signal });
      if (context.signal.aborted) return;
      result.done(
        h('p', { class: 'overall' }, 'Overall: ', statusBadge(health.status), ', checked ', timeElement(health.checkedAt), '.'),
        dataTable(
          'Component health',
          [
            { heading: 'Component', cell: (c) => c.component },
            { heading: 'Status', cell: (c) => statusBadge(c.status) },
            { heading: 'Failing checks', cell: failingChecks },
          ],
          health.components,
          'No components are checked.',
        ),
      );
    } catch (err) {
      if (context.signal.aborted) return;
      result.done(errorAlert(errorMessage(err)));
    }
  };

  again.addEventListener('click', () => {
    if (!again.disabled) void whileBusy(again, null, 'Checking…', check);
  });
  void whileBusy(again, null, 'Checking…', check);
}
