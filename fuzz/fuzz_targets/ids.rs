//! Every `FromStr` of the model and policy (ids, resource refs, emails, levels,
//! permissions, re-share rights, reasons, share actions) and `LinkDigest` on arbitrary text:
//! a typed error or a value, never a panic; and a value parsed once writes text that parses
//! back to the same value.
#![no_main]

use std::fmt::Debug;
use std::str::FromStr;

use libfuzzer_sys::fuzz_target;
use shareguard::{AccessLevel, Permission, Permissions, Reason, ReshareRights, ResourceRef, ShareAction};
use shareguard::model::{Email, GroupId, Level, LinkDigest, LinkToken, PrincipalId, ResourceKind, RoleId, ShareId};

/// Parses `text`; if that succeeds, writes the value with `write` and parses that back,
/// which must give the same value (and write the same text again).
fn round_trip<T>(text: &str, write: impl Fn(&T) -> String)
where
    T: FromStr + PartialEq + Debug,
    T::Err: std::fmt::Display,
{
    match text.parse::<T>() {
        Ok(value) => {
            let written = write(&value);
            let again = match written.parse::<T>() {
                Ok(again) => again,
                Err(e) => panic!("{value:?} wrote {written:?}, which does not parse: {e}"),
            };
            assert_eq!(again, value, "{text:?} -> {written:?}");
            assert_eq!(write(&again), written);
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
}

fn display<T: ToString>(value: &T) -> String {
    value.to_string()
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let text = text.as_ref();
    round_trip::<PrincipalId>(text, display);
    round_trip::<GroupId>(text, display);
    round_trip::<RoleId>(text, display);
    round_trip::<ShareId>(text, display);
    round_trip::<ResourceKind>(text, display);
    round_trip::<ResourceRef>(text, display);
    round_trip::<Email>(text, display);
    round_trip::<Level>(text, display);
    round_trip::<AccessLevel>(text, display);
    round_trip::<Permission>(text, display);
    round_trip::<Permissions>(text, display);
    round_trip::<ReshareRights>(text, display);
    round_trip::<Reason>(text, display);
    round_trip::<ShareAction>(text, display);
    round_trip::<LinkDigest>(text, LinkDigest::to_hex);
    // A presented token's digest always writes as a digest that parses back.
    if let Ok(token) = LinkToken::presented(text) {
        let digest = token.digest();
        assert_eq!(digest.to_hex().parse::<LinkDigest>().ok(), Some(digest));
    }
});
