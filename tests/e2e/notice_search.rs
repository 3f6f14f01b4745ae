//! Notices that target buildings reach the core with the backend's `affects_me`, and the
//! core finds them by Chinese search in its cache, matches marked, offline as online.

use crate::support::Env;
use linli_wire::ipc::MarkedText;

fn marked(parts: &[MarkedText]) -> String {
    parts
        .iter()
        .map(|p| {
            if p.hit {
                format!("[{}]", p.text)
            } else {
                p.text.clone()
            }
        })
        .collect()
}

#[tokio::test]
async fn a_targeted_notice_arrives_with_affects_me_and_is_found_by_search() {
    let env = Env::start().await;
    let (core, account) = env.signed_in().await;
    let community = Env::current_community_name(&account);
    assert_eq!(
        community, "翠湖花园",
        "王芳's first home is 翠湖花园 3栋2单元1502"
    );
    let back = env.server.now() + chrono::TimeDelta::hours(6);
    let ours = env
        .server
        .publish_targeted(
            &community,
            "3栋水箱清洗停水",
            None,
            &[("3栋", None)],
            Some(back),
        )
        .await;
    let theirs = env
        .server
        .publish_targeted(
            &community,
            "5栋1单元水表更换停水",
            None,
            &[("5栋", Some("1单元"))],
            None,
        )
        .await;
    core.sync_now().await.expect("sync");

    let notices = core.notices().await.expect("notices");
    let by_id = |id| notices.iter().find(|n| n.id == id).expect("synced");
    let mine = by_id(ours);
    assert!(mine.affects_me, "王芳 lives in 3栋");
    assert_eq!(mine.targets[0].building, "3栋", "the target's name travels");
    assert_eq!(
        mine.service_back_at.map(|t| t.timestamp()),
        Some(back.timestamp()),
        "when service comes back"
    );
    assert!(!by_id(theirs).affects_me, "5栋1单元 is not 王芳's");
    assert!(
        !core.notice(theirs).await.expect("detail").affects_me,
        "the cached detail says the same"
    );

    let hits = core
        .search_notices("停水".to_owned())
        .await
        .expect("search");
    let found: Vec<_> = hits.iter().map(|h| h.notice.id).collect();
    assert!(
        found.contains(&ours) && found.contains(&theirs),
        "both new outages are found by two characters: {found:?}"
    );
    let hit = hits.iter().find(|h| h.notice.id == ours).expect("found");
    assert_eq!(
        marked(&hit.title),
        "3栋水箱清洗[停水]",
        "the match is marked"
    );
    assert!(
        hit.notice.affects_me,
        "a hit carries the notice as the backend said"
    );

    let exact = core
        .search_notices("水箱清洗 3栋".to_owned())
        .await
        .expect("search");
    assert_eq!(
        exact.iter().map(|h| h.notice.id).collect::<Vec<_>>(),
        [ours],
        "a trigram phrase and a short term together find only the one that has both"
    );

    env.server.stop().await;
    let offline = core
        .search_notices("水表更换".to_owned())
        .await
        .expect("search works from the cache with the backend gone");
    assert_eq!(offline.len(), 1, "offline, from the cache");
    assert_eq!(offline[0].notice.id, theirs);
    core.shutdown().await;
}
