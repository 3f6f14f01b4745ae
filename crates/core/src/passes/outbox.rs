//! The `create_pass` outbox kind: a pass written offline, sent with its id as the
//! Idempotency-Key; the issued pass reaches the cache with the next pull.

use crate::error::Error;
use crate::http::{Call, Reply};
use crate::inner::{Account, Inner};
use crate::outbox::handler::{KindHandler, post_payload};
use crate::outbox::{OutboxItem, OutboxKind};
use futures::future::BoxFuture;
use linli_wire::passes::CreatePass;
use linli_wire::sync::EntityKind;

/// Payload version of `create_pass` items.
pub(crate) const CREATE_PASS_PAYLOAD_VERSION: i64 = 1;

/// `create_pass`: `POST /v1/passes`. The issued pass reaches the cache with the next pull.
pub(crate) struct CreatePassKind;

impl KindHandler for CreatePassKind {
    fn kind(&self) -> OutboxKind {
        OutboxKind::CreatePass
    }

    fn request(&self, item: &OutboxItem) -> Result<Call, String> {
        post_payload::<CreatePass>(item, CREATE_PASS_PAYLOAD_VERSION, "/v1/passes")
    }

    fn accepted<'a>(
        &'a self,
        _inner: &'a Inner,
        _account: &'a Account,
        _item: &'a OutboxItem,
        _reply: &'a Reply,
    ) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async { Ok(()) })
    }

    fn refused_changes(&self) -> &'static [EntityKind] {
        // What the runner announced for every refused request before kinds had handlers;
        // kept unchanged by the restructure.
        &[EntityKind::Notice]
    }
}
