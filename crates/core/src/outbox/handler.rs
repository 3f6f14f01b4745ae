//! What a feature tells the outbox runner about one kind of queued write.
//!
//! The runner ([`super::flush`]) knows no feature: for each due item it looks up the
//! [`KindHandler`] registered for the item's stored kind and asks it for the request (built
//! from the payload, after checking the payload version), what an accepted answer changes in
//! the cache, and which entities a refusal changes. A kind that is not one request (a tus
//! upload) sends itself. The handlers are registered in one list, the crate's `registry`, which
//! is the only place that names every feature's kinds; the outbox never imports a feature.

use super::{OutboxItem, OutboxKind};
use crate::error::Error;
use crate::http::{Call, Reply};
use crate::inner::{Account, Inner};
use futures::future::BoxFuture;
use linli_wire::sync::EntityKind;
use serde::de::DeserializeOwned;

/// Whether the flush goes on after an item.
pub(crate) enum Flow {
    Continue,
    Stop(Error),
}

/// One kind of queued write, as its feature defines it.
pub(crate) trait KindHandler: Sync {
    /// The stored kind this handler sends.
    fn kind(&self) -> OutboxKind;

    /// The request the item stands for, or why this build cannot send it (the item is then
    /// left pending: a newer build may send it).
    fn request(&self, item: &OutboxItem) -> Result<Call, String>;

    /// Applies an accepted answer to the cache (and says what changed).
    fn accepted<'a>(
        &'a self,
        inner: &'a Inner,
        account: &'a Account,
        item: &'a OutboxItem,
        reply: &'a Reply,
    ) -> BoxFuture<'a, Result<(), Error>>;

    /// The entities whose view changes when the backend refuses the item (its projection
    /// disappears with its pending state).
    fn refused_changes(&self) -> &'static [EntityKind];

    /// A kind that is not a single request sends itself and says how the flush goes on;
    /// `None` (the default) sends [`KindHandler::request`] through the runner.
    fn send_itself<'a>(
        &'a self,
        _inner: &'a Inner,
        _account: &'a Account,
        _item: &'a OutboxItem,
    ) -> Option<BoxFuture<'a, Result<Flow, Error>>> {
        None
    }
}

/// The handlers of every kind this build sends, looked up by the item's stored kind.
pub(crate) struct Handlers(pub(crate) &'static [&'static dyn KindHandler]);

impl Handlers {
    /// The handler of `item`'s kind, or why it cannot be sent by this build.
    pub(crate) fn for_item(&self, item: &OutboxItem) -> Result<&'static dyn KindHandler, String> {
        item.kind()
            .and_then(|kind| self.0.iter().copied().find(|h| h.kind() == kind))
            .ok_or_else(|| format!("kind {:?} unknown to this build", item.kind))
    }

    /// The request `item` stands for, or why it cannot be sent by this build.
    #[cfg(test)]
    pub(crate) fn request_for(&self, item: &OutboxItem) -> Result<Call, String> {
        self.for_item(item)?.request(item)
    }
}

/// The item's payload, if it has the version this build writes and decodes.
pub(crate) fn decode_payload<T: DeserializeOwned>(
    item: &OutboxItem,
    version: i64,
) -> Result<T, String> {
    if item.payload_version != version {
        return Err(format!("payload version {} unknown", item.payload_version));
    }
    serde_json::from_str(&item.payload).map_err(|err| format!("payload does not decode: {err}"))
}

/// `POST path` with the payload as body, keyed by the item's id.
pub(crate) fn post_payload<T: DeserializeOwned + serde::Serialize>(
    item: &OutboxItem,
    version: i64,
    path: &str,
) -> Result<Call, String> {
    let body: T = decode_payload(item, version)?;
    Call::post(path, &body)
        .map(|call| call.idempotent(item.id))
        .map_err(|err| err.to_string())
}
