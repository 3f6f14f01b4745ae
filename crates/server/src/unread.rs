//! A request body a handler leaves unread ends its connection, and the answer says so.
//!
//! Many answers are decided before the body is read: a missing token (401), a malformed
//! `Idempotency-Key` (400), a tus version mismatch (412). hyper then cannot reuse the
//! connection (the unread bytes would be taken for the next request) and closes it after the
//! answer, but without `Connection: close` a client that pools connections may already be
//! sending its next request on it, which fails as a dropped connection (schemathesis saw
//! "EOF occurred in violation of protocol" on about 1 in 1000 requests). So [`mark`] wraps
//! every request body in [`Tracked`], and when the body was not read to its end the answer
//! carries `Connection: close` (RFC 9112 §9.6): the client knows not to reuse the connection.

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use http_body::{Body as _, Frame, SizeHint};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

/// A request body that records when it has been read to its end.
struct Tracked {
    inner: Body,
    ended: Arc<AtomicBool>,
}

impl http_body::Body for Tracked {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let poll = Pin::new(&mut self.inner).poll_frame(cx);
        if matches!(poll, Poll::Ready(None)) || self.inner.is_end_stream() {
            self.ended.store(true, Ordering::Release);
        }
        poll
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// Middleware: `Connection: close` on the answer to a request whose body was left unread.
pub async fn mark(request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    // No body (or an empty one) cannot be left unread.
    if body.is_end_stream() {
        return next.run(Request::from_parts(parts, body)).await;
    }
    let ended = Arc::new(AtomicBool::new(false));
    let tracked = Tracked {
        inner: body,
        ended: Arc::clone(&ended),
    };
    let mut response = next
        .run(Request::from_parts(parts, Body::new(tracked)))
        .await;
    if !ended.load(Ordering::Acquire) {
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    response
}
