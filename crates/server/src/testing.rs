//! A real server for other crates' tests (feature `test-util`).
//!
//! [`TestServer::start`] serves the demo data over HTTPS on `127.0.0.1:0` from a fresh
//! temporary data dir, with its own CA. Tests can stop and restart it on the same port (the
//! backend "goes away" and comes back), read, freeze and move its clock forward, and act as
//! staff (publish or withdraw notices) or as an auditor (count read marks) straight on its
//! database.

use crate::clock::ServerClock;
use crate::features::notices::{NewNotice, publish, withdraw};
use crate::serve::{Options, Running, start};
use linli_wire::NoticeId;
use linli_wire::notices::{NoticeCategory, NoticePriority};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

pub use crate::seed::{DEMO_PASSWORD, LI_QIANG_PHONE, WANG_FANG_PHONE, ZHANG_WEI_PHONE};

/// The service desk the test helpers act as.
const DESK: &str = "李娜（客服）";

/// A running (or stopped) reference backend with demo data.
pub struct TestServer {
    dir: tempfile::TempDir,
    options: Options,
    clock: Arc<ServerClock>,
    running: tokio::sync::Mutex<Option<Running>>,
    base_url: String,
    ca_pem: String,
    /// The CA's private key, kept here (never on the server's disk) to renew under that CA.
    ca_key: String,
    db: sqlx::SqlitePool,
}

impl TestServer {
    /// Starts a fresh server with demo data on a free port.
    pub async fn start() -> Self {
        let dir = tempfile::tempdir().expect("tempdir for the test server");
        let mut options = Options {
            data_dir: dir.path().join("server"),
            addr: "127.0.0.1:0".parse().expect("addr"),
            demo: true,
            auth: crate::serve::AuthOptions::default(),
            public_url: None,
        };
        let clock = Arc::new(ServerClock::system());
        crate::files::dir(&options.data_dir).expect("the server's data dir");
        let ca_key = crate::tls::TlsFiles::in_data_dir(&options.data_dir)
            .issue()
            .expect("the test server's certificates");
        let running = start(&options, clock.clone())
            .await
            .expect("the test server starts");
        // Restarts reuse the port, so clients keep their base URL.
        options.addr = running.addr;
        let ca_pem = std::fs::read_to_string(&running.ca_path).expect("read the test CA");
        // A handle of our own for staff actions, valid while the server is stopped too.
        let db = crate::db::open(&options.data_dir).await.expect("open db");
        Self {
            dir,
            options,
            clock,
            base_url: running.url.clone(),
            ca_pem,
            ca_key,
            running: tokio::sync::Mutex::new(Some(running)),
            db,
        }
    }

    /// `https://127.0.0.1:<port>`.
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    /// The CA certificate (PEM) to trust.
    pub fn ca_pem(&self) -> String {
        self.ca_pem.clone()
    }

    /// The server's data dir.
    pub fn data_dir(&self) -> &Path {
        &self.options.data_dir
    }

    /// Stops serving: connections are refused until [`Self::restart`].
    pub async fn stop(&self) {
        if let Some(running) = self.running.lock().await.take() {
            running.stop().await;
        }
    }

    /// Serves again on the same port with the same data.
    pub async fn restart(&self) {
        let mut slot = self.running.lock().await;
        if let Some(running) = slot.take() {
            running.stop().await;
        }
        let running = start(&self.options, self.clock.clone())
            .await
            .expect("the test server restarts on its port");
        *slot = Some(running);
    }

    /// The join link of `community` (by name) on this server, pinned to its CA, as
    /// `linli-server join-link` prints it.
    pub async fn join_link(&self, community: &str) -> String {
        self.join_link_pinned(community, crate::features::communities::PinOf::Ca)
            .await
    }

    /// The join link of `community`, pinned to its CA or to the server's own certificate, as
    /// `linli-server join-link --pin ca|leaf` prints it.
    pub async fn join_link_pinned(
        &self,
        community: &str,
        pin_of: crate::features::communities::PinOf,
    ) -> String {
        crate::features::communities::join_link(
            &self.db,
            &self.options.data_dir,
            community,
            &self.base_url,
            pin_of,
        )
        .await
        .expect("a join link for the community")
        .to_string()
    }

    /// Renews the server's certificate under the same CA ([`crate::tls::TlsFiles::
    /// renew_server_cert`]) and serves again with it, on the same port with the same data.
    pub async fn renew_certificate(&self) {
        self.stop().await;
        crate::tls::TlsFiles::in_data_dir(&self.options.data_dir)
            .renew_server_cert(&self.ca_key)
            .expect("the certificate is renewed");
        self.restart().await;
    }

    /// Moves the server's clock forward (tokens and grace windows expire).
    pub fn advance_clock(&self, by: Duration) {
        self.clock.advance(by);
    }

    /// Now on the server's clock: what tests compute times from, since the server's clock is
    /// moved (and may be frozen) while the wall clock is not.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    /// Stops the server's clock where it stands; only [`Self::advance_clock`] moves it then,
    /// so a test can stand one second before a deadline however slowly it runs.
    pub fn freeze_clock(&self) {
        self.clock.freeze();
    }

    /// Runs the hourly housekeeping pass now, on the server's clock (tenancies past their last
    /// day end, among the rest), rather than waiting for its timer.
    pub async fn housekeeping(&self) {
        if let Some(running) = self.running.lock().await.as_ref() {
            crate::serve::tidy(&running.state)
                .await
                .expect("housekeeping");
        }
    }

    /// Makes the demo payment provider lose (or deliver again) its notifications, so the
    /// backend must find out about payments by asking it.
    pub async fn lose_payment_notifications(&self, lose: bool) {
        if let Some(running) = self.running.lock().await.as_ref() {
            running.state.demo_provider.set_lose_notifications(lose);
        }
    }

    /// The running server's state and the desk staff id the helpers below act as.
    async fn desk(&self) -> (crate::AppState, String) {
        let state = self
            .running
            .lock()
            .await
            .as_ref()
            .map(|r| r.state.clone())
            .expect("the server is running");
        let staff = crate::features::tickets::desk_staff(&state.db, DESK, state.clock.now_ms())
            .await
            .expect("the desk's staff record");
        (state, staff)
    }

    /// Acts on a ticket as staff (李娜（客服）), as the service desk's command line does.
    pub async fn staff(&self, ticket: &str, action: linli_wire::tickets::StaffAction) {
        let (state, staff) = self.desk().await;
        let desk = crate::features::tickets::Desk {
            staff_id: Some(&staff),
            display: DESK,
            staff: None,
        };
        crate::features::tickets::staff_act(&state, &desk, ticket, action)
            .await
            .expect("a staff step the ticket allows");
    }

    /// Files an after-photo as the desk staff of [`Self::staff`] does; its attachment id.
    pub async fn staff_photo(&self, bytes: &[u8]) -> uuid::Uuid {
        let (state, staff) = self.desk().await;
        crate::features::uploads::store_staff_photo(&state, &staff, bytes)
            .await
            .expect("a usable photo")
    }

    /// The code in the newest text message the built-in sender kept for `phone` (what the
    /// resident's phone received).
    pub async fn sms_code(&self, phone: &str) -> String {
        let messages = crate::features::auth::sms::outbox(&self.db, Some(phone))
            .await
            .expect("read the SMS outbox");
        let last = messages.last().expect("a text message reached the phone");
        crate::features::auth::sms::code_in(&last.body)
            .expect("a code in the message")
            .to_owned()
    }

    /// The single integer a `SELECT COUNT(*) …` (or similar) answers, straight from the
    /// database (an auditor's view).
    pub async fn count(&self, sql: &str) -> i64 {
        sqlx::query_scalar(sql)
            .fetch_one(&self.db)
            .await
            .expect("count query")
    }

    /// The demo payment provider's own books (payments opened, charges taken), read straight
    /// from its tables as an auditor would, valid while the server is stopped too.
    pub async fn provider_books(&self) -> crate::features::billing::provider::Books {
        let mut conn = self.db.acquire().await.expect("a connection");
        crate::features::billing::provider::books(&mut conn)
            .await
            .expect("read the provider's books")
    }

    /// The text column a `SELECT …` answers, row by row, straight from the database.
    pub async fn strings(&self, sql: &str) -> Vec<String> {
        sqlx::query_scalar(sql)
            .fetch_all(&self.db)
            .await
            .expect("strings query")
    }

    /// How many notices the resident with `phone` has marked read, as the server records it.
    pub async fn read_mark_count(&self, phone: &str) -> i64 {
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM notice_reads r JOIN users u ON u.id = r.user_id WHERE u.phone = ?",
        )
        .bind(phone)
        .fetch_one(&self.db)
        .await
        .expect("count read marks")
    }

    /// Publishes an ordinary notice in the community named `community`.
    pub async fn publish_notice(&self, community: &str, title: &str) -> NoticeId {
        self.publish_notice_until(community, title, None).await
    }

    /// Publishes a notice that expires at `expires_at` (when given).
    pub async fn publish_notice_until(
        &self,
        community: &str,
        title: &str,
        expires_at: Option<chrono::DateTime<chrono::Utc>>,
    ) -> NoticeId {
        self.publish_targeted(community, title, expires_at, &[], None)
            .await
    }

    /// Publishes a notice to some buildings (`(building, entrance)` as the directory names
    /// them), with when service comes back; panics when a target is not in the directory.
    pub async fn publish_targeted(
        &self,
        community: &str,
        title: &str,
        expires_at: Option<chrono::DateTime<chrono::Utc>>,
        targets: &[(&str, Option<&str>)],
        service_back_at: Option<chrono::DateTime<chrono::Utc>>,
    ) -> NoticeId {
        let community_id: String = sqlx::query_scalar("SELECT id FROM communities WHERE name = ?")
            .bind(community)
            .fetch_one(&self.db)
            .await
            .expect("the community exists");
        let notice = NewNotice {
            community_id: community_id.parse().expect("uuid"),
            title: title.to_owned(),
            summary: format!("{title}（摘要）"),
            body: format!("{title}\n\n详情请咨询物业服务中心。"),
            category: NoticeCategory::General,
            priority: NoticePriority::Normal,
            pinned: false,
            publisher: "物业服务中心".to_owned(),
            published_at: self.clock.now(),
            starts_at: None,
            ends_at: None,
            expires_at,
            service_back_at,
            targets: targets
                .iter()
                .map(|(building, entrance)| linli_wire::notices::NoticeTarget {
                    building: (*building).to_owned(),
                    entrance: entrance.map(str::to_owned),
                })
                .collect(),
        };
        NoticeId(
            publish(&self.db, &notice, self.clock.now_ms())
                .await
                .expect("publish"),
        )
    }

    /// Withdraws a notice.
    pub async fn delete_notice(&self, id: NoticeId) {
        let found = withdraw(&self.db, id.0, self.clock.now_ms())
            .await
            .expect("withdraw");
        assert!(found, "the notice to delete exists");
    }

    /// Forgets the whole change log: every sync cursor issued so far expires (410).
    pub async fn compact_changes_all(&self) {
        crate::changes::reset(&self.db)
            .await
            .expect("reset the change log");
    }

    /// Registers a gate of `community` in `group`; returns its bearer token.
    pub async fn add_gate(&self, community: &str, group: &str) -> String {
        let (_, token) = crate::features::gate::add_gate(
            &self.db,
            community,
            group,
            "test gate",
            self.clock.now_ms(),
        )
        .await
        .expect("add a gate");
        token
    }

    /// Keeps the temp dir alive as long as the server.
    pub fn temp_root(&self) -> &Path {
        self.dir.path()
    }
}
