//! The property publishing a notice over HTTP with a staff token (`POST /v1/staff/notices`):
//! service desk (客服) and managers (管理) publish to the communities they serve; engineering
//! does not (403 `forbidden`). The body is checked here (lengths), its targets against the
//! directory by [`super::publish::publish_in`], the one way every publisher goes. It takes an
//! `Idempotency-Key` like every POST that creates, keyed by the staff member's id.

use super::publish::{NewNotice, publish_in};
use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{AppJson, IdempotencyKey, Staff, StaffRole};
use crate::idempotency::{Begun, IdempotentWrite};
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use linli_wire::notices::{PublishNotice, PublishedNotice};
use linli_wire::{ErrorCode, NoticeId, Problem};

/// Lengths of a notice's texts, in characters: (pointer, least, most).
const TEXT_LIMITS: [(&str, usize, usize); 3] =
    [("/title", 1, 60), ("/summary", 0, 120), ("/body", 1, 5000)];

fn check_texts(notice: &PublishNotice) -> ApiResult<()> {
    let texts = [&notice.title, &notice.summary, &notice.body];
    for ((pointer, least, most), text) in TEXT_LIMITS.iter().zip(texts) {
        let length = text.trim().chars().count();
        if length < *least || length > *most {
            return Err(ApiError::invalid(
                pointer,
                "invalid-length",
                format!("{least} to {most} characters"),
            ));
        }
    }
    Ok(())
}

/// Publishes a notice to one community the staff member serves, to all of it or to some of
/// its buildings or entrances; every resident of the community gets it through the feed.
#[utoipa::path(post, path = "/v1/staff/notices", tag = "notices", operation_id = "notices_staff_publish",
    security(("staff" = [])),
    request_body = PublishNotice,
    params(("Idempotency-Key" = String, Header,
        description = "RFC 8941 string naming this write; a retry with the same key returns the stored outcome")),
    responses(
        (status = 201, description = "Published (or replayed: `Idempotent-Replayed: true`)", body = PublishedNotice),
        (status = 400, description = "`idempotency-key-missing` or `bad-request`", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`unauthenticated` (no, an unknown or a revoked staff token) or `token-expired`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`: engineering staff, or a community the staff member does not serve", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`idempotency-in-progress`: the same key is still being written", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation-failed` (a text's length, a building or entrance not in the community's directory: `/targets/<i>/building`, `/targets/<i>/entrance`) or `idempotency-key-reused`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn publish(
    State(state): State<AppState>,
    staff: Staff,
    IdempotencyKey(key): IdempotencyKey,
    AppJson(request): AppJson<PublishNotice>,
) -> ApiResult<Response> {
    if staff.role == StaffRole::Engineering {
        return Err(ApiError::new(ErrorCode::Forbidden)
            .detail("notices are published by the service desk or a manager"));
    }
    if !staff.serves(&request.community_id.to_string()) {
        return Err(ApiError::new(ErrorCode::Forbidden)
            .detail("the staff member does not serve this community"));
    }
    check_texts(&request)?;
    let staff_id = crate::db::parse_id(&staff.id)?;
    let now = state.clock.now_ms();
    let mut write = match IdempotentWrite::begin(
        &state,
        staff_id,
        &key,
        ("POST", "/v1/staff/notices"),
        &request,
    )
    .await?
    {
        Begun::Replay(stored) => return Ok(stored.into_response()),
        Begun::Fresh(write) => write,
    };
    let tx = &mut *write.tx;
    let community: String = sqlx::query_scalar("SELECT name FROM communities WHERE id = ?")
        .bind(request.community_id.to_string())
        .fetch_one(&mut *tx)
        .await?;
    let notice = NewNotice {
        community_id: request.community_id.0,
        title: request.title.trim().to_owned(),
        summary: request.summary.trim().to_owned(),
        body: request.body.trim().to_owned(),
        category: request.category,
        priority: request.priority,
        pinned: request.pinned,
        publisher: format!("{community}物业服务中心"),
        published_at: state.clock.now(),
        starts_at: request.starts_at,
        ends_at: request.ends_at,
        expires_at: request.expires_at,
        service_back_at: request.service_back_at,
        targets: request.targets.clone(),
    };
    let (id, targets) = publish_in(&mut *tx, &notice, now).await?;
    let published = PublishedNotice {
        id: NoticeId(id),
        targets,
    };
    tracing::info!(notice = %id, staff = %staff.id, "notice published by staff");
    write.created(published, now).await
}
