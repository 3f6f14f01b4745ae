//! Joining a community (加入小区): choosing the backend the core talks to.
//!
//! - A join link (`linli_wire::join`) names the backend, the community and optionally a pin.
//!   [`Core::preview_join`] asks that backend, with a client of its own, for the community
//!   (`GET /v1/communities/{id}`, no token): with a pin, the backend's own certificate or a CA
//!   in its chain must have the pin as SHA-256 (`crate::pin`: a pinned leaf is checked for its
//!   dates and host name, a chain is verified against a pinned CA); without one, the public
//!   roots only. A mismatch is `pin-mismatch`, an untrusted chain without a pin (or a pinned
//!   leaf that is expired or names another host) is `tls-error`, a community the backend does
//!   not have is `not-found`; nothing is kept in any of these.
//! - [`Core::join`] does the same and then keeps the choice in `app.db` (URL, the pinned
//!   certificate and its kind, the community) and switches the core's HTTP client to it,
//!   without a restart. The core opens on the kept choice from then on, with the same trust:
//!   a pinned CA as an extra root, a pinned leaf as the only certificate accepted.
//! - [`Core::leave_backend`] forgets the choice (switching community), only while nobody is
//!   signed in: an account's tokens and cache belong to one backend.
//! - A backend given by the app's configuration (`CoreConfig::base_url`) is fixed: joining and
//!   leaving are refused (`invalid-transition`) and the session says `can_switch: false`.
//! - [`Core::read_join_qr`] finds the join link in a picture of its QR code ([`qr`]);
//!   [`Core::preview_address`] lists an address typed by hand (advanced: no pin, so only a
//!   backend with a public certificate) as previews with links made for them.
//!
//! Uses the session (`auth`) only to know whether someone is signed in.

mod qr;

use crate::Core;
use crate::error::Error;
use crate::http::{Backend, Call, Trust, check_base_url, client_builder};
use crate::pin::{self, Pinned};
use crate::store::app::ChosenBackend;
use linli_wire::join::{BackendView, CommunityList, JoinLink, JoinPreview};
use linli_wire::me::Community;

/// A join link checked against its backend: the community and the certificate its pin matched.
struct Checked {
    link: JoinLink,
    community: Community,
    pinned: Option<Pinned>,
}

impl Core {
    /// Reads a join link and asks its backend for the community, checking the pin; keeps
    /// nothing.
    pub async fn preview_join(&self, link: &str) -> Result<JoinPreview, Error> {
        let checked = self.check_join_link(link).await?;
        Ok(preview(&checked))
    }

    /// Joins the community of a join link: checked as [`Core::preview_join`], then kept in
    /// `app.db` and used from now on. Nobody may be signed in (sign out first).
    pub async fn join(&self, link: &str) -> Result<JoinPreview, Error> {
        let _session = self.inner.session_lock.lock().await;
        self.may_switch().await?;
        let checked = self.check_join_link(link).await?;
        let base = check_base_url(&checked.link.backend_url())?;
        let trust = checked
            .pinned
            .as_ref()
            .map_or(Trust::PublicRoots, Trust::Pinned);
        let backend = Backend::new(base, trust, &self.inner.user_agent)?;
        let chosen = ChosenBackend {
            url: checked.link.backend_url(),
            pinned: checked.pinned.clone(),
            community_id: checked.community.id,
            community_name: checked.community.name.clone(),
        };
        self.inner
            .app
            .set_backend(Some(&chosen), self.inner.now())
            .await?;
        self.inner.http.set_backend(Some(backend));
        tracing::info!(
            backend = %chosen.url,
            pinned = chosen.pinned.as_ref().map_or("no", Pinned::kind),
            "joined a community"
        );
        Ok(preview(&checked))
    }

    /// Forgets the chosen backend, so the resident can join another community. Nobody may be
    /// signed in.
    pub async fn leave_backend(&self) -> Result<(), Error> {
        let _session = self.inner.session_lock.lock().await;
        self.may_switch().await?;
        self.inner.app.set_backend(None, self.inner.now()).await?;
        self.inner.http.set_backend(None);
        Ok(())
    }

    /// The join link in a picture of its QR code (JPEG, PNG or WebP bytes), as text for
    /// [`Core::preview_join`]. Reads only the picture.
    pub async fn read_join_qr(&self, picture: Vec<u8>) -> Result<String, Error> {
        let link = tokio::task::spawn_blocking(move || qr::read_join_qr(&picture))
            .await
            .map_err(|err| Error::Internal(format!("the QR reader stopped: {err}")))??;
        Ok(link.to_string())
    }

    /// [`Core::read_join_qr`] of a picture the UI read from a picked file (Base64).
    pub async fn read_join_qr_data(&self, base64_data: &str) -> Result<String, Error> {
        use base64::Engine as _;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(base64_data.trim())
            .map_err(|_| Error::Photo(crate::error::PhotoError::NotAnImage))?;
        self.read_join_qr(bytes).await
    }

    /// The communities of a backend typed by hand (https, public certificate), each with a
    /// join link made for it.
    pub async fn preview_address(&self, address: &str) -> Result<Vec<JoinPreview>, Error> {
        let base = check_base_url(address.trim())?;
        if base.scheme() != "https" {
            return Err(Error::InsecureUrl(address.to_owned()));
        }
        let probe = Backend::new(base.clone(), Trust::PublicRoots, &self.inner.user_agent)?;
        let list: CommunityList = self
            .inner
            .http
            .send_to(
                &probe,
                &Call::get("/v1/communities"),
                None,
                self.inner.now(),
            )
            .await?
            .json("the community list")?;
        Ok(list
            .items
            .into_iter()
            .map(|community| {
                let link = JoinLink {
                    backend: base.clone(),
                    community_id: community.id,
                    community_name: Some(community.name.clone()),
                    pin: None,
                };
                let checked = Checked {
                    link,
                    community,
                    pinned: None,
                };
                preview(&checked)
            })
            .collect())
    }

    /// The backend as the session shows it (`None` before joining).
    pub(crate) async fn backend_view(&self, signed_in: bool) -> Result<Option<BackendView>, Error> {
        let Ok(backend) = self.inner.http.backend() else {
            return Ok(None);
        };
        let chosen = if self.inner.fixed_backend {
            None
        } else {
            self.inner.app.backend().await?
        };
        Ok(Some(BackendView {
            url: backend.base.as_str().trim_end_matches('/').to_owned(),
            community_id: chosen.as_ref().map(|c| c.community_id),
            pinned: chosen.as_ref().is_some_and(|c| c.pinned.is_some()),
            community_name: chosen.map(|c| c.community_name),
            can_switch: !self.inner.fixed_backend && !signed_in,
        }))
    }

    async fn may_switch(&self) -> Result<(), Error> {
        if self.inner.fixed_backend {
            return Err(Error::NotNow(
                "the backend is fixed by the app's configuration (LINLI_BACKEND_URL)".to_owned(),
            ));
        }
        if self.inner.current_account().await.is_ok() {
            return Err(Error::NotNow(
                "sign out before joining another community".to_owned(),
            ));
        }
        Ok(())
    }

    async fn check_join_link(&self, text: &str) -> Result<Checked, Error> {
        let link = JoinLink::parse(text).map_err(Error::JoinLink)?;
        let base = check_base_url(&link.backend_url())?;
        let (probe, seen) = match link.pin {
            Some(pin) => {
                let (config, seen) = pin::probe_config(pin)
                    .map_err(|err| Error::Internal(format!("the pinning TLS setup: {err}")))?;
                let client = client_builder(&self.inner.user_agent)
                    .use_preconfigured_tls(config)
                    .build()
                    .map_err(|err| Error::Internal(format!("cannot build the probe: {err}")))?;
                (Backend::with_client(base, client), Some(seen))
            }
            None => (
                Backend::new(base, Trust::PublicRoots, &self.inner.user_agent)?,
                None,
            ),
        };
        let call = Call::get(format!("/v1/communities/{}", link.community_id));
        let answer = self
            .inner
            .http
            .send_to(&probe, &call, None, self.inner.now())
            .await;
        let seen = seen.map(|seen| {
            std::mem::take(
                &mut *seen
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner),
            )
        });
        let reply = match answer {
            Ok(reply) => reply,
            Err(Error::Tls(why)) if seen.as_ref().is_some_and(|s| s.mismatch) => {
                return Err(Error::PinMismatch(why));
            }
            Err(err) => return Err(err),
        };
        let community: Community = reply.json("the community")?;
        if community.id != link.community_id {
            return Err(Error::BadResponse(
                "the backend described another community".to_owned(),
            ));
        }
        let pinned = match seen {
            Some(seen) => Some(seen.matched.ok_or_else(|| {
                Error::Internal("the pinned certificate was not recorded".to_owned())
            })?),
            None => None,
        };
        Ok(Checked {
            link,
            community,
            pinned,
        })
    }
}

fn preview(checked: &Checked) -> JoinPreview {
    JoinPreview {
        link: checked.link.to_string(),
        backend_url: checked.link.backend_url(),
        community: checked.community.clone(),
        pinned: checked.pinned.is_some(),
    }
}
