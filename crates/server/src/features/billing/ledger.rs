//! The published fee ledger, the HTTP side: periods of the resident's communities, newest
//! first, and the documents published with them.

use super::handlers::HouseholdQuery;
use super::store::*;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use linli_wire::bills::{LedgerAttachment, LedgerDirection, LedgerLine, LedgerList, LedgerPeriod};
use linli_wire::{CommunityId, Problem};

use crate::AppState;
use crate::clock::from_ms;
use crate::error::{ApiError, ApiResult};
use crate::extract::Resident;

/// The published fee ledger of the resident's communities, newest period first.
#[utoipa::path(get, path = "/v1/ledger", tag = "bills", security(("bearer" = [])),
    params(HouseholdQuery),
    responses(
        (status = 200, description = "Published periods", body = LedgerList),
        (status = 401, description = "`unauthenticated` or `token-expired`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`membership-required`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn ledger(
    State(state): State<AppState>,
    resident: Resident,
    Query(query): Query<HouseholdQuery>,
) -> ApiResult<Json<LedgerList>> {
    let mut conn = state.db.acquire().await?;
    let units = units_of(&mut conn, resident.user_id, query.membership_id).await?;
    let mut communities: Vec<String> = Vec::new();
    for unit in &units {
        let community: String = sqlx::query_scalar("SELECT community_id FROM units WHERE id = ?")
            .bind(unit)
            .fetch_one(&mut *conn)
            .await?;
        if !communities.contains(&community) {
            communities.push(community);
        }
    }
    let mut items = Vec::new();
    for community in communities {
        let periods: Vec<(String, String, String, String, i64, String)> = sqlx::query_as(
            "SELECT period, title, period_from, period_to, published_at, currency
             FROM ledger_periods WHERE community_id = ? ORDER BY period_from DESC",
        )
        .bind(&community)
        .fetch_all(&mut *conn)
        .await?;
        for (period, title, from, to, published_at, currency) in periods {
            let lines: Vec<(String, String, String, i64, Option<String>)> = sqlx::query_as(
                "SELECT direction, category, name, amount_minor, note FROM ledger_lines
                 WHERE community_id = ? AND period = ? ORDER BY position",
            )
            .bind(&community)
            .bind(&period)
            .fetch_all(&mut *conn)
            .await?;
            let attachments: Vec<(i64, String, String, i64)> = sqlx::query_as(
                "SELECT position, name, media_type, length(content) FROM ledger_attachments
                 WHERE community_id = ? AND period = ? ORDER BY position",
            )
            .bind(&community)
            .bind(&period)
            .fetch_all(&mut *conn)
            .await?;
            let lines: Vec<LedgerLine> = lines
                .into_iter()
                .map(
                    |(direction, category, name, amount_minor, note)| LedgerLine {
                        direction: if direction == "income" {
                            LedgerDirection::Income
                        } else {
                            LedgerDirection::Expense
                        },
                        category,
                        name,
                        amount_minor,
                        note,
                    },
                )
                .collect();
            let sum = |d: LedgerDirection| -> i64 {
                lines
                    .iter()
                    .filter(|l| l.direction == d)
                    .map(|l| l.amount_minor)
                    .sum()
            };
            let income = sum(LedgerDirection::Income);
            let expense = sum(LedgerDirection::Expense);
            items.push(LedgerPeriod {
                community_id: CommunityId(crate::db::parse_id(&community)?),
                attachments: attachments
                    .into_iter()
                    .map(|(position, name, media_type, size)| LedgerAttachment {
                        href: format!("/v1/ledger/{community}/{period}/attachments/{position}"),
                        name,
                        media_type,
                        size: u64::try_from(size).unwrap_or(0),
                    })
                    .collect(),
                period,
                title,
                period_from: date(&from)?,
                period_to: date(&to)?,
                published_at: from_ms(published_at),
                currency,
                income_minor: income,
                expense_minor: expense,
                balance_minor: income - expense,
                lines,
            });
        }
    }
    Ok(Json(LedgerList { items }))
}

/// A document published with a ledger period.
#[utoipa::path(get, path = "/v1/ledger/{community_id}/{period}/attachments/{position}", tag = "bills",
    security(("bearer" = [])),
    params(
        ("community_id" = CommunityId, Path, description = "Community"),
        ("period" = String, Path, description = "Period key, e.g. 2026-Q3"),
        ("position" = i64, Path, description = "Attachment number"),
    ),
    responses(
        (status = 200, description = "The file, with its media type"),
        (status = 401, description = "`unauthenticated` or `token-expired`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn ledger_attachment(
    State(state): State<AppState>,
    resident: Resident,
    Path((community, period, position)): Path<(CommunityId, String, i64)>,
) -> ApiResult<Response> {
    let row: Option<(String, String, Vec<u8>)> = sqlx::query_as(
        "SELECT a.name, a.media_type, a.content FROM ledger_attachments a
         WHERE a.community_id = ? AND a.period = ? AND a.position = ? AND a.community_id IN
            (SELECT u.community_id FROM memberships m JOIN units u ON u.id = m.unit_id
             WHERE m.user_id = ? AND m.state = 'active')",
    )
    .bind(community.to_string())
    .bind(&period)
    .bind(position)
    .bind(resident.user_id.to_string())
    .fetch_optional(&state.db)
    .await?;
    let (name, media_type, content) = row.ok_or_else(ApiError::not_found)?;
    let disposition = format!(
        "attachment; filename=\"ledger-{position}\"; filename*=UTF-8''{}",
        percent_encode(&name)
    );
    Ok((
        [
            (header::CONTENT_TYPE, media_type),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        content,
    )
        .into_response())
}

/// RFC 5987 percent-encoding of a file name.
fn percent_encode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
