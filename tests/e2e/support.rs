//! The test environment: a server, a data folder, a token store and a clock per test.

use chrono::{DateTime, Utc};
use linli_core::{Clock, Core, CoreConfig, CoreDeps, MemoryTokenStore, UuidV7Gen};
use linli_server::testing::{DEMO_PASSWORD, TestServer, WANG_FANG_PHONE};
use linli_wire::ipc::AccountView;
use std::sync::Arc;

/// A client clock that stands still (the server's clock is moved separately).
#[derive(Debug)]
pub struct FixedClock(DateTime<Utc>);

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}

/// One test's world.
pub struct Env {
    pub server: TestServer,
    pub dir: tempfile::TempDir,
    pub tokens: Arc<MemoryTokenStore>,
    pub clock: Arc<FixedClock>,
}

impl Env {
    pub async fn start() -> Env {
        let server = TestServer::start().await;
        // The client's clock starts where the server's stands, not at the wall clock.
        let clock = Arc::new(FixedClock(server.now()));
        Env {
            server,
            dir: tempfile::tempdir().expect("tempdir"),
            tokens: Arc::new(MemoryTokenStore::new()),
            clock,
        }
    }

    pub fn config(&self) -> CoreConfig {
        let mut config = CoreConfig::new(self.dir.path(), self.server.base_url());
        config.extra_root_ca_pem = Some(self.server.ca_pem().as_bytes().to_vec());
        config.user_agent = "linli-e2e".to_owned();
        config.background = false;
        config
    }

    pub fn deps(&self) -> CoreDeps {
        CoreDeps {
            clock: self.clock.clone(),
            ids: Arc::new(UuidV7Gen),
            tokens: self.tokens.clone(),
        }
    }

    pub async fn open_core(&self) -> Core {
        Core::open(self.config(), self.deps())
            .await
            .expect("the core opens")
    }

    /// A core that reaches the server only through `proxy` (trusting the proxy's CA).
    pub async fn open_core_via(&self, proxy: &crate::proxy::CuttingProxy) -> Core {
        let mut config = self.config();
        config.base_url = Some(proxy.url.clone());
        config.extra_root_ca_pem = Some(proxy.ca_pem.as_bytes().to_vec());
        Core::open(config, self.deps())
            .await
            .expect("the core opens")
    }

    /// A core with Wang Fang signed in.
    pub async fn signed_in(&self) -> (Core, AccountView) {
        let core = self.open_core().await;
        let account = core
            .sign_in(WANG_FANG_PHONE, DEMO_PASSWORD)
            .await
            .expect("Wang Fang signs in with the demo password");
        (core, account)
    }

    /// The token store key of the signed-in account.
    pub fn account_key(&self, account: &AccountView) -> String {
        linli_core::account_key(account.user.id, &self.server.base_url()).expect("key")
    }

    /// The account's cache folder.
    pub fn account_dir(&self, account: &AccountView) -> std::path::PathBuf {
        self.dir
            .path()
            .join("accounts")
            .join(account.user.id.to_string())
    }

    /// Name of the community the core currently shows.
    pub fn current_community_name(account: &AccountView) -> String {
        let current = account
            .current_membership_id
            .expect("a household is chosen");
        account
            .memberships
            .iter()
            .find(|m| m.id == current)
            .expect("the chosen household is listed")
            .community
            .name
            .clone()
    }
}

/// Opens a demo payment order for the first unpaid bill the core has cached: that bill and
/// the order.
pub async fn pay_first_unpaid(
    core: &Core,
) -> (linli_wire::bills::Bill, linli_wire::bills::PaymentOrder) {
    let unpaid = core
        .bills()
        .await
        .expect("bills")
        .into_iter()
        .find(|b| b.state == linli_wire::bills::BillState::Unpaid)
        .expect("an unpaid bill in the demo data");
    let order = core
        .pay(&[unpaid.id], linli_wire::bills::PaymentChannel::Demo)
        .await
        .expect("an order");
    (unpaid, order)
}

/// Signs Wang Fang in on `core` and returns the home she owns (where she invites and removes).
pub async fn sign_in_owner(core: &Core) -> linli_wire::me::Membership {
    let account = core
        .sign_in(WANG_FANG_PHONE, DEMO_PASSWORD)
        .await
        .expect("sign in");
    account
        .memberships
        .into_iter()
        .find(|m| m.role == linli_wire::me::MembershipRole::Owner)
        .expect("Wang Fang owns a home")
}

/// Books a pass for 刘阿姨 (4 hours from `now`, 2 entries) in the core's current home, syncs
/// until the backend issued it, and returns its id and QR payload.
pub async fn issued_pass(core: &Core, now: DateTime<Utc>) -> (linli_wire::PassId, String) {
    let pass = core
        .create_pass(linli_wire::ipc::NewPass {
            visitor_name: "刘阿姨".into(),
            visitor_phone: None,
            plate: None,
            purpose: "探亲".into(),
            valid_from: now,
            valid_until: now + chrono::Duration::hours(4),
            max_entries: 2,
            schedule: None,
        })
        .await
        .expect("a pass");
    core.sync_now().await.expect("the pass is issued");
    let issued = core.passes().await.expect("passes");
    let issued = issued.iter().find(|p| p.id == pass.id).expect("the pass");
    assert_eq!(
        issued.state,
        linli_wire::ipc::PassViewState::Active,
        "the backend issued the pass"
    );
    (pass.id, issued.payload.clone().expect("a QR payload"))
}
