//! The demo payment provider: a stand-in for WeChat Pay's servers, living in the reference
//! backend so that the whole payment flow runs here end to end.
//!
//! It keeps its own books (`demo_provider_payments`, named after WeChat's `trade_state`s:
//! NOTPAY, SUCCESS, PAYERROR, CLOSED, REFUND) and its own Ed25519 key. The backend talks to it
//! only the way it would talk to a real provider: create, query, close and refund a payment,
//! and receive its signed notifications at `/v1/webhooks/payments/demo`. Notifications are
//! queued here and delivered with retries and backoff, so a notification can be late,
//! repeated or (in tests) lost, exactly the cases the backend must survive.
//!
//! Signature: header `Linli-Demo-Signature: t=<unix seconds>,sig=<base64url(Ed25519(t "." body))>`.

use base64::Engine as _;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use linli_wire::bills::DemoNotification;
use rand::RngCore as _;
use sqlx::SqliteConnection;

use crate::clock::from_ms;

/// The provider's name in webhook paths and the events table.
pub const PROVIDER: &str = "demo";
/// The signature header.
pub const SIGNATURE_HEADER: &str = "linli-demo-signature";
/// How far a notification's timestamp may be from the backend's clock.
pub const SIGNATURE_TOLERANCE_S: i64 = 300;

/// A payment as the provider's books have it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderPayment {
    /// NOTPAY, SUCCESS, PAYERROR, CLOSED or REFUND.
    pub state: String,
    /// Amount.
    pub amount_minor: i64,
    /// Currency.
    pub currency: String,
    /// Transaction id, once paid.
    pub txn_id: Option<String>,
    /// When it was paid (ms).
    pub paid_at: Option<i64>,
}

/// The provider's signing key (made on first use).
pub async fn signing_key(conn: &mut SqliteConnection) -> sqlx::Result<SigningKey> {
    let stored: Option<Vec<u8>> =
        sqlx::query_scalar("SELECT signing_key FROM demo_provider WHERE id = 1")
            .fetch_optional(&mut *conn)
            .await?;
    if let Some(bytes) = stored.and_then(|b| <[u8; 32]>::try_from(b.as_slice()).ok()) {
        return Ok(SigningKey::from_bytes(&bytes));
    }
    let mut seed = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut seed);
    sqlx::query("INSERT OR IGNORE INTO demo_provider (id, signing_key) VALUES (1, ?)")
        .bind(seed.to_vec())
        .execute(&mut *conn)
        .await?;
    let stored: Vec<u8> = sqlx::query_scalar("SELECT signing_key FROM demo_provider WHERE id = 1")
        .fetch_one(&mut *conn)
        .await?;
    let bytes = <[u8; 32]>::try_from(stored.as_slice())
        .map_err(|_| sqlx::Error::Protocol("the demo provider key is damaged".into()))?;
    Ok(SigningKey::from_bytes(&bytes))
}

/// Opens a payment (WeChat: `POST /v3/pay/transactions/app`).
pub async fn create(
    conn: &mut SqliteConnection,
    out_trade_no: &str,
    amount_minor: i64,
    currency: &str,
    now_ms: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT OR IGNORE INTO demo_provider_payments
            (out_trade_no, amount_minor, currency, state, created_at)
         VALUES (?, ?, ?, 'NOTPAY', ?)",
    )
    .bind(out_trade_no)
    .bind(amount_minor)
    .bind(currency)
    .bind(now_ms)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Queries a payment (WeChat: `GET /v3/pay/transactions/out-trade-no/{no}`).
pub async fn query(
    conn: &mut SqliteConnection,
    out_trade_no: &str,
) -> sqlx::Result<Option<ProviderPayment>> {
    type Row = (String, i64, String, Option<String>, Option<i64>);
    let row: Option<Row> = sqlx::query_as(
        "SELECT state, amount_minor, currency, txn_id, paid_at
         FROM demo_provider_payments WHERE out_trade_no = ?",
    )
    .bind(out_trade_no)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(
        |(state, amount_minor, currency, txn_id, paid_at)| ProviderPayment {
            state,
            amount_minor,
            currency,
            txn_id,
            paid_at,
        },
    ))
}

/// Closes an unpaid payment so it can no longer be paid (WeChat: `.../close`). Returns the
/// payment as it stands afterwards: `SUCCESS` means the payer was faster.
pub async fn close(
    conn: &mut SqliteConnection,
    out_trade_no: &str,
) -> sqlx::Result<Option<ProviderPayment>> {
    sqlx::query(
        "UPDATE demo_provider_payments SET state = 'CLOSED'
         WHERE out_trade_no = ? AND state = 'NOTPAY'",
    )
    .bind(out_trade_no)
    .execute(&mut *conn)
    .await?;
    query(conn, out_trade_no).await
}

/// Gives a paid payment's money back (WeChat: `POST /v3/refund/domestic/refunds`).
pub async fn refund(conn: &mut SqliteConnection, out_trade_no: &str) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE demo_provider_payments SET state = 'REFUND'
         WHERE out_trade_no = ? AND state = 'SUCCESS'",
    )
    .bind(out_trade_no)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// What the payer did on the checkout page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PayerAction {
    /// Paid.
    Confirm,
    /// The payment was declined (insufficient balance, wrong password …).
    Fail,
}

/// The payer acts on the checkout page. Only an unpaid, open payment moves; `force` pays even
/// a closed one (tests use it for a payer who raced the backend's close). Returns the payment
/// afterwards.
pub async fn act(
    conn: &mut SqliteConnection,
    out_trade_no: &str,
    action: PayerAction,
    force: bool,
    now_ms: i64,
) -> sqlx::Result<Option<ProviderPayment>> {
    let payable = if force {
        "('NOTPAY', 'CLOSED')"
    } else {
        "('NOTPAY')"
    };
    let (state, status) = match action {
        PayerAction::Confirm => ("SUCCESS", "SUCCESS"),
        PayerAction::Fail => ("PAYERROR", "FAILED"),
    };
    let txn_id = format!(
        "DEMO{}{:08}",
        now_ms / 1000,
        rand::rngs::OsRng.next_u32() % 100_000_000
    );
    let moved = sqlx::query(&format!(
        "UPDATE demo_provider_payments SET state = ?, txn_id = ?, paid_at = ?
         WHERE out_trade_no = ? AND state IN {payable}"
    ))
    .bind(state)
    .bind(&txn_id)
    .bind(now_ms)
    .bind(out_trade_no)
    .execute(&mut *conn)
    .await?;
    let payment = query(conn, out_trade_no).await?;
    if moved.rows_affected() == 1
        && let Some(payment) = &payment
    {
        let event = DemoNotification {
            event_id: format!("evt_{}", uuid::Uuid::now_v7().simple()),
            out_trade_no: out_trade_no.to_owned(),
            provider_txn_id: txn_id,
            status: status.to_owned(),
            amount_minor: payment.amount_minor,
            currency: payment.currency.clone(),
            occurred_at: from_ms(now_ms),
        };
        queue(conn, &event, now_ms).await?;
    }
    Ok(payment)
}

/// Queues a notification for delivery.
pub async fn queue(
    conn: &mut SqliteConnection,
    event: &DemoNotification,
    now_ms: i64,
) -> sqlx::Result<()> {
    let body = serde_json::to_string(event)
        .map_err(|err| sqlx::Error::Protocol(format!("encode a notification: {err}")))?;
    sqlx::query(
        "INSERT INTO demo_provider_notifications (event_id, out_trade_no, body, next_at)
         VALUES (?, ?, ?, ?)",
    )
    .bind(&event.event_id)
    .bind(&event.out_trade_no)
    .bind(body)
    .bind(now_ms)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Notifications due for (re)delivery: `(event id, body)`.
pub async fn due(conn: &mut SqliteConnection, now_ms: i64) -> sqlx::Result<Vec<(String, String)>> {
    sqlx::query_as(
        "SELECT event_id, body FROM demo_provider_notifications
         WHERE delivered_at IS NULL AND next_at <= ? ORDER BY next_at LIMIT 50",
    )
    .bind(now_ms)
    .fetch_all(&mut *conn)
    .await
}

/// Records a delivery attempt. Failed ones back off like WeChat's schedule (15 s, 15 s, 30 s,
/// 3 min, 10 min …), giving up after a day.
pub async fn attempted(
    conn: &mut SqliteConnection,
    event_id: &str,
    delivered: bool,
    now_ms: i64,
) -> sqlx::Result<()> {
    const BACKOFF_S: [i64; 8] = [15, 15, 30, 180, 600, 1200, 1800, 3600];
    let attempts: i64 =
        sqlx::query_scalar("SELECT attempts FROM demo_provider_notifications WHERE event_id = ?")
            .bind(event_id)
            .fetch_one(&mut *conn)
            .await?;
    let wait = BACKOFF_S
        .get(usize::try_from(attempts).unwrap_or(usize::MAX))
        .copied()
        .unwrap_or(3 * 3600);
    let give_up = attempts >= 15;
    sqlx::query(
        "UPDATE demo_provider_notifications
         SET attempts = attempts + 1, next_at = ?, delivered_at = ?
         WHERE event_id = ?",
    )
    .bind(now_ms + wait * 1000)
    .bind((delivered || give_up).then_some(now_ms))
    .bind(event_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// What the provider's own books say, as an auditor counts them: payments opened (one row per
/// `create`), and charges taken, counted by the SUCCESS events the provider raised when a payer
/// paid (one per charge, whatever it was for), with their sum.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Books {
    /// Payments opened at the provider.
    pub opened: i64,
    /// Money taken from payers: SUCCESS events raised.
    pub charges: i64,
    /// What those charges add up to.
    pub charged_minor: i64,
}

/// Reads the provider's [`Books`] (read-only).
pub async fn books(conn: &mut SqliteConnection) -> sqlx::Result<Books> {
    let opened: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM demo_provider_payments")
        .fetch_one(&mut *conn)
        .await?;
    let (charges, charged_minor): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), coalesce(SUM(json_extract(body, '$.amount_minor')), 0)
         FROM demo_provider_notifications WHERE json_extract(body, '$.status') = 'SUCCESS'",
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(Books {
        opened,
        charges,
        charged_minor,
    })
}

/// The signature header for `body` at `t` (unix seconds).
pub fn sign(key: &SigningKey, t: i64, body: &[u8]) -> String {
    let mut message = format!("{t}.").into_bytes();
    message.extend_from_slice(body);
    let sig = key.sign(&message);
    format!(
        "t={t},sig={}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sig.to_bytes())
    )
}

/// Why a notification was not accepted.
#[derive(Debug, PartialEq, Eq)]
pub enum SignatureError {
    /// The header is missing or malformed.
    Malformed,
    /// The timestamp is too far from now (a replay, or a broken clock).
    Stale,
    /// The signature does not verify.
    Invalid,
}

/// Checks a notification's signature header against the provider's public key.
pub fn verify(
    key: &VerifyingKey,
    header: &str,
    body: &[u8],
    now_s: i64,
) -> Result<(), SignatureError> {
    let mut t = None;
    let mut sig = None;
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", value)) => t = value.parse::<i64>().ok(),
            Some(("sig", value)) => sig = Some(value),
            _ => {}
        }
    }
    let (Some(t), Some(sig)) = (t, sig) else {
        return Err(SignatureError::Malformed);
    };
    if (now_s - t).abs() > SIGNATURE_TOLERANCE_S {
        return Err(SignatureError::Stale);
    }
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(sig)
        .map_err(|_| SignatureError::Malformed)?;
    let sig = Signature::from_slice(&bytes).map_err(|_| SignatureError::Malformed)?;
    let mut message = format!("{t}.").into_bytes();
    message.extend_from_slice(body);
    // Strict: a small-order key or R would let one signature hold for any body.
    key.verify_strict(&message, &sig)
        .map_err(|_| SignatureError::Invalid)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 8032 edge case: under the identity key (small order), R = identity and S = 0
    /// satisfy the verification equation for every body; only a strict check refuses them.
    #[test]
    fn a_small_order_key_and_signature_are_refused() {
        let mut identity = [0u8; 32];
        identity[0] = 1;
        let weak = VerifyingKey::from_bytes(&identity).expect("the identity point decodes");
        let mut forged = identity.to_vec();
        forged.extend_from_slice(&[0u8; 32]);
        let header = format!(
            "t=1800000000,sig={}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(forged)
        );
        assert_eq!(
            verify(&weak, &header, b"{\"amount_minor\":1}", 1_800_000_000),
            Err(SignatureError::Invalid),
            "one made-up signature must not confirm any notification"
        );
    }

    #[test]
    fn signatures_verify_and_tampering_is_caught() {
        let key = SigningKey::from_bytes(&[7u8; 32]);
        let body = br#"{"event_id":"evt_1","amount_minor":75180}"#;
        let header = sign(&key, 1_800_000_000, body);
        let public = key.verifying_key();
        assert_eq!(verify(&public, &header, body, 1_800_000_100), Ok(()));
        let tampered = br#"{"event_id":"evt_1","amount_minor":1}"#;
        assert_eq!(
            verify(&public, &header, tampered, 1_800_000_100),
            Err(SignatureError::Invalid),
            "a changed amount"
        );
        assert_eq!(
            verify(&public, &header, body, 1_800_001_000),
            Err(SignatureError::Stale),
            "a replay ten minutes later"
        );
        let other = SigningKey::from_bytes(&[8u8; 32]);
        assert_eq!(
            verify(&other.verifying_key(), &header, body, 1_800_000_000),
            Err(SignatureError::Invalid),
            "someone else's key"
        );
        assert_eq!(
            verify(&public, "sig=abc", body, 1_800_000_000),
            Err(SignatureError::Malformed)
        );
    }
}
