//! The credential: CWT claims, COSE_Sign1, Base45, `VP1:`.
//!
//! Claims (CWT keys): `iss` (1) the community id as text, `nbf` (5) and `exp` (4) in whole
//! seconds, `cti` (7) the pass id as 16 bytes, and the private claim [`PASS_CLAIM`] holding a
//! map `{1: max entries, 2: [gate groups], 3: visitor initials}`. The protected header holds
//! `alg: EdDSA` (-8) and `kid`. The COSE structure is tagged (CBOR tag 18) so generic COSE
//! libraries recognise it. External AAD is empty.

use crate::base45;
use ciborium::value::Value;
use coset::cwt::{ClaimName, ClaimsSet, ClaimsSetBuilder, Timestamp};
use coset::{
    CborSerializable, CoseSign1, CoseSign1Builder, HeaderBuilder, TaggedCborSerializable, iana,
};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use std::collections::HashMap;
use thiserror::Error;
use uuid::Uuid;

/// What every pass payload starts with.
pub const PREFIX: &str = "VP1:";
/// The private-use CWT claim key that holds Linli's pass fields (RFC 8392 §9.1: < -65536).
pub const PASS_CLAIM: i64 = -65537;

/// What a pass says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Claims {
    /// The pass id.
    pub pass_id: Uuid,
    /// The community that issued it.
    pub community_id: Uuid,
    /// Valid from (Unix seconds).
    pub not_before: i64,
    /// Valid until (Unix seconds).
    pub expires: i64,
    /// How many entries it allows per gate group.
    pub max_entries: u32,
    /// Gate groups it opens (e.g. `pedestrian`, `vehicle`).
    pub gate_groups: Vec<String>,
    /// The visitor's initials, for the guard to compare (e.g. `张*`); never a full name.
    pub initials: String,
    /// For a recurring pass: the days and hours within the window when it opens.
    pub schedule: Option<Schedule>,
}

/// When a recurring pass opens (e.g. a housekeeper on Monday, Wednesday and Friday, 8:00 to
/// 12:00), in the community's local time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schedule {
    /// Bit 0 = Monday … bit 6 = Sunday.
    pub weekdays: u8,
    /// Opens at this minute of the day (0–1439).
    pub from_minute: u16,
    /// Closes at this minute of the day (1–1440), after `from_minute`.
    pub until_minute: u16,
    /// The community's offset from UTC in minutes (480 for China Standard Time).
    pub utc_offset_minutes: i16,
}

impl Schedule {
    /// Whether Unix time `now` falls on a scheduled day and within the hours, ± `skew` s.
    pub fn admits(&self, now: i64, skew: i64) -> bool {
        let local = now + i64::from(self.utc_offset_minutes) * 60;
        let day = local.div_euclid(86_400);
        let second = local.rem_euclid(86_400);
        // 1970-01-01 was a Thursday: day 0 → bit 3.
        let weekday = (day + 3).rem_euclid(7);
        let on_day = self.weekdays & (1 << weekday) != 0;
        let from = i64::from(self.from_minute) * 60 - skew;
        let until = i64::from(self.until_minute) * 60 + skew;
        on_day && second >= from && second <= until
    }
}

/// Why a gate refuses a pass. Each reason is shown to the guard and logged.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum Rejection {
    /// Not a Linli pass at all (no prefix, bad Base45, bad CBOR, missing claims).
    #[error("not a valid pass: {0}")]
    Malformed(String),
    /// Signed with a key this gate does not know (another community, or keys not synced).
    #[error("signed with an unknown key")]
    UnknownKey,
    /// The signature does not match: the pass was altered or forged.
    #[error("the signature does not match")]
    BadSignature,
    /// Its window has not started yet.
    #[error("not valid yet")]
    NotYetValid,
    /// Its window has ended.
    #[error("expired")]
    Expired,
    /// The resident revoked it.
    #[error("revoked")]
    Revoked,
    /// It has been used as often as it allows at this gate group.
    #[error("no entries left")]
    UsedUp,
    /// It does not open this gate group.
    #[error("not valid at this gate")]
    WrongGate,
    /// Issued by another community than this gate's.
    #[error("issued for another community")]
    WrongCommunity,
    /// A recurring pass outside its days or hours.
    #[error("not valid at this day or hour")]
    OutsideSchedule,
}

/// Public keys a gate trusts, by `kid`.
#[derive(Clone, Debug, Default)]
pub struct KeySet {
    keys: HashMap<Vec<u8>, VerifyingKey>,
}

impl KeySet {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Trusts `key` under `kid` (several may be current during a rotation).
    pub fn insert(&mut self, kid: &[u8], key: VerifyingKey) {
        self.keys.insert(kid.to_vec(), key);
    }
}

/// What the gate knows when it scans.
#[derive(Clone, Copy)]
pub struct GateContext<'a> {
    /// The gate's community.
    pub community_id: Uuid,
    /// The gate's group.
    pub gate_group: &'a str,
    /// The gate's clock (Unix seconds).
    pub now: i64,
    /// Tolerated clock difference, seconds, on both ends of the window.
    pub skew: i64,
    /// Whether the pass id is on the revocation list.
    pub revoked: &'a dyn Fn(Uuid) -> bool,
    /// Entries already recorded for the pass at this gate group.
    pub entries_used: &'a dyn Fn(Uuid) -> u32,
}

impl std::fmt::Debug for GateContext<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GateContext")
            .field("community_id", &self.community_id)
            .field("gate_group", &self.gate_group)
            .field("now", &self.now)
            .field("skew", &self.skew)
            .finish_non_exhaustive()
    }
}

/// A pass that opens the gate now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
    /// Its claims.
    pub claims: Claims,
    /// Entries left after this one.
    pub entries_left: u32,
}

fn malformed(what: impl Into<String>) -> Rejection {
    Rejection::Malformed(what.into())
}

/// Signs `claims` with the community's key; returns the QR text (`VP1:` + Base45).
pub fn issue(claims: &Claims, key: &SigningKey, kid: &[u8]) -> Result<String, coset::CoseError> {
    let mut pass_fields = vec![
        (Value::from(1), Value::from(claims.max_entries)),
        (
            Value::from(2),
            Value::Array(
                claims
                    .gate_groups
                    .iter()
                    .map(|g| Value::from(g.as_str()))
                    .collect(),
            ),
        ),
        (Value::from(3), Value::from(claims.initials.as_str())),
    ];
    if let Some(schedule) = &claims.schedule {
        pass_fields.push((
            Value::from(4),
            Value::Array(vec![
                Value::from(schedule.weekdays),
                Value::from(schedule.from_minute),
                Value::from(schedule.until_minute),
                Value::from(schedule.utc_offset_minutes),
            ]),
        ));
    }
    let pass_fields = Value::Map(pass_fields);
    let cwt = ClaimsSetBuilder::new()
        .issuer(claims.community_id.to_string())
        .not_before(Timestamp::WholeSeconds(claims.not_before))
        .expiration_time(Timestamp::WholeSeconds(claims.expires))
        .cwt_id(claims.pass_id.as_bytes().to_vec())
        .private_claim(PASS_CLAIM, pass_fields)
        .build();
    let protected = HeaderBuilder::new()
        .algorithm(iana::Algorithm::EdDSA)
        .key_id(kid.to_vec())
        .build();
    let sign1 = CoseSign1Builder::new()
        .protected(protected)
        .payload(cwt.to_vec()?)
        .create_signature(b"", |to_be_signed| {
            key.sign(to_be_signed).to_bytes().to_vec()
        })
        .build();
    Ok(format!(
        "{PREFIX}{}",
        base45::encode(&sign1.to_tagged_vec()?)
    ))
}

/// Checks a scanned payload, in this order: form, key, signature, community, window (with
/// skew), revocation, gate group, entries.
pub fn verify(payload: &str, keys: &KeySet, gate: &GateContext<'_>) -> Result<Verified, Rejection> {
    let text = payload
        .trim()
        .strip_prefix(PREFIX)
        .ok_or_else(|| malformed("no VP1: prefix"))?;
    let bytes = base45::decode(text).map_err(|err| malformed(err.to_string()))?;
    let sign1 = CoseSign1::from_tagged_slice(&bytes)
        .or_else(|_| CoseSign1::from_slice(&bytes))
        .map_err(|_| malformed("not COSE_Sign1"))?;
    let alg_ok = sign1.protected.header.alg
        == Some(coset::RegisteredLabelWithPrivate::Assigned(
            iana::Algorithm::EdDSA,
        ));
    if !alg_ok {
        // Only EdDSA: the credential never chooses its own algorithm.
        return Err(malformed("algorithm is not EdDSA"));
    }
    let key = keys
        .keys
        .get(&sign1.protected.header.key_id)
        .ok_or(Rejection::UnknownKey)?;
    sign1
        .verify_signature(b"", |signature, to_be_signed| {
            let signature = Signature::from_slice(signature).map_err(|_| ())?;
            // Strict (RFC 8032 §5.1.7 plus the small-order checks): a key of small order (a
            // weak key handed to a gate) or a small-order R would let one signature pass for
            // any payload; `verify` alone accepts both.
            key.verify_strict(to_be_signed, &signature).map_err(|_| ())
        })
        .map_err(|()| Rejection::BadSignature)?;
    let payload = sign1
        .payload
        .as_deref()
        .ok_or_else(|| malformed("no payload"))?;
    let claims = parse_claims(payload)?;
    if claims.community_id != gate.community_id {
        return Err(Rejection::WrongCommunity);
    }
    if gate.now + gate.skew < claims.not_before {
        return Err(Rejection::NotYetValid);
    }
    if gate.now - gate.skew > claims.expires {
        return Err(Rejection::Expired);
    }
    if let Some(schedule) = &claims.schedule
        && !schedule.admits(gate.now, gate.skew)
    {
        return Err(Rejection::OutsideSchedule);
    }
    if (gate.revoked)(claims.pass_id) {
        return Err(Rejection::Revoked);
    }
    if !claims.gate_groups.iter().any(|g| g == gate.gate_group) {
        return Err(Rejection::WrongGate);
    }
    let used = (gate.entries_used)(claims.pass_id);
    if used >= claims.max_entries {
        return Err(Rejection::UsedUp);
    }
    let entries_left = claims.max_entries - used - 1;
    Ok(Verified {
        claims,
        entries_left,
    })
}

fn seconds(timestamp: Option<&Timestamp>, what: &str) -> Result<i64, Rejection> {
    match timestamp {
        Some(Timestamp::WholeSeconds(s)) => Ok(*s),
        // Fractional seconds are allowed by RFC 8392; round towards the stricter side.
        Some(Timestamp::FractionalSeconds(s)) => Ok(s.floor() as i64),
        None => Err(malformed(format!("no {what}"))),
    }
}

fn parse_claims(payload: &[u8]) -> Result<Claims, Rejection> {
    let cwt = ClaimsSet::from_slice(payload).map_err(|_| malformed("claims are not a CWT"))?;
    let community_id = cwt
        .issuer
        .as_deref()
        .and_then(|iss| Uuid::parse_str(iss).ok())
        .ok_or_else(|| malformed("iss is not a community id"))?;
    let pass_id = cwt
        .cwt_id
        .as_deref()
        .and_then(|cti| Uuid::from_slice(cti).ok())
        .ok_or_else(|| malformed("cti is not a 16-byte pass id"))?;
    let not_before = seconds(cwt.not_before.as_ref(), "nbf")?;
    let expires = seconds(cwt.expiration_time.as_ref(), "exp")?;
    let fields = cwt
        .rest
        .iter()
        .find(|(name, _)| *name == ClaimName::PrivateUse(PASS_CLAIM))
        .and_then(|(_, value)| value.as_map())
        .ok_or_else(|| malformed("no pass claim"))?;
    let field = |key: i64| {
        fields
            .iter()
            .find(|(k, _)| k.as_integer() == Some(key.into()))
            .map(|(_, v)| v)
    };
    let max_entries = field(1)
        .and_then(Value::as_integer)
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| malformed("no entry count"))?;
    let gate_groups = field(2)
        .and_then(Value::as_array)
        .map(|groups| {
            groups
                .iter()
                .filter_map(|g| g.as_text().map(str::to_owned))
                .collect()
        })
        .ok_or_else(|| malformed("no gate groups"))?;
    let initials = field(3)
        .and_then(Value::as_text)
        .unwrap_or_default()
        .to_owned();
    let schedule = match field(4) {
        None => None,
        Some(value) => {
            let parts = value
                .as_array()
                .ok_or_else(|| malformed("schedule is not an array"))?;
            let number = |i: usize| {
                parts
                    .get(i)
                    .and_then(Value::as_integer)
                    .map(i128::from)
                    .ok_or_else(|| malformed("schedule member missing"))
            };
            let out_of_range = || malformed("schedule out of range");
            let schedule = Schedule {
                weekdays: u8::try_from(number(0)?).map_err(|_| out_of_range())?,
                from_minute: u16::try_from(number(1)?).map_err(|_| out_of_range())?,
                until_minute: u16::try_from(number(2)?).map_err(|_| out_of_range())?,
                utc_offset_minutes: i16::try_from(number(3)?).map_err(|_| out_of_range())?,
            };
            if schedule.weekdays == 0
                || schedule.weekdays > 0x7f
                || schedule.from_minute >= schedule.until_minute
                || schedule.until_minute > 1440
            {
                return Err(out_of_range());
            }
            Some(schedule)
        }
    };
    Ok(Claims {
        pass_id,
        community_id,
        not_before,
        expires,
        max_entries,
        gate_groups,
        initials,
        schedule,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_795_000_000;

    fn key() -> SigningKey {
        SigningKey::generate(&mut rand::rngs::OsRng)
    }

    fn claims(community: Uuid) -> Claims {
        Claims {
            pass_id: Uuid::now_v7(),
            community_id: community,
            not_before: NOW - 3600,
            expires: NOW + 3600,
            max_entries: 2,
            gate_groups: vec!["pedestrian".to_owned()],
            initials: "张*".to_owned(),
            schedule: None,
        }
    }

    struct World {
        community: Uuid,
        keys: KeySet,
        signing: SigningKey,
    }

    fn world() -> World {
        let signing = key();
        let mut keys = KeySet::new();
        keys.insert(b"k1", signing.verifying_key());
        World {
            community: Uuid::now_v7(),
            keys,
            signing,
        }
    }

    fn check(
        w: &World,
        payload: &str,
        now: i64,
        revoked: bool,
        used: u32,
    ) -> Result<Verified, Rejection> {
        let is_revoked = move |_: Uuid| revoked;
        let entries = move |_: Uuid| used;
        verify(
            payload,
            &w.keys,
            &GateContext {
                community_id: w.community,
                gate_group: "pedestrian",
                now,
                skew: 300,
                revoked: &is_revoked,
                entries_used: &entries,
            },
        )
    }

    #[test]
    fn a_valid_pass_opens_and_counts_down() {
        let w = world();
        let c = claims(w.community);
        let payload = issue(&c, &w.signing, b"k1").expect("issue");
        assert!(payload.starts_with("VP1:"));
        assert!(
            payload[4..]
                .bytes()
                .all(|b| b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:".contains(&b)),
            "QR alphanumeric mode only"
        );
        let ok = check(&w, &payload, NOW, false, 0).expect("valid");
        assert_eq!(ok.claims, c, "claims survive the round trip");
        assert_eq!(ok.entries_left, 1);
    }

    #[test]
    fn each_failure_has_its_own_reason() {
        let w = world();
        let c = claims(w.community);
        let payload = issue(&c, &w.signing, b"k1").expect("issue");
        assert_eq!(
            check(&w, &payload, NOW + 3600 + 301, false, 0),
            Err(Rejection::Expired)
        );
        assert!(
            check(&w, &payload, NOW + 3600 + 299, false, 0).is_ok(),
            "skew tolerated"
        );
        assert_eq!(
            check(&w, &payload, NOW - 3600 - 301, false, 0),
            Err(Rejection::NotYetValid)
        );
        assert_eq!(check(&w, &payload, NOW, true, 0), Err(Rejection::Revoked));
        assert_eq!(check(&w, &payload, NOW, false, 2), Err(Rejection::UsedUp));

        let forged = issue(&c, &key(), b"k1").expect("issue");
        assert_eq!(
            check(&w, &forged, NOW, false, 0),
            Err(Rejection::BadSignature)
        );
        let unknown = issue(&c, &key(), b"k9").expect("issue");
        assert_eq!(
            check(&w, &unknown, NOW, false, 0),
            Err(Rejection::UnknownKey)
        );

        let mut other_gate = c;
        other_gate.gate_groups = vec!["vehicle".to_owned()];
        let vehicle = issue(&other_gate, &w.signing, b"k1").expect("issue");
        assert_eq!(
            check(&w, &vehicle, NOW, false, 0),
            Err(Rejection::WrongGate)
        );
        let elsewhere = issue(&claims(Uuid::now_v7()), &w.signing, b"k1").expect("issue");
        assert_eq!(
            check(&w, &elsewhere, NOW, false, 0),
            Err(Rejection::WrongCommunity)
        );
    }

    /// The identity point, the simplest key of small order (RFC 8032 edge case): with R the
    /// identity and S = 0, `[S]B = R + [k]A` holds for every message, so a plain `verify`
    /// accepts one made-up signature for any pass. A gate handed such a key must still refuse.
    #[test]
    fn a_small_order_key_and_signature_open_nothing() {
        let mut identity = [0u8; 32];
        identity[0] = 1;
        let weak = VerifyingKey::from_bytes(&identity).expect("the identity point decodes");
        let mut w = world();
        w.keys.insert(b"k0", weak);
        let c = claims(w.community);
        let genuine = issue(&c, &w.signing, b"k0").expect("issue");
        let bytes = base45::decode(&genuine[PREFIX.len()..]).expect("base45");
        let mut sign1 = CoseSign1::from_tagged_slice(&bytes).expect("COSE_Sign1");
        let mut forged_signature = identity.to_vec();
        forged_signature.extend_from_slice(&[0u8; 32]);
        sign1.signature = forged_signature;
        let forged = format!(
            "{PREFIX}{}",
            base45::encode(&sign1.to_tagged_vec().expect("encode"))
        );
        assert_eq!(
            check(&w, &forged, NOW, false, 0),
            Err(Rejection::BadSignature),
            "a signature that holds for every message under a small-order key is no signature"
        );
    }

    #[test]
    fn a_recurring_pass_opens_only_on_its_days_and_hours() {
        let w = world();
        let mut c = claims(w.community);
        // 2026-11-23 is a Monday. Mondays and Wednesdays, 8:00–12:00 Beijing time.
        let monday_9am_beijing = 1_795_395_600; // 2026-11-23T01:00:00Z
        c.not_before = monday_9am_beijing - 86_400;
        c.expires = monday_9am_beijing + 14 * 86_400;
        c.schedule = Some(Schedule {
            weekdays: 0b000_0101,
            from_minute: 8 * 60,
            until_minute: 12 * 60,
            utc_offset_minutes: 480,
        });
        let payload = issue(&c, &w.signing, b"k1").expect("issue");
        assert_eq!(
            check(&w, &payload, monday_9am_beijing, false, 0).map(|v| v.claims),
            Ok(c)
        );
        let tuesday = monday_9am_beijing + 86_400;
        assert_eq!(
            check(&w, &payload, tuesday, false, 0),
            Err(Rejection::OutsideSchedule)
        );
        let wednesday = monday_9am_beijing + 2 * 86_400;
        assert!(check(&w, &payload, wednesday, false, 0).is_ok());
        let monday_1pm = monday_9am_beijing + 4 * 3600;
        assert_eq!(
            check(&w, &payload, monday_1pm, false, 0),
            Err(Rejection::OutsideSchedule)
        );
    }

    #[test]
    fn tampering_with_any_byte_is_caught() {
        let w = world();
        let payload = issue(&claims(w.community), &w.signing, b"k1").expect("issue");
        let mut bytes = base45::decode(&payload[4..]).expect("b45");
        let middle = bytes.len() / 2;
        bytes[middle] ^= 0x01;
        let tampered = format!("VP1:{}", base45::encode(&bytes));
        assert!(
            matches!(
                check(&w, &tampered, NOW, false, 0),
                Err(Rejection::BadSignature | Rejection::Malformed(_) | Rejection::UnknownKey)
            ),
            "a flipped bit never verifies"
        );
        assert!(matches!(
            check(&w, "VP1:%%%", NOW, false, 0),
            Err(Rejection::Malformed(_))
        ));
        assert!(matches!(
            check(&w, "HC1:ABC", NOW, false, 0),
            Err(Rejection::Malformed(_))
        ));
    }
}
