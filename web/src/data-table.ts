/**
 * Tables of API data. Each sits in a wrapper that scrolls sideways on its own, so that at 375 px
 * the page itself never needs horizontal scrolling; the wrapper is focusable and named, so a
 * keyboard user can scroll it too.
 */
import { h, type Child } from './dom-builder.js';

export interface Column<Row> {
  readonly heading: string;
  readonly cell: (row: Row) => Child | readonly Child[];
  /** Numbers align right, so that digits line up. */
  readonly numeric?: boolean;
}

/** A captioned table with one row per item; `empty` is shown instead when there are none. */
export function dataTable<Row>(caption: string, columns: readonly Column<Row>[], rows: readonly Row[], empty: string): HTMLElement {
  if (rows.length === 0) return h('p', { class: 'empty' }, empty);
  const table = h(
    'table',
    {},
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, ...columns.map((c) => h('th', { scope: 'col', class: c.numeric ? 'numeric' : null }, c.heading)))),
    h(
      'tbody',
      {},
      ...rows.map((row) =>
        h(
          'tr',
          {},
          ...columns.map((c) => {
            const content = c.cell(row);
            return h('td', { class: c.numeric ? 'numeric' : null }, ...(Array.isArray(content) ? (content as readonly Child[]) : [content as Child]));
          }),
        ),
      ),
    ),
  );
  return tableScroller(caption, table);
}

/** The horizontally scrolling, keyboard-focusable wrapper around a wide table. */
export function tableScroller(label: string, table: HTMLTableElement): HTMLElement {
  return h('div', { class: 'table-scroll', role: 'region', 'aria-label': label, tabindex: 0 }, table);
}

/** A status word with a symbol, so that status never depends on colour alone. */
export function statusBadge(status: string): HTMLElement {
  const tone = statusTone(status);
  const symbol = tone === 'good' ? '✓' : tone === 'bad' ? '✗' : tone === 'warn' ? '!' : '•';
  return h('span', { class: `status status-${tone}` }, h('span', { 'aria-hidden': 'true', class: 'status-symbol' }, symbol), ` ${status}`);
}

function statusTone(status: string): 'good' | 'bad' | 'warn' | 'neutral' {
  const s = status.toLowerCase();
  if (['completed', 'healthy', 'passed', 'succeeded', 'ok', 'success', 'normal', 'verified', 'restored'].includes(s)) return 'good';
  if (['failed', 'critical', 'corrupt', 'denied', 'refused', 'error', 'failure'].includes(s)) return 'bad';
  if (['partiallyfailed', 'degraded', 'inconsistent', 'retried', 'safe', 'recovery', 'undone'].includes(s)) return 'warn';
  return 'neutral';
}
