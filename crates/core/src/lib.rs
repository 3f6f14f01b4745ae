//! linli-core: all client logic of Linli, behind one facade, [`Core`].
//!
//! Every face (the Tauri shell, tests, phones later) calls only [`Core`]'s methods. The core
//! owns:
//! - auth ([`auth`]): sign in/out, single-flight token refresh, tokens in the OS keyring via
//!   [`TokenStore`];
//! - storage: `<data_dir>/app.db` (who is signed in, locale, households; never tokens) and one
//!   `<data_dir>/accounts/<user id>/cache.db` per account (memberships, notices, sync cursor,
//!   outbox);
//! - sync: the server's change feed pulled into the cache;
//! - the [`outbox`]: a durable queue of writes sent with `Idempotency-Key`s;
//! - events ([`linli_wire::ipc::CoreEvent`]) on a broadcast channel.
//!
//! Reads (`session`, `notices`, `notice`) come from local state and never need the network:
//! a resident opening the app on the metro sees their notices. Writes land locally at once and
//! go out through the outbox.
//!
//! Time, ids and the token store are injected ([`CoreDeps`]), so tests control them.

pub mod auth;
mod background;
pub mod bills;
mod deps;
pub mod documents;
mod error;
mod events;
mod http;
mod inner;
mod notices;
pub mod notify;
pub mod outbox;
pub mod passes;
pub mod photo;
mod registry;
mod secret;
pub mod share;
mod store;
mod sync;
pub mod tickets;
mod token_store;
pub mod tus;

pub use auth::{
    KEYRING_SERVICE, KeyringTokenStore, MemoryTokenStore, TokenStore, TokenStoreError, account_key,
};
pub use deps::{Clock, IdGen, Sleep, SystemClock, UuidV7Gen};
pub use error::Error;
pub use secret::{Secret, TokenPair};

use crate::events::Events;
use crate::http::{Http, check_base_url};
use crate::inner::{Account, Inner};
use crate::notices::READ_MARKS_PAYLOAD_VERSION;
use crate::outbox::OutboxKind;
use crate::store::app::AppDb;
use crate::store::cache::arrange_notices;
use linli_wire::bills::{Bill, LedgerPeriod, PaymentChannel, PaymentOrder, Receipt};
use linli_wire::ipc::{AccountView, CoreEvent, Locale, NewPass, PassView, SessionView, SyncStatus};
use linli_wire::me::MembershipState;
use linli_wire::notices::{Notice, ReadMarks};
use linli_wire::passes::CreatePass;
use linli_wire::sync::EntityKind;
use linli_wire::{BillId, MembershipId, NoticeId, PassId, PaymentOrderId, ReceiptId};
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::{Mutex, Notify, RwLock, broadcast, watch};

/// Where the core keeps its data and which backend it talks to.
#[derive(Clone, Debug)]
pub struct CoreConfig {
    /// Folder for `app.db` and `accounts/`.
    pub data_dir: PathBuf,
    /// The backend, e.g. `https://wuye.example.cn`. HTTPS unless loopback.
    pub base_url: String,
    /// PEM of an extra root CA to trust (a private or demo CA), besides the Mozilla roots
    /// compiled in (webpki-roots; the OS store is not read).
    pub extra_root_ca_pem: Option<Vec<u8>>,
    /// `User-Agent` of every request.
    pub user_agent: String,
    /// Run the background loop (sync every 30 s, on writes, probe when offline). Tests turn it
    /// off and call [`Core::sync_now`].
    pub background: bool,
    /// Where shared pictures (visitor pass cards) are saved: the OS pictures folder in the app.
    pub pictures_dir: PathBuf,
    /// Where exported documents (receipt PDFs, ledger CSV) are saved: the OS downloads folder.
    pub documents_dir: PathBuf,
    /// A font file that can write Chinese, for receipt PDFs (else a known system font).
    pub cjk_font: Option<PathBuf>,
}

impl CoreConfig {
    /// A config with no extra CA, a generic user agent and the background loop on.
    pub fn new(data_dir: impl Into<PathBuf>, base_url: impl Into<String>) -> Self {
        let data_dir = data_dir.into();
        Self {
            pictures_dir: data_dir.join("pictures"),
            documents_dir: data_dir.join("documents"),
            cjk_font: None,
            data_dir,
            base_url: base_url.into(),
            extra_root_ca_pem: None,
            user_agent: format!("Linli/{} (core)", env!("CARGO_PKG_VERSION")),
            background: true,
        }
    }
}

/// What the core takes from its surroundings.
#[derive(Clone)]
pub struct CoreDeps {
    /// The time.
    pub clock: Arc<dyn Clock>,
    /// New ids (UUIDv7).
    pub ids: Arc<dyn IdGen>,
    /// Where tokens live.
    pub tokens: Arc<dyn TokenStore>,
}

impl CoreDeps {
    /// The real ones: system clock, UUIDv7, the OS keyring.
    pub fn system() -> Result<Self, Error> {
        Ok(Self {
            clock: Arc::new(SystemClock),
            ids: Arc::new(UuidV7Gen),
            tokens: Arc::new(KeyringTokenStore::new()),
        })
    }
}

impl std::fmt::Debug for CoreDeps {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CoreDeps").finish_non_exhaustive()
    }
}

/// The client core. Cheap to clone (one `Arc`); `Send + Sync`.
#[derive(Clone)]
pub struct Core {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Core {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Core")
            .field("base_url", &self.inner.base_url)
            .field("data_dir", &self.inner.data_dir)
            .finish_non_exhaustive()
    }
}

impl Core {
    /// Opens `app.db` and the signed-in account's cache (if any) and, unless
    /// `config.background` is off, starts the background loop. Needs no network: with the
    /// backend down the signed-in account still shows.
    pub async fn open(config: CoreConfig, deps: CoreDeps) -> Result<Core, Error> {
        let base = check_base_url(&config.base_url)?;
        let authority = http::authority(&base);
        tokio::fs::create_dir_all(&config.data_dir)
            .await
            .map_err(|source| Error::Storage {
                context: format!("create the data folder {}", config.data_dir.display()),
                source: Box::new(source),
            })?;
        let app = AppDb::open(&config.data_dir.join("app.db")).await?;
        let state = app.state().await?;
        let events = Events::new();
        let http = Http::new(
            base,
            config.extra_root_ca_pem.as_deref(),
            &config.user_agent,
            state.locale,
            events.clone(),
        )?;
        let (stop, stop_rx) = watch::channel(false);
        let inner = Arc::new(Inner {
            base_url: config.base_url.clone(),
            authority,
            data_dir: config.data_dir.clone(),
            pictures_dir: config.pictures_dir.clone(),
            upload_progress: std::sync::Mutex::default(),
            documents_dir: config.documents_dir.clone(),
            cjk_font: config.cjk_font.clone(),
            clock: deps.clock,
            ids: deps.ids,
            token_store: deps.tokens,
            http,
            app,
            events,
            account: RwLock::new(None),
            session_lock: Mutex::new(()),
            sync_lock: Mutex::new(()),
            wake: Arc::new(Notify::new()),
            stop,
            background: std::sync::Mutex::new(None),
        });
        if let Some(signed_in) = state.signed_in {
            let expected = format!("{}@{}", signed_in.user_id, inner.authority);
            if signed_in.account_key == expected {
                let account = inner
                    .open_account(signed_in.user_id, signed_in.account_key)
                    .await?;
                *inner.account.write().await = Some(Arc::new(account));
            } else {
                tracing::warn!(
                    "the signed-in account belongs to another backend; showing nobody signed in"
                );
            }
        }
        if config.background {
            let task = tokio::spawn(background::run(
                Arc::downgrade(&inner),
                Arc::clone(&inner.wake),
                stop_rx,
            ));
            *inner
                .background
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(task);
        }
        Ok(Core { inner })
    }

    /// Events for the UI (connectivity, data changed, outbox, session ended).
    pub fn subscribe(&self) -> broadcast::Receiver<CoreEvent> {
        self.inner.events.subscribe()
    }

    /// Who is signed in, the locale, the backend and why the last session ended. Local only.
    pub async fn session(&self) -> Result<SessionView, Error> {
        let state = self.inner.app.state().await?;
        let current = self.inner.account.read().await.clone();
        let account = match current {
            Some(account) if !account.has_ended() => self.inner.account_view(&account).await?,
            Some(_) | None => None,
        };
        Ok(SessionView {
            account,
            locale: state.locale,
            backend_url: self.inner.base_url.clone(),
            ended_because: state.ended_because,
            notifications: state.notifications,
        })
    }

    /// Signs in with phone and password: tokens to the token store first, then `/v1/me`, the
    /// household, and a first sync (its failure does not fail the sign-in).
    pub async fn sign_in(&self, phone: &str, password: &str) -> Result<AccountView, Error> {
        self.inner.sign_in(phone, password).await
    }

    /// Signs out: server logout (best effort), the token entry deleted, the account's cache
    /// folder deleted. Signing out when nobody is signed in succeeds.
    pub async fn sign_out(&self) -> Result<(), Error> {
        self.inner.sign_out().await
    }

    /// Shows another of the resident's (active) households.
    pub async fn switch_household(&self, id: MembershipId) -> Result<AccountView, Error> {
        let account = self.inner.current_account().await?;
        let membership = account
            .cache
            .membership(id)
            .await?
            .ok_or_else(|| Error::NotFound(format!("household {id}")))?;
        if membership.state != MembershipState::Active {
            return Err(Error::MembershipRequired(format!(
                "household {id} is not active and cannot be shown"
            )));
        }
        self.inner
            .app
            .set_household(account.user_id, Some(id), self.inner.now())
            .await?;
        self.inner
            .events
            .data_changed(vec![EntityKind::Membership, EntityKind::Notice]);
        self.inner
            .account_view(&account)
            .await?
            .ok_or(Error::NotSignedIn)
    }

    /// Remembers the UI language; requests ask for it in `Accept-Language` from now on.
    pub async fn set_locale(&self, locale: Locale) -> Result<(), Error> {
        self.inner.app.set_locale(locale).await?;
        self.inner.http.set_locale(locale);
        Ok(())
    }

    /// Turns desktop notifications of ticket progress on or off (kept on this device).
    pub async fn set_notifications(&self, on: bool) -> Result<(), Error> {
        self.inner.app.set_notifications(on).await
    }

    /// Notices of the current household's community, from the cache, pending read marks
    /// projected: pinned first, then urgent, then newest. Expired notices are left out.
    pub async fn notices(&self) -> Result<Vec<Notice>, Error> {
        let account = self.inner.current_account().await?;
        let Some(community) = self.current_community(&account).await? else {
            return Ok(Vec::new());
        };
        let notices = account.cache.notices_in(community).await?;
        let marks = account.cache.pending_read_marks().await?;
        Ok(arrange_notices(notices, &marks, self.inner.now()))
    }

    /// One notice from the cache, pending read marks projected.
    pub async fn notice(&self, id: NoticeId) -> Result<Notice, Error> {
        let account = self.inner.current_account().await?;
        self.projected_notice(&account, id).await
    }

    /// Marks a notice read: shown read at once, queued for the backend. Marking a notice that
    /// is already read (or queued) changes nothing.
    pub async fn mark_notice_read(&self, id: NoticeId) -> Result<Notice, Error> {
        let account = self.inner.current_account().await?;
        let notice = self.projected_notice(&account, id).await?;
        if notice.read_at.is_some() {
            return Ok(notice);
        }
        let now = self.inner.now();
        let marks = ReadMarks {
            notice_ids: vec![id],
            read_at: now,
        };
        account
            .cache
            .enqueue(
                self.inner.ids.new_id(),
                OutboxKind::NoticeReadMarks,
                &format!("notice/{id}"),
                READ_MARKS_PAYLOAD_VERSION,
                &marks,
                now,
            )
            .await?;
        self.inner.emit_outbox(&account).await;
        self.inner.events.data_changed(vec![EntityKind::Notice]);
        self.inner.wake.notify_one();
        Ok(Notice {
            read_at: Some(now),
            ..notice
        })
    }

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
        passes::validate(&input, now)?;
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
                passes::CREATE_PASS_PAYLOAD_VERSION,
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

    /// The current household's bills as last synced (unsettled first). Works offline.
    pub async fn bills(&self) -> Result<Vec<Bill>, Error> {
        let account = self.inner.current_account().await?;
        let membership = self.inner.current_membership(&account).await?;
        account.cache.bills_of(&membership).await
    }

    /// The current household's payment orders (payment history), newest first. Offline too.
    pub async fn payment_orders(&self) -> Result<Vec<PaymentOrder>, Error> {
        let account = self.inner.current_account().await?;
        self.inner.payment_history(&account).await
    }

    /// The current household's receipts, newest first. Works offline.
    pub async fn receipts(&self) -> Result<Vec<Receipt>, Error> {
        let account = self.inner.current_account().await?;
        let membership = self.inner.current_membership(&account).await?;
        account.cache.receipts_of(&membership).await
    }

    /// The community's published fee ledger, newest period first. Works offline.
    pub async fn ledger(&self) -> Result<Vec<LedgerPeriod>, Error> {
        let account = self.inner.current_account().await?;
        let membership = self.inner.current_membership(&account).await?;
        account.cache.ledger_of(&membership).await
    }

    /// Starts paying whole bills: creates the payment order (kept before it is sent, so it is
    /// never forgotten) and returns it with the provider action. Needs the network.
    pub async fn pay(
        &self,
        bill_ids: &[BillId],
        channel: PaymentChannel,
    ) -> Result<PaymentOrder, Error> {
        let account = self.inner.current_account().await?;
        let result = self.inner.pay(&account, bill_ids, channel).await;
        self.inner.events.data_changed(vec![EntityKind::Bill]);
        result
    }

    /// A payment order as the backend has it now (the cached copy offline). Poll it while
    /// the payment is open; its outcome is the backend's, never the app's guess.
    pub async fn payment_order(&self, id: PaymentOrderId) -> Result<PaymentOrder, Error> {
        let account = self.inner.current_account().await?;
        let order = self.inner.payment_order(&account, id).await?;
        if !order.state.is_open() {
            self.inner.events.data_changed(vec![EntityKind::Bill]);
        }
        Ok(order)
    }

    /// Waits for an order's outcome, asking the backend with growing pauses until it is final
    /// or [`bills::FOLLOW_FOR`] has passed (then the order as last seen, still open).
    pub async fn follow_payment(&self, id: PaymentOrderId) -> Result<PaymentOrder, Error> {
        let account = self.inner.current_account().await?;
        let order = self.inner.follow_payment(&account, id).await?;
        if !order.state.is_open() {
            self.inner.events.data_changed(vec![EntityKind::Bill]);
        }
        Ok(order)
    }

    /// Cancels an unpaid payment order; its bills can be paid again.
    pub async fn cancel_payment(&self, id: PaymentOrderId) -> Result<PaymentOrder, Error> {
        let account = self.inner.current_account().await?;
        let order = self.inner.cancel_payment(&account, id).await?;
        self.inner.events.data_changed(vec![EntityKind::Bill]);
        Ok(order)
    }

    /// The demo provider's checkout page (HTML) of an order awaiting payment, fetched from
    /// the backend's own origin.
    pub async fn checkout_page(&self, id: PaymentOrderId) -> Result<String, Error> {
        let account = self.inner.current_account().await?;
        self.inner.checkout_page(&account, id).await
    }

    /// Sends the payer's choice from the checkout page (its form's URL, which must be the
    /// backend's `…/confirm` or `…/fail`) and returns the order afterwards.
    pub async fn checkout_action(
        &self,
        id: PaymentOrderId,
        action_url: &str,
    ) -> Result<PaymentOrder, Error> {
        let account = self.inner.current_account().await?;
        let order = self.inner.checkout_action(&account, id, action_url).await?;
        self.inner.events.data_changed(vec![EntityKind::Bill]);
        Ok(order)
    }

    /// Prepares a picked photo now (oriented, ≤ 2048 px, metadata stripped) and keeps it for a
    /// report; a photo that cannot be used gets its own `photo-*` code. Works offline.
    pub async fn prepare_photo(
        &self,
        path: &std::path::Path,
    ) -> Result<linli_wire::ipc::PhotoDraft, Error> {
        let account = self.inner.current_account().await?;
        self.inner.prepare_photo(&account, path).await
    }

    /// Prepares a photo the face read from a file the resident picked (Base64), like
    /// [`Core::prepare_photo`].
    pub async fn prepare_photo_data(
        &self,
        base64_data: &str,
    ) -> Result<linli_wire::ipc::PhotoDraft, Error> {
        use base64::Engine as _;
        let account = self.inner.current_account().await?;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(base64_data.trim())
            .map_err(|_| Error::Photo(photo::PhotoError::NotAnImage))?;
        self.inner.prepare_photo_bytes(&account, bytes).await
    }

    /// One of a ticket's photos (the resident's or a staff after-photo) as a `data:` URL: the
    /// thumbnail, or with `full` the whole photo. Kept on the device once fetched.
    pub async fn ticket_photo(&self, id: uuid::Uuid, full: bool) -> Result<String, Error> {
        let account = self.inner.current_account().await?;
        self.inner.ticket_photo(&account, id, full).await
    }

    /// A resident's step on a sent ticket: comment, cancel, confirm, reopen, rate.
    pub async fn ticket_step(
        &self,
        id: linli_wire::TicketId,
        step: linli_wire::ipc::TicketStep,
    ) -> Result<linli_wire::tickets::Ticket, Error> {
        let account = self.inner.current_account().await?;
        self.inner.ticket_step(&account, id, step).await
    }

    /// Decides for a report blocked by a refused photo: send it without, or discard it.
    pub async fn resolve_blocked_ticket(
        &self,
        id: linli_wire::TicketId,
        choice: linli_wire::ipc::BlockedChoice,
    ) -> Result<(), Error> {
        let account = self.inner.current_account().await?;
        self.inner.resolve_blocked(&account, id, choice).await
    }

    /// Queues a report with its prepared photos (sent when online: photos, then the report,
    /// each once). Returns the ticket id.
    pub async fn submit_ticket(
        &self,
        input: linli_wire::ipc::NewTicket,
    ) -> Result<linli_wire::TicketId, Error> {
        let account = self.inner.current_account().await?;
        Ok(linli_wire::TicketId(
            self.inner.submit_ticket(&account, input).await?,
        ))
    }

    /// The household's tickets: queued ones (with photo progress), then the backend's.
    pub async fn tickets(&self) -> Result<Vec<linli_wire::ipc::TicketView>, Error> {
        let account = self.inner.current_account().await?;
        self.inner.ticket_views(&account).await
    }

    /// Exports a receipt as a PDF into the documents folder; returns its path. Works offline.
    pub async fn export_receipt_pdf(&self, id: ReceiptId) -> Result<String, Error> {
        let receipt = self
            .receipts()
            .await?
            .into_iter()
            .find(|r| r.id == id)
            .ok_or_else(|| Error::NotFound(format!("receipt {id}")))?;
        let name = format!("收据-{}", receipt.number);
        let font_path = self.inner.cjk_font.clone();
        let pdf = tokio::task::spawn_blocking(move || {
            let font = documents::CjkFont::find(font_path.as_deref())?;
            documents::receipt_pdf(&receipt, &font)
        })
        .await
        .map_err(|err| Error::Internal(format!("draw the receipt: {err}")))??;
        let path = share::save_new(&self.inner.documents_dir, &name, "pdf", pdf).await?;
        Ok(path.display().to_string())
    }

    /// Exports one published ledger period as CSV into the documents folder. Works offline.
    pub async fn export_ledger_csv(&self, period: &str) -> Result<String, Error> {
        let found = self
            .ledger()
            .await?
            .into_iter()
            .find(|p| p.period == period)
            .ok_or_else(|| Error::NotFound(format!("ledger period {period}")))?;
        let csv = documents::ledger_csv(&found);
        let path = share::save_new(
            &self.inner.documents_dir,
            &format!("收支公示-{}", found.period),
            "csv",
            csv,
        )
        .await?;
        Ok(path.display().to_string())
    }

    /// Saves a picture the face drew (a PNG data URL) into the pictures folder as
    /// `<name>.png`, never replacing one that is there; returns where it went. Works offline.
    pub async fn save_picture(&self, data_url: &str, name: &str) -> Result<String, Error> {
        let card = share::ShareCard::from_data_url(data_url)?;
        let path = card.save(&self.inner.pictures_dir, name).await?;
        Ok(path.display().to_string())
    }

    /// Flushes the outbox and pulls the change feed now (pull-to-refresh). Being offline is
    /// not an error here: the status says `online: false`.
    pub async fn sync_now(&self) -> Result<SyncStatus, Error> {
        let account = self.inner.current_account().await?;
        let result = {
            let _sync = self.inner.sync_lock.lock().await;
            match self.inner.flush(&account, true, &registry::OUTBOX).await {
                Ok(()) => self.inner.pull(&account).await,
                Err(err) => Err(err),
            }
        };
        match result {
            Ok(()) | Err(Error::Offline(_)) => Ok(self.status().await),
            Err(err) => Err(err),
        }
    }

    /// Connectivity and the outbox at a glance (zeros when nobody is signed in).
    pub async fn status(&self) -> SyncStatus {
        let mut status = SyncStatus {
            online: self.inner.http.is_online(),
            last_synced_at: None,
            outbox_pending: 0,
            outbox_rejected: 0,
        };
        if let Ok(account) = self.inner.current_account().await {
            match account.cache.outbox_counts().await {
                Ok(counts) => {
                    status.outbox_pending = counts.pending;
                    status.outbox_rejected = counts.rejected;
                }
                Err(err) => tracing::warn!("cannot count the outbox: {err}"),
            }
            status.last_synced_at = account.cache.last_synced_at().await.unwrap_or_default();
        }
        status
    }

    /// Stops the background loop and closes the databases. Other calls fail afterwards.
    pub async fn shutdown(&self) {
        let _ = self.inner.stop.send(true);
        let task = self
            .inner
            .background
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        if let Some(task) = task
            && let Err(err) = task.await
        {
            tracing::warn!("the background loop ended badly: {err}");
        }
        let _sync = self.inner.sync_lock.lock().await;
        if let Some(account) = self.inner.account.read().await.clone() {
            account.cache.close().await;
        }
        self.inner.app.close().await;
    }

    async fn current_community(
        &self,
        account: &Account,
    ) -> Result<Option<linli_wire::CommunityId>, Error> {
        let Some(chosen) = self.inner.app.household(account.user_id).await? else {
            return Ok(None);
        };
        Ok(account
            .cache
            .membership(chosen)
            .await?
            .map(|membership| membership.community.id))
    }

    async fn projected_notice(&self, account: &Account, id: NoticeId) -> Result<Notice, Error> {
        let mut notice = account
            .cache
            .notice(id)
            .await?
            .ok_or_else(|| Error::NotFound(format!("notice {id}")))?;
        let marks = account.cache.pending_read_marks().await?;
        store::cache::project_read_marks(&mut notice, &marks);
        Ok(notice)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use linli_wire::ErrorCode;

    fn assert_send_sync<T: Send + Sync + Clone>() {}

    #[test]
    fn core_is_send_sync_and_clone() {
        assert_send_sync::<Core>();
    }

    fn deps() -> CoreDeps {
        CoreDeps {
            clock: Arc::new(SystemClock),
            ids: Arc::new(UuidV7Gen),
            tokens: Arc::new(MemoryTokenStore::new()),
        }
    }

    #[tokio::test]
    async fn insecure_backend_is_refused_at_open() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut config = CoreConfig::new(dir.path(), "http://wuye.example.cn");
        config.background = false;
        let err = Core::open(config, deps()).await.expect_err("plain http");
        assert_eq!(err.code(), ErrorCode::InsecureUrl);
    }

    #[tokio::test]
    async fn fresh_core_is_signed_out_and_works_without_network() {
        let dir = tempfile::tempdir().expect("tempdir");
        // Port 9 (discard) on loopback: nothing listens, every request is refused.
        let mut config = CoreConfig::new(dir.path(), "http://127.0.0.1:9");
        config.background = false;
        let core = Core::open(config, deps()).await.expect("open");
        let session = core.session().await.expect("session needs no network");
        assert_eq!(session.account, None);
        assert_eq!(session.locale, Locale::ZhCn);
        assert_eq!(
            core.notices().await.expect_err("signed out").code(),
            ErrorCode::NotSignedIn
        );
        assert_eq!(
            core.sync_now().await.expect_err("signed out").code(),
            ErrorCode::NotSignedIn
        );
        core.set_locale(Locale::En).await.expect("locale");
        core.sign_out().await.expect("signing out twice is fine");

        let mut events = core.subscribe();
        let err = core
            .sign_in("13800000001", "demo1234")
            .await
            .expect_err("down");
        assert_eq!(
            err.code(),
            ErrorCode::Offline,
            "connection refused is offline: {err}"
        );
        assert_eq!(
            events.try_recv().expect("an event"),
            CoreEvent::Connectivity { online: false }
        );
        assert!(!core.status().await.online);
        core.shutdown().await;

        let mut config = CoreConfig::new(dir.path(), "http://127.0.0.1:9");
        config.background = false;
        let core = Core::open(config, deps()).await.expect("reopen");
        assert_eq!(
            core.session().await.expect("session").locale,
            Locale::En,
            "the locale is remembered in app.db"
        );
        core.shutdown().await;
    }
}
