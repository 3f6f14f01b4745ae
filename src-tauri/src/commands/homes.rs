//! Commands of binding a home: the backend's directory, the resident's home requests, and
//! the decisions of a room's owner.

use linli_core::Core;
use linli_wire::homes::{CreateHomeRequest, DirectoryRoom, HomeRequest};
use linli_wire::ipc::HomeRequestsView;
use linli_wire::me::Community;
use linli_wire::{CommunityId, HomeRequestId};
use tauri::State;

commands! {
    /// The communities the backend serves (needs the network).
    fn communities(core: State<'_, Core>) -> Vec<Community> {
        core.communities().await
    }

    /// The buildings of a community, in counting order.
    fn buildings(core: State<'_, Core>, community: CommunityId) -> Vec<String> {
        core.buildings(community).await
    }

    /// The entrances (单元) of a building; `[""]` for a building with one.
    fn entrances(core: State<'_, Core>, community: CommunityId, building: String) -> Vec<String> {
        core.entrances(community, building).await
    }

    /// The rooms of an entrance, with whether an owner is bound and the owner hint (王*).
    fn rooms(core: State<'_, Core>, community: CommunityId, building: String, entrance: String) -> Vec<DirectoryRoom> {
        core.rooms(community, building, entrance).await
    }

    /// Asks to bind a room; a home the backend binds at once is shown.
    fn request_home(core: State<'_, Core>, input: CreateHomeRequest) -> HomeRequest {
        core.request_home(input).await
    }

    /// The resident's home requests and those waiting for them (as last synced).
    fn home_requests(core: State<'_, Core>) -> HomeRequestsView {
        core.home_requests().await
    }

    /// Withdraws a pending home request.
    fn cancel_home_request(core: State<'_, Core>, id: HomeRequestId) -> HomeRequest {
        core.cancel_home_request(id).await
    }

    /// Approves, as the room's owner, a family or tenant request.
    fn approve_home_request(core: State<'_, Core>, id: HomeRequestId) -> HomeRequest {
        core.approve_home_request(id).await
    }

    /// Refuses, as the room's owner, a family or tenant request, saying why.
    fn refuse_home_request(core: State<'_, Core>, id: HomeRequestId, reason: String) -> HomeRequest {
        core.refuse_home_request(id, reason).await
    }
}
