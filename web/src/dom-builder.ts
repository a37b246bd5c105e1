/**
 * Builds DOM nodes from plain calls. Text always goes in as text nodes, never as HTML: recovery
 * point labels, audit details and error messages come from the API and must not be able to
 * inject markup into the admin's session.
 */

/** An attribute value: `true` sets an empty attribute, `false`, null and undefined leave it out. */
export type AttributeValue = string | number | boolean | null | undefined;
export type Attributes = Readonly<Record<string, AttributeValue>>;
/** A child: nodes as they are, strings and numbers as text, null/undefined/false as nothing. */
export type Child = Node | string | number | null | undefined | false;

/** `h('p', { class: 'hint' }, 'text', h('strong', {}, 'bold'))`. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Attributes = {}, ...children: readonly Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, ...children);
  return element;
}

/** Appends children, with the same rules as {@link h}. */
export function append(parent: Node, ...children: readonly Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }
}

/** Replaces every child of `parent`. */
export function replaceChildren(parent: Element, ...children: readonly Child[]): void {
  parent.replaceChildren();
  append(parent, ...children);
}

let nextId = 0;

/** A document-unique id for label/aria-labelledby pairs (`prefix-N`). */
export function uniqueId(prefix: string): string {
  nextId += 1;
  return `${prefix}-${nextId}`;
}
