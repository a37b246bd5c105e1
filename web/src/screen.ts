/**
 * What every screen gets and how it is put on the page. A screen is a function that fills
 * `<main>`; it receives a signal that aborts when the administrator navigates away, so requests
 * and polling of a screen that is no longer shown stop instead of drawing over the next one.
 */
import type { ApiClient } from './api-client.js';
import { append, h, replaceChildren, type Child } from './dom-builder.js';

export interface ScreenContext {
  readonly api: ApiClient;
  /** Aborts when another screen replaces this one. */
  readonly signal: AbortSignal;
  /** `<main>`, which the screen fills. */
  readonly main: HTMLElement;
  /** Goes to another screen (`#/route`). */
  navigate(route: string): void;
}

export type Screen = (context: ScreenContext) => void | Promise<void>;

/**
 * Replaces the content of `<main>` with the screen's one `<h1>` and its content, names the
 * document after it and moves the focus to the heading, so that a screen reader announces the
 * new screen and the next Tab starts at its top.
 */
export function showScreen(main: HTMLElement, title: string, ...content: readonly Child[]): HTMLHeadingElement {
  const heading = h('h1', { tabindex: -1 }, title);
  replaceChildren(main, heading, ...content);
  document.title = `${title} · Wing Rollback`;
  heading.focus();
  return heading;
}

/**
 * A region that shows "Loading…" (aria-busy) until its content arrives: `done(...)` replaces
 * it. Long requests (health checks take seconds) must not look like a frozen page.
 */
export function loadingRegion(label: string, text = 'Loading…'): { readonly element: HTMLElement; done(...content: readonly Child[]): void } {
  const element = h('section', { class: 'loading-region', 'aria-busy': 'true', 'aria-label': label }, h('p', { class: 'loading' }, text));
  return {
    element,
    done(...content) {
      element.removeAttribute('aria-busy');
      replaceChildren(element, ...content);
    },
  };
}

/** An error for the administrator, announced at once (role="alert"). */
export function errorAlert(message: string): HTMLElement {
  return h('p', { role: 'alert', class: 'error-message' }, h('span', { class: 'error-label' }, 'Error: '), message);
}

/**
 * A place for a form's error: empty (and so absent from the accessibility tree) until
 * `show(message)` puts an alert in it; `clear()` empties it before the next attempt.
 */
export function errorSlot(): { readonly element: HTMLElement; show(message: string): void; clear(): void } {
  const element = h('div', { class: 'error-slot' });
  return {
    element,
    show(message) {
      replaceChildren(element, errorAlert(message));
    },
    clear() {
      element.replaceChildren();
    },
  };
}

/** Appends content to `<main>` after the heading (for screens that build in steps). */
export function addToScreen(main: HTMLElement, ...content: readonly Child[]): void {
  append(main, ...content);
}
