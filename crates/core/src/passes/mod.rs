//! Visitor passes on the device.
//!
//! Issued passes are cached (`passes` table, replaced from `GET /v1/passes` on each sync), so
//! a pass shows, QR and all, with no network: the gate verifies it offline too. A pass written
//! offline is an outbox item (`create_pass`, its id the pass id, sent with an Idempotency-Key)
//! and shows as `pending` ("will be issued when online") until the backend issues it; a refused
//! one shows as `rejected` with the code. Revoking needs the network (the backend must tell the
//! gates) and says so plainly when it is missing.
//!
//! The QR is drawn here, in Rust, at error correction M, so the same code that tests decode it
//! draws what the resident shows at the gate.
//!
//! Uses the session's current household ([`crate::auth`]).

mod cache;
pub(crate) use cache::PassesFeed;
pub(crate) mod outbox;
mod rules;

pub(crate) use outbox::CreatePassKind;
pub use rules::{qr_png, qr_version};

use crate::Core;
use crate::error::{Error, StorageContext};
use crate::http::Call;
use crate::inner::{Account, Inner};
use crate::outbox::OutboxKind;
use crate::sync::Pull;
use base64::Engine;
use futures::future::BoxFuture;
use linli_wire::ipc::{NewPass, PassView};
use linli_wire::passes::{CreatePass, PassList, VisitorPass};
use linli_wire::sync::EntityKind;
use linli_wire::{MembershipId, PassId};
use rules::{view_of, view_of_queued};

/// `GET /v1/passes`, replacing the cached passes.
pub(crate) struct PassesPull;

impl Pull for PassesPull {
    fn kind(&self) -> EntityKind {
        EntityKind::Pass
    }

    fn pull<'a>(
        &'a self,
        inner: &'a Inner,
        account: &'a Account,
    ) -> BoxFuture<'a, Result<bool, Error>> {
        Box::pin(inner.pull_passes(account))
    }
}

impl Core {
    /// The current household's visitor passes: queued ones first, then issued ones, newest
    /// first. Works offline.
    pub async fn passes(&self) -> Result<Vec<PassView>, Error> {
        let account = self.inner.current_account().await?;
        let Some(membership) = self.inner.app.household(account.user_id).await? else {
            return Ok(Vec::new());
        };
        self.inner.pass_views(&account, membership).await
    }

    /// Invites a visitor for the current household: queued at once (shown as pending, "will
    /// be issued when online"), issued by the backend when the outbox reaches it.
    pub async fn create_pass(&self, input: NewPass) -> Result<PassView, Error> {
        let account = self.inner.current_account().await?;
        let now = self.inner.now();
        rules::validate(&input, now)?;
        let membership = self
            .inner
            .app
            .household(account.user_id)
            .await?
            .ok_or_else(|| Error::MembershipRequired("choose a household first".into()))?;
        let id = PassId(self.inner.ids.new_id());
        let request = CreatePass {
            id,
            membership_id: membership,
            visitor_name: input.visitor_name.trim().to_owned(),
            visitor_phone: input.visitor_phone.filter(|p| !p.trim().is_empty()),
            plate: input.plate.filter(|p| !p.trim().is_empty()),
            purpose: input.purpose.trim().to_owned(),
            valid_from: input.valid_from,
            valid_until: input.valid_until,
            max_entries: input.max_entries,
            schedule: input.schedule,
        };
        account
            .cache
            .enqueue(
                id.0,
                OutboxKind::CreatePass,
                &format!("pass/{id}"),
                outbox::CREATE_PASS_PAYLOAD_VERSION,
                &request,
                now,
            )
            .await?;
        self.inner.emit_outbox(&account).await;
        self.inner.events.data_changed(vec![EntityKind::Pass]);
        self.inner.wake.notify_one();
        self.inner
            .pass_views(&account, membership)
            .await?
            .into_iter()
            .find(|view| view.id == id)
            .ok_or_else(|| Error::Internal("the queued pass vanished".into()))
    }

    /// Revokes an issued pass. Needs the network: the backend tells the gates.
    pub async fn revoke_pass(&self, id: PassId) -> Result<PassView, Error> {
        let account = self.inner.current_account().await?;
        let view = self.inner.revoke_pass(&account, id).await?;
        self.inner.events.data_changed(vec![EntityKind::Pass]);
        Ok(view)
    }

    /// The QR code of an issued pass as a PNG data URL (drawn here, works offline).
    pub async fn pass_qr(&self, id: PassId) -> Result<String, Error> {
        let account = self.inner.current_account().await?;
        self.inner.pass_qr(&account, id).await
    }
}

impl Inner {
    /// Refreshes the cached passes from the backend; true when they changed.
    pub(crate) async fn pull_passes(&self, account: &Account) -> Result<bool, Error> {
        let list: PassList = self
            .get_kept_json(account, Call::get("/v1/passes"), "the pass list")
            .await?;
        account.cache.replace_passes(&list.items).await
    }

    /// The household's passes: issued ones from the cache and queued ones from the outbox.
    pub(crate) async fn pass_views(
        &self,
        account: &Account,
        membership: MembershipId,
    ) -> Result<Vec<PassView>, Error> {
        let now = self.now();
        let issued = account.cache.passes_of(membership).await?;
        let mut views: Vec<PassView> = Vec::new();
        for (request, state, code) in account.cache.queued_passes().await?.into_iter().rev() {
            if request.membership_id == membership && !issued.iter().any(|p| p.id == request.id) {
                views.push(view_of_queued(&request, state, code));
            }
        }
        views.extend(issued.iter().map(|pass| view_of(pass, now)));
        Ok(views)
    }

    /// Revokes a pass online and caches the answer.
    pub(crate) async fn revoke_pass(
        &self,
        account: &Account,
        id: PassId,
    ) -> Result<PassView, Error> {
        let call = Call::post_empty(format!("/v1/passes/{id}/revoke"));
        let reply = self.authed(account, &call).await?;
        let pass: VisitorPass = reply.json("the revoked pass")?;
        account.cache.upsert_pass(&pass).await?;
        Ok(view_of(&pass, self.now()))
    }

    /// The PNG data URL of an issued pass's QR code.
    pub(crate) async fn pass_qr(&self, account: &Account, id: PassId) -> Result<String, Error> {
        let pass: Option<String> = sqlx::query_scalar("SELECT data FROM passes WHERE id = ?")
            .bind(id.to_string())
            .fetch_optional(&account.cache.pool)
            .await
            .storage("read a pass")?;
        let pass: VisitorPass = pass
            .and_then(|json| serde_json::from_str(&json).ok())
            .ok_or_else(|| Error::NotFound(format!("pass {id}")))?;
        let png = qr_png(&pass.credential.payload)?;
        Ok(format!(
            "data:image/png;base64,{}",
            base64::engine::general_purpose::STANDARD.encode(png)
        ))
    }
}
