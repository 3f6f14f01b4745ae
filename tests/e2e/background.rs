//! The background loop on the injected clock: it syncs at once after a local write, every
//! 30 s of the client's time and no sooner, and while the backend is away it probes
//! `/v1/health` with a growing, jittered backoff until the backend answers again.

use crate::rig::Rig;
use hyper::Method;
use linli_server::testing::WANG_FANG_PHONE;
use std::time::Duration;

const SYNC_INTERVAL: chrono::TimeDelta = chrono::TimeDelta::seconds(30);

#[tokio::test]
async fn a_local_write_is_sent_at_once_without_the_time_moving() {
    let rig = Rig::start().await;
    let (core, _account) = rig.signed_in_with_loop().await;
    let parked = rig.clock.view();
    assert_eq!(
        parked.waiting,
        vec![parked.now + SYNC_INTERVAL],
        "after its first round the loop waits 30 s"
    );
    let marks_before = rig.env.server.read_mark_count(WANG_FANG_PHONE).await;
    let notice = core
        .notices()
        .await
        .expect("notices")
        .into_iter()
        .find(|n| n.read_at.is_none())
        .expect("an unread notice");
    core.mark_notice_read(notice.id).await.expect("mark");
    let after = rig.clock.parked_after(parked.asked.len()).await;
    assert_eq!(after.now, parked.now, "the time did not move");
    assert_eq!(
        rig.env.server.read_mark_count(WANG_FANG_PHONE).await,
        marks_before + 1,
        "the write reached the backend in the round the write started"
    );
    assert_eq!(
        rig.proxy.count(&Method::POST, "/v1/notices/read-marks"),
        1,
        "sent once"
    );
    assert_eq!(core.status().await.outbox_pending, 0);
    core.shutdown().await;
}

#[tokio::test]
async fn the_loop_pulls_every_30_seconds_of_client_time() {
    let rig = Rig::start().await;
    let (core, account) = rig.signed_in_with_loop().await;
    let community = crate::support::Env::current_community_name(&account);
    for round in 1..=3 {
        let parked = rig.clock.view();
        let [wake] = parked.waiting[..] else {
            panic!("one pause: {parked:?}");
        };
        assert_eq!(
            wake,
            parked.now + SYNC_INTERVAL,
            "round {round}: the next pull is 30 s away"
        );
        let title = format!("例行巡检通知 {round}");
        rig.env.server.publish_notice(&community, &title).await;
        let pulls = rig.proxy.count(&Method::GET, "/v1/sync/changes");
        // A moment short of the interval: the pause has not ended, nothing is asked.
        rig.clock.set(wake - chrono::TimeDelta::milliseconds(1));
        assert_eq!(rig.clock.view().waiting, vec![wake], "still waiting");
        assert_eq!(
            rig.proxy.count(&Method::GET, "/v1/sync/changes"),
            pulls,
            "no pull before 30 s"
        );
        rig.clock.set(wake);
        rig.clock.parked_after(parked.asked.len()).await;
        assert!(
            rig.proxy.count(&Method::GET, "/v1/sync/changes") > pulls,
            "round {round}: pulled at 30 s"
        );
        assert!(
            core.notices()
                .await
                .expect("notices")
                .iter()
                .any(|n| n.title == title),
            "round {round}: the new notice arrived without a manual sync"
        );
    }
    core.shutdown().await;
}

#[tokio::test]
async fn offline_the_loop_probes_health_with_a_growing_jittered_backoff() {
    let rig = Rig::start().await;
    let (core, _account) = rig.signed_in_with_loop().await;
    rig.proxy.set_down(true);
    let mut waits = Vec::new();
    let rounds: u32 = 24;
    for round in 1..=rounds {
        let parked = rig.clock.view();
        rig.clock.set(parked.waiting[0]);
        let next = rig.clock.parked_after(parked.asked.len()).await;
        let wait = *next.asked.last().expect("a pause");
        // Round 1 is the regular sync that finds the backend gone; each later round is a probe.
        let ceiling = Duration::from_secs(2 << (round - 1).min(5)).min(Duration::from_secs(60));
        assert!(
            wait >= Duration::from_secs(1) && wait <= ceiling.max(Duration::from_secs(1)),
            "probe {round}: waits {wait:?}, within [1 s, {ceiling:?}]"
        );
        waits.push(wait);
    }
    assert!(!core.status().await.online, "offline all along");
    let seen = rig.proxy.seen();
    let offline: Vec<_> = seen.iter().filter(|s| s.status.is_none()).collect();
    let probes = offline.iter().filter(|s| s.path == "/v1/health").count();
    assert_eq!(
        probes,
        usize::try_from(rounds - 1).expect("small"),
        "one health probe per round after the first: {offline:?}"
    );
    assert!(
        offline.iter().skip(1).all(|s| s.path == "/v1/health"),
        "while offline only the probe is sent, not whole syncs: {offline:?}"
    );
    // Full jitter at a 60 s ceiling: 18 rounds all under 30 s would be a 2^-18 fluke.
    let late_max = waits[6..].iter().max().copied().unwrap_or_default();
    assert!(
        late_max > Duration::from_secs(30),
        "the backoff grew past 30 s: {waits:?}"
    );
    assert!(
        waits[..3].iter().all(|w| *w <= Duration::from_secs(8)),
        "it starts small: {waits:?}"
    );

    // The backend returns: the next probe answers and a full sync follows in the same round.
    rig.proxy.set_down(false);
    let probes_before = rig.proxy.count(&Method::GET, "/v1/health");
    let parked = rig.clock.view();
    rig.clock.set(parked.waiting[0]);
    let back = rig.clock.parked_after(parked.asked.len()).await;
    assert_eq!(
        rig.proxy.count(&Method::GET, "/v1/health"),
        probes_before + 1,
        "one probe found the backend"
    );
    assert!(core.status().await.online, "online again");
    assert_eq!(
        back.waiting,
        vec![back.now + SYNC_INTERVAL],
        "back to the 30 s cadence"
    );
    core.shutdown().await;
}
