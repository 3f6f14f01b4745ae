//! Binding a home through real cores on their own devices: a newcomer registered by SMS code
//! walks the directory and asks to join 王芳's home as family; her core announces the request,
//! she approves it, and the newcomer's core announces the outcome and shows the home after its
//! sync, with the community's earlier notices. A tenant's request she refuses shows its reason
//! on the tenant's device. A wrong owner's name for one room waits for the desk; the name the
//! property recorded for another binds it at once and shows that home.

use crate::support::Env;
use linli_core::Core;
use linli_wire::homes::{CreateHomeRequest, Decider, HomeRequestState};
use linli_wire::ipc::CoreEvent;
use linli_wire::me::{MembershipRole, MembershipState};

const FAMILY: &str = "13900000077";
const TENANT: &str = "13900000078";

/// A core on a device of its own (data folder, token store), signed in by SMS code.
async fn newcomer(env: &Env, phone: &str) -> (Core, tempfile::TempDir) {
    let device = tempfile::tempdir().expect("tempdir");
    let mut config = env.config();
    config.data_dir = device.path().to_path_buf();
    let mut deps = env.deps();
    deps.tokens = std::sync::Arc::new(linli_core::MemoryTokenStore::new());
    let core = Core::open(config, deps).await.expect("the newcomer's core");
    core.request_sign_in_code(phone).await.expect("a code");
    let code = env.server.sms_code(phone).await;
    let account = core
        .sign_in_with_code(phone, &code)
        .await
        .expect("registered");
    assert!(account.memberships.is_empty(), "a new number has no home");
    (core, device)
}

/// The notification texts the core asked for since the last call.
fn notified(events: &mut tokio::sync::broadcast::Receiver<CoreEvent>) -> Vec<(String, String)> {
    std::iter::from_fn(|| events.try_recv().ok())
        .filter_map(|event| match event {
            CoreEvent::Notification { title, body, .. } => Some((title, body)),
            _ => None,
        })
        .collect()
}

/// 翠湖花园 3栋2单元1502 (王芳's), found by walking the directory as the bind view does.
async fn room_1502(core: &Core) -> linli_wire::homes::DirectoryRoom {
    let communities = core.communities().await.expect("communities");
    let cuihu = communities
        .iter()
        .find(|c| c.name == "翠湖花园")
        .expect("the community is listed");
    let buildings = core.buildings(cuihu.id).await.expect("buildings");
    assert!(buildings.iter().any(|b| b == "3栋"), "{buildings:?}");
    let entrances = core
        .entrances(cuihu.id, "3栋".into())
        .await
        .expect("entrances");
    assert_eq!(entrances, ["2单元"]);
    let rooms = core
        .rooms(cuihu.id, "3栋".into(), "2单元".into())
        .await
        .expect("rooms");
    rooms
        .into_iter()
        .find(|r| r.unit.room == "1502")
        .expect("1502 is in the directory")
}

#[tokio::test]
async fn the_owner_approves_family_and_refuses_a_tenant_who_reads_why() {
    let env = Env::start().await;
    let (owner, _) = env.signed_in().await;
    owner.sync_now().await.expect("the owner's first sync");
    let mut owner_events = owner.subscribe();

    let (family, _family_device) = newcomer(&env, FAMILY).await;
    let room = room_1502(&family).await;
    assert!(room.owner_bound, "王芳 owns it");
    assert_eq!(room.owner_hint.as_deref(), Some("王*"), "only the surname");
    let asked = family
        .request_home(CreateHomeRequest {
            unit_id: room.unit.id,
            relation: MembershipRole::Family,
            owner_name: None,
            ends_on: None,
        })
        .await
        .expect("asked");
    assert_eq!(
        (asked.state, asked.waits_for),
        (HomeRequestState::Pending, Some(Decider::Owner))
    );
    let (tenant, _tenant_device) = newcomer(&env, TENANT).await;
    let rented = tenant
        .request_home(CreateHomeRequest {
            unit_id: room.unit.id,
            relation: MembershipRole::Tenant,
            owner_name: None,
            ends_on: Some(chrono::NaiveDate::from_ymd_opt(2099, 6, 30).expect("date")),
        })
        .await
        .expect("asked");

    owner.sync_now().await.expect("sync");
    let waiting = owner.home_requests().await.expect("requests").to_decide;
    assert_eq!(waiting.len(), 2, "both wait for the owner");
    let heard = notified(&mut owner_events);
    assert_eq!(
        heard.len(),
        2,
        "one notification per new request: {heard:?}"
    );
    assert!(
        heard.iter().all(|(title, _)| title.contains("1502")),
        "{heard:?}"
    );

    let mut family_events = family.subscribe();
    owner
        .approve_home_request(asked.id)
        .await
        .expect("approved");
    owner
        .refuse_home_request(rented.id, "没有出租给此人".into())
        .await
        .expect("refused");
    assert!(
        owner
            .home_requests()
            .await
            .expect("requests")
            .to_decide
            .is_empty(),
        "nothing left to decide"
    );

    family.sync_now().await.expect("sync");
    let session = family.session().await.expect("session");
    let account = session.account.expect("signed in");
    let home = account
        .memberships
        .iter()
        .find(|m| m.unit.id == room.unit.id)
        .expect("the home came with the sync");
    assert_eq!(
        (home.role, home.state),
        (MembershipRole::Family, MembershipState::Active)
    );
    assert_eq!(account.current_membership_id, Some(home.id), "and is shown");
    assert!(
        !family.notices().await.expect("notices").is_empty(),
        "the community's notices, published before they joined, came with the home"
    );
    let heard = notified(&mut family_events);
    assert_eq!(heard.len(), 1, "the outcome is announced once: {heard:?}");

    tenant.sync_now().await.expect("sync");
    let mine = tenant.home_requests().await.expect("requests").mine;
    assert_eq!(mine[0].state, HomeRequestState::Refused);
    assert_eq!(
        mine[0].reason.as_deref(),
        Some("没有出租给此人"),
        "the reason"
    );
    let tenants = tenant.session().await.expect("session").account;
    assert!(
        tenants.expect("signed in").memberships.is_empty(),
        "a refused request binds nothing"
    );
    for core in [owner, family, tenant] {
        core.shutdown().await;
    }
}

#[tokio::test]
async fn an_owner_matching_the_record_is_bound_and_shown_at_once() {
    let env = Env::start().await;
    let (core, _device) = newcomer(&env, FAMILY).await;
    let communities = core.communities().await.expect("communities");
    let cuihu = communities
        .iter()
        .find(|c| c.name == "翠湖花园")
        .expect("listed");
    let rooms = core
        .rooms(cuihu.id, "1栋".into(), "1单元".into())
        .await
        .expect("rooms");
    let free = rooms.iter().find(|r| r.unit.room == "801").expect("801");
    assert_eq!(
        (free.owner_bound, free.owner_hint.as_deref()),
        (false, Some("陈*"))
    );
    let other = rooms.iter().find(|r| r.unit.room == "802").expect("802");
    let wrong = core
        .request_home(CreateHomeRequest {
            unit_id: other.unit.id,
            relation: MembershipRole::Owner,
            owner_name: Some("赵明".into()),
            ends_on: None,
        })
        .await
        .expect("asked");
    assert_eq!(
        (wrong.state, wrong.waits_for),
        (HomeRequestState::Pending, Some(Decider::Desk)),
        "another name waits for the desk"
    );
    core.cancel_home_request(wrong.id).await.expect("cancelled");
    let bound = core
        .request_home(CreateHomeRequest {
            unit_id: free.unit.id,
            relation: MembershipRole::Owner,
            owner_name: Some("陈静".into()),
            ends_on: None,
        })
        .await
        .expect("asked");
    assert_eq!(bound.state, HomeRequestState::Approved);
    let account = core
        .session()
        .await
        .expect("session")
        .account
        .expect("signed in");
    assert_eq!(
        account.current_membership_id, bound.membership_id,
        "the bound home is shown without another step"
    );
    let states: Vec<_> = core
        .home_requests()
        .await
        .expect("requests")
        .mine
        .iter()
        .map(|r| r.state)
        .collect();
    assert_eq!(
        states,
        [HomeRequestState::Approved, HomeRequestState::Cancelled],
        "both requests, newest first, with their states"
    );
    core.shutdown().await;
}
