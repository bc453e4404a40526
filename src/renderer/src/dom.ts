/** Small DOM helpers shared by the views. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, className = '', parent?: HTMLElement, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (className !== '') e.className = className;
  if (text !== undefined) e.textContent = text;
  parent?.append(e);
  return e;
}

/** Replaces a select's options with these [value, text] pairs. */
export function setOptions(s: HTMLSelectElement, options: readonly (readonly [string, string])[]): void {
  s.replaceChildren(...options.map(([value, text]) => Object.assign(el('option', '', undefined, text), { value })));
}

export function button(parent: HTMLElement, text: string, onClick: () => void, className = 'btn', key?: string): HTMLButtonElement {
  const b = el('button', className, parent);
  b.type = 'button';
  b.append(text);
  if (key !== undefined) el('kbd', '', b, key);
  b.addEventListener('click', onClick);
  return b;
}

/** A short message at the bottom of the window: errors from the server, confirmations. */
export function toast(message: string, kind: 'error' | 'ok' = 'error'): void {
  let box = document.getElementById('toasts');
  if (box === null) {
    box = el('div', 'toasts', document.body);
    box.id = 'toasts';
    box.setAttribute('role', 'status');
  }
  const t = el('div', `toast toast-${kind}`, box, message);
  setTimeout(() => t.remove(), kind === 'error' ? 6000 : 2500);
}

/** True when a key press belongs to a form field, not to the view's shortcuts. */
export function typing(e: KeyboardEvent): boolean {
  const t = e.target as HTMLElement | null;
  return t !== null && (t.tagName === 'INPUT' || t.tagName === 'SELECT' || t.tagName === 'TEXTAREA');
}

export function fmt(x: number | null | undefined, digits = 0): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '–';
  return x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}
