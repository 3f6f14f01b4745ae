//! Service tickets over HTTPS: a repair followed from report to rating, every forbidden step
//! refused with the current state, automatic steps on time, and nobody else's tickets or photos.

use crate::{Fixture, expect_problem};
use base64::Engine as _;
use linli_server::extract::StaffRole;
use linli_server::features::tickets::{Enrolment, add_staff};
use linli_server::seed::DEMO_COMPANY;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

pub(crate) fn jpeg() -> Vec<u8> {
    let image = image::RgbImage::from_fn(64, 48, |x, y| image::Rgb([x as u8, y as u8, 100]));
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(image)
        .write_to(
            &mut std::io::Cursor::new(&mut out),
            image::ImageFormat::Jpeg,
        )
        .expect("jpeg");
    out
}

/// Uploads a photo in one request (creation-with-upload); returns its attachment id.
pub(crate) async fn photo(fx: &Fixture, token: &str) -> Uuid {
    let id = Uuid::now_v7();
    let bytes = jpeg();
    let response = fx
        .request(Method::POST, "/v1/uploads", Some(token))
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Length", bytes.len().to_string())
        .header(
            "Upload-Metadata",
            format!(
                "attachment_id {}",
                base64::engine::general_purpose::STANDARD.encode(id.to_string())
            ),
        )
        .header("Content-Type", "application/offset+octet-stream")
        .body(bytes)
        .send()
        .await
        .expect("upload");
    assert_eq!(response.headers()["attachment-status"], "complete");
    id
}

pub(crate) async fn household(fx: &Fixture, token: &str) -> String {
    let me: Value = fx.get("/v1/me", token).await.json().await.expect("me");
    me["memberships"][0]["id"]
        .as_str()
        .expect("membership")
        .to_owned()
}

pub(crate) async fn create(fx: &Fixture, token: &str, body: Value) -> reqwest::Response {
    fx.request(Method::POST, "/v1/tickets", Some(token))
        .header(
            "Idempotency-Key",
            format!("\"{}\"", body["id"].as_str().expect("id")),
        )
        .json(&body)
        .send()
        .await
        .expect("create")
}

/// A repair report whose visit window lies ahead on the server's clock (which tests move and
/// freeze), not on the wall clock.
pub(crate) fn repair(fx: &Fixture, membership: &str, photos: &[Uuid]) -> Value {
    let from = fx.clock.now() + chrono::Duration::hours(20);
    json!({
        "id": Uuid::now_v7(),
        "membership_id": membership,
        "kind": "repair",
        "category": "pipes",
        "place": "unit",
        "urgency": "urgent",
        "description": "厨房水槽下方水管漏水，地面有积水。",
        "visit_windows": [{"from": from, "until": from + chrono::Duration::hours(3)}],
        "attachment_ids": photos,
    })
}

pub(crate) async fn post(
    fx: &Fixture,
    token: &str,
    path: &str,
    body: Option<Value>,
) -> reqwest::Response {
    let mut request = fx.request(Method::POST, path, Some(token));
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.expect("post")
}

/// A manager of the demo company who serves both demo communities.
pub(crate) async fn staff(fx: &Fixture) -> String {
    enrol(fx, StaffRole::Manager, &["翠湖花园", "锦绣江南"]).await
}

/// A staff member of the demo company in `role`, serving `communities`; their token.
pub(crate) async fn enrol(fx: &Fixture, role: StaffRole, communities: &[&str]) -> String {
    let communities: Vec<String> = communities.iter().map(|c| (*c).to_owned()).collect();
    let who = Enrolment {
        name: "李娜",
        post: "客服",
        role,
        company: DEMO_COMPANY,
        communities: &communities,
    };
    let (_, token) = add_staff(&fx.server.state.db, &who, fx.clock.now_ms())
        .await
        .expect("staff");
    token
}

#[tokio::test]
async fn a_repair_goes_from_report_to_rating_with_every_step_on_its_timeline() {
    let fx = Fixture::start().await;
    let token = fx.wang_fang().await;
    let membership = household(&fx, &token).await;
    let photos = [photo(&fx, &token).await, photo(&fx, &token).await];
    let body = repair(&fx, &membership, &photos);
    let created = create(&fx, &token, body.clone()).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let ticket: Value = created.json().await.expect("ticket");
    assert_eq!(ticket["state"], "submitted");
    assert!(ticket["number"].as_str().expect("number").starts_with("BX"));
    assert_eq!(
        ticket["attachment_ids"].as_array().expect("photos").len(),
        2
    );
    assert_eq!(
        create(&fx, &token, body).await.status(),
        StatusCode::CREATED,
        "a replay answers as the first time"
    );
    let id = ticket["id"].as_str().expect("id").to_owned();

    let staff = staff(&fx).await;
    // Staff upload their after-photo through the same tus endpoint, with their own token.
    let after = photo(&fx, &staff).await;
    for action in [
        json!({"action": "accept"}),
        json!({"action": "assign", "assignee": "王师傅（水电工）"}),
        json!({"action": "start"}),
        json!({"action": "complete", "note": "更换了水槽下方的软管。", "attachment_ids": [after]}),
    ] {
        let response = post(
            &fx,
            &staff,
            &format!("/v1/staff/tickets/{id}/actions"),
            Some(action.clone()),
        )
        .await;
        assert_eq!(response.status(), StatusCode::OK, "{action}");
    }
    let done: Value = fx
        .get(&format!("/v1/tickets/{id}"), &token)
        .await
        .json()
        .await
        .expect("ticket");
    assert_eq!(done["state"], "completed");
    assert_eq!(done["assignee"], "王师傅（水电工）");
    let completion = done["events"]
        .as_array()
        .expect("events")
        .iter()
        .find(|e| e["action"] == "completed")
        .expect("the completion step");
    assert_eq!(
        completion["attachment_ids"],
        json!([after]),
        "the after-photo is on the completion step"
    );
    for shown in [after, photos[0]] {
        let got = fx.get(&format!("/v1/attachments/{shown}"), &token).await;
        assert_eq!(got.status(), StatusCode::OK, "the resident sees {shown}");
        assert_eq!(got.headers()["content-type"], "image/jpeg");
        assert!(
            got.headers()["cache-control"]
                .to_str()
                .is_ok_and(|v| v.contains("private") && v.contains("immutable")),
            "kept by the app, never by a shared cache"
        );
        let etag = got.headers()["etag"].clone();
        assert_eq!(
            got.bytes().await.expect("bytes").as_ref(),
            jpeg().as_slice()
        );
        let again = fx
            .request(
                Method::GET,
                &format!("/v1/attachments/{shown}"),
                Some(&token),
            )
            .header("If-None-Match", etag)
            .send()
            .await
            .expect("conditional get");
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    }
    let allowed: Vec<&str> = done["allowed"]
        .as_array()
        .expect("allowed")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        allowed.contains(&"confirm") && allowed.contains(&"reopen") && allowed.contains(&"rate"),
        "{allowed:?}"
    );

    assert_eq!(
        post(
            &fx,
            &token,
            &format!("/v1/tickets/{id}/comments"),
            Some(json!({"text": "谢谢师傅！"}))
        )
        .await
        .status(),
        StatusCode::OK
    );
    assert_eq!(
        post(&fx, &token, &format!("/v1/tickets/{id}/confirm"), None)
            .await
            .status(),
        StatusCode::OK
    );
    let rated = post(&fx, &token, &format!("/v1/tickets/{id}/rating"), Some(json!({"overall": 5, "speed": 4, "service": 5, "tags": ["上门准时"], "comment": "很专业"}))).await;
    let rated: Value = rated.json().await.expect("ticket");
    assert_eq!(rated["state"], "closed");
    assert_eq!(rated["rating"]["overall"], 5);
    let actions: Vec<&str> = rated["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert_eq!(
        actions,
        [
            "created",
            "accepted",
            "assigned",
            "started",
            "completed",
            "comment",
            "confirmed",
            "rated"
        ]
    );
    assert_eq!(
        rated["events"][1]["actor_name"], "李娜（客服）",
        "who did it, by name and post"
    );
}

#[tokio::test]
async fn forbidden_steps_answer_409_with_the_current_state() {
    let fx = Fixture::start().await;
    let token = fx.wang_fang().await;
    let membership = household(&fx, &token).await;
    let ticket: Value = create(&fx, &token, repair(&fx, &membership, &[]))
        .await
        .json()
        .await
        .expect("ticket");
    let id = ticket["id"].as_str().expect("id");
    let problem = expect_problem(
        post(&fx, &token, &format!("/v1/tickets/{id}/confirm"), None).await,
        409,
        "invalid-transition",
    )
    .await;
    assert_eq!(problem["current_state"], "submitted");
    assert!(
        problem["allowed"]
            .as_array()
            .expect("allowed")
            .iter()
            .any(|a| a == "cancel")
    );
    let staff = staff(&fx).await;
    let problem = expect_problem(
        post(
            &fx,
            &staff,
            &format!("/v1/staff/tickets/{id}/actions"),
            Some(json!({"action": "start"})),
        )
        .await,
        409,
        "invalid-transition",
    )
    .await;
    assert_eq!(problem["allowed"], json!(["accept", "reject", "comment"]));
    post(
        &fx,
        &staff,
        &format!("/v1/staff/tickets/{id}/actions"),
        Some(json!({"action": "accept"})),
    )
    .await;
    expect_problem(
        post(&fx, &token, &format!("/v1/tickets/{id}/cancel"), None).await,
        409,
        "invalid-transition",
    )
    .await;
    // Complete it, then let the reopen period pass.
    for action in [
        json!({"action": "assign", "assignee": "王师傅"}),
        json!({"action": "start"}),
        json!({"action": "complete", "note": "好了"}),
    ] {
        post(
            &fx,
            &staff,
            &format!("/v1/staff/tickets/{id}/actions"),
            Some(action),
        )
        .await;
    }
    let reopened: Value = post(
        &fx,
        &token,
        &format!("/v1/tickets/{id}/reopen"),
        Some(json!({"reason": "还在漏水"})),
    )
    .await
    .json()
    .await
    .expect("ticket");
    assert_eq!(reopened["state"], "reopened", "not fixed: back to staff");
    expect_problem(
        post(
            &fx,
            &staff,
            &format!("/v1/staff/tickets/{id}/actions"),
            Some(json!({"action": "complete", "note": "x"})),
        )
        .await,
        409,
        "invalid-transition",
    )
    .await;
    let unauthenticated = post(
        &fx,
        &token,
        &format!("/v1/staff/tickets/{id}/actions"),
        Some(json!({"action": "accept"})),
    )
    .await;
    expect_problem(unauthenticated, 401, "unauthenticated").await;
}

#[tokio::test]
async fn deadlines_deferrals_and_automatic_confirmation_happen_on_time() {
    let fx = Fixture::start().await;
    let token = fx.wang_fang().await;
    let membership = household(&fx, &token).await;
    let staff = staff(&fx).await;
    let ticket: Value = create(&fx, &token, repair(&fx, &membership, &[]))
        .await
        .json()
        .await
        .expect("ticket");
    let id = ticket["id"].as_str().expect("id").to_owned();
    assert_eq!(ticket["overdue"], false);
    fx.clock.advance(std::time::Duration::from_secs(45 * 60));
    let token = fx.wang_fang().await;
    let late: Value = fx
        .get(&format!("/v1/tickets/{id}"), &token)
        .await
        .json()
        .await
        .expect("ticket");
    assert_eq!(
        late["overdue"], true,
        "an urgent repair unanswered after 30 minutes is overdue"
    );

    post(
        &fx,
        &staff,
        &format!("/v1/staff/tickets/{id}/actions"),
        Some(json!({"action": "accept"})),
    )
    .await;
    post(
        &fx,
        &staff,
        &format!("/v1/staff/tickets/{id}/actions"),
        Some(json!({"action": "assign", "assignee": "王师傅"})),
    )
    .await;
    let resume_on =
        (fx.clock.now() + chrono::Duration::hours(8) + chrono::Duration::days(2)).date_naive();
    let deferred = post(
        &fx,
        &staff,
        &format!("/v1/staff/tickets/{id}/actions"),
        Some(json!({"action": "defer", "resume_on": resume_on, "reason": "等待配件"})),
    )
    .await;
    assert_eq!(deferred.status(), StatusCode::OK);
    fx.clock
        .advance(std::time::Duration::from_secs(3 * 24 * 3600));
    let token = fx.wang_fang().await;
    let resumed: Value = fx
        .get(&format!("/v1/tickets/{id}"), &token)
        .await
        .json()
        .await
        .expect("ticket");
    assert_eq!(
        resumed["state"], "in_progress",
        "it resumed by itself on its day"
    );

    post(
        &fx,
        &staff,
        &format!("/v1/staff/tickets/{id}/actions"),
        Some(json!({"action": "complete", "note": "配件已更换"})),
    )
    .await;
    fx.clock
        .advance(std::time::Duration::from_secs(4 * 24 * 3600));
    linli_server::features::tickets::advance_all(&fx.server.state)
        .await
        .expect("housekeeping");
    fx.clock
        .advance(std::time::Duration::from_secs(8 * 24 * 3600));
    linli_server::features::tickets::advance_all(&fx.server.state)
        .await
        .expect("housekeeping");
    let token = fx.wang_fang().await;
    let closed: Value = fx
        .get(&format!("/v1/tickets/{id}"), &token)
        .await
        .json()
        .await
        .expect("ticket");
    assert_eq!(closed["state"], "closed");
    let actions: Vec<&str> = closed["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert!(
        actions.ends_with(&["completed", "auto_confirmed", "auto_closed"]),
        "{actions:?}"
    );
}

#[tokio::test]
async fn the_demo_history_reads_like_real_tickets_and_is_written_once() {
    let fx = Fixture::start().await;
    let db = &fx.server.state.db;
    let phone = linli_server::seed::WANG_FANG_PHONE;
    let written = linli_server::seed::tickets::seed_history(db, phone, fx.clock.now())
        .await
        .expect("history");
    assert_eq!(written, 3);
    assert_eq!(
        linli_server::seed::tickets::seed_history(db, phone, fx.clock.now())
            .await
            .expect("again"),
        0,
        "a resident who has tickets gets no second history"
    );
    let token = fx.wang_fang().await;
    let list: Value = fx
        .get("/v1/tickets", &token)
        .await
        .json()
        .await
        .expect("list");
    let items = list["items"].as_array().expect("items");
    assert_eq!(items.len(), 3);
    let by_state = |state: &str| {
        items
            .iter()
            .find(|t| t["state"] == state)
            .unwrap_or_else(|| panic!("a {state} ticket"))
    };
    let closed = by_state("closed");
    assert_eq!(closed["rating"]["overall"], 5);
    assert_eq!(closed["allowed"], json!([]), "nothing left to do");
    let steps: Vec<&str> = closed["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert_eq!(
        steps,
        [
            "created",
            "accepted",
            "assigned",
            "started",
            "completed",
            "confirmed",
            "rated"
        ]
    );
    assert_eq!(closed["events"][0]["actor_name"], "王芳");
    let complaint = by_state("accepted");
    assert!(
        complaint["number"]
            .as_str()
            .expect("number")
            .starts_with("TS")
    );
    assert_eq!(complaint["overdue"], false);
    // The lighting repair was assigned; the demo's desk may already have moved it on (a step a
    // minute), as it would any other ticket.
    let lighting = items
        .iter()
        .find(|t| t["category"] == "public_lighting")
        .expect("the lighting repair");
    assert!(
        ["assigned", "in_progress", "completed"]
            .contains(&lighting["state"].as_str().unwrap_or("")),
        "{lighting}"
    );
    assert_eq!(lighting["place_note"], "3栋2单元 15楼楼道");
}
