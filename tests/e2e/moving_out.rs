//! Moving out through the core: a resident leaves a home; the backend revokes the passes made
//! for it, a gate refuses them after its next sync, and the home's data leaves the device
//! while the resident's other home stays.

use crate::support::{Env, issued_pass};
use linli_core::Clock;
use linli_gate::{Enrolment, Gate, ScanOutcome};
use linli_server::testing::{DEMO_PASSWORD, WANG_FANG_PHONE};
use linli_wire::me::MembershipState;

#[tokio::test]
async fn leaving_a_home_revokes_its_passes_at_the_gate_and_drops_it_from_the_device() {
    let env = Env::start().await;
    let core = env.open_core().await;
    let account = core
        .sign_in(WANG_FANG_PHONE, DEMO_PASSWORD)
        .await
        .expect("sign in");
    let home = account.current_membership_id.expect("a home is shown");
    let community = account
        .memberships
        .iter()
        .find(|m| m.id == home)
        .expect("the shown home")
        .community
        .name
        .clone();
    assert!(
        account
            .memberships
            .iter()
            .filter(|m| m.state == MembershipState::Active)
            .count()
            > 1,
        "Wang Fang has another home to fall back on"
    );
    // The core's clock stands where the server's stood at the start.
    let now = env.clock.now();
    let (pass_id, payload) = issued_pass(&core, now).await;

    let dir = tempfile::tempdir().expect("tempdir");
    let gate = Gate::open(dir.path()).await.expect("gate state");
    gate.enrol(&Enrolment {
        server: env.server.base_url(),
        ca_pem: Some(env.server.ca_pem()),
        token: env.server.add_gate(&community, "pedestrian").await,
        group: "pedestrian".to_owned(),
    })
    .await
    .expect("enrol");
    gate.sync().await.expect("first sync");
    let before = gate
        .scan(&payload, now.timestamp(), 300)
        .await
        .expect("scan");
    assert!(matches!(before, ScanOutcome::Accepted { .. }), "{before:?}");

    let after = core.leave_household(home).await.expect("leave");
    assert_ne!(
        after.current_membership_id,
        Some(home),
        "another home is shown"
    );
    let left = after.memberships.iter().find(|m| m.id == home);
    assert!(
        left.is_none_or(|m| m.state == MembershipState::Ended),
        "the home left is no longer active: {left:?}"
    );
    core.switch_household(home)
        .await
        .expect_err("a home left cannot be shown again");
    assert!(
        core.passes()
            .await
            .expect("passes")
            .iter()
            .all(|p| p.id != pass_id),
        "its passes left the device"
    );

    gate.sync().await.expect("the gate syncs");
    let refused = gate
        .scan(&payload, now.timestamp(), 300)
        .await
        .expect("scan");
    assert!(
        matches!(&refused, ScanOutcome::Rejected { reason, .. } if reason == "revoked"),
        "the gate refuses the pass after its sync: {refused:?}"
    );
    core.shutdown().await;
}
