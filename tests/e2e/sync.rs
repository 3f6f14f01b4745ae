//! The change feed: new notices, tombstones, expired cursors.

use crate::support::Env;

fn titles(notices: &[linli_wire::notices::Notice]) -> Vec<&str> {
    notices.iter().map(|n| n.title.as_str()).collect()
}

#[tokio::test]
async fn deleted_notice_leaves_the_cache() {
    let env = Env::start().await;
    let (core, account) = env.signed_in().await;
    let community = Env::current_community_name(&account);
    let id = env.server.publish_notice(&community, "临时停水通知").await;
    core.sync_now().await.expect("sync");
    let notices = core.notices().await.expect("notices");
    assert!(
        titles(&notices).contains(&"临时停水通知"),
        "{:?}",
        titles(&notices)
    );

    env.server.delete_notice(id).await;
    core.sync_now().await.expect("sync");
    let notices = core.notices().await.expect("notices");
    assert!(
        !notices.iter().any(|n| n.id == id),
        "the tombstone removed it: {:?}",
        titles(&notices)
    );
    core.shutdown().await;
}

#[tokio::test]
async fn expired_cursor_bootstraps_again() {
    let env = Env::start().await;
    let (core, account) = env.signed_in().await;
    let before = core.notices().await.expect("notices");
    let community = Env::current_community_name(&account);

    env.server.compact_changes_all().await;
    env.server.publish_notice(&community, "消防演练通知").await;
    core.sync_now()
        .await
        .expect("a 410 is handled by bootstrapping, not surfaced");
    let after = core.notices().await.expect("notices");
    assert!(
        titles(&after).contains(&"消防演练通知"),
        "{:?}",
        titles(&after)
    );
    assert_eq!(
        after.len(),
        before.len() + 1,
        "nothing lost, nothing doubled"
    );
    let session = core.session().await.expect("session");
    assert_eq!(
        session.account.map(|a| a.memberships.len()),
        Some(account.memberships.len()),
        "households survive the wipe"
    );
    core.shutdown().await;
}
