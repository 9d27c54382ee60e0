//! SEMANTICS.md sections 8–11 as tables, through `Policy` and `Admin` over `MemoryStore`
//! (issue "Links, invitations, scheduled shares, inheritance cuts, domain lists and exact
//! listings"): one table per new rule and per new denial reason (`password`, `pending`,
//! `not_started`), with the issue's edges.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use pollster::block_on;
use shareguard::admin::{Hierarchy, LinkRequest};
use shareguard::model::{
    AdminRight, Audience, Email, LinkPassword, LinkToken, Password, Permission, Permissions,
    RequireAcceptance, Revision, ShareLink, SharePatch, ShareState, Usage,
};
use shareguard::policy::Node;
use shareguard::store::Page;
use shareguard::{
    AccessLevel, Admin, AdminError, MemoryStore, NewShare, Policy, Principal, PrincipalKind,
    Reason, Recipient, ResourceRef, Settings, Share, ShareStore,
};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap()
}

fn r(s: &str) -> ResourceRef {
    s.parse().unwrap()
}

fn user(id: &str) -> Principal {
    Principal::builder(id, PrincipalKind::Internal).build().unwrap()
}

fn to(id: &str) -> Recipient {
    Recipient::User { id: id.parse().unwrap() }
}

fn share(id: &str, recipient: Recipient, access: AccessLevel) -> Share {
    Share::new(
        id.parse().unwrap(),
        r("document:d"),
        "olga".parse().unwrap(),
        recipient,
        access,
        now(),
    )
}

fn link(token: &LinkToken) -> Recipient {
    Recipient::Link(ShareLink::new(token, false))
}

fn hashed(text: &str) -> LinkPassword {
    LinkPassword::hash(&Password::new(text).unwrap()).unwrap()
}

/// The reason `policy` gives `who` for `permission` on `document:d` carrying `shares`
/// (owned by no one).
fn reason(policy: &Policy, who: &Principal, permission: Permission, shares: &[Share]) -> Reason {
    let doc = r("document:d");
    let path = [Node::new(&doc, None, shares)];
    policy.check(who, permission, &path, now()).reason()
}

fn world(settings: Settings) -> Admin<MemoryStore, Hierarchy> {
    let mut tree = Hierarchy::new();
    tree.add(r("folder:f"), None, Some("olga".parse().unwrap())).unwrap();
    tree.add(r("document:d"), Some(r("folder:f")), None).unwrap();
    Admin::new(MemoryStore::new(), tree, Policy::new(settings))
}

fn denial(result: Result<impl std::fmt::Debug, AdminError>) -> Reason {
    match result {
        Err(AdminError::Denied(d)) => d.reason(),
        other => panic!("expected a denial, got {other:?}"),
    }
}

#[test]
fn a_start_at_exactly_now_grants_and_one_nanosecond_later_is_not_started() {
    let bob = user("bob");
    let ns = Duration::nanoseconds(1);
    for (starts, expected) in [
        (now() - Duration::days(1), Reason::Share),
        (now() - ns, Reason::Share),
        (now(), Reason::Share),
        (now() + ns, Reason::NotStarted),
        (now() + Duration::days(1), Reason::NotStarted),
    ] {
        let s = share("s", to("bob"), AccessLevel::Editor).with_start(Some(starts));
        assert_eq!(
            reason(&Policy::default(), &bob, Permission::Edit, std::slice::from_ref(&s)),
            expected,
            "{starts}"
        );
        let state =
            if expected == Reason::Share { ShareState::Active } else { ShareState::Scheduled };
        assert_eq!(s.state(now()), state, "{starts}");
    }
}

#[test]
fn not_started_comes_after_insufficient_and_before_expired() {
    let bob = user("bob");
    let later =
        share("later", to("bob"), AccessLevel::Editor).with_start(Some(now() + Duration::hours(1)));
    let viewer = share("viewer", to("bob"), AccessLevel::Viewer);
    let old =
        share("old", to("bob"), AccessLevel::Editor).with_expiry(Some(now() - Duration::hours(1)));
    for (shares, expected) in [
        (vec![later.clone()], Reason::NotStarted),
        (vec![later.clone(), old.clone()], Reason::NotStarted),
        (vec![old.clone()], Reason::Expired),
        (vec![later.clone(), viewer.clone()], Reason::Insufficient),
    ] {
        assert_eq!(reason(&Policy::default(), &bob, Permission::Edit, &shares), expected);
    }
}

#[test]
fn a_link_used_up_at_exactly_max_uses_is_expired() {
    let token = LinkToken::presented("tok-limited").unwrap();
    let visitor =
        Principal::builder("v", PrincipalKind::Anonymous).link_token(&token).build().unwrap();
    for (uses, expected) in [(0, Reason::Share), (2, Reason::Share), (3, Reason::Expired)] {
        let s = share("s", link(&token), AccessLevel::Viewer)
            .with_max_uses(Some(3))
            .with_usage(Usage { last_visit: None, visits: uses });
        assert_eq!(
            reason(&Policy::default(), &visitor, Permission::View, std::slice::from_ref(&s)),
            expected,
            "{uses} uses"
        );
        assert_eq!(s.is_used_up(), uses == 3);
        let state = if uses == 3 { ShareState::Expired } else { ShareState::Active };
        assert_eq!(s.state(now()), state);
    }
}

#[test]
fn a_locked_link_answers_password_whatever_is_asked() {
    let token = LinkToken::presented("tok-locked").unwrap();
    let kept = hashed("open sesame");
    let locked = share("s", link(&token), AccessLevel::Viewer).with_password(Some(kept.clone()));
    let anonymous =
        Principal::builder("v", PrincipalKind::Anonymous).link_token(&token).build().unwrap();
    let internal =
        Principal::builder("i", PrincipalKind::Internal).link_token(&token).build().unwrap();
    let links_off = Policy::new(Settings { allow_links: false, ..Settings::default() });
    for policy in [Policy::default(), links_off] {
        for who in [&anonymous, &internal] {
            for permission in Permissions::all().permissions() {
                let doc = r("document:d");
                let path = [Node::new(&doc, None, std::slice::from_ref(&locked))];
                let decision = policy.check(who, permission, &path, now());
                assert_eq!(decision.reason(), Reason::Password, "{permission}");
                assert_eq!(decision.evidence().held, None, "a locked link does not tell its level");
            }
        }
    }
    // Unlocked, it answers as its level does; an unlock of another password does not count.
    let unlocked =
        anonymous.clone().with_unlock(shareguard::model::LinkUnlock::new(token.digest(), &kept));
    assert_eq!(
        reason(&Policy::default(), &unlocked, Permission::View, std::slice::from_ref(&locked)),
        Reason::Share
    );
    assert_eq!(
        reason(&Policy::default(), &unlocked, Permission::Edit, std::slice::from_ref(&locked)),
        Reason::Insufficient
    );
    let other = anonymous
        .with_unlock(shareguard::model::LinkUnlock::new(token.digest(), &hashed("open sesame")));
    assert_eq!(reason(&Policy::default(), &other, Permission::View, &[locked]), Reason::Password);
}

#[test]
fn pending_answers_pending_only_for_what_acceptance_would_give() {
    let bob = user("bob");
    let invited = share("p", to("bob"), AccessLevel::Editor).with_pending(true);
    let viewer = share("v", to("bob"), AccessLevel::Viewer);
    assert_eq!(
        reason(&Policy::default(), &bob, Permission::Edit, std::slice::from_ref(&invited)),
        Reason::Pending
    );
    assert_eq!(
        reason(&Policy::default(), &bob, Permission::Edit, &[invited.clone(), viewer.clone()]),
        Reason::Pending
    );
    assert_eq!(
        reason(&Policy::default(), &bob, Permission::View, &[invited.clone(), viewer.clone()]),
        Reason::Share
    );
    assert_eq!(
        reason(&Policy::default(), &bob, Permission::Delete, &[invited.clone(), viewer]),
        Reason::Insufficient
    );
    assert_eq!(
        reason(&Policy::default(), &bob, Permission::Delete, std::slice::from_ref(&invited)),
        Reason::Insufficient
    );
    assert_eq!(invited.state(now()), ShareState::Pending);
    let old = invited.clone().with_expiry(Some(now() - Duration::hours(1)));
    assert_eq!(
        reason(&Policy::default(), &bob, Permission::Edit, std::slice::from_ref(&old)),
        Reason::Expired
    );
    assert_eq!(old.state(now()), ShareState::Expired);
    let pending_later = invited.with_start(Some(now() + Duration::hours(1)));
    assert_eq!(pending_later.state(now()), ShareState::Pending);
}

#[test]
fn pending_names_the_invitation_that_would_give_the_permission() {
    // A nearer invitation that would not give it is not the one the denial names.
    let bob = user("bob");
    let viewer = share("pv", to("bob"), AccessLevel::Viewer).with_pending(true);
    let editor = share("pe", to("bob"), AccessLevel::Editor).with_pending(true);
    let doc = r("document:d");
    let shares = [viewer, editor];
    let path = [Node::new(&doc, None, &shares)];
    let decision = Policy::default().check(&bob, Permission::Edit, &path, now());
    assert_eq!(decision.reason(), Reason::Pending);
    assert_eq!(decision.evidence().share, Some("pe".parse().unwrap()));
    let decision = Policy::default().check(&bob, Permission::View, &path, now());
    assert_eq!(decision.evidence().share, Some("pv".parse().unwrap()));
}

#[test]
fn a_cumulative_pending_behind_a_blocked_domain_answers_pending() {
    let settings: Settings =
        serde_json::from_str(r#"{"email_domains": {"block": ["blocked.test"]}}"#).unwrap();
    let policy = Policy::new(settings);
    let pat = Principal::builder("pat", PrincipalKind::External)
        .email("pat@blocked.test")
        .build()
        .unwrap();
    let address = || Recipient::Email { email: Email::new("pat@blocked.test").unwrap() };
    let by_user = share("u", to("pat"), AccessLevel::Viewer);
    let by_address = share("e", address(), AccessLevel::Commenter);
    let pending = share("p", address(), AccessLevel::Editor).with_pending(true);
    let all = [by_user, by_address, pending];
    assert_eq!(reason(&policy, &pat, Permission::View, &all), Reason::Share);
    assert_eq!(reason(&policy, &pat, Permission::Comment, &all), Reason::Setting);
    assert_eq!(reason(&policy, &pat, Permission::Edit, &all), Reason::Pending);
    assert_eq!(reason(&policy, &pat, Permission::Edit, &all[2..]), Reason::Pending);
}

#[test]
fn link_audiences_admit_as_section_8_says() {
    let token = LinkToken::presented("tok-aud").unwrap();
    let people = Audience::people([Email::new("Pia@Partner.test").unwrap()]).unwrap();
    let with = |audience: Audience| {
        share(
            "s",
            Recipient::Link(ShareLink::new(&token, false).with_audience(audience)),
            AccessLevel::Viewer,
        )
    };
    let anonymous = Principal::builder("a", PrincipalKind::Anonymous)
        .link_token(&token)
        .email("pia@partner.test")
        .build()
        .unwrap();
    let internal =
        Principal::builder("i", PrincipalKind::Internal).link_token(&token).build().unwrap();
    let pia = Principal::builder("p", PrincipalKind::External)
        .link_token(&token)
        .email("PIA@partner.TEST")
        .build()
        .unwrap();
    let pia_no_token =
        Principal::builder("p", PrincipalKind::External).email("pia@partner.test").build().unwrap();
    for (audience, who, expected) in [
        (Audience::Anyone, &anonymous, Reason::Share),
        (Audience::Anyone, &pia, Reason::Share),
        (Audience::Organization, &anonymous, Reason::NoShare),
        (Audience::Organization, &pia, Reason::NoShare),
        (Audience::Organization, &internal, Reason::Share),
        (people.clone(), &anonymous, Reason::NoShare),
        (people.clone(), &internal, Reason::NoShare),
        (people.clone(), &pia, Reason::Share),
        (people, &pia_no_token, Reason::NoShare),
    ] {
        assert_eq!(
            reason(&Policy::default(), who, Permission::View, &[with(audience.clone())]),
            expected,
            "{audience:?} {}",
            who.id()
        );
    }
}

#[test]
fn email_domains_cover_subdomains_not_lookalikes() {
    for (settings, address, expected) in [
        (r#"{"block": ["example.com"]}"#, "a@example.com", Reason::Setting),
        (r#"{"block": ["example.com"]}"#, "a@EU.Example.COM", Reason::Setting),
        (r#"{"block": ["example.com"]}"#, "a@badexample.com", Reason::Share),
        (r#"{"allow": ["example.com"]}"#, "a@eu.example.com", Reason::Share),
        (r#"{"allow": ["example.com"]}"#, "a@badexample.com", Reason::Setting),
        (r#"{"allow": ["Example.com"]}"#, "a@example.COM", Reason::Share),
    ] {
        let settings: Settings =
            serde_json::from_str(&format!(r#"{{"email_domains": {settings}}}"#)).unwrap();
        let who = Principal::builder("x", PrincipalKind::External).email(address).build().unwrap();
        let by_address = share(
            "e",
            Recipient::Email { email: Email::new(address).unwrap() },
            AccessLevel::Viewer,
        );
        assert_eq!(
            reason(&Policy::new(settings.clone()), &who, Permission::View, &[by_address]),
            expected,
            "{address}"
        );
        // A user share grants whatever the domain of the principal's own addresses.
        let by_user = share("u", to("x"), AccessLevel::Viewer);
        assert_eq!(
            reason(&Policy::new(settings), &who, Permission::View, &[by_user]),
            Reason::Share
        );
    }
    for bad in [
        r#"{"allow": ["a.com"], "block": ["b.com"]}"#,
        r#"{"allow": ["not a domain"]}"#,
        r#"{"block": ["a@b.com"]}"#,
    ] {
        assert!(
            serde_json::from_str::<Settings>(&format!(r#"{{"email_domains": {bad}}}"#)).is_err(),
            "{bad}"
        );
    }
}

#[test]
fn an_admin_may_not_restore_inheritance_over_a_grant_to_themselves() {
    let (folder, doc) = (r("folder:f"), r("document:d"));
    let olga = "olga".parse().unwrap();
    let ada = Principal::builder("ada", PrincipalKind::Internal)
        .admin_right(AdminRight::WriteShares)
        .group("team")
        .build()
        .unwrap();
    let grant = |recipient: Recipient| {
        Share::new(
            "g".parse().unwrap(),
            folder.clone(),
            "olga".parse().unwrap(),
            recipient,
            AccessLevel::Viewer,
            now(),
        )
    };
    let team = Recipient::Group { id: "team".parse().unwrap() };
    for (above, expected) in [
        (vec![], Reason::Admin),
        (vec![grant(to("someone"))], Reason::Admin),
        (vec![grant(to("ada"))], Reason::Escalation),
        (vec![grant(team.clone())], Reason::Escalation),
        (vec![grant(to("ada")).with_expiry(Some(now() - Duration::days(1)))], Reason::Escalation),
        (vec![grant(to("ada")).with_pending(true)], Reason::Escalation),
        (vec![grant(to("ada")).with_start(Some(now() + Duration::days(1)))], Reason::Escalation),
        (
            vec![Share::new(
                "x".parse().unwrap(),
                folder.clone(),
                "olga".parse().unwrap(),
                team,
                AccessLevel::Restrict,
                now(),
            )],
            Reason::Admin,
        ),
    ] {
        let path =
            [Node::new(&doc, None, &[]).inheriting(false), Node::new(&folder, Some(&olga), &above)];
        assert_eq!(
            Policy::default().check_set_inheritance(&ada, true, &path, now()).reason(),
            expected
        );
        // Cutting never escalates.
        assert_eq!(
            Policy::default().check_set_inheritance(&ada, false, &path, now()).reason(),
            Reason::Admin
        );
    }
    // Through the facade: the restore is refused and nothing is recorded.
    let mut tree = Hierarchy::new();
    tree.add(folder.clone(), None, Some(olga.clone())).unwrap();
    tree.add(doc.clone(), Some(folder.clone()), None).unwrap();
    tree.set_inherits(&doc, false).unwrap();
    let admin = Admin::new(MemoryStore::new(), tree, Policy::default());
    block_on(admin.create(
        &user("olga"),
        NewShare::new(folder.clone(), to("ada"), AccessLevel::Viewer),
        now(),
    ))
    .unwrap();
    let before = block_on(admin.changes_since(Revision::ZERO, 100)).unwrap().len();
    assert_eq!(
        denial(block_on(admin.set_inheritance(&ada, &doc, true, now()))),
        Reason::Escalation
    );
    assert_eq!(block_on(admin.changes_since(Revision::ZERO, 100)).unwrap().len(), before);
    assert_eq!(
        denial(block_on(admin.set_inheritance(&user("nobody"), &doc, true, now()))),
        Reason::NotPermitted
    );
    block_on(admin.set_inheritance(&user("olga"), &doc, true, now())).unwrap();
}

#[test]
fn a_widening_change_by_a_resharer_whose_access_has_lapsed_is_not_permitted() {
    let doc = r("document:d");
    let olga = "olga".parse().unwrap();
    let lapsed = Share::new(
        "lapsed".parse().unwrap(),
        doc.clone(),
        "olga".parse().unwrap(),
        to("lena"),
        AccessLevel::Editor,
        now(),
    )
    .with_reshare(shareguard::ReshareRights::INTERNAL | shareguard::ReshareRights::LINK)
    .with_expiry(Some(now() - Duration::days(1)));
    let token = LinkToken::presented("tok-lena").unwrap();
    let hers = Share::new(
        "hers".parse().unwrap(),
        doc.clone(),
        "lena".parse().unwrap(),
        link(&token),
        AccessLevel::Viewer,
        now(),
    )
    .with_start(Some(now() + Duration::days(2)))
    .with_expiry(Some(now() + Duration::days(5)))
    .with_max_uses(Some(5))
    .with_password(Some(hashed("pw")));
    let shares = [lapsed, hers.clone()];
    let path = [Node::new(&doc, Some(&olga), &shares)];
    let lena = user("lena");
    let d = |n: i64| Some(now() + Duration::days(n));
    for (patch, expected) in [
        (SharePatch { starts: Some(d(3)), ..SharePatch::default() }, Reason::Sharer),
        (SharePatch { starts: Some(d(1)), ..SharePatch::default() }, Reason::NotPermitted),
        (SharePatch { starts: Some(None), ..SharePatch::default() }, Reason::NotPermitted),
        (SharePatch { expires: Some(d(4)), ..SharePatch::default() }, Reason::Sharer),
        (SharePatch { expires: Some(d(6)), ..SharePatch::default() }, Reason::NotPermitted),
        (SharePatch { expires: Some(None), ..SharePatch::default() }, Reason::NotPermitted),
        (SharePatch { max_uses: Some(Some(4)), ..SharePatch::default() }, Reason::Sharer),
        (SharePatch { max_uses: Some(Some(6)), ..SharePatch::default() }, Reason::NotPermitted),
        (SharePatch { max_uses: Some(None), ..SharePatch::default() }, Reason::NotPermitted),
        (
            SharePatch { password: Some(Some(hashed("other"))), ..SharePatch::default() },
            Reason::Sharer,
        ),
        (SharePatch { password: Some(None), ..SharePatch::default() }, Reason::NotPermitted),
    ] {
        let decision = Policy::default().check_update(&lena, &hers, &patch, &path, now());
        assert_eq!(decision.reason(), expected, "{patch:?}");
    }
    // A start that has come (at `now` exactly) is no longer ahead: dropping it widens nothing.
    let started = hers.with_start(Some(now()));
    let patch = SharePatch { starts: Some(None), ..SharePatch::default() };
    let decision = Policy::default().check_update(&lena, &started, &patch, &path, now());
    assert_eq!(decision.reason(), Reason::Sharer);
}

#[test]
fn accept_by_an_anonymous_principal_carrying_the_recipients_id_is_not_permitted() {
    let admin = world(Settings::default());
    let mut new = NewShare::new(r("document:d"), to("bob"), AccessLevel::Editor);
    new.pending = true;
    let invite = block_on(admin.create(&user("olga"), new, now())).unwrap();
    let ghost = Principal::builder("bob", PrincipalKind::Anonymous).build().unwrap();
    for (who, expected) in [
        (&ghost, Reason::NotPermitted),
        (&user("olga"), Reason::NotPermitted),
        (&user("carol"), Reason::NotPermitted),
    ] {
        assert_eq!(denial(block_on(admin.accept(who, invite.id(), now()))), expected);
        assert_eq!(denial(block_on(admin.decline(who, invite.id(), now()))), expected);
    }
    let bob = user("bob");
    assert_eq!(
        block_on(admin.check(&bob, Permission::Edit, &r("document:d"), now())).unwrap().reason(),
        Reason::Pending
    );
    let invitations = block_on(admin.invitations(&bob, &Page::ALL, now())).unwrap();
    assert_eq!(invitations.items.len(), 1);
    assert!(
        block_on(admin.shared_with_me(&bob, true, &Page::ALL, now())).unwrap().items.is_empty()
    );
    let accepted = block_on(admin.accept(&bob, invite.id(), now())).unwrap();
    assert!(!accepted.is_pending());
    assert_eq!(
        block_on(admin.check(&bob, Permission::Edit, &r("document:d"), now())).unwrap().reason(),
        Reason::Share
    );
    // No longer pending: accepting or declining again is invalid.
    assert_eq!(denial(block_on(admin.accept(&bob, invite.id(), now()))), Reason::Invalid);
    assert_eq!(denial(block_on(admin.decline(&bob, invite.id(), now()))), Reason::Invalid);
    assert!(block_on(admin.invitations(&bob, &Page::ALL, now())).unwrap().items.is_empty());
}

#[test]
fn declining_deletes_the_share_and_is_logged() {
    let admin = world(Settings::default());
    let mut new = NewShare::new(r("document:d"), to("bob"), AccessLevel::Viewer);
    new.pending = true;
    let invite = block_on(admin.create(&user("olga"), new, now())).unwrap();
    block_on(admin.decline(&user("bob"), invite.id(), now())).unwrap();
    assert!(block_on(admin.store().get(invite.id())).unwrap().is_none());
    let log = block_on(admin.changes_since(Revision::ZERO, 100)).unwrap();
    assert!(
        log.iter().any(|e| e.share.as_ref() == Some(invite.id())
            && format!("{:?}", e.event).contains("Declined"))
    );
}

#[test]
fn require_acceptance_makes_new_shares_pending() {
    let email = || Recipient::Email { email: Email::new("x@ext.test").unwrap() };
    for (setting, recipient, pending) in [
        (RequireAcceptance::None, to("bob"), false),
        (RequireAcceptance::None, email(), false),
        (RequireAcceptance::External, to("bob"), false),
        (RequireAcceptance::External, email(), true),
        (RequireAcceptance::All, to("bob"), true),
        (RequireAcceptance::All, email(), true),
        (RequireAcceptance::All, Recipient::Group { id: "team".parse().unwrap() }, false),
        (RequireAcceptance::All, Recipient::Organization, false),
    ] {
        let admin = world(Settings { require_acceptance: setting, ..Settings::default() });
        let made = block_on(admin.create(
            &user("olga"),
            NewShare::new(r("document:d"), recipient.clone(), AccessLevel::Viewer),
            now(),
        ))
        .unwrap();
        assert_eq!(made.is_pending(), pending, "{setting:?} {recipient:?}");
        // Restricts are never pending.
        if matches!(recipient, Recipient::User { .. } | Recipient::Email { .. }) {
            let restrict = block_on(admin.create(
                &user("olga"),
                NewShare::new(r("document:d"), recipient, AccessLevel::Restrict),
                now(),
            ))
            .unwrap();
            assert!(!restrict.is_pending());
        }
    }
}

#[test]
fn unlock_link_then_changing_the_password_locks_the_unlocked_principal_out() {
    let admin = world(Settings::default());
    let request = LinkRequest {
        password: Some(hashed("first")),
        ..LinkRequest::new(r("document:d"), AccessLevel::Viewer)
    };
    let made = block_on(admin.create_link(&user("olga"), request, now())).unwrap();
    let visitor =
        Principal::builder("v", PrincipalKind::Anonymous).link_token(&made.token).build().unwrap();
    let check = |who: &Principal| {
        block_on(admin.check(who, Permission::View, &r("document:d"), now())).unwrap().reason()
    };
    assert_eq!(check(&visitor), Reason::Password);
    assert!(matches!(
        block_on(admin.unlock_link(&made.token, &Password::new("wrong").unwrap())),
        Err(AdminError::WrongPassword)
    ));
    let unlock =
        block_on(admin.unlock_link(&made.token, &Password::new("first").unwrap())).unwrap();
    let unlocked = visitor.clone().with_unlock(unlock);
    assert_eq!(check(&unlocked), Reason::Share);
    // The same text again is a new password: the old unlock no longer holds.
    for text in ["second", "first"] {
        let stored = block_on(admin.store().get(made.share.id())).unwrap().unwrap();
        let patch = SharePatch { password: Some(Some(hashed(text))), ..SharePatch::default() };
        block_on(admin.update(&user("olga"), made.share.id(), stored.version(), &patch, now()))
            .unwrap();
        assert_eq!(check(&unlocked), Reason::Password, "after setting {text}");
        assert_eq!(
            denial(block_on(admin.open_link(&unlocked, &made.token, now()))),
            Reason::Password
        );
    }
    let again = block_on(admin.unlock_link(&made.token, &Password::new("first").unwrap())).unwrap();
    assert_eq!(check(&visitor.clone().with_unlock(again)), Reason::Share);
    // Removing the password opens the link to every presenter.
    let stored = block_on(admin.store().get(made.share.id())).unwrap().unwrap();
    let patch = SharePatch { password: Some(None), ..SharePatch::default() };
    block_on(admin.update(&user("olga"), made.share.id(), stored.version(), &patch, now()))
        .unwrap();
    assert_eq!(check(&visitor), Reason::Share);
}

#[test]
fn open_link_use_limit_race_lets_exactly_max_uses_through() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(4).build().unwrap();
    let admin = Arc::new(world(Settings::default()));
    let request =
        LinkRequest { max_uses: Some(3), ..LinkRequest::new(r("document:d"), AccessLevel::Viewer) };
    let made = block_on(admin.create_link(&user("olga"), request, now())).unwrap();
    let token = made.token;
    let results = runtime.block_on(async {
        let tasks: Vec<_> = (0..24)
            .map(|i| {
                let admin = Arc::clone(&admin);
                let visitor = Principal::builder(format!("v{i}"), PrincipalKind::Anonymous)
                    .link_token(&token)
                    .build()
                    .unwrap();
                let token = LinkToken::presented(token.reveal()).unwrap();
                tokio::spawn(async move { admin.open_link(&visitor, &token, now()).await })
            })
            .collect();
        let mut results = Vec::new();
        for task in tasks {
            results.push(task.await.unwrap());
        }
        results
    });
    let opened = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(opened, 3);
    for refused in results.into_iter().filter(Result::is_err) {
        assert_eq!(denial(refused), Reason::Expired);
    }
    let stored = block_on(admin.store().get(made.share.id())).unwrap().unwrap();
    assert_eq!(stored.usage().visits, 3);
    assert!(stored.is_used_up());
    // Decisions record no use.
    let visitor =
        Principal::builder("late", PrincipalKind::Anonymous).link_token(&token).build().unwrap();
    assert_eq!(
        block_on(admin.check(&visitor, Permission::View, &r("document:d"), now()))
            .unwrap()
            .reason(),
        Reason::Expired
    );
}

#[test]
fn decisions_record_no_use() {
    let admin = world(Settings::default());
    let request =
        LinkRequest { max_uses: Some(1), ..LinkRequest::new(r("document:d"), AccessLevel::Viewer) };
    let made = block_on(admin.create_link(&user("olga"), request, now())).unwrap();
    let visitor =
        Principal::builder("v", PrincipalKind::Anonymous).link_token(&made.token).build().unwrap();
    for _ in 0..5 {
        assert!(
            block_on(admin.check(&visitor, Permission::View, &r("document:d"), now()))
                .unwrap()
                .is_allowed()
        );
    }
    block_on(admin.open_link(&visitor, &made.token, now())).unwrap();
    assert_eq!(denial(block_on(admin.open_link(&visitor, &made.token, now()))), Reason::Expired);
}

#[test]
fn no_output_of_a_password_protected_share_shows_the_password_or_its_hash() {
    const SECRET: &str = "correct-horse-battery";
    let admin = world(Settings::default());
    let kept = hashed(SECRET);
    let hash = kept.stored_form().to_owned();
    let request = LinkRequest {
        password: Some(kept),
        retrievable: true,
        ..LinkRequest::new(r("document:d"), AccessLevel::Viewer)
    };
    let made = block_on(admin.create_link(&user("olga"), request, now())).unwrap();
    let id = made.share.id().clone();
    let stored = block_on(admin.store().get(&id)).unwrap().unwrap();
    let changed =
        SharePatch { password: Some(Some(hashed("another-secret"))), ..SharePatch::default() };
    let after =
        block_on(admin.update(&user("olga"), &id, stored.version(), &changed, now())).unwrap();
    let visitor =
        Principal::builder("v", PrincipalKind::Anonymous).link_token(&made.token).build().unwrap();
    let wrong =
        block_on(admin.unlock_link(&made.token, &Password::new(SECRET).unwrap())).unwrap_err();
    let denied = block_on(admin.open_link(&visitor, &made.token, now())).unwrap_err();
    let decision =
        block_on(admin.check(&visitor, Permission::View, &r("document:d"), now())).unwrap();
    let log = block_on(admin.log(&user("olga"), &id, &Page::ALL, now())).unwrap();
    let changes = block_on(admin.changes_since(Revision::ZERO, 100)).unwrap();
    let who = block_on(admin.who_has_access(&user("olga"), &r("document:d"), now())).unwrap();
    let mut shown = vec![
        format!("{:?} {}", made.share, serde_json::to_string(&made.share).unwrap()),
        format!("{made:?}"),
        format!("{stored:?} {}", serde_json::to_string(&stored).unwrap()),
        format!("{after:?} {}", serde_json::to_string(&after).unwrap()),
        format!("{wrong:?} {wrong}"),
        format!("{denied:?} {denied}"),
        format!("{decision:?} {decision}"),
        format!("{log:?} {}", serde_json::to_string(&log).unwrap()),
        format!("{changes:?} {}", serde_json::to_string(&changes).unwrap()),
        format!("{who:?}"),
        format!(
            "{:?} {}",
            Password::new(SECRET).unwrap(),
            serde_json::to_string(&Password::new(SECRET).unwrap()).unwrap()
        ),
    ];
    shown.push(format!("{:?}", stored.password()));
    for text in &shown {
        assert!(!text.contains(SECRET), "shows the password: {text}");
        assert!(!text.contains(&hash), "shows the hash: {text}");
        assert!(!text.contains("argon2"), "shows a hash: {text}");
        assert!(!text.contains("another-secret"), "shows the new password: {text}");
    }
}
