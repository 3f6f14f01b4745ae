//! linli-gate: the verifier a gate runs, with or without network.
//!
//! A [`Gate`] keeps its state in one SQLite file: the backend's address and the gate's token
//! (a device credential; gates have no user keyring), the community's public keys, the passes
//! revoked so far, and the entries it let in. [`Gate::sync`] refreshes keys and revocations
//! (a delta since the last sync) and uploads entries not yet acknowledged; when the backend is
//! unreachable the gate keeps working from what it has. [`Gate::scan`] verifies a scanned
//! payload offline (linli-pass: signature, community, window with clock skew, revocation,
//! gate group, entries used here) and, when it opens, records the entry for upload.
//!
//! Limit, by design: several offline gates of one group cannot see each other's entries until
//! they sync, so a pass may be used up to `max_entries` times at each such gate meanwhile.
//! Reconciling: the backend counts uploaded entries up to `max_entries` and answers the rest
//! as refused (`pass-used-up`, …); they are marked sent all the same (the visitors are in) and
//! counted in [`SyncReport::refused`]. Entries this gate did not see are not fetched back.

use anyhow::Context;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use linli_pass::{GateContext, KeySet, Rejection, Verified};
use linli_wire::passes::{
    CodeLookup, GateEntries, GateEntriesOutcome, GateEntry, GateKeySet, RevocationDelta,
};
use linli_wire::{EntryId, PassId};
use serde::Serialize;
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode};
use std::collections::HashSet;
use std::path::Path;
use std::time::Duration;
use uuid::Uuid;

/// Default tolerated clock difference between gate and backend.
pub const DEFAULT_SKEW_S: i64 = 300;

/// How the gate reaches its backend.
#[derive(Clone, Debug)]
pub struct Enrolment {
    /// `https://…`.
    pub server: String,
    /// Extra CA to trust (PEM), e.g. the reference backend's demo CA.
    pub ca_pem: Option<String>,
    /// The gate's token.
    pub token: String,
    /// The gate's group (`pedestrian`, `vehicle`).
    pub group: String,
}

/// What a sync did.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct SyncReport {
    /// Keys now trusted.
    pub keys: usize,
    /// Passes newly revoked.
    pub newly_revoked: usize,
    /// Entries uploaded.
    pub uploaded: usize,
    /// Of those, entries the backend did not count (another group, outside the pass's window,
    /// revoked meanwhile, or past `max_entries` across this group's offline gates).
    pub refused: usize,
}

/// The answer to a scan, as the gate shows it.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum ScanOutcome {
    /// Open the gate.
    Accepted {
        /// The pass.
        pass_id: Uuid,
        /// For the guard to compare with the visitor.
        initials: String,
        /// Entries left at this gate group after this one.
        entries_left: u32,
    },
    /// Keep it closed, and why.
    Rejected {
        /// `expired`, `not_yet_valid`, `revoked`, `used_up`, `bad_signature`, `unknown_key`,
        /// `wrong_gate`, `wrong_community`, `outside_schedule`, `malformed`.
        reason: String,
        /// Readable explanation.
        detail: String,
    },
}

fn reason(rejection: &Rejection) -> &'static str {
    match rejection {
        Rejection::Malformed(_) => "malformed",
        Rejection::UnknownKey => "unknown_key",
        Rejection::BadSignature => "bad_signature",
        Rejection::NotYetValid => "not_yet_valid",
        Rejection::Expired => "expired",
        Rejection::Revoked => "revoked",
        Rejection::UsedUp => "used_up",
        Rejection::WrongGate => "wrong_gate",
        Rejection::WrongCommunity => "wrong_community",
        Rejection::OutsideSchedule => "outside_schedule",
    }
}

/// A gate's state and its link to the backend.
#[derive(Debug)]
pub struct Gate {
    db: SqlitePool,
}

impl Gate {
    /// Opens (creating) the state in `dir`.
    pub async fn open(dir: &Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(dir).with_context(|| format!("create {}", dir.display()))?;
        let options = SqliteConnectOptions::new()
            .filename(dir.join("gate.db"))
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .foreign_keys(true);
        let db = SqlitePool::connect_with(options)
            .await
            .context("open the gate database")?;
        sqlx::migrate!("./migrations")
            .run(&db)
            .await
            .context("migrate the gate database")?;
        Ok(Self { db })
    }

    /// Records how to reach the backend.
    pub async fn enrol(&self, enrolment: &Enrolment) -> anyhow::Result<()> {
        for (name, value) in [
            ("server", enrolment.server.as_str()),
            ("ca_pem", enrolment.ca_pem.as_deref().unwrap_or("")),
            ("token", enrolment.token.as_str()),
            ("group", enrolment.group.as_str()),
        ] {
            sqlx::query(
                "INSERT INTO config (name, value) VALUES (?, ?)
                 ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            )
            .bind(name)
            .bind(value)
            .execute(&self.db)
            .await?;
        }
        Ok(())
    }

    async fn config(&self, name: &str) -> anyhow::Result<String> {
        sqlx::query_scalar("SELECT value FROM config WHERE name = ?")
            .bind(name)
            .fetch_optional(&self.db)
            .await?
            .with_context(|| {
                format!("the gate is not enrolled ({name} missing); run `linli-gate enrol`")
            })
    }

    async fn client(&self) -> anyhow::Result<(reqwest::Client, String, String)> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut builder = reqwest::Client::builder()
            .use_rustls_tls()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(20))
            .user_agent(concat!("linli-gate/", env!("CARGO_PKG_VERSION")));
        let ca = self.config("ca_pem").await?;
        if !ca.is_empty() {
            for cert in
                reqwest::Certificate::from_pem_bundle(ca.as_bytes()).context("parse the CA")?
            {
                builder = builder.add_root_certificate(cert);
            }
        }
        let client = builder.build().context("build the HTTPS client")?;
        Ok((
            client,
            self.config("server").await?,
            self.config("token").await?,
        ))
    }

    /// Refreshes keys and revocations and uploads unsent entries.
    pub async fn sync(&self) -> anyhow::Result<SyncReport> {
        let (client, server, token) = self.client().await?;
        let get = |path: &str| {
            client
                .get(format!("{server}{path}"))
                .bearer_auth(&token)
                .send()
        };
        let keys: GateKeySet = get("/v1/gate/keys")
            .await?
            .error_for_status()?
            .json()
            .await?;
        let mut tx = self.db.begin().await?;
        sqlx::query("DELETE FROM keys").execute(&mut *tx).await?;
        for key in &keys.keys {
            sqlx::query("INSERT INTO keys (kid, x, community_id) VALUES (?, ?, ?)")
                .bind(&key.kid)
                .bind(&key.x)
                .bind(key.community_id.to_string())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;

        let since: Option<String> =
            sqlx::query_scalar("SELECT value FROM config WHERE name = 'revocations_next'")
                .fetch_optional(&self.db)
                .await?;
        let path = match &since {
            Some(next) => format!("/v1/gate/revocations?since={next}"),
            None => "/v1/gate/revocations".to_owned(),
        };
        let delta: RevocationDelta = get(&path).await?.error_for_status()?.json().await?;
        let mut tx = self.db.begin().await?;
        for id in &delta.revoked {
            sqlx::query("INSERT OR IGNORE INTO revoked (pass_id) VALUES (?)")
                .bind(id.to_string())
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query(
            "INSERT INTO config (name, value) VALUES ('revocations_next', ?)
             ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        )
        .bind(&delta.next)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;

        let unsent: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT id, pass_id, at FROM entries WHERE sent = 0 ORDER BY at LIMIT 1000",
        )
        .fetch_all(&self.db)
        .await?;
        let mut refused = 0;
        if !unsent.is_empty() {
            let batch = GateEntries {
                entries: unsent
                    .iter()
                    .map(|(id, pass, at)| {
                        Ok(GateEntry {
                            id: EntryId(id.parse()?),
                            pass_id: PassId(pass.parse()?),
                            at: chrono::DateTime::from_timestamp(*at, 0).unwrap_or_default(),
                        })
                    })
                    .collect::<Result<_, uuid::Error>>()?,
            };
            // Each entry is judged on its own, so the whole batch is settled: the visitors
            // are in already, and what the backend did not count is only reported.
            let outcome: GateEntriesOutcome = client
                .post(format!("{server}/v1/gate/entries"))
                .bearer_auth(&token)
                .json(&batch)
                .send()
                .await?
                .error_for_status()?
                .json()
                .await?;
            refused = outcome.refused.len();
            for (id, _, _) in &unsent {
                sqlx::query("UPDATE entries SET sent = 1 WHERE id = ?")
                    .bind(id)
                    .execute(&self.db)
                    .await?;
            }
        }
        Ok(SyncReport {
            keys: keys.keys.len(),
            newly_revoked: delta.revoked.len(),
            uploaded: unsent.len(),
            refused,
        })
    }

    /// Verifies a scanned payload at gate time `now` (Unix seconds); records the entry if it
    /// opens.
    pub async fn scan(&self, payload: &str, now: i64, skew: i64) -> anyhow::Result<ScanOutcome> {
        let group = self.config("group").await?;
        let rows: Vec<(String, String, String)> =
            sqlx::query_as("SELECT kid, x, community_id FROM keys")
                .fetch_all(&self.db)
                .await?;
        let Some(community) = rows
            .first()
            .map(|(_, _, c)| c.parse::<Uuid>())
            .transpose()?
        else {
            anyhow::bail!("no keys yet: sync with the backend once before scanning");
        };
        let mut keys = KeySet::new();
        for (kid, x, _) in &rows {
            let bytes: [u8; 32] = B64
                .decode(x)
                .ok()
                .and_then(|b| b.try_into().ok())
                .context("a stored key is not 32 bytes")?;
            keys.insert(
                kid.as_bytes(),
                ed25519_dalek::VerifyingKey::from_bytes(&bytes)?,
            );
        }
        let revoked: HashSet<Uuid> = sqlx::query_scalar::<_, String>("SELECT pass_id FROM revoked")
            .fetch_all(&self.db)
            .await?
            .iter()
            .filter_map(|id| id.parse().ok())
            .collect();
        let used: Vec<(String, i64)> =
            sqlx::query_as("SELECT pass_id, COUNT(*) FROM entries GROUP BY pass_id")
                .fetch_all(&self.db)
                .await?;
        let used: std::collections::HashMap<Uuid, u32> = used
            .into_iter()
            .filter_map(|(id, n)| Some((id.parse().ok()?, u32::try_from(n).ok()?)))
            .collect();
        let is_revoked = |id: Uuid| revoked.contains(&id);
        let entries_used = |id: Uuid| used.get(&id).copied().unwrap_or(0);
        let context = GateContext {
            community_id: community,
            gate_group: &group,
            now,
            skew,
            revoked: &is_revoked,
            entries_used: &entries_used,
        };
        match linli_pass::verify(payload, &keys, &context) {
            Ok(Verified {
                claims,
                entries_left,
            }) => {
                sqlx::query("INSERT INTO entries (id, pass_id, at) VALUES (?, ?, ?)")
                    .bind(Uuid::now_v7().to_string())
                    .bind(claims.pass_id.to_string())
                    .bind(now)
                    .execute(&self.db)
                    .await?;
                Ok(ScanOutcome::Accepted {
                    pass_id: claims.pass_id,
                    initials: claims.initials,
                    entries_left,
                })
            }
            Err(rejection) => Ok(ScanOutcome::Rejected {
                reason: reason(&rejection).to_owned(),
                detail: rejection.to_string(),
            }),
        }
    }

    /// Looks a short code up online, then verifies what it names like a scan.
    pub async fn code(&self, code: &str, now: i64, skew: i64) -> anyhow::Result<ScanOutcome> {
        let (client, server, token) = self.client().await?;
        let found: CodeLookup = client
            .get(format!("{server}/v1/gate/codes/{}", code.trim()))
            .bearer_auth(&token)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        self.scan(&found.credential.payload, now, skew).await
    }

    /// Entries not yet acknowledged by the backend.
    pub async fn unsent(&self) -> anyhow::Result<i64> {
        Ok(
            sqlx::query_scalar("SELECT COUNT(*) FROM entries WHERE sent = 0")
                .fetch_one(&self.db)
                .await?,
        )
    }
}
