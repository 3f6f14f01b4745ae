//! linli-pass: the visitor pass credential that a gate verifies without network.
//!
//! A pass is a CWT (RFC 8392) signed as COSE_Sign1 (RFC 9052) with EdDSA/Ed25519, encoded in
//! Base45 (RFC 9285) behind the prefix `VP1:`, the pattern of the EU Digital COVID
//! Certificate's `HC1:` without the zlib step (the payload is small). It names the pass, the
//! community, the validity window, the entries allowed and the gate groups, and nothing that
//! identifies the visitor (no phone number, no full name). [`issue`] makes one with the
//! community's signing key; [`verify`] checks one against a cached key set, a revocation list
//! and the local entry count, each failure with its own [`Rejection`].

pub mod base45;
mod credential;

pub use credential::{
    Claims, GateContext, KeySet, PREFIX, Rejection, Schedule, Verified, issue, verify,
};
