//! The demo provider's notifications reaching the backend: [`receive_demo`] verifies and
//! applies one (repeats of an event are acknowledged and change nothing), and
//! [`deliver_demo_notifications`] is the provider's retry loop, run by housekeeping. The
//! webhook endpoint itself is in [`super::handlers`].

use linli_wire::ErrorCode;
use linli_wire::bills::DemoNotification;

use super::orders as payments;
use super::provider as demo;
use crate::AppState;
use crate::error::{ApiError, ApiResult};

/// Applies one signed notification from the demo provider. Repeats of an event are
/// acknowledged and change nothing.
pub async fn receive_demo(state: &AppState, signature: Option<&str>, body: &[u8]) -> ApiResult<()> {
    let now = state.clock.now_ms();
    let mut tx = state.db.begin_with("BEGIN IMMEDIATE").await?;
    let key = demo::signing_key(&mut tx).await?.verifying_key();
    let signature = signature.ok_or_else(|| {
        ApiError::new(ErrorCode::Unauthenticated).detail("the notification is not signed")
    })?;
    demo::verify(&key, signature, body, now / 1000).map_err(|err| {
        tracing::warn!(?err, "a payment notification failed its signature check");
        ApiError::new(ErrorCode::Unauthenticated)
            .detail("the notification's signature does not verify")
    })?;
    let event: DemoNotification = serde_json::from_slice(body)
        .map_err(|_| ApiError::bad_request("not a payment notification"))?;
    let seen: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM payment_events WHERE provider = ? AND event_id = ?)",
    )
    .bind(demo::PROVIDER)
    .bind(&event.event_id)
    .fetch_one(&mut *tx)
    .await?;
    if seen {
        return Ok(());
    }
    let order = payments::order_of_trade_no(&event.out_trade_no).ok_or_else(ApiError::not_found)?;
    let row = payments::load(&mut tx, order)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let outcome = match event.status.as_str() {
        "SUCCESS" => {
            payments::apply_success(
                &mut tx,
                &row,
                &event.provider_txn_id,
                event.occurred_at.timestamp_millis(),
                event.amount_minor,
                &event.currency,
                now,
            )
            .await?;
            "applied"
        }
        "FAILED" => {
            payments::apply_failure(&mut tx, &row, "支付未成功（沙箱模拟失败）", now).await?;
            "applied"
        }
        _ => "ignored",
    };
    sqlx::query(
        "INSERT INTO payment_events (provider, event_id, order_id, received_at, outcome)
         VALUES (?, ?, ?, ?, ?)",
    )
    .bind(demo::PROVIDER)
    .bind(&event.event_id)
    .bind(&row.id)
    .bind(now)
    .bind(outcome)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Delivers the demo provider's due notifications (the provider's retry loop). Returns how
/// many were attempted.
pub async fn deliver_demo_notifications(state: &AppState) -> anyhow::Result<usize> {
    let now = state.clock.now_ms();
    let (due, key) = {
        let mut conn = state.db.acquire().await?;
        (
            demo::due(&mut conn, now).await?,
            demo::signing_key(&mut conn).await?,
        )
    };
    for (event_id, body) in &due {
        let delivered = if state.demo_provider.lose_notifications() {
            // Lost in transit: the backend must find out by querying.
            true
        } else {
            let header = demo::sign(&key, now / 1000, body.as_bytes());
            match receive_demo(state, Some(&header), body.as_bytes()).await {
                Ok(()) => true,
                Err(err) => {
                    tracing::warn!(code = %err.code, "a demo notification was refused; it will be retried");
                    false
                }
            }
        };
        let mut conn = state.db.acquire().await?;
        demo::attempted(&mut conn, event_id, delivered, now).await?;
    }
    Ok(due.len())
}
