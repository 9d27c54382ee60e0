#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The model, checked against SEMANTICS.md sections 1–3 (written from the text).

use chrono::{DateTime, Duration, TimeZone, Utc};
use proptest::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;
use shareguard::model::{
    AdminRight, AdminRights, Directory, Email, FieldChange, GroupId, Level, LinkToken, LogEntry,
    LogEvent, RecipientClass, SharePatch, ShareType, Usage,
};
use shareguard::{
    AccessLevel, NewShare, Permission, Permissions, Principal, PrincipalKind, Recipient,
    ReshareRights, ResourceRef, Settings, Share,
};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap()
}

fn set(names: &str) -> Permissions {
    names.parse().unwrap()
}

fn round_trip<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(value: &T) {
    let json = serde_json::to_string(value).unwrap();
    let back: T = serde_json::from_str(&json).unwrap();
    assert_eq!(&back, value, "round trip through {json}");
}

// ---------------------------------------------------------------- section 2: levels

#[test]
fn every_level_has_exactly_the_permissions_of_the_table() {
    let viewer = "view, download";
    let commenter = "view, download, comment";
    let editor = "view, download, comment, review, fill_forms, edit";
    let table: [(AccessLevel, &str); 10] = [
        (AccessLevel::None, ""),
        (AccessLevel::Viewer, viewer),
        (AccessLevel::Commenter, commenter),
        (AccessLevel::Reviewer, "view, download, comment, review"),
        (AccessLevel::FormFiller, "view, download, fill_forms"),
        (AccessLevel::Editor, editor),
        (AccessLevel::ContentCreator, "view, download, comment, review, fill_forms, edit, create"),
        (
            AccessLevel::Contributor,
            "view, download, comment, review, fill_forms, edit, create, delete",
        ),
        (
            AccessLevel::Manager,
            "view, download, comment, review, fill_forms, edit, create, delete, view_log, \
             reshare_internal, reshare_external, reshare_public, reshare_link, grant_reshare, \
             manage_access",
        ),
        (AccessLevel::Restrict, ""),
    ];
    for (level, names) in table {
        assert_eq!(level.permissions(), set(names), "{level}");
    }
    assert_eq!(AccessLevel::Manager.permissions().iter().count(), 15);
    let custom = AccessLevel::Custom(set("view, edit"));
    assert_eq!(custom.permissions(), set("view, edit"));
}

#[test]
fn every_level_name_parses_and_prints_back() {
    for level in Level::ALL {
        assert_eq!(level.name().parse::<Level>().unwrap(), level);
        assert_eq!(level.to_string(), level.name());
    }
    let names: Vec<&str> = Level::ALL.iter().map(|l| l.name()).collect();
    assert_eq!(
        names,
        [
            "none",
            "viewer",
            "commenter",
            "reviewer",
            "form_filler",
            "editor",
            "content_creator",
            "contributor",
            "manager",
            "custom",
            "restrict"
        ]
    );
}

#[test]
fn siblings_are_not_ordered_and_restrict_share_has_no_permissions() {
    let c = AccessLevel::Commenter.permissions();
    let f = AccessLevel::FormFiller.permissions();
    assert!(!c.contains(f) && !f.contains(c));
    let restrict = Share::new(
        "s1".parse().unwrap(),
        "document:d1".parse().unwrap(),
        "alice".parse().unwrap(),
        Recipient::User { id: "bob".parse().unwrap() },
        AccessLevel::Restrict,
        t0(),
    )
    .with_reshare(ReshareRights::all());
    assert_eq!(restrict.permissions(), Permissions::empty());
}

#[test]
fn reshare_rights_fold_into_permissions_even_on_none() {
    let share = Share::new(
        "s1".parse().unwrap(),
        "document:d1".parse().unwrap(),
        "alice".parse().unwrap(),
        Recipient::User { id: "bob".parse().unwrap() },
        AccessLevel::None,
        t0(),
    )
    .with_reshare(ReshareRights::INTERNAL);
    assert_eq!(share.permissions(), Permissions::RESHARE_INTERNAL);
    assert_eq!(
        ReshareRights::all().permissions(),
        set("reshare_internal, reshare_external, reshare_public, reshare_link, grant_reshare")
    );
}

#[test]
fn malformed_levels_are_errors_naming_the_field() {
    let err = "owner2".parse::<AccessLevel>().unwrap_err();
    assert_eq!(err.to_string(), r#"access: unknown level "owner2""#);
    assert_eq!(err.field(), "access");
    // ONLYOFFICE's display value `Varies` is not a level.
    assert!("varies".parse::<AccessLevel>().is_err());
    assert!("Varies".parse::<Level>().is_err());
    let err = "view, own".parse::<Permissions>().unwrap_err();
    assert!(err.to_string().starts_with("permissions:"), "{err}");
    assert!(err.to_string().contains("\"own\""), "{err}");
    let err = "internal, everyone".parse::<ReshareRights>().unwrap_err();
    assert!(err.to_string().starts_with("reshare:"), "{err}");
    let err = "not-an-address".parse::<Email>().unwrap_err();
    assert!(err.to_string().starts_with("email:"), "{err}");
    let err = "d1".parse::<shareguard::ResourceRef>().unwrap_err();
    assert!(err.to_string().starts_with("resource:"), "{err}");
    assert!(AccessLevel::from_parts(Level::Custom, None).is_err());
    assert!(AccessLevel::from_parts(Level::Custom, Some(Permissions::empty())).is_err());
    assert!(AccessLevel::from_parts(Level::Viewer, Some(Permissions::empty())).is_err());
}

// ---------------------------------------------------------------- section 3: recipients

fn principal(id: &str, kind: PrincipalKind) -> shareguard::model::PrincipalBuilder {
    Principal::builder(id, kind)
}

#[test]
fn recipient_kinds_match_exactly_as_the_table_says() {
    let token = LinkToken::presented("tok-1").unwrap();
    let link = Recipient::Link(shareguard::model::ShareLink::new(&token, false));
    let bob = principal("bob", PrincipalKind::Internal)
        .group("eng")
        .group("staff")
        .role("vp-sales")
        .reports_to("ceo")
        .email("Bob@Corp.Example")
        .build()
        .unwrap();
    let partner = principal("pat", PrincipalKind::Partner)
        .role("vp-sales")
        .reports_to("ceo")
        .build()
        .unwrap();
    let customer = principal("cus", PrincipalKind::Customer).build().unwrap();
    let external =
        principal("ext", PrincipalKind::External).email("ext@other.example").build().unwrap();
    let visitor = principal("bob", PrincipalKind::Anonymous)
        .group("eng")
        .role("vp-sales")
        .email("bob@corp.example")
        .link_token(&token)
        .build()
        .unwrap();

    let r = |json: &str| -> Recipient { serde_json::from_str(json).unwrap() };
    // (recipient, bob, partner, customer, external, anonymous visitor)
    let table: Vec<(Recipient, [bool; 5])> = vec![
        (r(r#"{"type":"user","id":"bob"}"#), [true, false, false, false, false]),
        (r(r#"{"type":"user","id":"pat"}"#), [false, true, false, false, false]),
        (r(r#"{"type":"group","id":"staff"}"#), [true, false, false, false, false]),
        (r(r#"{"type":"group","id":"other"}"#), [false, false, false, false, false]),
        (r(r#"{"type":"role","id":"vp-sales"}"#), [true, true, false, false, false]),
        (r(r#"{"type":"role","id":"ceo"}"#), [false, false, false, false, false]),
        (r(r#"{"type":"role_and_subordinates","id":"ceo"}"#), [true, true, false, false, false]),
        (
            r(r#"{"type":"role_and_subordinates","id":"vp-sales"}"#),
            [true, true, false, false, false],
        ),
        // refuses the partner in the role chain
        (
            r(r#"{"type":"role_and_internal_subordinates","id":"ceo"}"#),
            [true, false, false, false, false],
        ),
        // an external principal does not match `organization`
        (r(r#"{"type":"organization"}"#), [true, false, false, false, false]),
        (r(r#"{"type":"partner_users"}"#), [false, true, false, false, false]),
        (r(r#"{"type":"customer_users"}"#), [false, false, true, false, false]),
        // email compared ignoring case
        (r(r#"{"type":"email","email":"BOB@corp.example"}"#), [true, false, false, false, false]),
        (r(r#"{"type":"email","email":"EXT@Other.Example"}"#), [false, false, false, true, false]),
        (r(r#"{"type":"public"}"#), [true, true, true, true, true]),
        (link.clone(), [false, false, false, false, true]),
    ];
    let who = [&bob, &partner, &customer, &external, &visitor];
    for (recipient, expected) in &table {
        for (p, want) in who.iter().zip(expected) {
            assert_eq!(
                recipient.matches(p),
                *want,
                "{recipient} matching {} ({})",
                p.id(),
                p.kind()
            );
        }
    }
    // A wrong token does not match a link.
    let other = principal("v2", PrincipalKind::Anonymous)
        .link_token(&LinkToken::presented("tok-2").unwrap())
        .build()
        .unwrap();
    assert!(!link.matches(&other));
    // The token also opens the link for a known principal presenting it.
    let bob_with_token =
        principal("bob", PrincipalKind::Internal).link_token(&token).build().unwrap();
    assert!(link.matches(&bob_with_token));
}

#[test]
fn recipient_classes_follow_section_3() {
    use RecipientClass::*;
    let classes = [
        (ShareType::User, Internal),
        (ShareType::Group, Internal),
        (ShareType::Role, Internal),
        (ShareType::RoleAndSubordinates, Internal),
        (ShareType::RoleAndInternalSubordinates, Internal),
        (ShareType::Organization, Internal),
        (ShareType::PartnerUsers, External),
        (ShareType::CustomerUsers, External),
        (ShareType::Email, External),
        (ShareType::Public, Public),
        (ShareType::Link, Link),
    ];
    for (kind, class) in classes {
        assert_eq!(kind.class(), class, "{kind}");
        let json = serde_json::to_string(&kind).unwrap();
        assert_eq!(json, format!("\"{}\"", kind.name()));
    }
    assert_eq!(Internal.reshare_permission(), Permission::ReshareInternal);
    assert_eq!(External.reshare_permission(), Permission::ReshareExternal);
    assert_eq!(Public.reshare_permission(), Permission::ResharePublic);
    assert_eq!(Link.reshare_permission(), Permission::ReshareLink);
}

// ---------------------------------------------------------------- serde round trips

fn all_recipients() -> Vec<Recipient> {
    let token = LinkToken::generate().unwrap();
    vec![
        Recipient::User { id: "bob".parse().unwrap() },
        Recipient::Group { id: "eng".parse().unwrap() },
        Recipient::Role { id: "r".parse().unwrap() },
        Recipient::RoleAndSubordinates { id: "r".parse().unwrap() },
        Recipient::RoleAndInternalSubordinates { id: "r".parse().unwrap() },
        Recipient::Organization,
        Recipient::PartnerUsers,
        Recipient::CustomerUsers,
        Recipient::Email { email: "a@b.example".parse().unwrap() },
        Recipient::Public,
        Recipient::Link(shareguard::model::ShareLink::new(&token, false)),
        Recipient::Link(shareguard::model::ShareLink::new(&token, true)),
    ]
}

#[test]
fn share_round_trips_with_every_recipient_kind() {
    for (i, recipient) in all_recipients().into_iter().enumerate() {
        let share = Share::new(
            format!("s{i}").parse().unwrap(),
            "folder:f1".parse().unwrap(),
            "alice".parse().unwrap(),
            recipient,
            AccessLevel::Custom(set("view, comment")),
            t0(),
        )
        .with_reshare(ReshareRights::INTERNAL | ReshareRights::GRANT)
        .with_expiry(Some(t0() + Duration::nanoseconds(1_000_000_001)))
        .with_message(Some("for you".into()))
        .with_usage(Usage { last_visit: Some(t0()), visits: 3 })
        .with_version(7);
        round_trip(&share);
        round_trip(share.recipient());
        let back: Share = serde_json::from_str(&serde_json::to_string(&share).unwrap()).unwrap();
        assert_eq!(back.expires(), share.expires(), "nanoseconds survive");
    }
}

#[test]
fn a_link_is_written_with_its_digest_only_retrievable_or_not() {
    let token = LinkToken::generate().unwrap();
    for retrievable in [false, true] {
        let link = shareguard::model::ShareLink::new(&token, retrievable);
        let json = serde_json::to_string(&link).unwrap();
        assert!(!json.contains(token.reveal()), "no serde output carries a token: {json}");
        let back: shareguard::model::ShareLink = serde_json::from_str(&json).unwrap();
        assert!(back.token().is_none());
        assert!(back.accepts(&token.digest()));
    }
    // Read from a document that gives the token (a scenario file, a vendor form), a link keeps it.
    let json = format!(r#"{{"token": "{}"}}"#, token.reveal());
    let read: shareguard::model::ShareLink = serde_json::from_str(&json).unwrap();
    assert_eq!(read.token().unwrap().reveal(), token.reveal());
}

#[test]
fn principal_settings_newshare_patch_level_entry_round_trip() {
    let token = LinkToken::presented("tok-1").unwrap();
    let alice = Principal::builder("alice", PrincipalKind::Partner)
        .group("eng")
        .role("vp")
        .reports_to("ceo")
        .email("Alice@Corp.Example")
        .admin(
            AdminRights::none()
                .with(AdminRight::ReadShares)
                .with_kinds(AdminRight::DeleteShares, ["document".parse().unwrap()])
                .with_kinds(AdminRight::WriteShares, []),
        )
        .link_token(&token)
        .build()
        .unwrap();
    round_trip(&alice);
    // An empty list of kinds limits a right to none, and survives serde as such.
    let back: Principal = serde_json::from_str(&serde_json::to_string(&alice).unwrap()).unwrap();
    assert!(!back.admin().allows_kind(AdminRight::WriteShares, "document"));
    assert!(back.admin().allows_kind(AdminRight::DeleteShares, "document"));
    assert!(!back.admin().allows_kind(AdminRight::DeleteShares, "folder"));

    round_trip(&Settings::default());
    round_trip(&Settings {
        allow_external: false,
        allow_public: false,
        allow_links: false,
        max_link_lifetime_days: Some(30),
        external_may_manage: true,
        require_link_password: true,
        require_acceptance: shareguard::model::RequireAcceptance::External,
        email_domains: Some(shareguard::model::EmailDomains::Allow(vec!["corp.example".into()])),
    });
    let defaults: Settings = serde_json::from_str("{}").unwrap();
    assert_eq!(defaults, Settings::default());
    assert!(defaults.allow_external && defaults.allow_public && defaults.allow_links);
    assert_eq!(defaults.max_link_lifetime_days, None);
    assert!(!defaults.external_may_manage);

    for recipient in all_recipients() {
        let new = NewShare::new("document:d1".parse().unwrap(), recipient, AccessLevel::Viewer)
            .reshare(ReshareRights::LINK)
            .expires(t0())
            .message("hi");
        round_trip(&new);
    }
    round_trip(&NewShare::new(
        "document:d1".parse().unwrap(),
        Recipient::Public,
        AccessLevel::Custom(set("view")),
    ));

    let patch = SharePatch {
        access: Some(Level::Custom),
        permissions: Some(set("view, edit")),
        reshare: Some(ReshareRights::empty()),
        expires: Some(None),
        message: Some(None),
        recipient: Some(Recipient::Organization),
        starts: Some(None),
        max_uses: Some(Some(3)),
        ..SharePatch::default()
    };
    round_trip(&patch);
    let json = serde_json::to_value(&patch).unwrap();
    assert!(json["expires"].is_null(), "expires: null is written: {json}");
    let removes: SharePatch = serde_json::from_str(r#"{"expires": null}"#).unwrap();
    assert_eq!(removes.expires, Some(None), "`expires: null` removes the expiry");
    let untouched: SharePatch = serde_json::from_str("{}").unwrap();
    assert_eq!(untouched.expires, None, "an absent expiry leaves it");
    round_trip(&SharePatch { expires: Some(Some(t0())), ..SharePatch::default() });
    round_trip(&SharePatch::default());

    for level in Level::ALL {
        round_trip(&level);
    }
    for access in [
        AccessLevel::None,
        AccessLevel::Viewer,
        AccessLevel::Manager,
        AccessLevel::Restrict,
        AccessLevel::Custom(set("view, manage_access")),
    ] {
        round_trip(&access);
        assert_eq!(access.to_string().parse::<AccessLevel>().unwrap(), access);
    }
    assert_eq!(
        serde_json::to_string(&AccessLevel::Custom(set("view, comment"))).unwrap(),
        r#"{"custom":["view","comment"]}"#
    );
    round_trip(&ReshareRights::all());
    round_trip(&Usage { last_visit: Some(t0()), visits: 2 });

    let events = vec![
        LogEvent::Created,
        LogEvent::Changed {
            changes: vec![FieldChange {
                field: "access".into(),
                old: Some("viewer".into()),
                new: Some("editor".into()),
            }],
        },
        LogEvent::Deleted,
        LogEvent::AccessAdded { recipient: Recipient::Group { id: "eng".parse().unwrap() } },
        LogEvent::AccessRemoved { recipient: Recipient::Public },
        LogEvent::Visited,
        LogEvent::Expired,
        LogEvent::LinkRetrieved,
        LogEvent::Accepted,
        LogEvent::Declined,
        LogEvent::InheritanceCut,
        LogEvent::InheritanceRestored,
    ];
    for (seq, event) in events.into_iter().enumerate() {
        round_trip(&LogEntry {
            revision: shareguard::model::Revision::new(seq as u64),
            // Entries about a resource (inheritance) name no share.
            share: (seq % 2 == 0).then(|| "s1".parse().unwrap()),
            resource: "folder:f1".parse().unwrap(),
            actor: "alice".parse().unwrap(),
            at: t0(),
            event,
        });
    }
}

// ---------------------------------------------------------------- permissions names

#[test]
fn every_permission_name_parses_and_prints_back() {
    let names = [
        "view",
        "download",
        "comment",
        "review",
        "fill_forms",
        "edit",
        "create",
        "delete",
        "view_log",
        "reshare_internal",
        "reshare_external",
        "reshare_public",
        "reshare_link",
        "grant_reshare",
        "manage_access",
    ];
    for (p, name) in Permission::ALL.iter().zip(names) {
        assert_eq!(p.name(), name);
        assert_eq!(name.parse::<Permission>().unwrap(), *p);
        assert_eq!(serde_json::to_string(p).unwrap(), format!("\"{name}\""));
    }
    assert_eq!("".parse::<Permissions>().unwrap(), Permissions::empty());
}

fn hash_of(value: &impl std::hash::Hash) -> u64 {
    use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
    BuildHasherDefault::<DefaultHasher>::default().hash_one(value)
}

/// Texts around the length up to which an id is kept in place, some of them multi-byte.
fn id_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-c]{1,3}",
        "[a-c]{14,18}",
        "[a-cé]{7,12}",
        "[a-c:]{1,40}",
        proptest::collection::vec(prop_oneof![Just('a'), Just('é'), Just('字')], 1..12)
            .prop_map(|v| v.into_iter().collect()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Ids compare and order as their texts do and hash alike exactly when their texts are
    /// equal (a keyed hash of the text: a collision is a 2^-32 chance, never a crafted one),
    /// whether a text is kept in place (short) or shared (long), and give their text back
    /// unchanged.
    #[test]
    fn ids_behave_as_their_texts(a in id_text(), b in id_text()) {
        let (x, y): (GroupId, GroupId) = (a.parse().unwrap(), b.parse().unwrap());
        prop_assert_eq!(x.as_str(), a.as_str());
        prop_assert_eq!(x == y, a == b);
        prop_assert_eq!(x.cmp(&y), a.cmp(&b));
        prop_assert_eq!(hash_of(&x) == hash_of(&y), a == b);
        prop_assert_eq!(x.clone(), x.clone());
        prop_assert_eq!(serde_json::from_str::<GroupId>(&serde_json::to_string(&x).unwrap()).unwrap(), x.clone());
        let (r, s) = (format!("k:{a}"), format!("k:{b}"));
        let (rr, sr): (ResourceRef, ResourceRef) = (r.parse().unwrap(), s.parse().unwrap());
        prop_assert_eq!((rr.as_str(), rr.id()), (r.as_str(), &r[2..]));
        prop_assert_eq!(rr == sr, r == s);
        prop_assert_eq!(rr.cmp(&sr), r.cmp(&s));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn permissions_print_and_parse_back(bits in any::<u16>()) {
        let set = Permissions::from_bits_truncate(bits);
        prop_assert_eq!(set.to_string().parse::<Permissions>().unwrap(), set);
        let json = serde_json::to_string(&set).unwrap();
        let list: Vec<String> = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(list.len(), set.iter().count());
        prop_assert_eq!(serde_json::from_str::<Permissions>(&json).unwrap(), set);
    }
}

#[cfg(feature = "proptest")]
proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_model_values_round_trip(
        share in shareguard::arbitrary::share(),
        principal in shareguard::arbitrary::principal(),
        settings in shareguard::arbitrary::settings(),
        access in shareguard::arbitrary::access_level(),
        reshare in shareguard::arbitrary::reshare_rights(),
    ) {
        round_trip(&share);
        round_trip(&principal);
        round_trip(&settings);
        round_trip(&access);
        round_trip(&reshare);
        prop_assert_eq!(reshare.to_string().parse::<ReshareRights>().unwrap(), reshare);
        prop_assert_eq!(access.to_string().parse::<AccessLevel>().unwrap(), access);
    }
}

// ---------------------------------------------------------------- directory

#[test]
fn nested_groups_three_deep_resolve() {
    let mut dir = Directory::new();
    dir.add_group("eng".parse().unwrap(), ["rnd".parse().unwrap()]);
    dir.add_group("rnd".parse().unwrap(), ["staff".parse().unwrap()]);
    dir.add_group("staff".parse().unwrap(), ["everyone".parse().unwrap()]);
    dir.add_role("dev".parse().unwrap(), Some("lead".parse().unwrap()));
    dir.add_role("lead".parse().unwrap(), Some("cto".parse().unwrap()));
    dir.check().unwrap();
    let bob = dir
        .resolve(Principal::builder("bob", PrincipalKind::Internal).group("eng").role("dev"))
        .unwrap();
    for g in ["eng", "rnd", "staff", "everyone"] {
        assert!(bob.in_group(&g.parse::<GroupId>().unwrap()), "{g}");
    }
    assert!(Recipient::Group { id: "everyone".parse().unwrap() }.matches(&bob));
    assert!(Recipient::RoleAndSubordinates { id: "cto".parse().unwrap() }.matches(&bob));
    assert!(!Recipient::Role { id: "cto".parse().unwrap() }.matches(&bob));
}

#[test]
fn a_group_cycle_is_refused_naming_it() {
    let mut dir = Directory::new();
    dir.add_group("a".parse().unwrap(), ["b".parse().unwrap()]);
    dir.add_group("b".parse().unwrap(), ["c".parse().unwrap()]);
    dir.add_group("c".parse().unwrap(), ["a".parse().unwrap()]);
    let err = dir.check().unwrap_err();
    assert_eq!(err.field(), "groups");
    assert_eq!(err.to_string(), "groups: cycle a -> b -> c -> a");
    let err =
        dir.resolve(Principal::builder("bob", PrincipalKind::Internal).group("b")).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("a") && text.contains("b") && text.contains("c"), "{text}");
}

#[test]
fn a_role_cycle_is_refused_naming_it() {
    let mut dir = Directory::new();
    dir.add_role("x".parse().unwrap(), Some("y".parse().unwrap()));
    dir.add_role("y".parse().unwrap(), Some("x".parse().unwrap()));
    let err = dir.check().unwrap_err();
    assert_eq!(err.field(), "roles");
    assert_eq!(err.to_string(), "roles: cycle x -> y -> x");
    assert!(
        dir.resolve(Principal::builder("bob", PrincipalKind::Internal).role("y"))
            .unwrap_err()
            .to_string()
            .starts_with("roles: cycle")
    );
}

// ---------------------------------------------------------------- link tokens

#[test]
fn a_link_token_never_shows_in_debug_or_display() {
    let token = LinkToken::generate().unwrap();
    for retrievable in [false, true] {
        let link = shareguard::model::ShareLink::new(&token, retrievable);
        let share = Share::new(
            "s1".parse().unwrap(),
            "document:d1".parse().unwrap(),
            "alice".parse().unwrap(),
            Recipient::Link(link.clone()),
            AccessLevel::Viewer,
            t0(),
        );
        for text in [
            format!("{share:?}"),
            format!("{:#?}", share),
            format!("{}", share.recipient()),
            format!("{:?}", share.recipient()),
            format!("{link:?}"),
            format!("{token:?}"),
        ] {
            assert!(!text.contains(token.reveal()), "token leaked in {text}");
        }
    }
}

#[test]
fn two_generated_tokens_differ_and_are_32_bytes() {
    let a = LinkToken::generate().unwrap();
    let b = LinkToken::generate().unwrap();
    assert_ne!(a.reveal(), b.reveal());
    assert_ne!(a.digest(), b.digest());
    assert_eq!(a.reveal().len(), 64);
}

#[test]
fn only_a_retrievable_link_returns_its_token() {
    let token = LinkToken::generate().unwrap();
    let retrievable = shareguard::model::ShareLink::new(&token, true);
    assert!(retrievable.is_retrievable());
    assert_eq!(retrievable.token().unwrap().reveal(), token.reveal());
    let kept = shareguard::model::ShareLink::new(&token, false);
    assert!(!kept.is_retrievable());
    assert!(kept.token().is_none());
    // It still opens for whoever presents the token, and not for another.
    assert!(kept.accepts(&LinkToken::presented(token.reveal()).unwrap().digest()));
    assert!(!kept.accepts(&LinkToken::generate().unwrap().digest()));
}

// ---------------------------------------------------------------- share patches

#[test]
fn a_patch_never_changes_the_recipient() {
    let share = Share::new(
        "s1".parse().unwrap(),
        "document:d1".parse().unwrap(),
        "alice".parse().unwrap(),
        Recipient::Email { email: "bob@corp.example".parse().unwrap() },
        AccessLevel::Viewer,
        t0(),
    );
    let other = SharePatch {
        recipient: Some(Recipient::Email { email: "carol@corp.example".parse().unwrap() }),
        ..SharePatch::default()
    };
    assert_eq!(share.patched(&other).unwrap_err().field(), "recipient");
    // The same address in other case is the same recipient.
    let same = SharePatch {
        recipient: Some(Recipient::Email { email: "BOB@Corp.Example".parse().unwrap() }),
        ..SharePatch::default()
    };
    assert!(share.patched(&same).is_ok());
}

#[cfg(feature = "proptest")]
proptest! {
    /// A store finds "shared with me" by looking up `recipient_keys`: a recipient matches a
    /// principal exactly when it is one of them (public aside, when not asked for).
    #[test]
    fn recipient_keys_are_exactly_the_matching_recipients(
        principal in shareguard::arbitrary::principal(),
        recipient in shareguard::arbitrary::recipient(),
        include_public in any::<bool>(),
    ) {
        let listed = principal.recipient_keys(include_public).contains(&recipient);
        let expected = recipient.matches(&principal) && (include_public || recipient != Recipient::Public);
        prop_assert_eq!(listed, expected, "{} for {:?}", recipient, principal);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// A digest reads back from its 64 hex digits (either case), and only from hex digits:
    /// no sign, no space, no other length.
    #[test]
    fn a_digest_parses_from_hex_digits_only(bytes in any::<[u8; 32]>(), text in "[0-9a-fA-F+ -]{64}") {
        let digest = shareguard::model::LinkDigest::from_bytes(bytes);
        prop_assert_eq!(digest.to_hex().parse::<shareguard::model::LinkDigest>().unwrap(), digest);
        prop_assert_eq!(digest.to_hex().to_uppercase().parse::<shareguard::model::LinkDigest>().unwrap(), digest);
        let all_hex = text.bytes().all(|b| b.is_ascii_hexdigit());
        prop_assert_eq!(text.parse::<shareguard::model::LinkDigest>().is_ok(), all_hex, "{}", text);
        prop_assert!("+1".repeat(32).parse::<shareguard::model::LinkDigest>().is_err());
    }
}

#[test]
fn a_share_read_from_json_is_held_to_the_rules_of_a_request() {
    let share = Share::new(
        "s1".parse().unwrap(),
        "document:d1".parse().unwrap(),
        "alice".parse().unwrap(),
        Recipient::User { id: "bob".parse().unwrap() },
        AccessLevel::Viewer,
        t0(),
    );
    let good = serde_json::to_value(&share).unwrap();
    assert_eq!(serde_json::from_value::<Share>(good.clone()).unwrap(), share);

    let mut empty_custom = good.clone();
    empty_custom["access"] = serde_json::json!({ "custom": [] });
    let err = serde_json::from_value::<Share>(empty_custom).unwrap_err().to_string();
    assert!(err.starts_with("permissions:"), "{err}");

    let mut restrict_with_reshare = good;
    restrict_with_reshare["access"] = serde_json::json!("restrict");
    restrict_with_reshare["reshare"] = serde_json::json!(["internal"]);
    let err = serde_json::from_value::<Share>(restrict_with_reshare).unwrap_err().to_string();
    assert!(err.contains("takes no `permissions` and no `reshare`"), "{err}");
}

/// A share read without its `version` (an import, a hand-written fixture) is at its first
/// version, as a new share is: the version a conditional write expects of it.
#[test]
fn a_share_written_without_its_version_is_at_version_one() {
    let json = r#"{"id":"s1","resource":"folder:f1","sharer":"alice","recipient":{"type":"public"},
        "access":"viewer","created":"2026-03-01T12:00:00Z"}"#;
    let share: Share = serde_json::from_str(json).unwrap();
    assert_eq!(share.version(), 1);
    let later: Share =
        serde_json::from_str(&json.replace("\"created\"", "\"version\":7,\"created\"")).unwrap();
    assert_eq!(later.version(), 7);
}
