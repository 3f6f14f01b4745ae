//! A repair report written with no signal: its photos are prepared at once, the report shows
//! as pending, and when the backend is back the photos are uploaded and the report created,
//! each exactly once; staff then act on it and the resident sees every step.

use crate::proxy::CuttingProxy;
use crate::support::Env;
use base64::Engine as _;
use linli_core::Core;
use linli_wire::ErrorCode;
use linli_wire::ipc::{CoreEvent, NewTicket, TicketViewState};
use linli_wire::tickets::{StaffAction, TicketKind, TicketPlace, TicketState, TicketUrgency};
use reqwest::Method;

/// The server holds `n` finished uploads and `n` photos bound to tickets.
async fn assert_photos_once(env: &Env, n: i64, why: &str) {
    assert_eq!(
        env.server
            .count("SELECT COUNT(*) FROM uploads WHERE status = 'complete'")
            .await,
        n,
        "{why}"
    );
    assert_eq!(
        env.server
            .count("SELECT COUNT(*) FROM ticket_attachments")
            .await,
        n,
        "each finished upload is on the report"
    );
}

/// The bytes the server stored for a photo.
fn stored_photo(env: &Env, id: uuid::Uuid) -> Vec<u8> {
    std::fs::read(env.server.data_dir().join("uploads").join(id.to_string()))
        .expect("the server stored the photo")
}

/// The desktop notifications the core asked for since the last call: (ticket, text).
fn notifications(
    events: &mut tokio::sync::broadcast::Receiver<CoreEvent>,
) -> Vec<(Option<linli_wire::TicketId>, String)> {
    std::iter::from_fn(|| events.try_recv().ok())
        .filter_map(|event| match event {
            CoreEvent::Notification {
                ticket_id, body, ..
            } => Some((ticket_id, body)),
            _ => None,
        })
        .collect()
}

/// A phone-sized picture (PNG, no metadata), written to `dir`.
fn camera_photo(dir: &std::path::Path, name: &str, shade: u8) -> std::path::PathBuf {
    let image = image::RgbImage::from_fn(1200, 900, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, shade])
    });
    let mut png = Vec::new();
    image::DynamicImage::ImageRgb8(image)
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .expect("png");
    let path = dir.join(name);
    std::fs::write(&path, png).expect("write");
    path
}

fn report(photos: Vec<uuid::Uuid>) -> NewTicket {
    NewTicket {
        kind: TicketKind::Repair,
        category: "pipes".into(),
        place: TicketPlace::Unit,
        place_note: None,
        urgency: TicketUrgency::Urgent,
        description: "厨房水槽下方水管漏水".into(),
        visit_windows: Vec::new(),
        photo_ids: photos,
        anonymous: false,
        bill_line_id: None,
    }
}

async fn server_tickets(env: &Env) -> i64 {
    env.server.count("SELECT COUNT(*) FROM tickets").await
}

#[tokio::test]
async fn a_report_written_offline_is_sent_with_its_photos_exactly_once() {
    let env = Env::start().await;
    let (core, account) = env.signed_in().await;
    let files = tempfile::tempdir().expect("tempdir");
    env.server.stop().await;

    // The first photo is a phone's JPEG held sideways, with GPS, device, serial and thumbnail.
    let phone_jpeg = std::fs::read(crate::photos::fixture(6)).expect("fixture");
    crate::photos::assert_phone_fixture(&phone_jpeg, 6);
    let first = core
        .prepare_photo(&crate::photos::fixture(6))
        .await
        .expect("prepared offline");
    let second = core
        .prepare_photo(&camera_photo(files.path(), "b.png", 200))
        .await
        .expect("prepared offline");
    assert!(
        first.thumbnail.starts_with("data:image/jpeg;base64,"),
        "a thumbnail at once"
    );
    let broken = files.path().join("broken.jpg");
    std::fs::write(&broken, b"\xff\xd8\xff\xe0 not really").expect("write");
    let refused = core
        .prepare_photo(&broken)
        .await
        .expect_err("a broken photo");
    assert_eq!(
        refused.code(),
        ErrorCode::PhotoDamaged,
        "its own clear reason"
    );

    let id = core
        .submit_ticket(report(vec![first.id, second.id]))
        .await
        .expect("queued");
    let views = core.tickets().await.expect("tickets");
    assert_eq!(views[0].id, id);
    assert_eq!(
        views[0].state,
        TicketViewState::Pending,
        "shown at once as waiting to be sent"
    );
    assert_eq!(views[0].photos.len(), 2);
    let sync = core.sync_now().await.expect("offline is not an error");
    assert!(!sync.online);

    env.server.restart().await;
    core.sync_now().await.expect("sync");
    core.sync_now()
        .await
        .expect("a second sync sends nothing new");
    assert_eq!(server_tickets(&env).await, 1, "the report exists once");
    assert_photos_once(&env, 2, "each photo once").await;
    let stored = stored_photo(&env, first.id);
    assert!(
        !stored.windows(4).any(|w| w == b"Exif"),
        "no EXIF left the device"
    );
    crate::photos::assert_nothing_of_the_phone(&stored, &phone_jpeg, "the report's photo");
    crate::photos::assert_upright(&stored, "the report's photo");
    let kept = env
        .account_dir(&account)
        .join("photos")
        .join(format!("{}.jpg", first.id));
    assert!(!kept.exists(), "a sent photo is not kept on the device");

    let views = core.tickets().await.expect("tickets");
    assert_eq!(
        views.len(),
        1,
        "the pending report became the server's ticket"
    );
    let ticket = views[0].ticket.as_ref().expect("sent");
    assert_eq!(ticket.state, TicketState::Submitted);
    assert_eq!(ticket.attachment_ids.len(), 2);

    // Staff act (as the service desk's command line does), completing with an after-photo
    // straight from a phone; the resident sees each step, hears of each once, and sees the photo.
    let after_file = camera_photo(files.path(), "after.png", 200);
    let after = env
        .server
        .staff_photo(&std::fs::read(&after_file).expect("after-photo"))
        .await;
    let mut events = core.subscribe();
    for action in [
        StaffAction::Accept,
        StaffAction::Assign {
            assignee: "王师傅（水电工）".into(),
        },
        StaffAction::Start,
        StaffAction::Complete {
            note: "已更换水管".into(),
            attachment_ids: vec![after],
        },
    ] {
        env.server.staff(&ticket.number, action).await;
    }
    core.sync_now().await.expect("sync");
    let notices = notifications(&mut events);
    assert_eq!(
        notices.len(),
        1,
        "four staff steps in one sync: one summary, not a flood ({notices:?})"
    );
    core.sync_now().await.expect("sync again");
    assert!(
        notifications(&mut events).is_empty(),
        "nothing announced twice"
    );
    let done = core
        .tickets()
        .await
        .expect("tickets")
        .remove(0)
        .ticket
        .expect("ticket");
    assert_eq!(done.state, TicketState::Completed);
    let actions: Vec<&str> = done.events.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        ["created", "accepted", "assigned", "started", "completed"]
    );
    assert_eq!(done.events[4].attachment_ids, [after]);
    let thumb = core.ticket_photo(after, false).await.expect("after-photo");
    assert!(thumb.starts_with("data:image/jpeg;base64,"));
    let own = core
        .ticket_photo(first.id, true)
        .await
        .expect("the resident's own photo, from the server now");
    assert_eq!(
        own,
        format!(
            "data:image/jpeg;base64,{}",
            base64::engine::general_purpose::STANDARD.encode(&stored)
        ),
        "the same bytes the server stored"
    );
    env.server
        .staff(
            &ticket.number,
            StaffAction::Comment {
                text: "如再漏水请随时联系".into(),
            },
        )
        .await;
    core.sync_now().await.expect("sync");
    assert_eq!(
        notifications(&mut events),
        [(
            Some(ticket.id),
            "李娜（客服）：如再漏水请随时联系".to_owned()
        )],
        "one staff comment, one notification naming its ticket"
    );
    core.set_notifications(false).await.expect("off");
    assert!(!core.session().await.expect("session").notifications);
    env.server
        .staff(
            &ticket.number,
            StaffAction::Comment {
                text: "明天上午回访".into(),
            },
        )
        .await;
    core.sync_now().await.expect("sync");
    assert!(
        notifications(&mut events).is_empty(),
        "turned off: nothing announced"
    );
    core.set_notifications(true).await.expect("on");
    core.sync_now().await.expect("sync");
    assert!(
        notifications(&mut events).is_empty(),
        "turned on again: what came while off is not announced late"
    );
    env.server.stop().await;
    assert_eq!(
        core.ticket_photo(after, false).await.expect("kept"),
        thumb,
        "shown offline once fetched"
    );
}

#[tokio::test]
async fn an_app_killed_after_queueing_sends_the_report_once_on_its_next_start() {
    let env = Env::start().await;
    let (core, _) = env.signed_in().await;
    let files = tempfile::tempdir().expect("tempdir");
    env.server.stop().await;
    let photo = core
        .prepare_photo(&camera_photo(files.path(), "a.png", 90))
        .await
        .expect("prepared");
    core.submit_ticket(report(vec![photo.id]))
        .await
        .expect("queued");
    drop::<Core>(core);

    env.server.restart().await;
    let core = env.open_core().await;
    assert_eq!(
        core.tickets().await.expect("tickets")[0].state,
        TicketViewState::Pending,
        "still there after the restart"
    );
    core.sync_now().await.expect("sync");
    assert_eq!(server_tickets(&env).await, 1);
    assert_eq!(env.server.count("SELECT COUNT(*) FROM uploads").await, 1);
}

#[tokio::test]
async fn answers_lost_after_the_server_committed_still_make_one_report_and_one_upload_each() {
    let env = Env::start().await;
    // The app reaches the server only through a proxy that can lose answers on the way back.
    let proxy = CuttingProxy::start(&env.server.base_url(), &env.server.ca_pem()).await;
    let mut config = env.config();
    config.base_url = Some(proxy.url.clone());
    config.extra_root_ca_pem = Some(proxy.ca_pem.as_bytes().to_vec());
    let core = Core::open(config, env.deps()).await.expect("core");
    core.sign_in(
        linli_server::testing::WANG_FANG_PHONE,
        linli_server::testing::DEMO_PASSWORD,
    )
    .await
    .expect("signed in through the proxy");
    let files = tempfile::tempdir().expect("tempdir");
    let first = core
        .prepare_photo(&camera_photo(files.path(), "a.png", 30))
        .await
        .expect("prepared");
    let second = core
        .prepare_photo(&camera_photo(files.path(), "b.png", 220))
        .await
        .expect("prepared");
    core.submit_ticket(report(vec![first.id, second.id]))
        .await
        .expect("queued");
    // Every kind of write the report makes, each committed by the server and its answer lost:
    // both uploads' creations, both uploads' last bytes, and the report three times running.
    proxy.cut_after_commit(Method::POST, "/v1/uploads", 2);
    proxy.cut_after_commit(Method::PATCH, "/v1/uploads/", 2);
    proxy.cut_after_commit(Method::POST, "/v1/tickets", 3);
    for _ in 0..30 {
        let status = core.sync_now().await.expect("sync");
        if status.online && status.outbox_pending == 0 {
            break;
        }
    }
    let status = core.sync_now().await.expect("sync");
    assert_eq!(status.outbox_pending, 0, "everything was sent in the end");
    assert_eq!(status.outbox_rejected, 0, "and nothing refused");
    assert_eq!(proxy.cuts_left(), 0, "all seven answers were lost");
    assert_eq!(
        server_tickets(&env).await,
        1,
        "one report, though its answer was lost three times"
    );
    // Counted on the wire, not by the tickets table's key: the server took the report four
    // times and acted on it once; the other three were answered from its idempotency store.
    assert_eq!(
        proxy.received(&Method::POST, "/v1/tickets"),
        4,
        "the report was sent again after each lost answer"
    );
    assert_eq!(
        proxy.applied(&Method::POST, "/v1/tickets"),
        1,
        "and applied once: every repeat was a replay"
    );
    assert_photos_once(&env, 2, "one upload per photo").await;
    assert_eq!(env.server.count("SELECT COUNT(*) FROM uploads").await, 2);
    let stored = stored_photo(&env, second.id);
    assert_eq!(
        stored.len() as u64,
        second.bytes,
        "the photo's bytes, once, in full"
    );
}

#[tokio::test]
async fn a_refused_photo_blocks_its_report_until_the_resident_decides() {
    let env = Env::start().await;
    let (core, account) = env.signed_in().await;
    let files = tempfile::tempdir().expect("tempdir");
    let good = core
        .prepare_photo(&camera_photo(files.path(), "a.png", 30))
        .await
        .expect("prepared");
    let bad = core
        .prepare_photo(&camera_photo(files.path(), "b.png", 220))
        .await
        .expect("prepared");
    // The kept file is damaged on the device before it is sent: the server refuses it.
    let kept = env
        .account_dir(&account)
        .join("photos")
        .join(format!("{}.jpg", bad.id));
    std::fs::write(&kept, b"this is no longer a photo").expect("damage");
    let id = core
        .submit_ticket(report(vec![good.id, bad.id]))
        .await
        .expect("queued");
    core.sync_now().await.expect("sync");
    let view = core.tickets().await.expect("tickets").remove(0);
    assert_eq!(
        view.state,
        TicketViewState::Blocked,
        "the report waits for the resident"
    );
    assert_eq!(server_tickets(&env).await, 0, "nothing half-sent");
    let refused: Vec<_> = view
        .photos
        .iter()
        .filter(|p| p.state == "rejected")
        .map(|p| p.id)
        .collect();
    assert_eq!(
        refused,
        vec![bad.id],
        "the refused photo is shown as refused"
    );

    core.resolve_blocked_ticket(id, linli_wire::ipc::BlockedChoice::SendWithout)
        .await
        .expect("decided");
    core.sync_now().await.expect("sync");
    let sent = core
        .tickets()
        .await
        .expect("tickets")
        .remove(0)
        .ticket
        .expect("sent");
    assert_eq!(
        sent.attachment_ids,
        vec![good.id],
        "sent with the photo that was fine"
    );

    // A second report is discarded instead: nothing of it reaches the server.
    let again = core
        .prepare_photo(&camera_photo(files.path(), "c.png", 90))
        .await
        .expect("prepared");
    let kept = env
        .account_dir(&account)
        .join("photos")
        .join(format!("{}.jpg", again.id));
    std::fs::write(&kept, b"broken").expect("damage");
    let other = core
        .submit_ticket(report(vec![again.id]))
        .await
        .expect("queued");
    core.sync_now().await.expect("sync");
    core.resolve_blocked_ticket(other, linli_wire::ipc::BlockedChoice::Discard)
        .await
        .expect("discarded");
    assert_eq!(core.sync_now().await.expect("sync").outbox_pending, 0);
    assert_eq!(server_tickets(&env).await, 1, "only the first report");
    assert_eq!(core.tickets().await.expect("tickets").len(), 1);
}

#[tokio::test]
async fn a_full_upload_quota_makes_the_photo_wait_and_the_report_goes_once_there_is_room() {
    let env = Env::start().await;
    let (core, _) = env.signed_in().await;
    // The same resident holds the whole quota elsewhere (another device's large uploads).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::builder()
        .use_rustls_tls()
        .add_root_certificate(
            reqwest::Certificate::from_pem(env.server.ca_pem().as_bytes()).expect("ca"),
        )
        .build()
        .expect("client");
    let base = env.server.base_url();
    let tokens: serde_json::Value = http
        .post(format!("{base}/v1/auth/login"))
        .json(&serde_json::json!({
            "phone": linli_server::testing::WANG_FANG_PHONE,
            "password": linli_server::testing::DEMO_PASSWORD,
        }))
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("tokens");
    let token = tokens["access_token"].as_str().expect("token").to_owned();
    let big = linli_wire::limits::UPLOAD_QUOTA_BYTES / 4;
    let mut held = Vec::new();
    for _ in 0..4 {
        let created = http
            .post(format!("{base}/v1/uploads"))
            .bearer_auth(&token)
            .header("Tus-Resumable", "1.0.0")
            .header("Upload-Length", big.to_string())
            .send()
            .await
            .expect("reserve");
        assert_eq!(created.status(), reqwest::StatusCode::CREATED);
        held.push(
            created.headers()["location"]
                .to_str()
                .expect("location")
                .to_owned(),
        );
    }

    let files = tempfile::tempdir().expect("tempdir");
    let photo = core
        .prepare_photo(&camera_photo(files.path(), "a.png", 30))
        .await
        .expect("prepared");
    core.submit_ticket(report(vec![photo.id]))
        .await
        .expect("queued");
    let status = core.sync_now().await.expect("sync");
    assert_eq!(
        status.outbox_rejected, 0,
        "a full quota refuses nothing for good"
    );
    assert!(status.outbox_pending > 0, "the photo waits");
    let view = core.tickets().await.expect("tickets").remove(0);
    assert_eq!(
        view.state,
        TicketViewState::Pending,
        "the report is waiting, not blocked on the resident"
    );
    assert_eq!(server_tickets(&env).await, 0);

    for location in &held {
        let gone = http
            .delete(format!("{base}{location}"))
            .bearer_auth(&token)
            .header("Tus-Resumable", "1.0.0")
            .send()
            .await
            .expect("terminate");
        assert_eq!(gone.status(), reqwest::StatusCode::NO_CONTENT);
    }
    let status = core.sync_now().await.expect("sync");
    assert_eq!(
        status.outbox_pending, 0,
        "with room again, the photo and report go"
    );
    assert_eq!(server_tickets(&env).await, 1, "one report");
    assert_photos_once(&env, 1, "its photo once").await;
}
