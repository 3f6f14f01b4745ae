// The `Backend` interface every face of the UI talks to, and its one error type: a
// `BackendError` whose `code` is a linli-wire ErrorCode. The implementations (tauri.ts, fake.ts)
// and the UI import it from here; index.ts picks the implementation, so nothing imports in a circle.
import type { Commands } from '../generated/commands';
import type { CoreEvent, ErrorCode } from '../generated/wire';

/** What the UI can ask: every command of the app (generated from src-tauri/src/commands, so a
 *  command is declared once, in Rust), and the core's events. */
export interface Backend extends Commands {
  /** Subscribes to core events; resolves to an unsubscribe function. */
  onEvent(listener: (event: CoreEvent) => void): Promise<() => void>;
  /** Tells the shell the first screen (by its route name) has rendered, `pageMs` after the
   *  page began loading (`cargo xtask bench startup` times it). */
  firstScreenShown(screen: string, pageMs: number): Promise<void>;
}

/** A failure the UI can explain: `code` decides the message. */
export class BackendError extends Error {
  readonly code: ErrorCode;
  /** What the code's text names (the picture format of `photo-format-unsupported`). */
  readonly subject: string | undefined;
  constructor(code: ErrorCode, message: string, subject?: string) {
    super(message);
    this.name = 'BackendError';
    this.code = code;
    this.subject = subject;
  }
}

/** Any thrown value as a BackendError (unexpected ones become `internal`). */
export function asBackendError(err: unknown): BackendError {
  if (err instanceof BackendError) return err;
  if (err && typeof err === 'object' && 'code' in err && typeof err.code === 'string') {
    const message = 'message' in err && typeof err.message === 'string' ? err.message : err.code;
    const subject = 'subject' in err && typeof err.subject === 'string' ? err.subject : undefined;
    return new BackendError(err.code as ErrorCode, message, subject);
  }
  return new BackendError('internal', err instanceof Error ? err.message : String(err));
}
