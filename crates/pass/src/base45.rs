//! Base45 (RFC 9285): bytes as the 45 characters of QR alphanumeric mode, so a QR code can
//! carry the credential in its densest text mode.
//!
//! Every two bytes become three characters, a trailing byte two. Decoding refuses characters
//! outside the alphabet, a dangling single character, and triples or pairs whose value does not
//! fit the bytes they stand for (RFC 9285 §4.2): such input is an error, never garbage bytes.

use thiserror::Error;

const ALPHABET: &[u8; 45] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

/// Why a string is not Base45.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum Base45Error {
    /// A character outside the Base45 alphabet.
    #[error("character {0:?} is not in the Base45 alphabet")]
    BadCharacter(char),
    /// The length leaves a single character over.
    #[error("Base45 text cannot have a length of 3n+1")]
    BadLength,
    /// A group encodes a value too large for its bytes.
    #[error("a Base45 group is out of range")]
    OutOfRange,
}

/// Encodes bytes.
pub fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(2) * 3);
    let push = |out: &mut String, value: usize| out.push(char::from(ALPHABET[value]));
    for chunk in bytes.chunks(2) {
        match *chunk {
            [a, b] => {
                let n = usize::from(a) * 256 + usize::from(b);
                push(&mut out, n % 45);
                push(&mut out, (n / 45) % 45);
                push(&mut out, n / 2025);
            }
            [a] => {
                let n = usize::from(a);
                push(&mut out, n % 45);
                push(&mut out, n / 45);
            }
            _ => {}
        }
    }
    out
}

fn value(c: u8) -> Result<u32, Base45Error> {
    ALPHABET
        .iter()
        .position(|&a| a == c)
        .and_then(|i| u32::try_from(i).ok())
        .ok_or(Base45Error::BadCharacter(char::from(c)))
}

/// Decodes text.
pub fn decode(text: &str) -> Result<Vec<u8>, Base45Error> {
    let bytes = text.as_bytes();
    if bytes.len() % 3 == 1 {
        return Err(Base45Error::BadLength);
    }
    let mut out = Vec::with_capacity(bytes.len() / 3 * 2 + 1);
    for group in bytes.chunks(3) {
        match *group {
            [c, d, e] => {
                let n = value(c)? + value(d)? * 45 + value(e)? * 2025;
                let n = u16::try_from(n).map_err(|_| Base45Error::OutOfRange)?;
                out.extend_from_slice(&n.to_be_bytes());
            }
            [c, d] => {
                let n = value(c)? + value(d)? * 45;
                out.push(u8::try_from(n).map_err(|_| Base45Error::OutOfRange)?);
            }
            _ => return Err(Base45Error::BadLength),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_9285_examples() {
        assert_eq!(encode(b"AB"), "BB8");
        assert_eq!(encode(b"Hello!!"), "%69 VD92EX0");
        assert_eq!(encode(b"base-45"), "UJCLQE7W581");
        assert_eq!(decode("QED8WEX0").expect("valid"), b"ietf!");
    }

    #[test]
    fn round_trips_every_byte_pair_edge() {
        for bytes in [&[][..], &[0], &[255], &[0, 0], &[255, 255], &[1, 2, 3]] {
            assert_eq!(decode(&encode(bytes)).expect("round trip"), bytes);
        }
    }

    #[test]
    fn refuses_what_is_not_base45() {
        assert_eq!(
            decode("GGW"),
            Err(Base45Error::OutOfRange),
            "65536 does not fit two bytes"
        );
        assert_eq!(decode(":::"), Err(Base45Error::OutOfRange));
        assert_eq!(
            decode("ab"),
            Err(Base45Error::BadCharacter('a')),
            "lower case is not Base45"
        );
        assert_eq!(decode("BB8B"), Err(Base45Error::BadLength));
    }
}
