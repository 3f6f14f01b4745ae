//! Reading from the cache with the backend down.

use crate::support::Env;
use linli_wire::ipc::CoreEvent;

#[tokio::test]
async fn cached_reads_work_after_the_server_stops() {
    let env = Env::start().await;
    let (core, account) = env.signed_in().await;
    let online_notices = core.notices().await.expect("notices");
    assert!(!online_notices.is_empty(), "the demo community has notices");
    let mut events = core.subscribe();

    env.server.stop().await;
    assert_eq!(
        core.notices().await.expect("offline notices"),
        online_notices,
        "the list comes from the cache"
    );
    let first = &online_notices[0];
    assert_eq!(
        core.notice(first.id).await.expect("offline notice").id,
        first.id
    );

    let status = core
        .sync_now()
        .await
        .expect("offline is not an error for sync_now");
    assert!(!status.online, "the status says offline");
    assert_eq!(
        events.try_recv().expect("an event"),
        CoreEvent::Connectivity { online: false }
    );
    core.shutdown().await;

    // Starting the app with the backend down still shows the signed-in resident.
    let core = env.open_core().await;
    let session = core.session().await.expect("session");
    assert_eq!(
        session.account.map(|a| a.user.id),
        Some(account.user.id),
        "the account shows without the network"
    );
    assert_eq!(core.notices().await.expect("notices"), online_notices);
    core.shutdown().await;
}
