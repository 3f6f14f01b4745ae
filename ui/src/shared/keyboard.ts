// Keyboard use of the controls drawn as <div>s: Vant gives its clickable cells, grid items,
// tab-bar items, switches, radios and checkboxes a role and a tabindex (as our own rows have),
// so Tab reaches them, but they act only on clicks. One listener on the document turns Enter
// and Space on such an element into the click a pointer would make, for every screen at once;
// no component adds a key handler of its own.
//
// Enter in a form's text field submits the form, as on any web page: Vant's field cancels
// that Enter outside its own van-form (so our <form @submit> screens, sign-in first, would
// never hear it). Not while an input method composes (Enter then commits the Chinese text). Native
// buttons, links and form fields keep their own keyboard behaviour.

const ROLES = new Set(['button', 'tab', 'link', 'switch', 'radio', 'checkbox', 'menuitem', 'option']);
const NATIVE = new Set(['BUTTON', 'A', 'INPUT', 'TEXTAREA', 'SELECT', 'SUMMARY']);

/** Whether a key press on `target` is to be a click. */
export function activates(event: Pick<KeyboardEvent, 'key' | 'target' | 'altKey' | 'ctrlKey' | 'metaKey' | 'repeat'>): event is KeyboardEvent & { target: HTMLElement } {
  if (event.key !== 'Enter' && event.key !== ' ') return false;
  if (event.altKey || event.ctrlKey || event.metaKey || event.repeat) return false;
  const target = event.target;
  if (!(target instanceof HTMLElement) || NATIVE.has(target.tagName)) return false;
  const role = target.getAttribute('role');
  return role !== null && ROLES.has(role) && target.getAttribute('aria-disabled') !== 'true';
}

const TEXT_TYPES = new Set(['text', 'tel', 'password', 'email', 'number', 'search', 'url', 'digit']);

/** The form an Enter on `target` submits, if any. */
export function submits(event: Pick<KeyboardEvent, 'key' | 'target' | 'altKey' | 'ctrlKey' | 'metaKey' | 'shiftKey' | 'isComposing' | 'keyCode'>): HTMLFormElement | null {
  if (event.key !== 'Enter' || event.isComposing || event.keyCode === 229) return null;
  if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return null;
  const target = event.target;
  if (!(target instanceof HTMLInputElement) || !TEXT_TYPES.has(target.type)) return null;
  return target.form;
}

export function installKeyboardActivation(doc: Document = document): () => void {
  const onKey = (event: KeyboardEvent): void => {
    const form = submits(event);
    if (form) {
      // Handled here once: the browser's own implicit submission would come on top of it.
      event.preventDefault();
      form.requestSubmit();
      return;
    }
    if (!activates(event)) return;
    // Space would scroll the page, Enter might submit a form around it.
    event.preventDefault();
    event.target.click();
  };
  doc.addEventListener('keydown', onKey);
  return () => doc.removeEventListener('keydown', onKey);
}
