//! The fee ledger's SQL: the published periods of the communities of a resident's
//! households, each with its lines, totals and attached documents, and one document if the
//! resident may see it.

use linli_wire::CommunityId;
use linli_wire::bills::{LedgerAttachment, LedgerDirection, LedgerLine, LedgerPeriod};
use sqlx::{SqliteConnection, SqlitePool};
use uuid::Uuid;

use super::store::date;
use crate::clock::from_ms;
use crate::error::ApiResult;

/// The periods of the communities of `units`, newest period first per community.
pub(crate) async fn periods_of(
    conn: &mut SqliteConnection,
    units: &[String],
) -> ApiResult<Vec<LedgerPeriod>> {
    let mut communities: Vec<String> = Vec::new();
    for unit in units {
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
    Ok(items)
}

/// Attachment `position` of a period of `community`, if `user` has an active household there:
/// (name, media type, content).
pub(crate) async fn attachment(
    db: &SqlitePool,
    user: Uuid,
    community: CommunityId,
    period: &str,
    position: i64,
) -> sqlx::Result<Option<(String, String, Vec<u8>)>> {
    sqlx::query_as(&format!(
        "SELECT a.name, a.media_type, a.content FROM ledger_attachments a
         WHERE a.community_id = ? AND a.period = ? AND a.position = ? AND a.community_id IN
            (SELECT u.community_id FROM memberships m JOIN units u ON u.id = m.unit_id
             WHERE m.user_id = ? AND m.state = 'active' AND m.role IN ({}))",
        crate::features::memberships::rules::roles_sql(linli_wire::me::Action::PayPropertyFee)
    ))
    .bind(community.to_string())
    .bind(period)
    .bind(position)
    .bind(user.to_string())
    .fetch_optional(db)
    .await
}
