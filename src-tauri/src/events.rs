//! Forwards the core's events to the webview as `core-event`, unchanged, and shows the core's
//! `Notification` events as desktop notifications. Whether one appears is the OS's call (its
//! permission for the app, do-not-disturb); the core already chose what to say and when.

use linli_wire::ipc::CoreEvent;
use tauri::{AppHandle, Emitter};
use tauri_plugin_notification::{NotificationExt, PermissionState};
use tokio::sync::broadcast::{Receiver, error::RecvError};

/// Name of the event the UI listens to.
pub const CORE_EVENT: &str = "core-event";

/// Spawns the forwarding task; it ends when the core closes its channel.
pub fn forward(app: AppHandle, mut events: Receiver<CoreEvent>) {
    // Showing a notification is a blocking D-Bus call on Linux: one thread of its own shows
    // them in order, off the async threads.
    let (to_show, shown) = std::sync::mpsc::channel::<(String, String)>();
    let shower = app.clone();
    std::thread::spawn(move || {
        for (title, body) in shown {
            notify(&shower, &title, &body);
        }
    });
    tauri::async_runtime::spawn(async move {
        loop {
            match events.recv().await {
                Ok(event) => {
                    if let CoreEvent::Notification { title, body, .. } = &event {
                        let _ = to_show.send((title.clone(), body.clone()));
                    }
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

fn notify(app: &AppHandle, title: &str, body: &str) {
    let notification = app.notification();
    match notification.permission_state() {
        Ok(PermissionState::Granted) => {}
        state => {
            tracing::debug!(?state, "the OS does not let this app notify; not shown");
            return;
        }
    }
    if let Err(err) = notification.builder().title(title).body(body).show() {
        // No notification service (a bare session): the timeline still shows it.
        tracing::warn!("could not show a notification: {err}");
    }
}
