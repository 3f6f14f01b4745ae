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

/// A notice the cache holds stops showing when it expires, on the client's own clock: gone
/// from the list, and its detail (opened from a stale screen or a notification) is not found,
/// as the backend answers 404 for it. Marking it read is refused the same way.
#[tokio::test]
async fn an_expired_notice_leaves_the_detail_as_well_as_the_list() {
    let env = Env::start().await;
    let clock = crate::clock::ManualClock::new();
    clock.set(env.server.now().max(clock.now_at()));
    let mut deps = env.deps();
    deps.clock = clock.clone();
    let core = linli_core::Core::open(env.config(), deps)
        .await
        .expect("the core opens");
    let account = core
        .sign_in(
            linli_server::testing::WANG_FANG_PHONE,
            linli_server::testing::DEMO_PASSWORD,
        )
        .await
        .expect("sign in");
    let community = Env::current_community_name(&account);
    let expires = clock.now_at() + chrono::TimeDelta::minutes(30);
    let id = env
        .server
        .publish_notice_until(&community, "今晚八点停电", Some(expires))
        .await;
    core.sync_now().await.expect("sync");
    assert_eq!(
        core.notice(id).await.expect("shown before it expires").id,
        id,
        "the detail shows it while it lasts"
    );

    clock.advance(std::time::Duration::from_secs(31 * 60));
    assert!(
        !core
            .notices()
            .await
            .expect("notices")
            .iter()
            .any(|n| n.id == id),
        "the list leaves it out"
    );
    assert!(
        matches!(core.notice(id).await, Err(linli_core::Error::NotFound(_))),
        "the cached detail is not shown after it expired"
    );
    assert!(
        matches!(
            core.mark_notice_read(id).await,
            Err(linli_core::Error::NotFound(_))
        ),
        "an expired notice is not marked read"
    );
    core.shutdown().await;
}
