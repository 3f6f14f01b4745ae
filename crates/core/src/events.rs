//! Events for the UI: connectivity, data changed, outbox progress, session ended. One
//! broadcast channel per core; the shell forwards each event as `core-event`. Sending never
//! blocks and never fails the caller: with no subscriber an event is simply dropped, and a
//! slow subscriber skips old events (the UI reloads on the next one anyway).

use linli_wire::ipc::CoreEvent;
use linli_wire::sync::EntityKind;
use tokio::sync::broadcast;

/// How many events a subscriber may fall behind before it skips the oldest.
const EVENT_BUFFER: usize = 64;

/// The sending side, cloned into every part of the core that emits.
#[derive(Clone, Debug)]
pub(crate) struct Events {
    sender: broadcast::Sender<CoreEvent>,
}

impl Events {
    pub(crate) fn new() -> Self {
        let (sender, _) = broadcast::channel(EVENT_BUFFER);
        Self { sender }
    }

    pub(crate) fn subscribe(&self) -> broadcast::Receiver<CoreEvent> {
        self.sender.subscribe()
    }

    pub(crate) fn emit(&self, event: CoreEvent) {
        tracing::debug!(?event, "core event");
        // An error only means nobody listens right now.
        let _ = self.sender.send(event);
    }

    pub(crate) fn data_changed(&self, kinds: Vec<EntityKind>) {
        if !kinds.is_empty() {
            self.emit(CoreEvent::DataChanged { kinds });
        }
    }
}
