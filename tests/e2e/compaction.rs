//! A 410 really wipes the cache: a notice withdrawn while its tombstone was compacted away is
//! gone after the new bootstrap, and after the server compacts its change log the client holds
//! exactly what a fresh bootstrap of the server gives.

use crate::support::Env;
use linli_wire::NoticeId;
use std::collections::BTreeSet;

async fn ids(core: &linli_core::Core) -> BTreeSet<NoticeId> {
    core.notices()
        .await
        .expect("notices")
        .into_iter()
        .map(|n| n.id)
        .collect()
}

/// Compacts the server's change log the way its housekeeping does: every row so far goes
/// and cursors from before the horizon expire (410).
async fn compact_everything(env: &Env) {
    let db = linli_server::db::open(env.server.data_dir())
        .await
        .expect("the server's database");
    linli_server::changes::compact(&db, i64::MAX)
        .await
        .expect("compact the change log");
    db.close().await;
}

/// What a client that never synced before sees: the server's state, fresh (a second device
/// with its own data folder and keyring).
async fn fresh_view(env: &Env) -> BTreeSet<NoticeId> {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = env.config();
    config.data_dir = dir.path().to_path_buf();
    let mut deps = env.deps();
    deps.tokens = std::sync::Arc::new(linli_core::MemoryTokenStore::new());
    let core = linli_core::Core::open(config, deps).await.expect("open");
    core.sign_in(
        linli_server::testing::WANG_FANG_PHONE,
        linli_server::testing::DEMO_PASSWORD,
    )
    .await
    .expect("a second device signs in");
    let seen = ids(&core).await;
    core.shutdown().await;
    seen
}

#[tokio::test]
async fn a_410_wipes_a_notice_whose_tombstone_was_compacted_away() {
    let env = Env::start().await;
    let (core, account) = env.signed_in().await;
    let community = Env::current_community_name(&account);
    let doomed = env.server.publish_notice(&community, "临时停车调整").await;
    core.sync_now().await.expect("sync");
    assert!(ids(&core).await.contains(&doomed), "cached");

    // Withdrawn, and the log holding its tombstone compacted before the client asked.
    env.server.delete_notice(doomed).await;
    let kept = env.server.publish_notice(&community, "绿化修剪通知").await;
    compact_everything(&env).await;
    core.sync_now()
        .await
        .expect("the 410 is handled by bootstrapping");
    let after = ids(&core).await;
    assert!(
        !after.contains(&doomed),
        "the bootstrap replaced the cache: the withdrawn notice is gone"
    );
    assert!(after.contains(&kept), "and the new one is there");
    assert_eq!(
        after,
        fresh_view(&env).await,
        "exactly what a fresh bootstrap holds"
    );
    core.shutdown().await;
}

#[tokio::test]
async fn after_compaction_the_client_recovers_the_exact_server_state() {
    let env = Env::start().await;
    let (core, account) = env.signed_in().await;
    let community = Env::current_community_name(&account);
    let mut published = Vec::new();
    for title in ["一号楼停水", "二号楼停电", "三号楼消杀"] {
        published.push(env.server.publish_notice(&community, title).await);
    }
    core.sync_now().await.expect("sync");
    // Changes the client has not seen yet: one withdrawn, one new; then the log is compacted.
    env.server.delete_notice(published[1]).await;
    let newer = env
        .server
        .publish_notice(&community, "四号楼电梯维保")
        .await;
    compact_everything(&env).await;
    // Another change after the horizon, so the feed is not empty.
    let newest = env
        .server
        .publish_notice(&community, "五号楼门禁升级")
        .await;
    core.sync_now()
        .await
        .expect("recovers from the expired cursor");
    let after = ids(&core).await;
    assert!(!after.contains(&published[1]), "the withdrawn one is gone");
    assert!(
        after.contains(&newer) && after.contains(&newest),
        "both new ones arrived"
    );
    assert_eq!(after, fresh_view(&env).await, "the exact server state");
    // And the cursor works again: the next change arrives by the feed, no 410.
    let later = env
        .server
        .publish_notice(&community, "六号楼外墙清洗")
        .await;
    core.sync_now().await.expect("sync");
    assert!(ids(&core).await.contains(&later), "the feed continues");
    core.shutdown().await;
}
