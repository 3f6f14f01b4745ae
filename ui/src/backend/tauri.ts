// The Backend over the Tauri shell: the generated command bindings over `invoke`, plus the
// core's events. The only file that imports @tauri-apps/api. Rejections are IpcError
// `{code, message, subject?}` objects, turned into BackendErrors here.
import { invoke } from '@tauri-apps/api/core';
import { emit, listen } from '@tauri-apps/api/event';
import { bindCommands } from '../generated/commands';
import type { CoreEvent } from '../generated/wire';
import { type Backend, asBackendError } from './contract';

async function call(command: string, args?: Record<string, unknown>): Promise<unknown> {
  try {
    return await invoke(command, args);
  } catch (err) {
    throw asBackendError(err);
  }
}

/** The app's Backend: every command of src-tauri/src/commands, and `onEvent`. */
export function tauriBackend(): Backend {
  return {
    ...bindCommands(call),
    async onEvent(listener: (event: CoreEvent) => void): Promise<() => void> {
      return listen<CoreEvent>('core-event', (event) => listener(event.payload));
    },
    async firstScreenShown(screen: string, pageMs: number): Promise<void> {
      // An event, not a command: the shell only logs it (src-tauri/src/lib.rs).
      await emit('first-screen', { screen, page_ms: pageMs });
    },
  };
}
