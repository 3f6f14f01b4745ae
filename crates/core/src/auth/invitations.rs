//! Invitations into a home, online only (each answer is the backend's to give): the owner
//! invites by phone; the invitee lists what is addressed to them, and accepts (then a sync
//! brings the new home, which is shown) or declines.

use crate::Core;
use crate::error::Error;
use crate::http::Call;
use linli_wire::invitations::{CreateInvitation, Invitation, InvitationList};
use linli_wire::ipc::AccountView;
use linli_wire::{InvitationId, MembershipId};

impl Core {
    /// Invites someone into the home of `membership` (the resident must be its owner).
    pub async fn invite(
        &self,
        membership: MembershipId,
        input: CreateInvitation,
    ) -> Result<Invitation, Error> {
        let account = self.inner.current_account().await?;
        let path = format!("/v1/memberships/{}/invitations", membership.0);
        let call = Call::post(path, &input)?.idempotent(self.inner.ids.new_id());
        self.inner
            .authed(&account, &call)
            .await?
            .json("the invitation")
    }

    /// The pending invitations addressed to the resident's number.
    pub async fn invitations(&self) -> Result<Vec<Invitation>, Error> {
        let account = self.inner.current_account().await?;
        let reply = self
            .inner
            .authed(&account, &Call::get("/v1/invitations"))
            .await?;
        Ok(reply.json::<InvitationList>("the invitations")?.items)
    }

    /// Accepts an invitation; the new home is shown after the sync that follows.
    pub async fn accept_invitation(&self, id: InvitationId) -> Result<AccountView, Error> {
        let account = self.inner.current_account().await?;
        let call = Call::post_empty(format!("/v1/invitations/{}/accept", id.0));
        let joined: linli_wire::me::Membership = self
            .inner
            .authed(&account, &call)
            .await?
            .json("the new home")?;
        self.sync_now().await?;
        self.switch_household(joined.id).await
    }

    /// Declines an invitation.
    pub async fn decline_invitation(&self, id: InvitationId) -> Result<(), Error> {
        let account = self.inner.current_account().await?;
        let call = Call::post_empty(format!("/v1/invitations/{}/decline", id.0));
        self.inner.authed(&account, &call).await?;
        Ok(())
    }
}
