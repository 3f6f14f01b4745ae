// The first screen's mark: once per window, the first screen that shows calls this when its
// content is in place (the sign-in form; home with its notices from the cache), and the mark
// goes to the shell on the next animation frame, once that content has been laid out and
// painted. `cargo xtask bench startup` times process start to this mark, the same way for the
// hello-world Tauri app it compares against (xtask/hello).
import type { Backend } from '../backend';

let marked = false;

export function firstScreenShown(backend: Backend, screen: string): void {
  if (marked) return;
  marked = true;
  requestAnimationFrame(() => {
    void backend.firstScreenShown(screen, Math.round(performance.now())).catch(() => {});
  });
}
