//! Who the caller is: an API key, presented the way each product presents it, looked up by
//! its digest.
//!
//! Keys are stored as their SHA-256, not with a slow password hash: an API key is a random
//! string of at least 128 bits (the seeds' own are 22 base-62 characters and a UUID), which no
//! one can guess or brute-force from its digest however fast the hash, while a slow hash
//! would cost every request tens of milliseconds. A human-chosen password must not be used
//! as a key here. Digests are compared in constant time (`subtle`), and every stored digest
//! is compared, so the time taken says nothing about which key, or how much of one, matched.

use std::collections::HashMap;

use axum::http::HeaderMap;
use axum::http::header::{AUTHORIZATION, COOKIE};
use base64::Engine as _;
use sha2::{Digest as _, Sha256};
use shareguard::model::PrincipalId;
use subtle::ConstantTimeEq;

/// The SHA-256 of an API key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Digest([u8; 32]);

impl Digest {
    /// The digest of a presented key.
    pub(crate) fn of(key: &str) -> Self {
        Digest(Sha256::digest(key.as_bytes()).into())
    }

    /// A digest written as 64 hex digits (either case); `None` for anything else.
    pub(crate) fn from_hex(text: &str) -> Option<Self> {
        let bytes = text.as_bytes();
        if bytes.len() != 64 {
            return None;
        }
        let mut out = [0u8; 32];
        for (slot, pair) in out.iter_mut().zip(bytes.chunks_exact(2)) {
            let hi = hex_digit(*pair.first()?)?;
            let lo = hex_digit(*pair.get(1)?)?;
            *slot = (hi << 4) | lo;
        }
        Some(Digest(out))
    }
}

fn hex_digit(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// The known keys' digests, and whose each is.
#[derive(Debug, Default)]
pub(crate) struct Keys(Vec<(Digest, PrincipalId)>);

impl Keys {
    /// Adds a digest; returns the principal it already belonged to, if it was known.
    pub(crate) fn insert(&mut self, digest: Digest, who: PrincipalId) -> Option<PrincipalId> {
        if let Some((_, old)) = self.0.iter().find(|(d, _)| *d == digest) {
            return Some(old.clone());
        }
        self.0.push((digest, who));
        None
    }

    /// Whose key this is, comparing with every stored digest in constant time.
    pub(crate) fn owner(&self, key: &str) -> Option<&PrincipalId> {
        let presented = Digest::of(key);
        let mut found = None;
        for (digest, who) in &self.0 {
            if bool::from(digest.0.ct_eq(&presented.0)) {
                found = Some(who);
            }
        }
        found
    }
}

/// The user and password of an `Authorization: Basic` header, if there is a well-formed one.
pub(crate) fn basic(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD.decode(encoded.trim()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

/// The token of an `Authorization: Bearer` header (Salesforce's OAuth access token).
pub(crate) fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim().to_owned())
}

/// The value of a cookie (ONLYOFFICE's `asc_auth_key`), from every `Cookie` header.
pub(crate) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim().to_owned())
}

/// A map from principal id to principal, as the configuration resolved them.
pub(crate) type Principals = HashMap<PrincipalId, shareguard::Principal>;

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn a_digest_reads_its_own_hex_and_nothing_else() {
        let digest = Digest::of("nkpIxMK9ucUUE7FvfNpdAf");
        let hex: String = digest.0.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(Digest::from_hex(&hex), Some(digest));
        assert_eq!(Digest::from_hex(&hex.to_uppercase()), Some(digest));
        assert_eq!(Digest::from_hex(&hex[1..]), None);
        assert_eq!(Digest::from_hex(&format!("{}g", &hex[1..])), None);
        // Multi-byte text of 64 bytes is refused, not sliced.
        assert_eq!(Digest::from_hex(&"é".repeat(32)), None);
    }

    #[test]
    fn a_key_is_found_only_by_itself() {
        let mut keys = Keys::default();
        keys.insert(Digest::of("key-one-0123456789abcdef"), "alice".parse().unwrap());
        keys.insert(Digest::of("key-two-0123456789abcdef"), "bob".parse().unwrap());
        assert_eq!(keys.owner("key-two-0123456789abcdef").map(|p| p.as_str()), Some("bob"));
        assert_eq!(keys.owner("key-two-0123456789abcdeF"), None);
        assert_eq!(keys.owner(""), None);
    }

    #[test]
    fn headers_are_read_as_each_product_sends_them() {
        let mut headers = HeaderMap::new();
        // curl --user nkpIxMK9ucUUE7FvfNpdAf:x
        headers.insert(
            AUTHORIZATION,
            HeaderValue::from_static("Basic bmtwSXhNSzl1Y1VVRTdGdmZOcGRBZjp4"),
        );
        headers.insert(COOKIE, HeaderValue::from_static("lang=en; asc_auth_key=864FE52C"));
        assert_eq!(basic(&headers), Some(("nkpIxMK9ucUUE7FvfNpdAf".into(), "x".into())));
        assert_eq!(cookie(&headers, "asc_auth_key").as_deref(), Some("864FE52C"));
        assert_eq!(bearer(&headers), None);
        headers.insert(AUTHORIZATION, HeaderValue::from_static("Basic !!!"));
        assert_eq!(basic(&headers), None);
    }
}
