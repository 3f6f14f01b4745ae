//! Joining through a link whose pin names the backend's own certificate (`linli-server
//! join-link --pin leaf`), through the core against the real server: exactly that certificate
//! is trusted, at joining, for later requests and after a restart; a certificate renewed
//! under the same CA is the ordinary `tls-error` from then on (while a CA-pinned app goes on); a leaf pin of another certificate is `pin-mismatch`;
//! and the pinned certificate is trusted only for a host it names.

use crate::support::Env;
use linli_core::{Core, CoreConfig, CoreDeps, MemoryTokenStore};
use linli_server::features::communities::PinOf;
use linli_server::testing::{DEMO_PASSWORD, WANG_FANG_PHONE};
use linli_wire::ErrorCode;
use linli_wire::join::JoinLink;
use std::path::Path;
use std::sync::Arc;

/// A core in `dir` with no configured backend and no configured CA: only what joining keeps.
async fn open_joining(dir: &Path, deps: CoreDeps) -> Core {
    let mut config = CoreConfig::joining(dir);
    config.user_agent = "linli-e2e".to_owned();
    config.background = false;
    Core::open(config, deps)
        .await
        .expect("a core with no configured backend opens")
}

#[tokio::test]
async fn a_leaf_pinned_link_joins_survives_a_restart_and_a_renewed_certificate_fails() {
    let env = Env::start().await;
    let core = open_joining(env.dir.path(), env.deps()).await;
    let link = env.server.join_link_pinned("翠湖花园", PinOf::Leaf).await;
    let preview = core
        .preview_join(&link)
        .await
        .expect("the pin names the server's own certificate");
    assert!(preview.pinned, "the leaf was matched against the pin");
    core.join(&link).await.expect("joined");
    let backend = core
        .session()
        .await
        .expect("session")
        .backend
        .expect("a backend now");
    assert!(backend.pinned, "{backend:?}");
    let account = core
        .sign_in(WANG_FANG_PHONE, DEMO_PASSWORD)
        .await
        .expect("later requests trust the pinned certificate at once");
    core.shutdown().await;

    let core = open_joining(env.dir.path(), env.deps()).await;
    assert_eq!(
        core.session()
            .await
            .expect("session")
            .account
            .map(|a| a.user.id),
        Some(account.user.id),
        "the same account, on the kept backend"
    );
    core.sync_now()
        .await
        .expect("the kept leaf is trusted after a restart");

    // The same resident's other device joined through the CA's link.
    let other_dir = tempfile::tempdir().expect("tempdir");
    let other_deps = CoreDeps {
        tokens: Arc::new(MemoryTokenStore::new()),
        ..env.deps()
    };
    let ca_pinned = open_joining(other_dir.path(), other_deps).await;
    ca_pinned
        .join(&env.server.join_link("翠湖花园").await)
        .await
        .expect("joined through the CA's pin");
    ca_pinned
        .sign_in(WANG_FANG_PHONE, DEMO_PASSWORD)
        .await
        .expect("signed in");

    // The property renews its certificate under the same CA, which it still presents.
    env.server.renew_certificate().await;
    ca_pinned
        .sync_now()
        .await
        .expect("a CA pin survives a renewal under that CA");
    let err = core
        .sync_now()
        .await
        .expect_err("a leaf pin trusts exactly the old certificate, not the CA that signed both");
    assert_eq!(
        err.code(),
        ErrorCode::TlsError,
        "the ordinary TLS error after a renewal: {err}"
    );
    core.shutdown().await;
    ca_pinned.shutdown().await;
}

#[tokio::test]
async fn a_leaf_pin_of_another_certificate_is_a_mismatch() {
    let env = Env::start().await;
    let other = Env::start().await;
    let core = open_joining(env.dir.path(), env.deps()).await;
    let mut link =
        JoinLink::parse(&env.server.join_link_pinned("翠湖花园", PinOf::Leaf).await).expect("link");
    let other_leaf = JoinLink::parse(&other.server.join_link_pinned("翠湖花园", PinOf::Leaf).await)
        .expect("the other server's link");
    assert_ne!(link.pin, other_leaf.pin, "two servers, two certificates");
    link.pin = other_leaf.pin;
    let err = core
        .join(&link.to_string())
        .await
        .expect_err("another server's certificate is not this one's");
    assert_eq!(err.code(), ErrorCode::PinMismatch, "{err}");
    assert_eq!(
        core.session().await.expect("session").backend,
        None,
        "nothing was kept"
    );
    core.shutdown().await;
}

#[tokio::test]
async fn a_pinned_leaf_is_not_trusted_for_a_host_it_does_not_name() {
    let env = Env::start().await;
    let core = open_joining(env.dir.path(), env.deps()).await;
    let good =
        JoinLink::parse(&env.server.join_link_pinned("翠湖花园", PinOf::Leaf).await).expect("link");
    // The same server, reached as 127.0.0.2 (which its certificate does not name) through a
    // plain TCP relay: the certificate and the handshake are the real ones.
    let relay = Relay::start(&good.backend).await;
    let mut elsewhere = good.clone();
    elsewhere
        .backend
        .set_host(Some("127.0.0.2"))
        .expect("a host");
    elsewhere
        .backend
        .set_port(Some(relay.port))
        .expect("a port");
    let err = core
        .join(&elsewhere.to_string())
        .await
        .expect_err("the pin trusts the certificate only for the names it carries");
    assert_eq!(
        err.code(),
        ErrorCode::TlsError,
        "the pin matched, the host name did not: {err}"
    );
    assert_eq!(
        core.session().await.expect("session").backend,
        None,
        "nothing was kept"
    );
    core.join(&good.to_string())
        .await
        .expect("under a name it carries, the same pin joins");
    core.shutdown().await;
}

/// Relays TCP connections from 127.0.0.2 to the backend, untouched.
struct Relay {
    port: u16,
    task: tokio::task::JoinHandle<()>,
}

impl Relay {
    async fn start(backend: &url::Url) -> Self {
        let target = format!(
            "{}:{}",
            backend.host_str().expect("host"),
            backend.port_or_known_default().expect("port")
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.2:0")
            .await
            .expect("127.0.0.2 is loopback too");
        let port = listener.local_addr().expect("addr").port();
        let task = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let target = target.clone();
                tokio::spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect(&target).await {
                        // Either side closing ends the relay of this connection.
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
            }
        });
        Self { port, task }
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.task.abort();
    }
}
