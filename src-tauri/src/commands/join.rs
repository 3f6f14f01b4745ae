//! Commands of joining a community (加入小区): reading a join link (pasted, or from a picture
//! of its QR code), seeing what it leads to, joining, and leaving for another community.

use linli_core::Core;
use linli_wire::join::JoinPreview;
use tauri::State;

commands! {
    /// What a join link leads to (the backend's community), its pin checked; keeps nothing.
    fn preview_join(core: State<'_, Core>, link: String) -> JoinPreview {
        core.preview_join(&link).await
    }

    /// Joins the community of a join link: the backend is kept and used from now on.
    fn join(core: State<'_, Core>, link: String) -> JoinPreview {
        core.join(&link).await
    }

    /// Forgets the chosen backend (signed out only), to join another community.
    fn leave_backend(core: State<'_, Core>) -> () {
        core.leave_backend().await
    }

    /// The join link in a picture of its QR code the UI read from a picked file (Base64).
    fn read_join_qr(core: State<'_, Core>, data: String) -> String {
        core.read_join_qr_data(&data).await
    }

    /// The communities of a backend address typed by hand (advanced), each with its link.
    fn preview_address(core: State<'_, Core>, address: String) -> Vec<JoinPreview> {
        core.preview_address(&address).await
    }
}
