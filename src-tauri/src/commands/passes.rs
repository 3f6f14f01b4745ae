//! Commands of visitor passes.

use linli_core::Core;
use linli_wire::PassId;
use linli_wire::ipc::{NewPass, PassView};
use tauri::State;

commands! {
    /// The current household's visitor passes (cache and outbox).
    fn passes(core: State<'_, Core>) -> Vec<PassView> {
        core.passes().await
    }

    /// Invites a visitor; queued, issued when online.
    fn create_pass(core: State<'_, Core>, input: NewPass) -> PassView {
        core.create_pass(input).await
    }

    /// Revokes a pass (needs the network).
    fn revoke_pass(core: State<'_, Core>, id: PassId) -> PassView {
        core.revoke_pass(id).await
    }

    /// The QR code of an issued pass, as a PNG data URL (drawn by the core).
    fn pass_qr(core: State<'_, Core>, id: PassId) -> String {
        core.pass_qr(id).await
    }
}
