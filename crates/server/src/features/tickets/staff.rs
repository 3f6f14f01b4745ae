//! The property company's staff: who they are, which communities they serve and what their
//! role lets them do. A staff member is enrolled for a company and some of its communities
//! (`linli-server staff-add`); a community of another company is refused at enrolment, so a
//! token never reaches past its own company. A token has a term ([`STAFF_TOKEN_TTL`] unless
//! `--valid-days` says otherwise; `token-expired` after it) and `linli-server staff-revoke`
//! stops it at once. [`staff_role_allows`] is the role × action matrix
//! every staff action is checked against (docs/ARCHITECTURE.md repeats it for people). Besides
//! the ticket steps it holds `decide_home_request` (approving or refusing a resident's request
//! to bind a home, the homes feature): service staff (客服) and managers, not engineering.

use crate::tokens::{DeviceToken, STAFF_TOKEN_TTL, term_ms};
use sha2::{Digest, Sha256};
use sqlx::SqlitePool;
use std::time::Duration;
use uuid::Uuid;

use crate::extract::StaffRole;

/// Whether `role` may take the staff action `action` (its `allowed` name).
pub fn staff_role_allows(role: StaffRole, action: &str) -> bool {
    match role {
        StaffRole::Manager => true,
        StaffRole::Service => {
            matches!(
                action,
                "accept" | "assign" | "defer" | "reject" | "comment" | "decide_home_request"
            )
        }
        StaffRole::Engineering => {
            matches!(
                action,
                "start" | "defer" | "complete" | "request_payment" | "comment"
            )
        }
    }
}

/// Who is enrolled, for which company and communities (by name), in which role.
#[derive(Clone, Debug)]
pub struct Enrolment<'a> {
    /// Name, e.g. 李娜.
    pub name: &'a str,
    /// Post residents see, e.g. 客服.
    pub post: &'a str,
    /// Their role.
    pub role: StaffRole,
    /// The property company, exactly as its communities name it.
    pub company: &'a str,
    /// Names of the communities they serve (each of `company`).
    pub communities: &'a [String],
}

/// Enrols a staff member with the default term ([`STAFF_TOKEN_TTL`]); returns (id, token).
pub async fn add_staff(
    db: &SqlitePool,
    who: &Enrolment<'_>,
    now: i64,
) -> anyhow::Result<(String, String)> {
    let issued = enrol_staff(db, who, now, STAFF_TOKEN_TTL).await?;
    Ok((issued.id, issued.token))
}

/// Enrols a staff member whose token is valid for `term`. The token is shown once and only its
/// SHA-256 is kept. Every community must exist and belong to the company.
pub async fn enrol_staff(
    db: &SqlitePool,
    who: &Enrolment<'_>,
    now: i64,
    term: Duration,
) -> anyhow::Result<DeviceToken> {
    let mut ids = Vec::new();
    for name in who.communities {
        let found: Option<(String, String)> =
            sqlx::query_as("SELECT id, property_company FROM communities WHERE name = ?")
                .bind(name)
                .fetch_optional(db)
                .await?;
        match found {
            Some((id, company)) if company == who.company => ids.push(id),
            Some((_, company)) => {
                anyhow::bail!("{name} is run by {company}, not by {}", who.company)
            }
            None => anyhow::bail!("no community is named {name}"),
        }
    }
    let id = Uuid::now_v7().to_string();
    let mut secret = [0u8; 24];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut secret);
    let token = format!(
        "stf_{}",
        base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, secret)
    );
    let hash = Sha256::digest(token.as_bytes()).to_vec();
    let expires_at_ms = now.saturating_add(term_ms(term));
    let mut tx = db.begin().await?;
    sqlx::query(
        "INSERT INTO staff (id, name, post, token_hash, created_at, company, role, expires_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&id)
    .bind(who.name)
    .bind(who.post)
    .bind(hash)
    .bind(now)
    .bind(who.company)
    .bind(who.role.as_str())
    .bind(expires_at_ms)
    .execute(&mut *tx)
    .await?;
    for community in ids {
        sqlx::query("INSERT INTO staff_communities (staff_id, community_id) VALUES (?, ?)")
            .bind(&id)
            .bind(community)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(DeviceToken {
        id,
        token,
        expires_at_ms,
    })
}

/// Revokes a staff member's token: their next request is refused. `false` when there is no
/// such staff member.
pub async fn revoke_staff(db: &SqlitePool, id: &str, now: i64) -> anyhow::Result<bool> {
    let done = sqlx::query("UPDATE staff SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?")
        .bind(now)
        .bind(id)
        .execute(db)
        .await?;
    if done.rows_affected() > 0 {
        tracing::info!(staff = %id, "staff token revoked");
    }
    Ok(done.rows_affected() > 0)
}

/// The staff record behind the service-desk terminal's `--by` name, made on first use: it owns
/// the after-photos filed from the terminal. Its token is thrown away and it serves no
/// community, so it cannot act over HTTP; the terminal itself runs on the server.
pub async fn desk_staff(db: &SqlitePool, display: &str, now: i64) -> anyhow::Result<String> {
    let found = sqlx::query_scalar("SELECT id FROM staff WHERE name = ? AND post = 'desk'")
        .bind(display)
        .fetch_optional(db)
        .await?;
    match found {
        Some(id) => Ok(id),
        None => {
            let desk = Enrolment {
                name: display,
                post: "desk",
                role: StaffRole::Service,
                company: "",
                communities: &[],
            };
            Ok(add_staff(db, &desk, now).await?.0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_role_does_its_own_part_and_managers_all() {
        for action in [
            "accept",
            "assign",
            "start",
            "defer",
            "reject",
            "complete",
            "request_payment",
            "comment",
        ] {
            assert!(
                staff_role_allows(StaffRole::Manager, action),
                "a manager may {action}"
            );
        }
        assert!(staff_role_allows(StaffRole::Service, "accept"));
        assert!(
            !staff_role_allows(StaffRole::Service, "complete"),
            "the desk does not finish repairs"
        );
        assert!(staff_role_allows(StaffRole::Engineering, "complete"));
        assert!(
            !staff_role_allows(StaffRole::Engineering, "reject"),
            "engineers do not turn reports away"
        );
        assert!(!staff_role_allows(StaffRole::Engineering, "accept"));
    }
}
