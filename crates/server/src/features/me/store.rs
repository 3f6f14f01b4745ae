//! The resident's own account's SQL; their households are rendered by the memberships
//! feature ([`crate::features::memberships::render`], re-exported here with the masked phone).

use sqlx::SqliteConnection;
use uuid::Uuid;

pub(crate) use crate::features::memberships::render::{mask_phone, membership, memberships_of};

/// The display name and phone of `user`, if the account exists.
pub(crate) async fn user_of(
    conn: &mut SqliteConnection,
    user: Uuid,
) -> sqlx::Result<Option<(String, String)>> {
    sqlx::query_as("SELECT display_name, phone FROM users WHERE id = ?")
        .bind(user.to_string())
        .fetch_optional(conn)
        .await
}
