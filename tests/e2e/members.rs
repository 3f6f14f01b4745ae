//! The owner removes a member, through two cores: 王芳 invites a new number as family; on its
//! own device that number joins, reads the home's notices and invites a visitor. The owner
//! lists the home's members and removes them: at the member's next sync the home's cached
//! data (notices, passes, bills) is gone from their device, and a gate refuses their pass after
//! its own next sync. A tenancy reaching its last day has the same effect, by housekeeping on
//! the server's clock.

use crate::support::{Env, issued_pass, sign_in_owner};
use linli_core::Clock;
use linli_gate::{Enrolment, Gate, ScanOutcome};
use linli_wire::ErrorCode;
use linli_wire::invitations::CreateInvitation;
use linli_wire::me::{MembershipRole, MembershipState};

const FAMILY_PHONE: &str = "13900000066";
const TENANT_PHONE: &str = "13900000067";

/// A core of its own (data folder and token store) for `phone`, signed in by SMS code.
async fn own_device(
    env: &Env,
    phone: &str,
) -> (
    linli_core::Core,
    tempfile::TempDir,
    linli_wire::ipc::AccountView,
) {
    let device = tempfile::tempdir().expect("tempdir");
    let mut config = env.config();
    config.data_dir = device.path().to_path_buf();
    let mut deps = env.deps();
    deps.tokens = std::sync::Arc::new(linli_core::MemoryTokenStore::new());
    let core = linli_core::Core::open(config, deps)
        .await
        .expect("the member's core");
    core.request_sign_in_code(phone).await.expect("a code");
    let code = env.server.sms_code(phone).await;
    let account = core
        .sign_in_with_code(phone, &code)
        .await
        .expect("registered");
    (core, device, account)
}

/// Rows of `sql` (one `?`: `bind`) in a cache.db, read-only.
async fn count(cache: &std::path::Path, sql: &str, bind: &str) -> i64 {
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(cache)
        .read_only(true);
    let mut conn = sqlx::ConnectOptions::connect(&options)
        .await
        .expect("open the cache read-only");
    sqlx::query_scalar(sql)
        .bind(bind)
        .fetch_one(&mut conn)
        .await
        .expect("count")
}

#[tokio::test]
async fn a_removed_member_loses_the_homes_data_at_the_next_sync_and_their_pass_at_the_gate() {
    let env = Env::start().await;
    let owner = env.open_core().await;
    let home = sign_in_owner(&owner).await;
    let invited = owner
        .invite(
            home.id,
            CreateInvitation {
                phone: FAMILY_PHONE.into(),
                role: MembershipRole::Family,
                ends_on: None,
            },
        )
        .await
        .expect("invited");

    // The family member's own device.
    let (member, device, mine) = own_device(&env, FAMILY_PHONE).await;
    let joined = member
        .accept_invitation(invited.id)
        .await
        .expect("accepted");
    let membership = joined
        .memberships
        .iter()
        .find(|m| m.unit.id == home.unit.id)
        .expect("the home")
        .clone();
    let now = env.clock.now();
    let (_, payload) = issued_pass(&member, now).await;

    let cache = device
        .path()
        .join("accounts")
        .join(mine.user.id.to_string())
        .join("cache.db");
    let community = home.community.id.to_string();
    let notices = "SELECT COUNT(*) FROM notices WHERE community_id = ?";
    let passes = "SELECT COUNT(*) FROM passes WHERE membership_id = ?";
    let bills = "SELECT COUNT(*) FROM bills WHERE unit_id = ?";
    let unit = home.unit.id.to_string();
    let member_id = membership.id.to_string();
    assert!(
        count(&cache, notices, &community).await > 0,
        "the home's notices are cached"
    );
    assert_eq!(
        count(&cache, passes, &member_id).await,
        1,
        "the pass is cached"
    );
    assert!(
        count(&cache, bills, &unit).await > 0,
        "family see the home's bills"
    );

    let gate_dir = tempfile::tempdir().expect("tempdir");
    let gate = Gate::open(gate_dir.path()).await.expect("gate state");
    gate.enrol(&Enrolment {
        server: env.server.base_url(),
        ca_pem: Some(env.server.ca_pem()),
        token: env
            .server
            .add_gate(&home.community.name, "pedestrian")
            .await,
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

    // The owner sees the member and removes them; family may not remove anyone.
    let listed = owner.home_members(home.id).await.expect("members");
    let them = listed
        .iter()
        .find(|m| m.membership_id == membership.id)
        .expect("the new member is listed");
    assert!(them.removable, "the owner may remove family");
    let refused = member
        .remove_member(membership.id, home.id)
        .await
        .expect_err("family remove nobody");
    assert_eq!(refused.code(), ErrorCode::RoleForbidden, "{refused}");
    let after = owner
        .remove_member(home.id, membership.id)
        .await
        .expect("removed");
    assert!(
        after.iter().all(|m| m.membership_id != membership.id),
        "the owner's list no longer shows them"
    );

    member.sync_now().await.expect("the member's next sync");
    let view = member.session().await.expect("session");
    let account = view.account.expect("still signed in");
    let ended = account.memberships.iter().find(|m| m.id == membership.id);
    assert!(
        ended.is_none_or(|m| m.state == MembershipState::Ended && m.allowed.is_empty()),
        "the home is no longer theirs: {ended:?}"
    );
    assert_ne!(
        account.current_membership_id,
        Some(membership.id),
        "nor shown"
    );
    assert_eq!(
        count(&cache, notices, &community).await,
        0,
        "the home's notices left the device at that sync"
    );
    assert_eq!(
        count(&cache, passes, &member_id).await,
        0,
        "so did its passes"
    );
    assert_eq!(count(&cache, bills, &unit).await, 0, "and its bills");

    gate.sync().await.expect("the gate syncs");
    let refused = gate
        .scan(&payload, now.timestamp(), 300)
        .await
        .expect("scan");
    assert!(
        matches!(&refused, ScanOutcome::Rejected { reason, .. } if reason == "revoked"),
        "the gate refuses the removed member's pass after its sync: {refused:?}"
    );
    member.shutdown().await;
    owner.shutdown().await;
}

#[tokio::test]
async fn a_tenancy_past_its_last_day_leaves_the_tenants_device_at_the_next_sync() {
    let env = Env::start().await;
    env.server.freeze_clock();
    let owner = env.open_core().await;
    let home = sign_in_owner(&owner).await;
    // Today in Beijing, on the server's clock, is the tenancy's last day.
    let today = (env.server.now() + chrono::Duration::hours(8)).date_naive();
    let invited = owner
        .invite(
            home.id,
            CreateInvitation {
                phone: TENANT_PHONE.into(),
                role: MembershipRole::Tenant,
                ends_on: Some(today),
            },
        )
        .await
        .expect("invited");
    owner.shutdown().await;
    let (tenant, device, mine) = own_device(&env, TENANT_PHONE).await;
    let joined = tenant
        .accept_invitation(invited.id)
        .await
        .expect("accepted");
    let membership = joined
        .memberships
        .iter()
        .find(|m| m.unit.id == home.unit.id)
        .expect("the home")
        .clone();
    assert_eq!(
        membership.ends_on,
        Some(today),
        "the tenancy carries its last day"
    );
    assert!(
        !membership.allowed.contains(&linli_wire::me::Action::Invite),
        "a tenant does not invite: {:?}",
        membership.allowed
    );
    let cache = device
        .path()
        .join("accounts")
        .join(mine.user.id.to_string())
        .join("cache.db");
    let notices = "SELECT COUNT(*) FROM notices WHERE community_id = ?";
    let community = home.community.id.to_string();
    assert!(
        count(&cache, notices, &community).await > 0,
        "the home's notices are cached"
    );

    // The next Beijing midnight passes; housekeeping runs; the tenant's app syncs.
    let midnight = today
        .succ_opt()
        .expect("tomorrow")
        .and_hms_opt(0, 0, 0)
        .expect("midnight")
        .and_utc()
        - chrono::Duration::hours(8);
    let wait = (midnight - env.server.now()).to_std().expect("ahead");
    env.server.advance_clock(wait);
    env.server.housekeeping().await;
    tenant.sync_now().await.expect("the tenant's next sync");
    let account = tenant
        .session()
        .await
        .expect("session")
        .account
        .expect("still signed in");
    let ended = account.memberships.iter().find(|m| m.id == membership.id);
    assert!(
        ended.is_none_or(|m| m.state == MembershipState::Ended),
        "the tenancy ended: {ended:?}"
    );
    assert_eq!(
        count(&cache, notices, &community).await,
        0,
        "the home's notices left the tenant's device"
    );
    tenant.shutdown().await;
}
