//! Every deadline the server keeps, approached to the millisecond on its own frozen clock: at
//! the last moment before it nothing has happened yet, at the first moment after it has. (The
//! other tests jump days past a deadline, which a deadline off by hours still passes.) Where a
//! step is due "after N days" it happens at N days exactly; where a window lasts "until" a
//! moment, that moment is still inside it. Deadlines covered: an urgent repair's response time,
//! automatic confirmation and closing, the reopen window, a payment order's expiry, a visitor
//! pass's window, the trust a retired pass key keeps at the gates.

use crate::tickets::{create, household, post, repair, staff};
use crate::{Fixture, expect_problem};
use linli_server::features::billing::ORDER_TTL;
use linli_server::features::tickets::{AUTO_CLOSE_DAYS, AUTO_CONFIRM_DAYS, REOPEN_DAYS};
use serde_json::{Value, json};
use std::time::Duration;

const MS: Duration = Duration::from_millis(1);
const DAY: Duration = Duration::from_secs(24 * 3600);

fn days(n: i64) -> Duration {
    DAY * u32::try_from(n).expect("a few days")
}

/// The ticket as its owner sees it now (a fresh token: the clock moves past token lifetimes).
async fn ticket(fx: &Fixture, id: &str) -> Value {
    let token = fx.wang_fang().await;
    fx.get(&format!("/v1/tickets/{id}"), &token)
        .await
        .json()
        .await
        .expect("ticket")
}

/// Runs the ticket housekeeping job, then reads the ticket.
async fn after_housekeeping(fx: &Fixture, id: &str) -> Value {
    linli_server::features::tickets::advance_all(&fx.server.state)
        .await
        .expect("ticket housekeeping");
    ticket(fx, id).await
}

fn allows(ticket: &Value, action: &str) -> bool {
    ticket["allowed"]
        .as_array()
        .expect("allowed")
        .iter()
        .any(|a| a == action)
}

#[tokio::test]
async fn ticket_deadlines_fall_to_the_millisecond() {
    let fx = Fixture::start().await;
    fx.clock.freeze();
    let token = fx.wang_fang().await;
    let membership = household(&fx, &token).await;
    let desk = staff(&fx).await;
    let created: Value = create(&fx, &token, repair(&fx, &membership, &[]))
        .await
        .json()
        .await
        .expect("ticket");
    let id = created["id"].as_str().expect("id").to_owned();

    // An urgent repair must be answered within 30 minutes.
    fx.clock.advance(Duration::from_secs(30 * 60));
    assert_eq!(
        ticket(&fx, &id).await["overdue"],
        false,
        "30:00.000 unanswered: not yet overdue"
    );
    fx.clock.advance(MS);
    assert_eq!(
        ticket(&fx, &id).await["overdue"],
        true,
        "30:00.001 unanswered: overdue"
    );

    for action in [
        json!({"action": "accept"}),
        json!({"action": "assign", "assignee": "王师傅"}),
        json!({"action": "start"}),
        json!({"action": "complete", "note": "好了"}),
    ] {
        let response = post(
            &fx,
            &desk,
            &format!("/v1/staff/tickets/{id}/actions"),
            Some(action.clone()),
        )
        .await;
        assert!(response.status().is_success(), "{action}");
    }
    // Completed now (the clock stands still): every later deadline counts from here.

    fx.clock.advance(days(AUTO_CONFIRM_DAYS) - MS);
    assert_eq!(
        after_housekeeping(&fx, &id).await["state"],
        "completed",
        "1 ms before {AUTO_CONFIRM_DAYS} days: not confirmed yet"
    );
    fx.clock.advance(MS);
    let confirmed = after_housekeeping(&fx, &id).await;
    assert_eq!(
        confirmed["state"], "confirmed",
        "at {AUTO_CONFIRM_DAYS} days: confirmed by itself"
    );
    assert!(
        allows(&confirmed, "reopen"),
        "still inside the reopen window"
    );

    // Reopening is allowed up to REOPEN_DAYS after completion.
    fx.clock
        .advance(days(REOPEN_DAYS) - days(AUTO_CONFIRM_DAYS));
    assert!(
        allows(&ticket(&fx, &id).await, "reopen"),
        "at {REOPEN_DAYS} days: may still be reopened"
    );
    fx.clock.advance(MS);
    assert!(
        !allows(&ticket(&fx, &id).await, "reopen"),
        "1 ms after: not any more"
    );
    let token = fx.wang_fang().await;
    expect_problem(
        post(
            &fx,
            &token,
            &format!("/v1/tickets/{id}/reopen"),
            Some(json!({"reason": "又漏了"})),
        )
        .await,
        409,
        "invalid-transition",
    )
    .await;

    // Closing counts from the automatic confirmation (completion + AUTO_CONFIRM_DAYS).
    let confirmed_at = days(AUTO_CONFIRM_DAYS);
    let now = days(REOPEN_DAYS) + MS;
    fx.clock
        .advance(confirmed_at + days(AUTO_CLOSE_DAYS) - MS - now);
    assert_eq!(
        after_housekeeping(&fx, &id).await["state"],
        "confirmed",
        "1 ms before {AUTO_CLOSE_DAYS} days unrated: still open"
    );
    fx.clock.advance(MS);
    let closed = after_housekeeping(&fx, &id).await;
    assert_eq!(
        closed["state"], "closed",
        "at {AUTO_CLOSE_DAYS} days: closed"
    );
    let actions: Vec<&str> = closed["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert!(
        actions.ends_with(&["completed", "auto_confirmed", "auto_closed"]),
        "each automatic step once: {actions:?}"
    );
}

#[tokio::test]
async fn a_payment_order_expires_to_the_millisecond() {
    use crate::bills::{bills, household, open_order, order, unpaid};
    let fx = Fixture::start().await;
    fx.clock.freeze();
    let token = fx.wang_fang().await;
    let membership = household(&fx, &token).await;
    let open = unpaid(&bills(&fx, &token, &membership).await);
    let created = open_order(&fx, &token, &membership, &[&open[0]]).await;
    let id = created["id"].as_str().expect("id").to_owned();
    let ttl = ORDER_TTL.to_std().expect("a positive TTL");

    fx.clock.advance(ttl - MS);
    // The housekeeping job and a read both expire due orders: run the job's step, then read.
    let mut tx = fx.server.state.db.begin().await.expect("tx");
    let expired = linli_server::features::billing::expire_due(&mut tx, fx.clock.now_ms())
        .await
        .expect("expire due orders");
    tx.commit().await.expect("commit");
    assert_eq!(expired, 0, "nothing is due 1 ms before the order's time");
    let token = fx.wang_fang().await;
    assert_eq!(
        order(&fx, &token, &id).await["state"],
        "awaiting_payment",
        "1 ms before its time: still payable"
    );
    fx.clock.advance(MS);
    let token = fx.wang_fang().await;
    assert_eq!(
        order(&fx, &token, &id).await["state"],
        "expired",
        "at its time: expired"
    );
    let again = unpaid(&bills(&fx, &token, &membership).await);
    assert!(
        again.iter().any(|b| b["id"] == open[0]["id"]),
        "its bill is free to pay again"
    );
}

#[tokio::test]
async fn a_visitor_pass_expires_to_the_millisecond() {
    use crate::passes::{create, first_membership, pass_body};
    let fx = Fixture::start().await;
    fx.clock.freeze();
    let token = fx.wang_fang().await;
    let membership = first_membership(&fx, &token).await;
    let body = pass_body(&fx, &membership);
    let key = body["id"].as_str().expect("id").to_owned();
    let pass: Value = create(&fx, &token, &body, &key)
        .await
        .json()
        .await
        .expect("pass");
    let until = chrono::DateTime::parse_from_rfc3339(pass["valid_until"].as_str().expect("until"))
        .expect("a timestamp");
    let window = (until.with_timezone(&chrono::Utc) - fx.clock.now())
        .to_std()
        .expect("the window lies ahead");

    fx.clock.advance(window);
    let token = fx.wang_fang().await;
    let read = |token: String| {
        let url = format!("/v1/passes/{key}");
        let fx = &fx;
        async move {
            fx.get(&url, &token)
                .await
                .json::<Value>()
                .await
                .expect("pass")
        }
    };
    assert_eq!(
        read(token).await["state"],
        "active",
        "at valid_until: still active"
    );
    fx.clock.advance(MS);
    let token = fx.wang_fang().await;
    assert_eq!(read(token).await["state"], "expired", "1 ms after: expired");
}

#[tokio::test]
async fn a_retired_pass_key_is_trusted_until_its_last_millisecond() {
    use crate::passes::gate_get;
    use linli_server::features::gate::RETIRED_KEY_TRUST_MS;
    let fx = Fixture::start().await;
    fx.clock.freeze();
    let (_, gate) = linli_server::features::gate::add_gate(
        &fx.server.state.db,
        "翠湖花园",
        "pedestrian",
        "东门",
        fx.clock.now_ms(),
    )
    .await
    .expect("gate");
    let kids = |keys: &Value| -> Vec<String> {
        keys["keys"]
            .as_array()
            .expect("keys")
            .iter()
            .map(|k| k["kid"].as_str().expect("kid").to_owned())
            .collect()
    };
    let first: Value = gate_get(&fx, &gate, "/v1/gate/keys")
        .await
        .json()
        .await
        .expect("keys");
    let old = kids(&first);
    assert_eq!(old.len(), 1, "one key before any rotation");
    let retired_at = fx.clock.now();
    linli_server::features::passes::rotate_key(&fx.server.state.db, "翠湖花园", fx.clock.now_ms())
        .await
        .expect("rotate");
    let trust = Duration::from_millis(u64::try_from(RETIRED_KEY_TRUST_MS).expect("positive"));

    fx.clock.advance(trust - MS);
    let keys: Value = gate_get(&fx, &gate, "/v1/gate/keys")
        .await
        .json()
        .await
        .expect("keys");
    assert_eq!(
        kids(&keys).len(),
        2,
        "1 ms before its trust ends: still handed out"
    );
    let retired = keys["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .find(|k| k["kid"] == old[0].as_str())
        .expect("the retired key");
    let not_after = chrono::DateTime::parse_from_rfc3339(
        retired["not_after"]
            .as_str()
            .expect("a retired key says until when"),
    )
    .expect("a timestamp");
    assert_eq!(
        not_after.timestamp_millis(),
        retired_at.timestamp_millis() + RETIRED_KEY_TRUST_MS,
        "its announced end is the moment it is dropped"
    );
    fx.clock.advance(MS);
    let keys: Value = gate_get(&fx, &gate, "/v1/gate/keys")
        .await
        .json()
        .await
        .expect("keys");
    let left = kids(&keys);
    assert_eq!(left.len(), 1, "at its end: no longer handed out");
    assert_ne!(left[0], old[0], "only the new key is left");
}
