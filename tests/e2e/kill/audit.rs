//! The audit after the kill -9 gauntlet, on the backend and on the wire: every write the app
//! took on (queued, or answered to the resident) is on the backend exactly once, and nothing
//! was applied twice. Counts are of what the server did (rows it added since the start, events
//! it recorded, the payment provider's own books, requests the proxy saw it act on), never of
//! rows a primary key folds together.

use std::collections::BTreeSet;

use super::{Gauntlet, Kind, Run};
use linli_server::testing::TestServer;
use reqwest::Method;

/// The backend's books at one moment.
#[derive(Debug)]
pub struct Books {
    tickets: i64,
    uploads: i64,
    attachments: i64,
    reads: i64,
    passes: i64,
    orders: i64,
    provider_payments: i64,
    comments: i64,
    ratings: i64,
    revocations: i64,
}

impl Books {
    pub async fn read(server: &TestServer) -> Self {
        let count = |sql: &'static str| server.count(sql);
        Self {
            tickets: count("SELECT COUNT(*) FROM tickets").await,
            uploads: count("SELECT COUNT(*) FROM uploads").await,
            attachments: count("SELECT COUNT(*) FROM ticket_attachments").await,
            reads: count("SELECT COUNT(*) FROM notice_reads").await,
            passes: count("SELECT COUNT(*) FROM passes").await,
            orders: count("SELECT COUNT(*) FROM payment_orders").await,
            provider_payments: count("SELECT COUNT(*) FROM demo_provider_payments").await,
            comments: count("SELECT COUNT(*) FROM ticket_events WHERE action = 'comment'").await,
            ratings: count("SELECT COUNT(*) FROM ticket_events WHERE action = 'rated'").await,
            revocations: count("SELECT COUNT(*) FROM pass_revocations").await,
        }
    }
}

/// What the runs of `kind` printed after `prefix` (`queued`, `sent`).
fn said(runs: &[Run], kind: Kind, prefix: &str) -> Vec<String> {
    runs.iter()
        .filter(|r| r.kind == kind)
        .filter_map(|r| r.said(prefix))
        .collect()
}

/// Requests to exactly `path` (no query) the proxy saw, as (key, applied).
fn exact(world: &Gauntlet, method: &Method, path: &str) -> Vec<(Option<String>, bool)> {
    world
        .proxy
        .seen()
        .into_iter()
        .filter(|s| s.method == method && s.path == path)
        .map(|s| (s.key.clone(), s.applied()))
        .collect()
}

/// Requests under `prefix` ending in `suffix` the server answered 200.
fn answered(world: &Gauntlet, prefix: &str, suffix: &str) -> i64 {
    let n = world
        .proxy
        .seen()
        .iter()
        .filter(|s| s.method == Method::POST && s.path.starts_with(prefix))
        .filter(|s| s.path.ends_with(suffix) && s.status == Some(200))
        .count();
    i64::try_from(n).expect("count")
}

/// A durable write: every key the app ever sent (even one killed before the server saw it)
/// became exactly one row, and the server applied each key once.
fn sent_once(world: &Gauntlet, path: &str, added: i64, what: &str, seed: u64) {
    let seen = exact(world, &Method::POST, path);
    let keys: BTreeSet<_> = seen.iter().filter_map(|(k, _)| k.clone()).collect();
    let applied = seen.iter().filter(|(_, applied)| *applied).count();
    assert_eq!(
        i64::try_from(keys.len()).expect("n"),
        added,
        "every {what} the app sent is on the backend, once (seed {seed})"
    );
    assert_eq!(
        applied,
        keys.len(),
        "the server applied each {what} once; every repeat was a replay (seed {seed})"
    );
}

pub async fn everything_once(world: &Gauntlet, before: &Books, runs: &[Run], seed: u64) {
    let server = &world.server;
    let now = Books::read(server).await;
    for id in said(runs, Kind::Ticket, "queued") {
        let sql = format!("SELECT COUNT(*) FROM tickets WHERE id = '{id}'");
        assert_eq!(
            server.count(&sql).await,
            1,
            "report {id} arrived (seed {seed})"
        );
        let sql = format!("SELECT COUNT(*) FROM ticket_attachments WHERE ticket_id = '{id}'");
        assert_eq!(
            server.count(&sql).await,
            2,
            "with its two photos (seed {seed})"
        );
    }
    let reports = i64::try_from(said(runs, Kind::Ticket, "queued").len()).expect("n");
    assert_eq!(
        now.tickets - before.tickets,
        reports,
        "no report but those (seed {seed})"
    );
    sent_once(world, "/v1/tickets", reports, "report", seed);
    assert_eq!(
        now.uploads - before.uploads,
        2 * reports,
        "one upload per photo (seed {seed})"
    );
    assert_eq!(
        now.attachments - before.attachments,
        2 * reports,
        "each bound once"
    );
    let created = exact(world, &Method::POST, "/v1/uploads");
    assert_eq!(
        i64::try_from(created.iter().filter(|(_, applied)| *applied).count()).expect("n"),
        2 * reports,
        "each upload was created once; a repeated creation found it (seed {seed})"
    );
    let complete = server
        .count("SELECT COUNT(*) FROM uploads WHERE status = 'complete'")
        .await;
    assert_eq!(
        complete, now.uploads,
        "every upload finished, none half-written"
    );

    let reads = said(runs, Kind::Read, "queued");
    for id in &reads {
        let sql = format!("SELECT COUNT(*) FROM notice_reads WHERE notice_id = '{id}'");
        assert_eq!(
            server.count(&sql).await,
            1,
            "read mark {id} arrived (seed {seed})"
        );
    }
    let reads = i64::try_from(reads.len()).expect("n");
    assert_eq!(now.reads - before.reads, reads, "no read mark but those");
    sent_once(world, "/v1/notices/read-marks", reads, "read mark", seed);

    let passes = said(runs, Kind::Pass, "queued");
    for id in &passes {
        let sql = format!("SELECT COUNT(*) FROM passes WHERE id = '{id}'");
        assert_eq!(
            server.count(&sql).await,
            1,
            "pass {id} was issued (seed {seed})"
        );
    }
    let passes = i64::try_from(passes.len()).expect("n");
    assert_eq!(
        now.passes - before.passes,
        passes,
        "no pass but those (seed {seed})"
    );
    sent_once(world, "/v1/passes", passes, "pass", seed);

    let orders = now.orders - before.orders;
    for id in said(runs, Kind::Pay, "sent") {
        let sql = format!("SELECT COUNT(*) FROM payment_orders WHERE id = '{id}'");
        assert_eq!(
            server.count(&sql).await,
            1,
            "order {id} exists (seed {seed})"
        );
    }
    sent_once(world, "/v1/payment-orders", orders, "payment order", seed);
    assert_eq!(
        now.provider_payments - before.provider_payments,
        orders,
        "the provider's own books: one payment per order, never a second (seed {seed})"
    );
    once_online(world, before, &now, runs, seed).await;
}

/// Online writes (comments, ratings, revocations): each one the resident was told is done is
/// there once; none the server received was applied twice.
async fn once_online(world: &Gauntlet, before: &Books, now: &Books, runs: &[Run], seed: u64) {
    let server = &world.server;
    for text in said(runs, Kind::Comment, "sent") {
        let sql = format!(
            "SELECT COUNT(*) FROM ticket_events WHERE action = 'comment' AND note = '{text}'"
        );
        assert_eq!(
            server.count(&sql).await,
            1,
            "comment {text} once (seed {seed})"
        );
    }
    let twice = "SELECT COUNT(*) FROM (SELECT note FROM ticket_events WHERE action = 'comment' \
                 GROUP BY note HAVING COUNT(*) > 1)";
    assert_eq!(
        server.count(twice).await,
        0,
        "no comment twice (seed {seed})"
    );
    assert_eq!(
        now.comments - before.comments,
        answered(world, "/v1/tickets/", "/comments"),
        "every comment the server took is one event (seed {seed})"
    );
    for id in said(runs, Kind::Rate, "sent") {
        let sql = format!(
            "SELECT COUNT(*) FROM ticket_events WHERE action = 'rated' AND ticket_id = '{id}'"
        );
        assert_eq!(
            server.count(&sql).await,
            1,
            "rating of {id} once (seed {seed})"
        );
    }
    let twice = "SELECT COUNT(*) FROM (SELECT ticket_id FROM ticket_events WHERE action = \
                 'rated' GROUP BY ticket_id HAVING COUNT(*) > 1)";
    assert_eq!(
        server.count(twice).await,
        0,
        "no ticket rated twice (seed {seed})"
    );
    assert_eq!(
        now.ratings - before.ratings,
        answered(world, "/v1/tickets/", "/rating"),
        "every rating the server took is one event (seed {seed})"
    );
    for id in said(runs, Kind::Revoke, "sent") {
        let sql = format!("SELECT COUNT(*) FROM pass_revocations WHERE pass_id = '{id}'");
        assert_eq!(
            server.count(&sql).await,
            1,
            "pass {id} revoked (seed {seed})"
        );
    }
    assert_eq!(
        now.revocations - before.revocations,
        answered(world, "/v1/passes/", "/revoke"),
        "every revocation the server took revoked one pass (seed {seed})"
    );
}
