// Runs in every test file. Vant measures fixed bars with a safe area (tab bar, submit bar)
// again 100, 200 and 300 ms after they mount and never cancels those timers: one that fires
// after the file's DOM environment is torn down throws "window is not defined" into the run.
// Rather than wait a guessed while for them, every timer still pending when the file's last
// test has finished is cancelled: whatever it would have measured or closed is already gone.
// (vitest keeps its own timers, for waitFor and test timeouts, apart from these.)
import { afterAll } from 'vitest';

const pending = new Set<ReturnType<typeof setTimeout>>();
const realSetTimeout = globalThis.setTimeout;
const realClearTimeout = globalThis.clearTimeout;

globalThis.setTimeout = ((handler: (...args: unknown[]) => void, delay?: number, ...args: unknown[]) => {
  const id = realSetTimeout(
    (...given: unknown[]) => {
      pending.delete(id);
      handler(...given);
    },
    delay,
    ...args,
  );
  pending.add(id);
  return id;
}) as typeof setTimeout;

globalThis.clearTimeout = ((id?: ReturnType<typeof setTimeout>) => {
  if (id !== undefined) pending.delete(id);
  realClearTimeout(id);
}) as typeof clearTimeout;

afterAll(() => {
  for (const id of pending) realClearTimeout(id);
  pending.clear();
});
