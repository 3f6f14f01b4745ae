//! A test world for real (unforced) flushes and the background loop: the server, a counting
//! [`CuttingProxy`] before it, and a [`ManualClock`] as the client's clock.

use crate::clock::ManualClock;
use crate::proxy::CuttingProxy;
use crate::support::Env;
use linli_core::{Core, CoreConfig, CoreDeps, UuidV7Gen};
use linli_server::testing::{DEMO_PASSWORD, WANG_FANG_PHONE};
use linli_wire::ipc::AccountView;
use std::sync::Arc;

/// One test's world, reached through the proxy.
pub struct Rig {
    pub env: Env,
    pub proxy: CuttingProxy,
    pub clock: Arc<ManualClock>,
}

impl Rig {
    pub async fn start() -> Rig {
        let env = Env::start().await;
        let proxy = CuttingProxy::start(&env.server.base_url(), &env.server.ca_pem()).await;
        Rig {
            env,
            proxy,
            clock: ManualClock::new(),
        }
    }

    /// The core's config: through the proxy, the background loop on or off.
    pub fn config(&self, background: bool) -> CoreConfig {
        let mut config = self.env.config();
        config.base_url = Some(self.proxy.url.clone());
        config.extra_root_ca_pem = Some(self.proxy.ca_pem.as_bytes().to_vec());
        config.background = background;
        // The proxy passes whole answers only, never a stream: these tests are of the poll
        // (the loop as it runs while the change stream is down); tests/e2e/push.rs holds it.
        config.push = false;
        config
    }

    pub fn deps(&self) -> CoreDeps {
        CoreDeps {
            clock: self.clock.clone(),
            ids: Arc::new(UuidV7Gen),
            tokens: self.env.tokens.clone(),
        }
    }

    pub async fn open(&self, background: bool) -> Core {
        Core::open(self.config(background), self.deps())
            .await
            .expect("the core opens")
    }

    /// Wang Fang signs in (loop off, first sync done), then the app starts again with the
    /// loop on and the test waits until its first round is over and it is parked: from then
    /// on nothing but the test pokes it or moves its time.
    pub async fn signed_in_with_loop(&self) -> (Core, AccountView) {
        let core = self.open(false).await;
        let account = core
            .sign_in(WANG_FANG_PHONE, DEMO_PASSWORD)
            .await
            .expect("Wang Fang signs in");
        core.shutdown().await;
        drop(core);
        let core = self.open(true).await;
        self.clock.parked_after(0).await;
        (core, account)
    }

    /// The token store key of the signed-in account (the proxy's host:port).
    pub fn account_key(&self, account: &AccountView) -> String {
        linli_core::account_key(account.user.id, &self.proxy.url).expect("key")
    }

    /// The open outbox rows of the account's cache: (id, state, attempts, next_attempt_at).
    pub async fn outbox_rows(&self, account: &AccountView) -> Vec<OutboxRow> {
        let path = self.env.account_dir(account).join("cache.db");
        let options = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(&path)
            .read_only(true);
        let mut conn = sqlx::ConnectOptions::connect(&options)
            .await
            .expect("open the cache read-only");
        let rows: Vec<(String, String, i64, i64)> = sqlx::query_as(
            "SELECT id, state, attempts, next_attempt_at_ms FROM outbox ORDER BY seq",
        )
        .fetch_all(&mut conn)
        .await
        .expect("read the outbox");
        rows.into_iter()
            .map(|(id, state, attempts, next)| OutboxRow {
                id,
                state,
                attempts,
                next_attempt_at: chrono::DateTime::from_timestamp_millis(next).expect("ms"),
            })
            .collect()
    }
}

/// One outbox row as the cache holds it.
#[derive(Clone, Debug)]
pub struct OutboxRow {
    pub id: String,
    pub state: String,
    pub attempts: i64,
    pub next_attempt_at: chrono::DateTime<chrono::Utc>,
}
