//! Binding a home: walking the backend's directory (community → building → entrance → room,
//! online, one level per call), asking to bind a room as owner, family or tenant, cancelling
//! a pending request, and deciding the requests that wait for the resident as a room's owner.
//!
//! Every answer is the backend's (whether an owner is bound at once, who decides): the core
//! only sends and shows. Both lists of requests are pulled whole on each sync ([`HomesPull`])
//! and kept in the cache, so the app shows them offline; comparing them before and after a
//! pull announces outcomes (approved, refused) and new requests to decide as notifications
//! ([`crate::notify::home_request_notices`]). An approval's membership reaches the app through
//! the change feed like any other; after its own approval the core syncs and shows that home.
//! Uses the session (`auth`) and `notify`.

pub(crate) mod cache;

use crate::Core;
use crate::error::Error;
use crate::http::Call;
use crate::inner::{Account, Inner};
use crate::sync::Pull;
use futures::future::BoxFuture;
use linli_wire::homes::{
    CreateHomeRequest, DirectoryRoom, HomeRequest, HomeRequestList, HomeRequestState, NameList,
    Refusal, RoomList,
};
use linli_wire::ipc::{CoreEvent, HomeRequestsView};
use linli_wire::join::CommunityList;
use linli_wire::me::Community;
use linli_wire::sync::EntityKind;
use linli_wire::{CommunityId, HomeRequestId};

/// `GET /v1/home-requests` and `/to-decide`, replacing the cached lists and announcing what
/// was decided and what waits for the resident.
pub(crate) struct HomesPull;

impl Pull for HomesPull {
    fn kind(&self) -> EntityKind {
        EntityKind::HomeRequest
    }

    fn stale_on(&self) -> Option<EntityKind> {
        Some(EntityKind::HomeRequest)
    }

    fn pull<'a>(
        &'a self,
        inner: &'a Inner,
        account: &'a Account,
    ) -> BoxFuture<'a, Result<bool, Error>> {
        Box::pin(inner.pull_home_requests(account))
    }
}

impl Inner {
    async fn fetch_home_requests(&self, account: &Account) -> Result<HomeRequestsView, Error> {
        let mine: HomeRequestList = self
            .get_kept_json(account, Call::get("/v1/home-requests"), "the home requests")
            .await?;
        let to_decide: HomeRequestList = self
            .get_kept_json(
                account,
                Call::get("/v1/home-requests/to-decide"),
                "the home requests to decide",
            )
            .await?;
        Ok(HomeRequestsView {
            mine: mine.items,
            to_decide: to_decide.items,
        })
    }

    pub(crate) async fn pull_home_requests(&self, account: &Account) -> Result<bool, Error> {
        let now = self.fetch_home_requests(account).await?;
        let (before, changed) = account.cache.replace_home_requests(&now).await?;
        // Announced once stored (as tickets are); the first pull on a device is history.
        let wanted = self.app.state().await?.notifications;
        if let (Some(before), true) = (before, wanted) {
            for notice in crate::notify::home_request_notices(&before, &now, self.http.locale()) {
                self.events.emit(CoreEvent::Notification {
                    title: notice.title,
                    body: notice.body,
                    ticket_id: None,
                });
            }
        }
        Ok(changed)
    }
}

impl Core {
    /// The communities the backend serves (needs the network).
    pub async fn communities(&self) -> Result<Vec<Community>, Error> {
        let account = self.inner.current_account().await?;
        let reply = self
            .inner
            .authed(&account, &Call::get("/v1/communities"))
            .await?;
        Ok(reply.json::<CommunityList>("the communities")?.items)
    }

    /// The buildings of a community, in counting order.
    pub async fn buildings(&self, community: CommunityId) -> Result<Vec<String>, Error> {
        let account = self.inner.current_account().await?;
        let call = Call::get(format!("/v1/communities/{}/buildings", community.0));
        let reply = self.inner.authed(&account, &call).await?;
        Ok(reply.json::<NameList>("the buildings")?.items)
    }

    /// The entrances (单元) of a building; `[""]` for a building with one.
    pub async fn entrances(
        &self,
        community: CommunityId,
        building: String,
    ) -> Result<Vec<String>, Error> {
        let account = self.inner.current_account().await?;
        let call = Call::get(format!("/v1/communities/{}/entrances", community.0))
            .query("building", building);
        let reply = self.inner.authed(&account, &call).await?;
        Ok(reply.json::<NameList>("the entrances")?.items)
    }

    /// The rooms of an entrance, each with whether an owner is bound and the owner hint.
    pub async fn rooms(
        &self,
        community: CommunityId,
        building: String,
        entrance: String,
    ) -> Result<Vec<DirectoryRoom>, Error> {
        let account = self.inner.current_account().await?;
        let call = Call::get(format!("/v1/communities/{}/rooms", community.0))
            .query("building", building)
            .query("entrance", entrance);
        let reply = self.inner.authed(&account, &call).await?;
        Ok(reply.json::<RoomList>("the rooms")?.items)
    }

    /// Asks to bind a room (needs the network). When the backend binds it at once, the core
    /// syncs and shows that home before answering.
    pub async fn request_home(&self, input: CreateHomeRequest) -> Result<HomeRequest, Error> {
        let account = self.inner.current_account().await?;
        let call = Call::post("/v1/home-requests", &input)?.idempotent(self.inner.ids.new_id());
        let made: HomeRequest = self
            .inner
            .authed(&account, &call)
            .await?
            .json("the home request")?;
        self.after_request(&made).await?;
        Ok(made)
    }

    /// After a request changed: sync (the lists, and a new membership), then show the home an
    /// approval of the resident's own request made.
    async fn after_request(&self, request: &HomeRequest) -> Result<(), Error> {
        // The backend has decided; a sync that fails now (offline) is retried by the
        // background loop, and must not report the request itself as failed.
        if let Err(err) = self.sync_now().await {
            tracing::warn!(code = %err.code(), "sync after a home request");
        }
        let account = self.inner.current_account().await?;
        let mine = account.cache.home_requests().await?.mine;
        if let Some(membership) = request.membership_id.filter(|_| {
            request.state == HomeRequestState::Approved && mine.iter().any(|r| r.id == request.id)
        }) {
            self.switch_household(membership).await?;
        }
        Ok(())
    }

    /// The resident's home requests and those waiting for them, as last synced (offline too).
    pub async fn home_requests(&self) -> Result<HomeRequestsView, Error> {
        let account = self.inner.current_account().await?;
        account.cache.home_requests().await
    }

    /// Withdraws the resident's pending request.
    pub async fn cancel_home_request(&self, id: HomeRequestId) -> Result<HomeRequest, Error> {
        self.home_request_step(id, "cancel", None).await
    }

    /// Approves, as the room's owner, a family or tenant request.
    pub async fn approve_home_request(&self, id: HomeRequestId) -> Result<HomeRequest, Error> {
        self.home_request_step(id, "approve", None).await
    }

    /// Refuses, as the room's owner, a family or tenant request, saying why.
    pub async fn refuse_home_request(
        &self,
        id: HomeRequestId,
        reason: String,
    ) -> Result<HomeRequest, Error> {
        self.home_request_step(id, "refuse", Some(Refusal { reason }))
            .await
    }

    async fn home_request_step(
        &self,
        id: HomeRequestId,
        step: &str,
        body: Option<Refusal>,
    ) -> Result<HomeRequest, Error> {
        let account = self.inner.current_account().await?;
        let path = format!("/v1/home-requests/{}/{step}", id.0);
        let call = match body {
            Some(body) => Call::post(path, &body)?,
            None => Call::post_empty(path),
        };
        let done: HomeRequest = self
            .inner
            .authed(&account, &call)
            .await?
            .json("the home request")?;
        self.after_request(&done).await?;
        Ok(done)
    }
}
