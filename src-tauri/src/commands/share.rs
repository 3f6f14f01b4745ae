//! Commands that hand a picture or text the UI made to the desktop: the pictures folder and
//! the clipboard. The clipboard is the shell's (a Tauri plugin), so those bodies use the
//! `AppHandle`; the core still checks the picture.

use linli_core::Core;
use linli_core::share::ShareCard;
use linli_wire::{ErrorCode, IpcError};
use tauri::{AppHandle, State};
use tauri_plugin_clipboard_manager::ClipboardExt;

commands! {
    /// Saves a picture the UI drew (PNG data URL) in the pictures folder as `<name>.png`;
    /// answers its path.
    fn save_picture(core: State<'_, Core>, data_url: String, name: String) -> String {
        core.save_picture(&data_url, &name).await
    }

    /// Puts a picture the UI drew (PNG data URL, checked by the core) on the system clipboard.
    fn copy_picture(app: AppHandle, data_url: String) -> () {
        copy_card(&app, &data_url)
    }

    /// Puts text on the system clipboard.
    fn copy_text(app: AppHandle, text: String) -> () {
        app.clipboard().write_text(text).map_err(clipboard_error)
    }
}

fn copy_card(app: &AppHandle, data_url: &str) -> Result<(), IpcError> {
    let card = ShareCard::from_data_url(data_url)?;
    let rgba = card.rgba()?;
    let image = tauri::image::Image::new(&rgba, card.width, card.height);
    app.clipboard().write_image(&image).map_err(clipboard_error)
}

fn clipboard_error(err: tauri_plugin_clipboard_manager::Error) -> IpcError {
    IpcError {
        code: ErrorCode::ClipboardUnavailable,
        message: format!("the clipboard refused: {err}"),
        subject: None,
    }
}
