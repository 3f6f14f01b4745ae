//! Joining a home by invitation through two cores: the owner invites a new number as family;
//! that number registers by SMS code on its own device, sees the invitation, accepts, and its
//! app shows the home and can invite visitors for it.

use crate::support::{Env, sign_in_owner};
use linli_core::Clock;
use linli_wire::ErrorCode;
use linli_wire::invitations::CreateInvitation;
use linli_wire::ipc::NewPass;
use linli_wire::me::{MembershipRole, MembershipState};

const NEW_PHONE: &str = "13900000044";

#[tokio::test]
async fn a_new_number_joins_a_home_by_the_owners_invitation() {
    let env = Env::start().await;
    let owner = env.open_core().await;
    let home = sign_in_owner(&owner).await;
    let invited = owner
        .invite(
            home.id,
            CreateInvitation {
                phone: NEW_PHONE.into(),
                role: MembershipRole::Family,
                ends_on: None,
            },
        )
        .await
        .expect("invited");
    let err = owner
        .invite(
            home.id,
            CreateInvitation {
                phone: NEW_PHONE.into(),
                role: MembershipRole::Family,
                ends_on: None,
            },
        )
        .await
        .expect_err("a second invitation of the same number");
    assert_eq!(err.code(), ErrorCode::AlreadyExists, "{err}");
    owner.shutdown().await;

    // The invitee's own device: its own data folder and token store, the same backend.
    let device = tempfile::tempdir().expect("tempdir");
    let mut config = env.config();
    config.data_dir = device.path().to_path_buf();
    let mut deps = env.deps();
    deps.tokens = std::sync::Arc::new(linli_core::MemoryTokenStore::new());
    let invitee = linli_core::Core::open(config, deps)
        .await
        .expect("the invitee's core");
    invitee
        .request_sign_in_code(NEW_PHONE)
        .await
        .expect("a code");
    let code = env.server.sms_code(NEW_PHONE).await;
    let mine = invitee
        .sign_in_with_code(NEW_PHONE, &code)
        .await
        .expect("registered");
    assert!(mine.memberships.is_empty(), "no home before accepting");
    let pending = invitee.invitations().await.expect("invitations");
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].id, invited.id);
    assert_eq!(pending[0].invited_by, "王芳");

    let joined = invitee
        .accept_invitation(invited.id)
        .await
        .expect("accepted");
    let membership = joined
        .memberships
        .iter()
        .find(|m| m.unit.id == home.unit.id)
        .expect("the home came with the next sync");
    assert_eq!(
        (membership.role, membership.state),
        (MembershipRole::Family, MembershipState::Active)
    );
    assert_eq!(
        joined.current_membership_id,
        Some(membership.id),
        "and is shown"
    );
    assert!(invitee.invitations().await.expect("invitations").is_empty());
    let now = env.clock.now();
    invitee
        .create_pass(NewPass {
            visitor_name: "刘阿姨".into(),
            visitor_phone: None,
            plate: None,
            purpose: "探亲".into(),
            valid_from: now,
            valid_until: now + chrono::Duration::hours(2),
            max_entries: 1,
            schedule: None,
        })
        .await
        .expect("family invite visitors for the home");
    invitee.sync_now().await.expect("sync");
    assert!(
        invitee
            .passes()
            .await
            .expect("passes")
            .iter()
            .any(|p| p.payload.is_some()),
        "the backend issued it"
    );
    invitee.shutdown().await;
}
