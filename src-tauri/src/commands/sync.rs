//! Commands of sync: connectivity and the outbox, and pull-to-refresh.

use linli_core::Core;
use linli_wire::IpcError;
use linli_wire::ipc::SyncStatus;
use tauri::State;

commands! {
    /// Pulls changes and flushes the outbox now (pull-to-refresh).
    fn sync_now(core: State<'_, Core>) -> SyncStatus {
        core.sync_now().await
    }

    /// Connectivity and outbox status.
    fn sync_status(core: State<'_, Core>) -> SyncStatus {
        Ok::<_, IpcError>(core.status().await)
    }
}
