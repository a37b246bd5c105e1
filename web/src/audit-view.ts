/**
 * The audit trail: who did what and with what outcome, newest first, the last 200 records. It is
 * what an administrator reads after an incident, so it shows the API's records unchanged.
 */
import type { AuditResponse } from '../../src/api/api-schemas.js';
import { errorMessage } from './api-client.js';
import { dataTable, statusBadge } from './data-table.js';
import { timeElement } from './display-format.js';
import { errorAlert, loadingRegion, showScreen, type ScreenContext } from './screen.js';

const LIMIT = 200;

export async function showAudit(context: ScreenContext): Promise<void> {
  const list = loadingRegion('Audit records');
  showScreen(context.main, 'Audit trail', list.element);
  try {
    const response = await context.api.get<AuditResponse>(`/audit?limit=${LIMIT}`, { signal: context.signal });
    if (context.signal.aborted) return;
    list.done(
      dataTable(
        `Audit records (at most the last ${LIMIT})`,
        [
          { heading: '#', cell: (r) => r.seq, numeric: true },
          { heading: 'Time', cell: (r) => timeElement(r.time) },
          { heading: 'Actor', cell: (r) => r.actor },
          { heading: 'Action', cell: (r) => r.action },
          { heading: 'Outcome', cell: (r) => statusBadge(r.outcome) },
          { heading: 'Detail', cell: (r) => r.detail },
        ],
        response.records,
        'The audit trail is empty.',
      ),
    );
  } catch (err) {
    if (context.signal.aborted) return;
    list.done(errorAlert(errorMessage(err)));
  }
}
