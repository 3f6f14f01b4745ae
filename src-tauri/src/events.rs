//! Forwards the core's events to the webview as `core-event`, unchanged.

use linli_wire::ipc::CoreEvent;
use tauri::{AppHandle, Emitter};
use tokio::sync::broadcast::{Receiver, error::RecvError};

/// Name of the event the UI listens to.
pub const CORE_EVENT: &str = "core-event";

/// Spawns the forwarding task; it ends when the core closes its channel.
pub fn forward(app: AppHandle, mut events: Receiver<CoreEvent>) {
    tauri::async_runtime::spawn(async move {
        loop {
            match events.recv().await {
                Ok(event) => {
                    if let Err(err) = app.emit(CORE_EVENT, &event) {
                        tracing::warn!("could not forward a core event: {err}");
                    }
                }
                // The UI reloads on the next event anyway; a lag only skips stale ones.
                Err(RecvError::Lagged(skipped)) => tracing::debug!("skipped {skipped} core events"),
                Err(RecvError::Closed) => break,
            }
        }
    });
}
