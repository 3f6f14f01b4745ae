//! A home's members, online only (the backend decides who sees and removes whom; each
//! member's `removable` is its answer): the list, and the owner removing a family member or
//! tenant. The removed member's own app learns it through the change feed and forgets the
//! home's data at its next sync (`crate::sync`'s homes' data).

use crate::Core;
use crate::error::Error;
use crate::http::Call;
use linli_wire::MembershipId;
use linli_wire::me::{HomeMember, HomeMemberList};

impl Core {
    /// The active members of the home of `membership`.
    pub async fn home_members(&self, membership: MembershipId) -> Result<Vec<HomeMember>, Error> {
        let account = self.inner.current_account().await?;
        let path = format!("/v1/memberships/{}/members", membership.0);
        let reply = self.inner.authed(&account, &Call::get(path)).await?;
        Ok(reply.json::<HomeMemberList>("the home's members")?.items)
    }

    /// Removes `member` from the home of `membership`; answers the members afterwards.
    pub async fn remove_member(
        &self,
        membership: MembershipId,
        member: MembershipId,
    ) -> Result<Vec<HomeMember>, Error> {
        let account = self.inner.current_account().await?;
        let path = format!("/v1/memberships/{}/members/{}", membership.0, member.0);
        self.inner.authed(&account, &Call::delete(path)).await?;
        self.home_members(membership).await
    }
}
