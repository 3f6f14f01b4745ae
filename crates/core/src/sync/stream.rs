//! The change stream's client: holds `GET /v1/sync/stream` open while someone is signed in,
//! the backend is reachable and the app has not paused it, and turns each `change` event into
//! a poke of the background loop, which runs its normal sync (flush, then pull). Pokes
//! coalesce ([`tokio::sync::Notify`] keeps one), so a burst of events is one pull.
//!
//! An event carries only a kind and a sequence number, so nothing is lost with a dropped
//! connection: on every (re)connect the loop is poked once and pulls what it missed, and
//! `Last-Event-ID` asks the backend to replay what came meanwhile. While the stream is up the
//! background loop does not poll ([`PushState::is_up`]); while it is down the loop polls at
//! its interval, and this task reconnects after [`STREAM_BACKOFF`] with full jitter, on the
//! injected clock. A stream silent for longer than [`STREAM_IDLE`] (the backend sends a
//! comment every 15 s) is taken for dead.
//!
//! Nothing here assumes a desktop: a phone app pauses the stream when it goes to the
//! background and resumes it after ([`PushState::pause`], `Core::pause_push`), and a closed
//! connection is just another reconnect.

use crate::error::Error;
use crate::inner::Inner;
use crate::outbox::policy::Backoff;
use futures::StreamExt as _;
use linli_wire::headers::{EVENT_STREAM, LAST_EVENT_ID};
use linli_wire::sync::StreamEvent;
use rand::Rng as _;
use std::sync::Arc;
use std::sync::Weak;
use std::time::Duration;
use tokio::sync::{Notify, watch};

/// Reconnecting: first within 1 s, doubling, at most a minute apart.
pub(crate) const STREAM_BACKOFF: Backoff = Backoff {
    base: Duration::from_secs(1),
    cap: Duration::from_secs(60),
};
/// Three missed keep-alives: the connection is dead even if no error says so.
pub(crate) const STREAM_IDLE: Duration = Duration::from_secs(45);
/// The request's own limit; the backend ends the stream when the access token expires.
const STREAM_TIMEOUT: Duration = Duration::from_secs(3600);

/// Why a held stream ended.
enum Ended {
    /// The core is shutting down or paused the stream: do not reconnect on our own.
    Stopped,
    /// The stream was up (its opening comment arrived) and then ended: reconnect soon.
    WasUp,
    /// It never came up.
    Failed,
}

/// Holds the stream until `stop`; ends when every `Core` handle is gone.
pub(crate) async fn run(core: Weak<Inner>, wake: Arc<Notify>, mut stop: watch::Receiver<bool>) {
    let mut failures: u32 = 0;
    let mut last_seq: Option<i64> = None;
    loop {
        if *stop.borrow() {
            return;
        }
        let Some(inner) = core.upgrade() else {
            return;
        };
        let clock = Arc::clone(&inner.clock);
        let mut paused = inner.push.paused();
        let outcome = if *paused.borrow_and_update() {
            None
        } else {
            // Offline or not, an attempt is the probe: the backoff keeps it rare.
            match inner.current_account().await {
                Ok(_) => Some(
                    inner
                        .hold(&wake, &mut stop, &mut paused, &mut last_seq)
                        .await,
                ),
                Err(_) => None,
            }
        };
        inner.push.set_up(false);
        let wait = match outcome {
            Some(Ended::WasUp) => {
                failures = 1;
                // The loop polls again while we are away.
                wake.notify_one();
                Some(STREAM_BACKOFF.delay(1, rand::thread_rng().r#gen::<f64>(), None))
            }
            Some(Ended::Failed) => {
                failures = failures.saturating_add(1);
                let jitter = rand::thread_rng().r#gen::<f64>();
                Some(STREAM_BACKOFF.delay(failures, jitter, None))
            }
            // Not signed in, or paused: wait to be told.
            Some(Ended::Stopped) | None => None,
        };
        let push = Arc::clone(&inner.push);
        drop(inner);
        let waiting_to_resume = wait.is_none() && *paused.borrow();
        let resumed = async {
            let _ = paused.wait_for(|paused| !*paused).await;
        };
        tokio::select! {
            () = async {
                match wait {
                    Some(wait) => clock.sleep(wait).await,
                    None => push.kicked().await,
                }
            } => {}
            () = resumed, if waiting_to_resume => {}
            // `wait_for` sees a stop that `hold` already noticed, too.
            _ = stop.wait_for(|stop| *stop) => return,
        }
    }
}

impl Inner {
    /// Connects and reads events until the stream ends, the core stops or the app pauses.
    async fn hold(
        &self,
        wake: &Notify,
        stop: &mut watch::Receiver<bool>,
        paused: &mut watch::Receiver<bool>,
        last_seq: &mut Option<i64>,
    ) -> Ended {
        let mut body = match self.connect(*last_seq).await {
            Ok(body) => body,
            Err(err) => {
                tracing::info!("the change stream did not open: {err}");
                return Ended::Failed;
            }
        };
        let mut buffer = String::new();
        let mut up = false;
        loop {
            let chunk = tokio::select! {
                chunk = body.next() => chunk,
                () = self.clock.sleep(STREAM_IDLE) => {
                    tracing::info!("the change stream went silent; reconnecting");
                    None
                }
                _ = stop.wait_for(|stop| *stop) => return Ended::Stopped,
                _ = paused.wait_for(|paused| *paused) => return Ended::Stopped,
            };
            let Some(Ok(chunk)) = chunk else {
                return if up { Ended::WasUp } else { Ended::Failed };
            };
            buffer.push_str(&String::from_utf8_lossy(&chunk));
            while let Some(end) = buffer.find("\n\n") {
                let block: String = buffer.drain(..end + 2).collect();
                if !up {
                    // The opening comment: the stream is up; catch up on what it missed.
                    up = true;
                    self.push.set_up(true);
                    wake.notify_one();
                }
                if let Some(event) = parse(&block) {
                    *last_seq = Some(event.seq);
                    tracing::debug!(kind = ?event.kind, seq = event.seq, "pushed change");
                    wake.notify_one();
                }
            }
        }
    }

    async fn connect(
        &self,
        last_seq: Option<i64>,
    ) -> Result<futures::stream::BoxStream<'static, reqwest::Result<bytes::Bytes>>, Error> {
        let account = self.current_account().await?;
        let access = self.fresh_access(&account).await?;
        let mut request = self
            .http
            .client()?
            .get(self.http.endpoint("/v1/sync/stream")?)
            .bearer_auth(access.expose())
            .header(reqwest::header::ACCEPT, EVENT_STREAM)
            .timeout(STREAM_TIMEOUT);
        if let Some(seq) = last_seq {
            request = request.header(LAST_EVENT_ID, seq.to_string());
        }
        let response = request
            .send()
            .await
            .map_err(|err| Error::Offline(err.to_string()))?;
        if !response.status().is_success() {
            return Err(Error::BadResponse(format!(
                "the change stream answered {}",
                response.status()
            )));
        }
        Ok(response.bytes_stream().boxed())
    }
}

/// A `change` event's data; `None` for a comment or anything else.
fn parse(block: &str) -> Option<StreamEvent> {
    let mut change = false;
    let mut data = None;
    for line in block.lines() {
        match line.split_once(':') {
            Some(("event", value)) => change = value.trim() == "change",
            Some(("data", value)) => data = Some(value.trim().to_owned()),
            _ => {}
        }
    }
    if !change {
        return None;
    }
    serde_json::from_str(&data?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use linli_wire::sync::EntityKind;

    #[test]
    fn change_events_parse_and_comments_do_not() {
        assert_eq!(
            parse("event: change\nid: 7\ndata: {\"kind\":\"ticket\",\"seq\":7}\n\n"),
            Some(StreamEvent {
                kind: EntityKind::Ticket,
                seq: 7
            })
        );
        assert_eq!(parse(": linli change stream\n\n"), None, "a comment");
        assert_eq!(
            parse("event: change\ndata: {\"kind\":\"future\",\"seq\":8}\n\n").map(|e| e.kind),
            Some(EntityKind::Other),
            "a kind this build does not know still says something changed"
        );
    }
}
