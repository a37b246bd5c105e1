/**
 * Labelled form fields and busy buttons. Every field has a visible `<label for>` (the label is the
 * accessible name, and what the tests look for); a button is disabled and aria-busy while its
 * request runs, so a double click at 3 a.m. cannot start two rollbacks.
 */
import { h, uniqueId, type Attributes } from './dom-builder.js';

export interface Field<E extends HTMLInputElement | HTMLTextAreaElement> {
  /** The label and control together, to put in a form. */
  readonly row: HTMLElement;
  readonly control: E;
}

/** `<label for>` + `<input>`, with an optional hint linked by aria-describedby. */
export function inputField(label: string, attributes: Attributes, hint?: string): Field<HTMLInputElement> {
  const id = uniqueId('field');
  const hintId = hint === undefined ? undefined : `${id}-hint`;
  const control = h('input', { id, name: id, ...attributes, 'aria-describedby': hintId });
  const row = h('div', { class: 'field' }, h('label', { for: id }, label), hint === undefined ? null : h('p', { id: hintId, class: 'hint' }, hint), control);
  return { row, control };
}

/** `<label for>` + `<textarea>`, with an optional hint. */
export function textAreaField(label: string, attributes: Attributes, hint?: string): Field<HTMLTextAreaElement> {
  const id = uniqueId('field');
  const hintId = hint === undefined ? undefined : `${id}-hint`;
  const control = h('textarea', { id, name: id, rows: 3, ...attributes, 'aria-describedby': hintId });
  const row = h('div', { class: 'field' }, h('label', { for: id }, label), hint === undefined ? null : h('p', { id: hintId, class: 'hint' }, hint), control);
  return { row, control };
}

/**
 * Runs `work` with `button` disabled and aria-busy (and `form` aria-busy), showing `busyText`
 * on the button meanwhile; restores both afterwards, whatever happened.
 */
export async function whileBusy<T>(button: HTMLButtonElement, form: HTMLElement | null, busyText: string, work: () => Promise<T>): Promise<T> {
  const idleText = button.textContent;
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  form?.setAttribute('aria-busy', 'true');
  button.textContent = busyText;
  try {
    return await work();
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
    form?.removeAttribute('aria-busy');
    button.textContent = idleText;
  }
}
