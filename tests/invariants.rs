#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]
#![cfg(feature = "proptest")]
//! DESIGN.md's invariants 6, 9 and 10 as properties over random input. (1–5 and 11 are in
//! `policy_props.rs`; 7 and 8, with 6 again through the store, in the model-based store test,
//! `store::conformance::model_based`.)

use chrono::{TimeZone, Utc};
use pollster::block_on;
use proptest::prelude::*;
use shareguard::arbitrary;
use shareguard::model::{
    Email, GroupId, Level, LinkToken, PrincipalId, RoleId, ShareId, ShareLink, SharePatch,
};
use shareguard::{
    AccessLevel, MemoryStore, NewShare, Permission, Permissions, Principal, Reason, Recipient,
    ResourceRef, Settings, Share, ShareAction, ShareStore, StoreError,
};

fn presented_token() -> impl Strategy<Value = LinkToken> {
    "[A-Za-z0-9_-]{8,64}".prop_map(|t| LinkToken::presented(t).unwrap())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Invariant 6: a share's recipient never changes — neither by a patch (a different
    /// recipient is refused, naming the field) nor through a store's update.
    #[test]
    fn a_recipient_never_changes(share in arbitrary::share(), other in arbitrary::recipient()) {
        let patch = SharePatch { recipient: Some(other.clone()), ..SharePatch::default() };
        match share.patched(&patch) {
            Ok((changed, _)) => prop_assert_eq!(changed.recipient(), share.recipient()),
            Err(e) => {
                prop_assert_ne!(&other, share.recipient());
                prop_assert_eq!(e.field(), "recipient");
            }
        }
        let store = MemoryStore::load([share.clone()]).unwrap();
        let actor: PrincipalId = "admin".parse().unwrap();
        let result = block_on(store.update(share.id(), share.version(), &patch, &actor, share.created()));
        let stored = block_on(store.get(share.id())).unwrap().unwrap();
        prop_assert_eq!(stored.recipient(), share.recipient());
        if &other != share.recipient() {
            prop_assert!(matches!(result, Err(StoreError::Invalid(_))), "{:?}", result);
            prop_assert_eq!(stored, share);
        }
    }

    /// Invariant 9: a link's token is never printed, serialised or kept in a store in clear
    /// unless the link was made retrievable; the link opens for its token only.
    #[test]
    fn a_token_stays_secret_unless_retrievable(
        token in presented_token(),
        other in presented_token(),
        retrievable in any::<bool>(),
    ) {
        let link = ShareLink::new(&token, retrievable);
        let at = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
        let share = Share::new("s1".parse().unwrap(), "document:d1".parse().unwrap(),
            "alice".parse().unwrap(), Recipient::Link(link.clone()), AccessLevel::Viewer, at);
        let store = MemoryStore::load([share.clone()]).unwrap();
        let stored = block_on(store.get(share.id())).unwrap().unwrap();
        let texts = [
            format!("{share:?}"),
            format!("{share:#?}"),
            format!("{}", share.recipient()),
            format!("{link:?}"),
            format!("{token:?}"),
            format!("{stored:?}"),
            format!("{store:?}"),
            serde_json::to_string(&share).unwrap(),
            serde_json::to_string(&stored).unwrap(),
        ];
        for (i, text) in texts.iter().enumerate() {
            // Debug and Display never show it; serde and the store only for a retrievable link.
            let may_show = retrievable && i >= 7;
            prop_assert!(may_show || !text.contains(token.reveal()), "token in text {}: {}", i, text);
        }
        prop_assert_eq!(link.token().map(|t| t.reveal().to_owned()), retrievable.then(|| token.reveal().to_owned()));
        prop_assert!(link.accepts(&token.digest()));
        prop_assert_eq!(link.accepts(&other.digest()), other.reveal() == token.reveal());
    }

    /// Invariant 10: bad text gets a typed error that names the field, never a panic.
    #[test]
    fn bad_text_is_a_named_error_never_a_panic(text in ".{0,40}") {
        fn named<T, E: std::fmt::Debug>(r: Result<T, E>, field: impl Fn(&E) -> &'static str) -> Result<(), TestCaseError> {
            if let Err(e) = r {
                prop_assert!(!field(&e).is_empty(), "{:?} names no field", e);
            }
            Ok(())
        }
        named(text.parse::<PrincipalId>(), shareguard::ModelError::field)?;
        named(text.parse::<GroupId>(), shareguard::ModelError::field)?;
        named(text.parse::<RoleId>(), shareguard::ModelError::field)?;
        named(text.parse::<ShareId>(), shareguard::ModelError::field)?;
        named(text.parse::<ResourceRef>(), shareguard::ModelError::field)?;
        named(text.parse::<Email>(), shareguard::ModelError::field)?;
        named(text.parse::<Permission>(), shareguard::ModelError::field)?;
        named(text.parse::<Permissions>(), shareguard::ModelError::field)?;
        named(text.parse::<Level>(), shareguard::ModelError::field)?;
        named(text.parse::<ShareAction>(), shareguard::ModelError::field)?;
        named(text.parse::<Reason>(), shareguard::ModelError::field)?;
        named(LinkToken::presented(text.clone()), shareguard::ModelError::field)?;
    }

    /// Invariant 10 for JSON: any JSON value read as a model type is a value or an error
    /// (which, for a share, names where it is), never a panic.
    #[test]
    fn bad_json_is_an_error_never_a_panic(json in json_value()) {
        let text = json.to_string();
        let _ = serde_json::from_str::<Share>(&text);
        let _ = serde_json::from_str::<NewShare>(&text);
        let _ = serde_json::from_str::<SharePatch>(&text);
        let _ = serde_json::from_str::<Principal>(&text);
        let _ = serde_json::from_str::<Settings>(&text);
        let _ = serde_json::from_str::<Recipient>(&text);
        let _ = serde_json::from_str::<AccessLevel>(&text);
        if let Err(e) = serde_json::from_str::<Share>(&text) {
            prop_assert!(!e.to_string().is_empty());
        }
    }
}

/// JSON values shaped like the model's: objects with its field names, ids, levels and times
/// among random values.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value;
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        prop_oneof![
            Just("viewer".to_owned()),
            Just("custom".to_owned()),
            Just("document:d1".to_owned()),
            Just("2026-03-01T12:00:00Z".to_owned()),
            Just("user".to_owned()),
            ".{0,12}",
        ]
        .prop_map(Value::String),
    ];
    let names = prop_oneof![
        Just("id"),
        Just("resource"),
        Just("sharer"),
        Just("recipient"),
        Just("type"),
        Just("access"),
        Just("permissions"),
        Just("expires"),
        Just("created"),
        Just("version"),
        Just("kind"),
        Just("groups"),
        Just("allow_public"),
        Just("level"),
        Just("email"),
    ];
    leaf.prop_recursive(3, 24, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((names.clone(), inner), 0..6).prop_map(|fields| {
                Value::Object(fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
            }),
        ]
    })
}
