//! Tauri commands: one core call each, errors mapped to `IpcError {code, message}`.
//!
//! Argument names are what the UI sends (Tauri converts camelCase keys). Never add a decision
//! here: put it in `linli-core` and call it.

use linli_core::Core;
use linli_core::share::ShareCard;
use linli_wire::bills::{Bill, LedgerPeriod, PaymentChannel, PaymentOrder, Receipt};
use linli_wire::ipc::{AccountView, Locale, NewPass, PassView, SessionView, SyncStatus};
use linli_wire::ipc::{BlockedChoice, NewTicket, PhotoDraft, TicketStep, TicketView};
use linli_wire::notices::Notice;
use linli_wire::tickets::Ticket;
use linli_wire::{
    BillId, ErrorCode, IpcError, MembershipId, NoticeId, PassId, PaymentOrderId, ReceiptId,
    TicketId,
};
use tauri::{AppHandle, State};
use tauri_plugin_clipboard_manager::ClipboardExt;

/// Result of every command: the UI branches on `IpcError::code`.
type CommandResult<T> = Result<T, IpcError>;

/// Who is signed in (from local state; works offline).
#[tauri::command]
pub async fn session(core: State<'_, Core>) -> CommandResult<SessionView> {
    Ok(core.session().await?)
}

/// Signs in with phone number and password; tokens go to the OS keyring.
#[tauri::command]
pub async fn sign_in(
    core: State<'_, Core>,
    phone: String,
    password: String,
) -> CommandResult<AccountView> {
    Ok(core.sign_in(&phone, &password).await?)
}

/// Signs out: tokens leave the keyring and the account's cache is deleted.
#[tauri::command]
pub async fn sign_out(core: State<'_, Core>) -> CommandResult<()> {
    Ok(core.sign_out().await?)
}

/// Shows another of the resident's households.
#[tauri::command]
pub async fn switch_household(
    core: State<'_, Core>,
    id: MembershipId,
) -> CommandResult<AccountView> {
    Ok(core.switch_household(id).await?)
}

/// Turns desktop notifications of ticket progress on or off.
#[tauri::command]
pub async fn set_notifications(core: State<'_, Core>, on: bool) -> CommandResult<()> {
    Ok(core.set_notifications(on).await?)
}

/// Remembers the UI language.
#[tauri::command]
pub async fn set_locale(core: State<'_, Core>, locale: Locale) -> CommandResult<()> {
    Ok(core.set_locale(locale).await?)
}

/// Notices of the current household's community, from the cache.
#[tauri::command]
pub async fn notices(core: State<'_, Core>) -> CommandResult<Vec<Notice>> {
    Ok(core.notices().await?)
}

/// One notice, from the cache.
#[tauri::command]
pub async fn notice(core: State<'_, Core>, id: NoticeId) -> CommandResult<Notice> {
    Ok(core.notice(id).await?)
}

/// Marks a notice read now and queues the mark for the backend.
#[tauri::command]
pub async fn mark_notice_read(core: State<'_, Core>, id: NoticeId) -> CommandResult<Notice> {
    Ok(core.mark_notice_read(id).await?)
}

/// Pulls changes and flushes the outbox now (pull-to-refresh).
#[tauri::command]
pub async fn sync_now(core: State<'_, Core>) -> CommandResult<SyncStatus> {
    Ok(core.sync_now().await?)
}

/// Connectivity and outbox status.
#[tauri::command]
pub async fn sync_status(core: State<'_, Core>) -> CommandResult<SyncStatus> {
    Ok(core.status().await)
}

/// The current household's visitor passes (cache and outbox).
#[tauri::command]
pub async fn passes(core: State<'_, Core>) -> CommandResult<Vec<PassView>> {
    Ok(core.passes().await?)
}

/// Invites a visitor; queued, issued when online.
#[tauri::command]
pub async fn create_pass(core: State<'_, Core>, input: NewPass) -> CommandResult<PassView> {
    Ok(core.create_pass(input).await?)
}

/// Revokes a pass (needs the network).
#[tauri::command]
pub async fn revoke_pass(core: State<'_, Core>, id: PassId) -> CommandResult<PassView> {
    Ok(core.revoke_pass(id).await?)
}

/// The QR code of an issued pass, as a PNG data URL.
#[tauri::command]
pub async fn pass_qr(core: State<'_, Core>, id: PassId) -> CommandResult<String> {
    Ok(core.pass_qr(id).await?)
}

/// The household's bills (cache).
#[tauri::command]
pub async fn bills(core: State<'_, Core>) -> CommandResult<Vec<Bill>> {
    Ok(core.bills().await?)
}

/// The household's payment orders, newest first (cache).
#[tauri::command]
pub async fn payment_orders(core: State<'_, Core>) -> CommandResult<Vec<PaymentOrder>> {
    Ok(core.payment_orders().await?)
}

/// The household's receipts, newest first (cache).
#[tauri::command]
pub async fn receipts(core: State<'_, Core>) -> CommandResult<Vec<Receipt>> {
    Ok(core.receipts().await?)
}

/// The community's published fee ledger (cache).
#[tauri::command]
pub async fn ledger(core: State<'_, Core>) -> CommandResult<Vec<LedgerPeriod>> {
    Ok(core.ledger().await?)
}

/// Starts paying whole bills; the order carries the provider action.
#[tauri::command]
pub async fn pay(
    core: State<'_, Core>,
    bill_ids: Vec<BillId>,
    channel: PaymentChannel,
) -> CommandResult<PaymentOrder> {
    Ok(core.pay(&bill_ids, channel).await?)
}

/// A payment order as the backend has it now.
#[tauri::command]
pub async fn payment_order(
    core: State<'_, Core>,
    id: PaymentOrderId,
) -> CommandResult<PaymentOrder> {
    Ok(core.payment_order(id).await?)
}

/// Waits for a payment order's outcome (final, or still open after a while).
#[tauri::command]
pub async fn follow_payment(
    core: State<'_, Core>,
    id: PaymentOrderId,
) -> CommandResult<PaymentOrder> {
    Ok(core.follow_payment(id).await?)
}

/// Cancels an unpaid payment order.
#[tauri::command]
pub async fn cancel_payment(
    core: State<'_, Core>,
    id: PaymentOrderId,
) -> CommandResult<PaymentOrder> {
    Ok(core.cancel_payment(id).await?)
}

/// The demo provider's checkout page (HTML).
#[tauri::command]
pub async fn checkout_page(core: State<'_, Core>, id: PaymentOrderId) -> CommandResult<String> {
    Ok(core.checkout_page(id).await?)
}

/// Sends the payer's choice from the checkout page.
#[tauri::command]
pub async fn checkout_action(
    core: State<'_, Core>,
    id: PaymentOrderId,
    url: String,
) -> CommandResult<PaymentOrder> {
    Ok(core.checkout_action(id, &url).await?)
}

/// Exports a receipt as a PDF; returns its path.
#[tauri::command]
pub async fn export_receipt_pdf(core: State<'_, Core>, id: ReceiptId) -> CommandResult<String> {
    Ok(core.export_receipt_pdf(id).await?)
}

/// Exports a ledger period as CSV; returns its path.
#[tauri::command]
pub async fn export_ledger_csv(core: State<'_, Core>, period: String) -> CommandResult<String> {
    Ok(core.export_ledger_csv(&period).await?)
}

/// Prepares a photo the UI read from a picked file (Base64); `photo-*` codes when unusable.
#[tauri::command]
pub async fn prepare_photo(core: State<'_, Core>, data: String) -> CommandResult<PhotoDraft> {
    Ok(core.prepare_photo_data(&data).await?)
}

/// One of a ticket's photos as a `data:` URL (thumbnail, or `full`).
#[tauri::command]
pub async fn ticket_photo(
    core: State<'_, Core>,
    id: uuid::Uuid,
    full: bool,
) -> CommandResult<String> {
    Ok(core.ticket_photo(id, full).await?)
}

/// Queues a report with its prepared photos; returns the ticket id.
#[tauri::command]
pub async fn submit_ticket(core: State<'_, Core>, input: NewTicket) -> CommandResult<TicketId> {
    Ok(core.submit_ticket(input).await?)
}

/// The household's tickets: queued ones first, then the backend's.
#[tauri::command]
pub async fn tickets(core: State<'_, Core>) -> CommandResult<Vec<TicketView>> {
    Ok(core.tickets().await?)
}

/// Decides for a report blocked by a refused photo.
#[tauri::command]
pub async fn resolve_blocked_ticket(
    core: State<'_, Core>,
    id: TicketId,
    choice: BlockedChoice,
) -> CommandResult<()> {
    Ok(core.resolve_blocked_ticket(id, choice).await?)
}

/// A resident's step on a sent ticket.
#[tauri::command]
pub async fn ticket_step(
    core: State<'_, Core>,
    id: TicketId,
    step: TicketStep,
) -> CommandResult<Ticket> {
    Ok(core.ticket_step(id, step).await?)
}

/// Saves a picture the UI drew (PNG data URL) in the pictures folder; returns its path.
#[tauri::command]
pub async fn save_picture(
    core: State<'_, Core>,
    data_url: String,
    name: String,
) -> CommandResult<String> {
    Ok(core.save_picture(&data_url, &name).await?)
}

/// Puts a picture the UI drew (PNG data URL, checked by the core) on the clipboard.
#[tauri::command]
pub async fn copy_picture(app: AppHandle, data_url: String) -> CommandResult<()> {
    let card = ShareCard::from_data_url(&data_url)?;
    let rgba = card.rgba()?;
    let image = tauri::image::Image::new(&rgba, card.width, card.height);
    app.clipboard().write_image(&image).map_err(clipboard_error)
}

/// Puts text on the clipboard.
#[tauri::command]
pub async fn copy_text(app: AppHandle, text: String) -> CommandResult<()> {
    app.clipboard().write_text(text).map_err(clipboard_error)
}

fn clipboard_error(err: tauri_plugin_clipboard_manager::Error) -> IpcError {
    IpcError {
        code: ErrorCode::ClipboardUnavailable,
        message: format!("the clipboard refused: {err}"),
    }
}
