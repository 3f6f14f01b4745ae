//! A request body a handler leaves unread is read to its end (within bounds) after the
//! answer is made, so the connection survives it; past the bounds the answer says
//! `Connection: close`.
//!
//! Many answers are decided before the body is read: a missing token (401), a malformed
//! `Idempotency-Key` (400), a tus version mismatch (412). hyper then cannot reuse the
//! connection (the unread bytes would be taken for the next request) and closes it after the
//! answer. A client still sending a large body meanwhile, or one that pools connections and
//! sends its next request on it, saw a dropped connection (schemathesis: "EOF occurred in
//! violation of protocol" on about 1 in 1000 requests, always bodies of ~20 KB refused
//! early). So [`mark`] wraps every request body in [`Tracked`], which leaves what the handler
//! did not read in a shared slot; once the answer is made, up to [`DRAIN_LIMIT`] bytes in
//! [`DRAIN_TIME`] are read and dropped (a lingering read, as web servers do), and only a body
//! larger or slower than that makes the answer `Connection: close` (RFC 9112 §9.6), so the
//! client knows not to reuse the connection.

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use futures::StreamExt as _;
use http_body::{Body as _, Frame, SizeHint};
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

/// The most of an unread body read after the answer: as much as the largest JSON body.
const DRAIN_LIMIT: usize = 256 * 1024;
/// The longest an unread body is waited for after the answer.
const DRAIN_TIME: Duration = Duration::from_secs(2);

/// The part of a request body nobody has read yet; `None` once read to its end.
type Slot = Arc<Mutex<Option<Body>>>;

/// A request body whose unread rest stays in a [`Slot`] the middleware keeps.
struct Tracked {
    slot: Slot,
}

impl http_body::Body for Tracked {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let mut slot = self.slot.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(body) = slot.as_mut() else {
            return Poll::Ready(None);
        };
        let poll = Pin::new(body).poll_frame(cx);
        if matches!(poll, Poll::Ready(None)) {
            *slot = None;
        }
        poll
    }

    fn is_end_stream(&self) -> bool {
        let slot = self.slot.lock().unwrap_or_else(PoisonError::into_inner);
        slot.as_ref().is_none_or(Body::is_end_stream)
    }

    fn size_hint(&self) -> SizeHint {
        let slot = self.slot.lock().unwrap_or_else(PoisonError::into_inner);
        slot.as_ref()
            .map_or_else(|| SizeHint::with_exact(0), Body::size_hint)
    }
}

/// Reads and drops `body` to its end; whether it ended within [`DRAIN_LIMIT`] bytes.
async fn drain(body: Body) -> bool {
    let mut rest = body.into_data_stream();
    let mut read = 0usize;
    while let Some(chunk) = rest.next().await {
        let Ok(chunk) = chunk else {
            return false;
        };
        read += chunk.len();
        if read > DRAIN_LIMIT {
            return false;
        }
    }
    true
}

/// Middleware: after the answer, the unread rest of the request body is read (within
/// bounds), or the answer says `Connection: close`.
pub async fn mark(request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    // No body (or an empty one) cannot be left unread.
    if body.is_end_stream() {
        return next.run(Request::from_parts(parts, body)).await;
    }
    let slot: Slot = Arc::new(Mutex::new(Some(body)));
    let tracked = Tracked {
        slot: Arc::clone(&slot),
    };
    let mut response = next
        .run(Request::from_parts(parts, Body::new(tracked)))
        .await;
    let rest = slot.lock().unwrap_or_else(PoisonError::into_inner).take();
    if let Some(rest) = rest
        && !rest.is_end_stream()
        && !matches!(
            tokio::time::timeout(DRAIN_TIME, drain(rest)).await,
            Ok(true)
        )
    {
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    response
}
