//! The change stream (`GET /v1/sync/stream`): server-sent events that name only the kind and
//! the sequence number of a change the resident may see, resumable with `Last-Event-ID`, and
//! ended when the token expires or the server stops.

use crate::sync::{community_id, notice};
use crate::tickets::{create, household, post, repair, staff};
use crate::{Fixture, access};
use futures::StreamExt as _;
use linli_server::features::notices::publish;
use linli_server::seed::LI_QIANG_PHONE;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

/// Long enough for any event on a loaded machine; the tests never wait it out when they pass.
const PATIENCE: Duration = Duration::from_secs(20);

/// One open stream, read event by event.
struct Events {
    body: futures::stream::BoxStream<'static, reqwest::Result<axum::body::Bytes>>,
    buffer: String,
}

/// One server-sent event: (`id`, `event`, `data` as JSON).
#[derive(Debug)]
struct Sse {
    id: String,
    event: String,
    data: Value,
}

impl Events {
    async fn open(fx: &Fixture, token: &str, last_event_id: Option<&str>) -> Self {
        let mut request = fx
            .client
            .get(fx.url("/v1/sync/stream"))
            .bearer_auth(token)
            .header("Accept", "text/event-stream");
        if let Some(id) = last_event_id {
            request = request.header("Last-Event-ID", id);
        }
        let response = request.send().await.expect("open the stream");
        assert_eq!(response.status(), StatusCode::OK, "the stream opens");
        assert_eq!(
            response.headers()["content-type"],
            "text/event-stream",
            "server-sent events"
        );
        assert!(
            response.headers().get("content-encoding").is_none(),
            "each event must reach the client when sent, not when a compressor's block fills"
        );
        let mut events = Self {
            body: response.bytes_stream().boxed(),
            buffer: String::new(),
        };
        let first = tokio::time::timeout(PATIENCE, events.block())
            .await
            .expect("the opening comment in time")
            .expect("the opening comment");
        assert!(
            first.starts_with(':'),
            "a comment says the stream is up: {first:?}"
        );
        events
    }

    /// The next block (up to a blank line); `None` when the stream ended.
    async fn block(&mut self) -> Option<String> {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block = self.buffer[..end].to_owned();
                self.buffer.drain(..end + 2);
                return Some(block);
            }
            let chunk = self.body.next().await?;
            self.buffer
                .push_str(std::str::from_utf8(&chunk.ok()?).expect("utf-8"));
        }
    }

    /// The next event, skipping keep-alive comments; `None` when the stream ended.
    async fn next(&mut self) -> Option<Sse> {
        tokio::time::timeout(PATIENCE, self.next_unbounded())
            .await
            .expect("an event, or the end of the stream, in time")
    }

    async fn next_unbounded(&mut self) -> Option<Sse> {
        loop {
            let block = self.block().await?;
            let mut sse = Sse {
                id: String::new(),
                event: String::new(),
                data: Value::Null,
            };
            for line in block.lines() {
                if let Some(id) = line.strip_prefix("id: ") {
                    sse.id = id.to_owned();
                } else if let Some(event) = line.strip_prefix("event: ") {
                    sse.event = event.to_owned();
                } else if let Some(data) = line.strip_prefix("data: ") {
                    sse.data = serde_json::from_str(data).expect("JSON data");
                }
            }
            if !sse.event.is_empty() {
                return Some(sse);
            }
        }
    }
}

#[tokio::test]
async fn a_staff_step_on_my_ticket_is_an_event_naming_only_its_kind_and_seq() {
    let fx = Fixture::start().await;
    let token = fx.wang_fang().await;
    let membership = household(&fx, &token).await;
    let created = create(&fx, &token, repair(&fx, &membership, &[])).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let ticket: Value = created.json().await.expect("ticket");
    let id = ticket["id"].as_str().expect("id");
    let mut events = Events::open(&fx, &token, None).await;
    let desk = staff(&fx).await;
    let accepted = post(
        &fx,
        &desk,
        &format!("/v1/staff/tickets/{id}/actions"),
        Some(json!({"action": "accept"})),
    )
    .await;
    assert_eq!(accepted.status(), StatusCode::OK);
    let event = events.next().await.expect("an event for the step");
    assert_eq!(event.event, "change");
    assert_eq!(event.data["kind"], "ticket", "{event:?}");
    let seq = event.data["seq"].as_i64().expect("seq");
    assert_eq!(
        event.id,
        seq.to_string(),
        "id: is the seq, so Last-Event-ID resumes"
    );
    assert_eq!(
        event.data.as_object().expect("object").len(),
        2,
        "only kind and seq: a lost push loses nothing, the feed has the rest: {event:?}"
    );
}

#[tokio::test]
async fn another_households_changes_are_not_heard() {
    let fx = Fixture::start().await;
    let li = access(&fx.login(LI_QIANG_PHONE).await);
    let mut events = Events::open(&fx, &li, None).await;
    let now = fx.clock.now_ms();
    // 王芳's ticket and a notice of a community 李强 has no home in: not his.
    let wang = fx.wang_fang().await;
    let membership = household(&fx, &wang).await;
    let created = create(&fx, &wang, repair(&fx, &membership, &[])).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let jinxiu = community_id(&fx, "锦绣江南").await;
    publish(
        &fx.server.state.db,
        &notice(jinxiu, "锦绣江南停电", &fx),
        now,
    )
    .await
    .expect("publish");
    // Then one of his own community's.
    let cuihu = community_id(&fx, "翠湖花园").await;
    publish(
        &fx.server.state.db,
        &notice(cuihu, "翠湖花园停水", &fx),
        now,
    )
    .await
    .expect("publish");
    let max: i64 = sqlx::query_scalar("SELECT MAX(seq) FROM change_log")
        .fetch_one(&fx.server.state.db)
        .await
        .expect("seq");
    let event = events.next().await.expect("his community's notice");
    assert_eq!(
        (event.data["kind"].as_str(), event.data["seq"].as_i64()),
        (Some("notice"), Some(max)),
        "the first event he hears of is his own community's notice: {event:?}"
    );
}

#[tokio::test]
async fn last_event_id_resumes_after_that_change() {
    let fx = Fixture::start().await;
    let token = fx.wang_fang().await;
    let cuihu = community_id(&fx, "翠湖花园").await;
    let mut seqs = Vec::new();
    for title in ["停水一", "停水二", "停水三"] {
        publish(
            &fx.server.state.db,
            &notice(cuihu, title, &fx),
            fx.clock.now_ms(),
        )
        .await
        .expect("publish");
        let seq: i64 = sqlx::query_scalar("SELECT MAX(seq) FROM change_log")
            .fetch_one(&fx.server.state.db)
            .await
            .expect("seq");
        seqs.push(seq);
    }
    // The app heard of the first one before the connection dropped.
    let mut events = Events::open(&fx, &token, Some(&seqs[0].to_string())).await;
    for seq in &seqs[1..] {
        let event = events.next().await.expect("a missed change");
        assert_eq!(
            event.data["seq"].as_i64(),
            Some(*seq),
            "in order, once: {event:?}"
        );
    }
    let bad = fx
        .client
        .get(fx.url("/v1/sync/stream"))
        .bearer_auth(&token)
        .header("Last-Event-ID", "yesterday")
        .send()
        .await
        .expect("GET");
    crate::expect_problem(bad, 400, "bad-request").await;
}

#[tokio::test]
async fn the_stream_ends_when_the_token_expires() {
    let fx = Fixture::start().await;
    fx.server
        .state
        .changes
        .set_keep_alive(Duration::from_millis(50));
    let token = fx.wang_fang().await;
    let mut events = Events::open(&fx, &token, None).await;
    fx.clock.advance(Duration::from_secs(16 * 60));
    assert!(
        events.next().await.is_none(),
        "an expired token's stream ends (the app reconnects with a fresh token)"
    );
}

#[tokio::test]
async fn stopping_the_server_ends_open_streams() {
    let fx = Fixture::start().await;
    let token = fx.wang_fang().await;
    let mut events = Events::open(&fx, &token, None).await;
    let Fixture { server, .. } = fx;
    tokio::time::timeout(PATIENCE, server.stop())
        .await
        .expect("shutdown does not wait on an open stream");
    assert!(events.next().await.is_none(), "the stream ended");
}
