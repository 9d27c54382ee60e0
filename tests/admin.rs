//! The admin facade: authorised, applied, logged (issue 5).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{DateTime, Duration, TimeZone, Utc};
use pollster::block_on;
use shareguard::admin::{Hierarchy, LinkRequest};
use shareguard::model::{AdminRight, AdminRights, Level, LinkToken, LogEvent, SharePatch};
use shareguard::store::{BatchOutcome, GrantItem, Page, ShareFilter};
use shareguard::{
    AccessLevel, Admin, AdminError, MemoryStore, NewShare, Permission, Policy, Principal,
    PrincipalKind, Reason, Recipient, ReshareRights, ResourceRef, ShareStore, StoreError,
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

fn to_user(id: &str) -> Recipient {
    Recipient::User { id: id.parse().unwrap() }
}

/// alice owns folder:f1 with document:d1 in it, and an asset:a1 of her own.
fn world() -> Admin<MemoryStore, Hierarchy> {
    let mut tree = Hierarchy::new();
    tree.add(r("folder:f1"), None, Some("alice".parse().unwrap())).unwrap();
    tree.add(r("document:d1"), Some(r("folder:f1")), None).unwrap();
    tree.add(r("asset:a1"), None, Some("alice".parse().unwrap())).unwrap();
    Admin::new(MemoryStore::new(), tree, Policy::default())
}

fn denial(err: AdminError) -> Reason {
    err.decision().map(|d| d.reason()).unwrap_or_else(|| panic!("not a denial: {err}"))
}

#[test]
fn create_is_authorised_applied_and_logged() {
    let admin = world();
    let (alice, bob) = (user("alice"), user("bob"));
    let share = block_on(admin.create(
        &alice,
        NewShare::new(r("document:d1"), to_user("bob"), AccessLevel::Viewer),
        now(),
    ))
    .unwrap();
    assert_eq!(share.sharer().as_str(), "alice");
    assert_eq!(share.version(), 1);
    let log = block_on(admin.log(&alice, share.id(), &Page::ALL, now())).unwrap();
    assert_eq!(log.total, 1);
    assert_eq!(log.items[0].event, LogEvent::Created);
    assert_eq!(log.items[0].actor.as_str(), "alice");
    assert_eq!(log.items[0].at, now());

    // bob holds only view: he may not re-share at all, and nothing is written.
    let err = block_on(admin.create(
        &bob,
        NewShare::new(r("document:d1"), to_user("carol"), AccessLevel::Viewer),
        now(),
    ))
    .unwrap_err();
    assert_eq!(denial(err), Reason::NotPermitted);
    assert_eq!(block_on(admin.store().list(&ShareFilter::default(), &Page::ALL)).unwrap().total, 1);
    assert_eq!(
        block_on(admin.store().log_for_resource(&r("document:d1"), &Page::ALL)).unwrap().total,
        1
    );
}

#[test]
fn unknown_resources_and_shares_are_errors_not_decisions() {
    let admin = world();
    let alice = user("alice");
    let err =
        block_on(admin.check(&alice, Permission::View, &r("document:nope"), now())).unwrap_err();
    assert!(matches!(err, AdminError::Tree(_)), "{err}");
    let err = block_on(admin.get(&alice, &"missing".parse().unwrap(), now())).unwrap_err();
    assert!(matches!(err, AdminError::Store(StoreError::NotFound(_))), "{err}");
}

#[test]
fn update_needs_the_write_rule_and_a_current_version() {
    let admin = world();
    let (alice, bob) = (user("alice"), user("bob"));
    let share = block_on(admin.create(
        &alice,
        NewShare::new(r("document:d1"), to_user("bob"), AccessLevel::Viewer),
        now(),
    ))
    .unwrap();
    let to_editor = SharePatch { access: Some(Level::Editor), ..SharePatch::default() };

    assert_eq!(
        denial(block_on(admin.update(&bob, share.id(), 1, &to_editor, now())).unwrap_err()),
        Reason::NotPermitted
    );
    let changed = block_on(admin.update(&alice, share.id(), 1, &to_editor, now())).unwrap();
    assert_eq!((changed.access(), changed.version()), (AccessLevel::Editor, 2));

    let stale = block_on(admin.update(&alice, share.id(), 1, &to_editor, now())).unwrap_err();
    assert!(
        matches!(stale, AdminError::Store(StoreError::Conflict { expected: 1, actual: 2, .. })),
        "{stale}"
    );

    let other = SharePatch { recipient: Some(to_user("carol")), ..SharePatch::default() };
    assert_eq!(
        denial(block_on(admin.update(&alice, share.id(), 2, &other, now())).unwrap_err()),
        Reason::Invalid
    );

    let log = block_on(admin.log(&alice, share.id(), &Page::ALL, now())).unwrap();
    assert_eq!(log.total, 2, "one entry for the create, one for the accepted change");
    match &log.items[1].event {
        LogEvent::Changed { changes } => {
            assert_eq!(changes.len(), 1);
            assert_eq!(changes[0].field, "access");
            assert_eq!(changes[0].old.as_deref(), Some("viewer"));
            assert_eq!(changes[0].new.as_deref(), Some("editor"));
        }
        other => panic!("expected a change, got {other:?}"),
    }
}

#[test]
fn links_return_their_token_once_and_only_retrievable_ones_again() {
    let admin = world();
    let alice = user("alice");
    let request = |retrievable| LinkRequest {
        expires: Some(now() + Duration::days(1)),
        retrievable,
        ..LinkRequest::new(r("document:d1"), AccessLevel::Viewer)
    };
    let emailed = block_on(admin.create_link(&alice, request(false), now())).unwrap();
    let pregenerated = block_on(admin.create_link(&alice, request(true), now())).unwrap();
    assert_ne!(emailed.token.reveal(), pregenerated.token.reveal());
    assert!(!format!("{emailed:?}").contains(emailed.token.reveal()));
    assert!(!format!("{:?}", emailed.share).contains(emailed.token.reveal()));

    assert!(block_on(admin.retrieve_link(&alice, emailed.share.id(), now())).is_err());
    let again = block_on(admin.retrieve_link(&alice, pregenerated.share.id(), now())).unwrap();
    assert_eq!(again.reveal(), pregenerated.token.reveal());
    let log = block_on(admin.log(&alice, pregenerated.share.id(), &Page::ALL, now())).unwrap();
    assert_eq!(log.items.last().map(|e| &e.event), Some(&LogEvent::LinkRetrieved));

    // A stranger may not read the link back.
    assert_eq!(
        denial(
            block_on(admin.retrieve_link(&user("mallory"), pregenerated.share.id(), now()))
                .unwrap_err()
        ),
        Reason::NotPermitted
    );

    // Presented tokens resolve in constant time to their share; others to nothing.
    let holder = Principal::builder("h", PrincipalKind::Anonymous)
        .link_token(&emailed.token)
        .build()
        .unwrap();
    let found = block_on(admin.resolve_link(&holder, &emailed.token, now())).unwrap().unwrap();
    assert_eq!(found.share.id(), emailed.share.id());
    let guess = LinkToken::presented("guess").unwrap();
    assert!(block_on(admin.resolve_link(&holder, &guess, now())).unwrap().is_none());

    // A visitor with the token sees the document, and the visit is counted.
    let visitor = Principal::builder("v", PrincipalKind::Anonymous)
        .link_token(&emailed.token)
        .build()
        .unwrap();
    let visited = block_on(admin.visit(&visitor, emailed.share.id(), now())).unwrap();
    assert_eq!(visited.usage().visits, 1);
    assert_eq!(visited.usage().last_visit, Some(now()));
    let stranger = Principal::builder("w", PrincipalKind::Anonymous).build().unwrap();
    assert_eq!(
        denial(block_on(admin.visit(&stranger, emailed.share.id(), now())).unwrap_err()),
        Reason::NoShare
    );
}

#[test]
fn an_expired_link_opens_nothing_and_a_visit_needs_a_share_giving_view() {
    let admin = world();
    let alice = user("alice");
    let link = block_on(admin.create_link(
        &alice,
        LinkRequest {
            expires: Some(now() + Duration::days(1)),
            ..LinkRequest::new(r("document:d1"), AccessLevel::Viewer)
        },
        now(),
    ))
    .unwrap();
    let holder =
        Principal::builder("h", PrincipalKind::Anonymous).link_token(&link.token).build().unwrap();
    assert!(block_on(admin.resolve_link(&holder, &link.token, now())).unwrap().is_some());
    assert!(
        block_on(admin.resolve_link(&holder, &link.token, now() + Duration::days(1)))
            .unwrap()
            .is_none()
    );

    // bob views d1 through a viewer share, and holds a `none` share too: a visit counts
    // only through the share that gives `view`.
    let bob = user("bob");
    let viewer = block_on(admin.create(
        &alice,
        NewShare::new(r("document:d1"), to_user("bob"), AccessLevel::Viewer),
        now(),
    ))
    .unwrap();
    let none = block_on(admin.create(
        &alice,
        NewShare::new(r("document:d1"), to_user("bob"), AccessLevel::None),
        now(),
    ))
    .unwrap();
    assert_eq!(block_on(admin.visit(&bob, viewer.id(), now())).unwrap().usage().visits, 1);
    assert!(matches!(
        block_on(admin.visit(&bob, none.id(), now())).unwrap_err(),
        AdminError::NotVisitable(_)
    ));
    assert_eq!(block_on(admin.store().get(none.id())).unwrap().unwrap().usage().visits, 0);
}

#[test]
fn recipients_leave_their_own_user_shares_only() {
    let admin = world();
    let alice = user("alice");
    let bob = Principal::builder("bob", PrincipalKind::Internal).group("eng").build().unwrap();
    let own = block_on(admin.create(
        &alice,
        NewShare::new(r("document:d1"), to_user("bob"), AccessLevel::Viewer),
        now(),
    ))
    .unwrap();
    let group = block_on(admin.create(
        &alice,
        NewShare::new(
            r("document:d1"),
            Recipient::Group { id: "eng".parse().unwrap() },
            AccessLevel::Viewer,
        ),
        now(),
    ))
    .unwrap();
    assert!(matches!(
        block_on(admin.leave(&bob, group.id(), now())).unwrap_err(),
        AdminError::NotLeavable(_)
    ));
    assert!(block_on(admin.leave(&user("carol"), own.id(), now())).is_err());
    let left = block_on(admin.leave(&bob, own.id(), now())).unwrap();
    assert_eq!(left.id(), own.id());
    assert!(block_on(admin.store().get(own.id())).unwrap().is_none());
    let log = block_on(admin.store().log_for_share(own.id(), &Page::ALL)).unwrap();
    assert_eq!(
        (log.items[1].event.clone(), log.items[1].actor.as_str()),
        (LogEvent::Deleted, "bob")
    );
}

#[test]
fn batch_grant_authorises_each_item() {
    let admin = world();
    let alice = user("alice");
    // bob may view the folder and re-share internally.
    block_on(
        admin.create(
            &alice,
            NewShare::new(r("folder:f1"), to_user("bob"), AccessLevel::Viewer)
                .reshare(ReshareRights::INTERNAL),
            now(),
        ),
    )
    .unwrap();
    let bob = user("bob");
    let items = [
        GrantItem { recipient: to_user("carol"), access: AccessLevel::Viewer, view_log: false },
        GrantItem { recipient: to_user("dave"), access: AccessLevel::Editor, view_log: false },
        GrantItem { recipient: to_user("erin"), access: AccessLevel::Viewer, view_log: true },
    ];
    let outcomes = block_on(admin.grant_batch(&bob, &r("document:d1"), &items, now())).unwrap();
    assert!(matches!(outcomes[0], BatchOutcome::Created { .. }), "{outcomes:?}");
    assert!(
        matches!(&outcomes[1], BatchOutcome::Denied { decision } if decision.reason() == Reason::Escalation),
        "{outcomes:?}"
    );
    assert!(
        matches!(&outcomes[2], BatchOutcome::Denied { decision } if decision.reason() == Reason::Escalation),
        "{outcomes:?}"
    );
    assert_eq!(block_on(admin.store().shares_on(&[r("document:d1")])).unwrap()[0].0.len(), 1);

    // The owner's batch updates an existing share of hers and creates the others.
    let first =
        block_on(admin.grant_batch(&alice, &r("document:d1"), &items[1..2], now())).unwrap();
    let again = block_on(admin.grant_batch(&alice, &r("document:d1"), &items[1..], now())).unwrap();
    assert!(matches!(first[0], BatchOutcome::Created { .. }));
    match &again[0] {
        BatchOutcome::Updated { share, .. } => assert_eq!(share.version(), 2),
        other => panic!("expected an update, got {other:?}"),
    }
    match &again[1] {
        BatchOutcome::Created { share, .. } => {
            assert!(share.permissions().has(Permission::ViewLog))
        }
        other => panic!("expected a create, got {other:?}"),
    }
}

#[test]
fn batch_revoke_needs_delete_on_every_share_of_the_recipient() {
    let admin = world();
    let alice = user("alice");
    block_on(admin.create(
        &alice,
        NewShare::new(r("document:d1"), to_user("bob"), AccessLevel::Viewer),
        now(),
    ))
    .unwrap();
    let refused =
        block_on(admin.revoke_batch(&user("mallory"), &r("document:d1"), &[to_user("bob")], now()))
            .unwrap();
    assert!(
        matches!(&refused[0], BatchOutcome::Denied { decision } if decision.reason() == Reason::NotPermitted)
    );
    let done = block_on(admin.revoke_batch(
        &alice,
        &r("document:d1"),
        &[to_user("bob"), to_user("nobody")],
        now(),
    ))
    .unwrap();
    assert!(matches!(&done[0], BatchOutcome::Removed { shares, .. } if shares.len() == 1));
    assert!(matches!(done[1], BatchOutcome::Error { .. }));
}

#[test]
fn admin_listings_follow_rights_limited_by_kind() {
    let admin = world();
    let alice = user("alice");
    block_on(admin.create(
        &alice,
        NewShare::new(r("document:d1"), Recipient::Public, AccessLevel::Viewer),
        now(),
    ))
    .unwrap();
    block_on(admin.create(
        &alice,
        NewShare::new(r("asset:a1"), Recipient::Public, AccessLevel::Viewer),
        now(),
    ))
    .unwrap();
    let public = ShareFilter { public_only: true, ..ShareFilter::default() };

    let everything = Principal::builder("root", PrincipalKind::Internal)
        .admin_right(AdminRight::ReadShares)
        .build()
        .unwrap();
    assert_eq!(block_on(admin.list(&everything, &public, &Page::ALL, now())).unwrap().total, 2);

    let assets_only = Principal::builder("ops", PrincipalKind::Internal)
        .admin(AdminRights::none().with_kinds(AdminRight::ReadShares, ["asset".parse().unwrap()]))
        .build()
        .unwrap();
    let listed = block_on(admin.list(&assets_only, &public, &Page::ALL, now())).unwrap();
    assert_eq!(listed.total, 1);
    assert_eq!(listed.items[0].resource().kind_str(), "asset");

    let nobody = block_on(admin.list(&user("mallory"), &public, &Page::ALL, now())).unwrap();
    assert_eq!(nobody.total, 0);
    // Administrative rights open shares, not content.
    assert!(
        !block_on(admin.check(&assets_only, Permission::Edit, &r("asset:a1"), now()))
            .unwrap()
            .is_allowed()
    );
}

#[test]
fn sweep_removes_what_expired_and_logs_it() {
    let admin = world();
    let alice = user("alice");
    let share = block_on(
        admin.create(
            &alice,
            NewShare::new(r("document:d1"), to_user("bob"), AccessLevel::Viewer)
                .expires(now() + Duration::hours(1)),
            now(),
        ),
    )
    .unwrap();
    assert!(block_on(admin.sweep(&"cron".parse().unwrap(), now())).unwrap().is_empty());
    let swept =
        block_on(admin.sweep(&"cron".parse().unwrap(), now() + Duration::hours(1))).unwrap();
    assert_eq!(swept.len(), 1);
    let log = block_on(admin.store().log_for_share(share.id(), &Page::ALL)).unwrap();
    assert_eq!(
        (log.items[1].event.clone(), log.items[1].actor.as_str()),
        (LogEvent::Expired, "cron")
    );
}
