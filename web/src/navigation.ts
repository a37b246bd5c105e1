/**
 * The main navigation, shown once signed in. Emergency operations sit one level down, under
 * System Management → Emergency Operations, like in the operations runbook, so nobody starts a
 * rollback by a stray click on the first row; each level is a disclosure button (aria-expanded)
 * that a keyboard opens with Enter or Space and closes with Escape.
 */
import { h, replaceChildren } from './dom-builder.js';

export interface NavigationOptions {
  readonly onSignOut: () => void;
}

export interface Navigation {
  /** Marks the link of the current route (aria-current="page") and closes open menus. */
  setCurrent(route: string): void;
  /** Empties and hides the navigation (signed out). */
  remove(): void;
}

/** A disclosure: a button that shows or hides the list after it. */
function disclosure(label: string, list: HTMLUListElement): { readonly item: HTMLLIElement; close(): void } {
  // The arrow is aria-hidden: the button's accessible name is its label alone, and its state is
  // aria-expanded.
  const button = h('button', { type: 'button', class: 'nav-disclosure', 'aria-expanded': 'false', 'aria-controls': list.id }, label, h('span', { class: 'disclosure-arrow', 'aria-hidden': 'true' }, '▾'));
  list.hidden = true;
  const close = (): void => {
    button.setAttribute('aria-expanded', 'false');
    list.hidden = true;
  };
  button.addEventListener('click', () => {
    const open = button.getAttribute('aria-expanded') !== 'true';
    button.setAttribute('aria-expanded', String(open));
    list.hidden = !open;
  });
  list.addEventListener('keydown', (event) => {
    if (event.key !== 'Escape' || list.hidden) return;
    event.stopPropagation();
    close();
    button.focus();
  });
  return { item: h('li', { class: 'nav-group' }, button, list), close };
}

function link(route: string, text: string): HTMLAnchorElement {
  return h('a', { href: `#${route}`, 'data-route': route }, text);
}

export function renderNavigation(nav: HTMLElement, options: NavigationOptions): Navigation {
  const emergencyList = h('ul', { id: 'nav-emergency-operations', class: 'nav-submenu' }, h('li', {}, link('/emergency-rollback', '24-Hour Emergency Rollback')));
  const emergency = disclosure('Emergency Operations', emergencyList);
  const systemList = h('ul', { id: 'nav-system-management', class: 'nav-submenu nav-panel' }, emergency.item);
  const system = disclosure('System Management', systemList);
  const signOut = h('button', { type: 'button', class: 'nav-sign-out' }, 'Sign out');
  signOut.addEventListener('click', options.onSignOut);

  replaceChildren(
    nav,
    h(
      'ul',
      { class: 'nav-list' },
      system.item,
      h('li', {}, link('/recovery-points', 'Recovery points')),
      h('li', {}, link('/health', 'Health')),
      h('li', {}, link('/audit', 'Audit trail')),
      h('li', {}, link('/safe-mode', 'Safe mode')),
      h('li', {}, signOut),
    ),
  );
  nav.hidden = false;

  // A click elsewhere closes the System Management panel, as menus do.
  const listeners = new AbortController();
  document.addEventListener(
    'click',
    (event) => {
      if (event.target instanceof Node && !system.item.contains(event.target)) {
        system.close();
        emergency.close();
      }
    },
    { signal: listeners.signal },
  );

  return {
    setCurrent(route) {
      for (const a of nav.querySelectorAll<HTMLAnchorElement>('a[data-route]')) {
        if (route.startsWith(a.dataset.route ?? '\u0000')) a.setAttribute('aria-current', 'page');
        else a.removeAttribute('aria-current');
      }
      system.close();
      emergency.close();
    },
    remove() {
      listeners.abort();
      nav.hidden = true;
      nav.replaceChildren();
    },
  };
}
