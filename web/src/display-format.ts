/**
 * How times, sizes and counts read on screen. Times show the administrator's local clock with the
 * age beside it ("3 h ago"), and keep the exact ISO time in `<time datetime>` and its tooltip: at
 * 3 a.m. "how old is this point" matters more than the date, but support needs the exact instant.
 */
import { h } from './dom-builder.js';

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
/** With seconds, for the steps of a rollback, which are seconds apart. */
const preciseDateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
const count = new Intl.NumberFormat(undefined);

/** "12 s ago", "5 min ago", "3 h ago", "2 d ago"; "in 4 min" for times ahead of this clock. */
export function age(iso: string, now: number = Date.now()): string {
  const ms = now - Date.parse(iso);
  if (Number.isNaN(ms)) return '';
  const future = ms < 0;
  const s = Math.round(Math.abs(ms) / 1000);
  const text = s < 60 ? `${s} s` : s < 3600 ? `${Math.round(s / 60)} min` : s < 172_800 ? `${Math.round(s / 3600)} h` : `${Math.round(s / 86_400)} d`;
  return future ? `in ${text}` : `${text} ago`;
}

/** A `<time>` element for an ISO instant; `withAge` adds "(3 h ago)", `precise` the seconds. */
export function timeElement(iso: string, withAge = false, precise = false): HTMLTimeElement {
  const parsed = Date.parse(iso);
  if (Number.isNaN(parsed)) return h('time', {}, iso);
  const text = (precise ? preciseDateTime : dateTime).format(parsed);
  return h('time', { datetime: iso, title: iso }, withAge ? `${text} (${age(iso)})` : text);
}

/** A time, or a dash-free word when there is none ("never", "not verified"). */
export function optionalTime(iso: string | null | undefined, none: string, withAge = false): HTMLTimeElement | string {
  return iso ? timeElement(iso, withAge) : none;
}

export function formatCount(n: number): string {
  return count.format(n);
}

/** Bytes in binary units: "512 B", "3.4 KiB", "12.0 MiB". */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit] ?? ''}`;
}

/** "1.2 s", "350 ms". */
export function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}
