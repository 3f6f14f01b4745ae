//! Commands of tickets (repairs, complaints, suggestions, praise): photos prepared in the
//! core, reports queued in the outbox, steps on sent tickets.

use linli_core::Core;
use linli_wire::TicketId;
use linli_wire::ipc::{BlockedChoice, NewTicket, PhotoDraft, TicketStep, TicketView};
use linli_wire::tickets::Ticket;
use tauri::State;

commands! {
    /// Prepares a photo the UI read from a picked file (Base64) at once; `photo-*` codes when
    /// unusable.
    fn prepare_photo(core: State<'_, Core>, data: String) -> PhotoDraft {
        core.prepare_photo_data(&data).await
    }

    /// One of a ticket's photos (the resident's or a staff after-photo) as a `data:` URL: its
    /// thumbnail, or with `full` the whole photo. Kept on the device once fetched.
    fn ticket_photo(core: State<'_, Core>, id: uuid::Uuid, full: bool) -> String {
        core.ticket_photo(id, full).await
    }

    /// Queues a report with its prepared photos (sent when online); answers its id.
    fn submit_ticket(core: State<'_, Core>, input: NewTicket) -> TicketId {
        core.submit_ticket(input).await
    }

    /// The household's tickets: queued ones (with photo progress) first, then the backend's.
    fn tickets(core: State<'_, Core>) -> Vec<TicketView> {
        core.tickets().await
    }

    /// Decides for a report blocked by a refused photo: send it without, or discard it.
    fn resolve_blocked_ticket(core: State<'_, Core>, id: TicketId, choice: BlockedChoice) -> () {
        core.resolve_blocked_ticket(id, choice).await
    }

    /// A resident's step on a sent ticket (needs the network).
    fn ticket_step(core: State<'_, Core>, id: TicketId, step: TicketStep) -> Ticket {
        core.ticket_step(id, step).await
    }
}
