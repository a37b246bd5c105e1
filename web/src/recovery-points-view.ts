/**
 * Recovery points, newest first as the API lists them: when each was taken, whether it was
 * verified, how big it is and when a restore drill last proved it can be restored. Points of
 * `init --demo` carry a "demo" badge, so nobody mistakes the backdated demo history for real
 * backups.
 */
import type { BackupListResponse, RecoveryPointSummary } from '../../src/api/api-schemas.js';
import { errorMessage } from './api-client.js';
import { dataTable, statusBadge } from './data-table.js';
import { formatBytes, formatCount, optionalTime, timeElement } from './display-format.js';
import { h } from './dom-builder.js';
import { errorAlert, loadingRegion, showScreen, type ScreenContext } from './screen.js';

function idCell(point: RecoveryPointSummary): HTMLElement[] {
  const cells: HTMLElement[] = [h('code', {}, point.recoveryPointId)];
  if (point.labels.demo === 'true') cells.push(h('span', { class: 'badge', title: 'Backdated demo history from init --demo' }, 'demo'));
  return cells;
}

function drillCell(point: RecoveryPointSummary): HTMLElement | string {
  const drill = point.lastDrill;
  if (drill === null) return 'never';
  return h('span', { title: drill.detail }, statusBadge(drill.result), ' ', timeElement(drill.at));
}

export async function showRecoveryPoints(context: ScreenContext): Promise<void> {
  const list = loadingRegion('Recovery point list');
  showScreen(context.main, 'Recovery points', list.element);
  try {
    const response = await context.api.get<BackupListResponse>('/backups', { signal: context.signal });
    if (context.signal.aborted) return;
    list.done(
      h('p', {}, `${formatCount(response.recoveryPoints.length)} recovery points.`),
      dataTable(
        'Recovery points',
        [
          { heading: 'ID', cell: idCell },
          { heading: 'Created', cell: (p) => timeElement(p.createdAt, true) },
          { heading: 'Type', cell: (p) => p.type },
          { heading: 'Status', cell: (p) => statusBadge(p.status) },
          { heading: 'Verified at', cell: (p) => optionalTime(p.verifiedAt, 'not verified') },
          { heading: 'Items', cell: (p) => formatCount(p.snapshots.reduce((sum, s) => sum + s.items, 0)), numeric: true },
          { heading: 'Size', cell: (p) => formatBytes(p.snapshots.reduce((sum, s) => sum + s.bytes, 0)), numeric: true },
          { heading: 'Last drill', cell: drillCell },
        ],
        response.recoveryPoints,
        'There are no recovery points yet.',
      ),
    );
  } catch (err) {
    if (context.signal.aborted) return;
    list.done(errorAlert(errorMessage(err)));
  }
}
