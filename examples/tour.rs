//! A short tour: a small world of users, groups and shares, and what shareguard decides in it.
//!
//! ```text
//! cargo run --example tour
//! ```
#![allow(clippy::print_stdout)] // an example prints what it finds

use chrono::{Duration, TimeZone, Utc};
use pollster::block_on;
use shareguard::admin::{Hierarchy, LinkRequest};
use shareguard::model::{AdminRight, Directory, LinkPassword, Password};
use shareguard::store::{Page, ShareFilter};
use shareguard::{
    AccessLevel, Admin, MemoryStore, NewShare, Permission, Policy, Principal, PrincipalKind,
    Recipient, ReshareRights, ShareStore,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).single().ok_or("bad date")?;

    // The directory: eng is part of staff.
    let mut directory = Directory::new();
    directory.add_group("eng".parse()?, ["staff".parse()?]);
    let alice = directory.resolve(Principal::builder("alice", PrincipalKind::Internal))?;
    let bob = directory.resolve(Principal::builder("bob", PrincipalKind::Internal).group("eng"))?;
    let carol = directory.resolve(Principal::builder("carol", PrincipalKind::Internal))?;
    let admin_user = Principal::builder("root", PrincipalKind::Internal)
        .admin_right(AdminRight::ReadShares)
        .build()?;

    // The resources: alice's folder with a document in it.
    let mut tree = Hierarchy::new();
    tree.add("folder:plans".parse()?, None, Some(alice.id().clone()))?;
    tree.add("document:roadmap".parse()?, Some("folder:plans".parse()?), None)?;
    tree.add("folder:hr".parse()?, Some("folder:plans".parse()?), None)?;
    // The store outlives any one facade: the service keeps its own tree, and makes a facade
    // over the same store when the tree changes (below, an inheritance cut).
    let store = MemoryStore::new();
    let admin = Admin::new(&store, tree.clone(), Policy::default());
    let (folder, doc) = ("folder:plans".parse()?, "document:roadmap".parse()?);

    println!("== alice shares the folder with staff, as editors who may re-share internally");
    let to_staff = block_on(
        admin.create(
            &alice,
            NewShare::new(folder, Recipient::Group { id: "staff".parse()? }, AccessLevel::Editor)
                .reshare(ReshareRights::INTERNAL)
                .expires(now + Duration::days(30)),
            now,
        ),
    )?;
    println!("created {} (expires {:?})", to_staff.id(), to_staff.expires());
    for action in [Permission::View, Permission::Edit, Permission::Delete] {
        println!("bob {action} {doc}: {}", block_on(admin.check(&bob, action, &doc, now))?);
    }

    println!("\n== bob re-shares the document with carol");
    let later = now + Duration::hours(1);
    let to_carol = block_on(
        admin.create(
            &bob,
            NewShare::new(
                doc.clone(),
                Recipient::User { id: carol.id().clone() },
                AccessLevel::Commenter,
            )
            .expires(now + Duration::days(7)),
            later,
        ),
    )?;
    println!("created {} for carol", to_carol.id());
    let too_much = NewShare::new(
        doc.clone(),
        Recipient::User { id: carol.id().clone() },
        AccessLevel::Manager,
    );
    match block_on(admin.create(&bob, too_much, later)) {
        Ok(share) => println!("unexpected: {}", share.id()),
        Err(e) => println!("bob tries to make carol a manager: {e}"),
    }

    println!("\n== alice makes a retrievable link to the document");
    let link = block_on(admin.create_link(
        &alice,
        LinkRequest {
            expires: Some(now + Duration::days(2)),
            retrievable: true,
            message: Some("for the board".to_owned()),
            ..LinkRequest::new(doc.clone(), AccessLevel::Viewer)
        },
        later,
    ))?;
    println!("link share {} (its token is never printed: {:?})", link.share.id(), link.token);
    let visitor = Principal::builder("visitor-1", PrincipalKind::Anonymous)
        .link_token(&link.token)
        .build()?;
    let visited = block_on(admin.visit(&visitor, link.share.id(), later + Duration::minutes(5)))?;
    println!(
        "visited: {} time(s), last at {:?}",
        visited.usage().visits,
        visited.usage().last_visit
    );

    println!("\n== a password-protected link that opens twice");
    let guarded = block_on(admin.create_link(
        &alice,
        LinkRequest {
            password: Some(LinkPassword::hash(&Password::new("board-2026")?)?),
            max_uses: Some(2),
            expires: Some(now + Duration::days(2)),
            ..LinkRequest::new(doc.clone(), AccessLevel::Viewer)
        },
        later,
    ))?;
    let guest =
        Principal::builder("guest", PrincipalKind::Anonymous).link_token(&guarded.token).build()?;
    println!(
        "guest view {doc} without the password: {}",
        block_on(admin.check(&guest, Permission::View, &doc, later))?
    );
    match block_on(admin.unlock_link(&guarded.token, &Password::new("guess")?)) {
        Ok(_) => println!("unexpected: a wrong password unlocked the link"),
        Err(e) => println!("a wrong password: {e}"),
    }
    // Checked once (Argon2id); the unlock travels with the principal, decisions pay nothing.
    let unlock = block_on(admin.unlock_link(&guarded.token, &Password::new("board-2026")?))?;
    let guest = guest.with_unlock(unlock);
    for opening in 1..=3 {
        match block_on(admin.open_link(&guest, &guarded.token, later)) {
            Ok(opened) => println!(
                "opening {opening}: [{}], uses {} of 2",
                opened.permissions,
                opened.share.usage().visits
            ),
            Err(e) => println!("opening {opening}: {e}"),
        }
    }

    println!("\n== alice invites a partner; the share grants once accepted");
    let dave = Principal::builder("dave", PrincipalKind::External)
        .email("dave@partner.example")
        .build()?;
    let mut invite = NewShare::new(
        doc.clone(),
        Recipient::Email { email: "dave@partner.example".parse()? },
        AccessLevel::Commenter,
    );
    invite.pending = true;
    let invitation = block_on(admin.create(&alice, invite, later))?;
    println!(
        "dave's invitations: {}",
        block_on(admin.invitations(&dave, &Page::default(), later))?.total
    );
    println!(
        "dave comment {doc}: {}",
        block_on(admin.check(&dave, Permission::Comment, &doc, later))?
    );
    block_on(admin.accept(&dave, invitation.id(), later))?;
    println!(
        "after accepting: {}",
        block_on(admin.check(&dave, Permission::Comment, &doc, later))?
    );

    println!("\n== alice cuts the inheritance of folder:hr: staff's folder share stops there");
    let hr = "folder:hr".parse()?;
    println!("bob view {hr}: {}", block_on(admin.check(&bob, Permission::View, &hr, later))?);
    block_on(admin.set_inheritance(&alice, &hr, false, later))?;
    tree.set_inherits(&hr, false)?; // the service records the cut in its own tree
    let admin = Admin::new(&store, tree, Policy::default());
    println!("bob view {hr}: {}", block_on(admin.check(&bob, Permission::View, &hr, later))?);
    match block_on(admin.set_inheritance(&bob, &hr, true, later)) {
        Ok(_) => println!("unexpected: bob restored it"),
        Err(e) => println!("bob tries to restore it: {e}"),
    }

    println!("\n== the administrator lists public and link shares");
    let public = block_on(admin.list(
        &admin_user,
        &ShareFilter { public_only: true, ..ShareFilter::default() },
        &Page::default(),
        later,
    ))?;
    println!("{} public share(s) of {}", public.items.len(), public.total);
    for share in &public.items {
        println!(
            "  {} on {} by {}, {}",
            share.id(),
            share.resource(),
            share.sharer(),
            share.access()
        );
    }

    println!("\n== three days on: the link has expired; the sweep removes it");
    let then = now + Duration::days(3);
    println!(
        "visitor view {doc}: {}",
        block_on(admin.check(&visitor, Permission::View, &doc, then))?
    );
    for share in block_on(admin.sweep(&"housekeeping".parse()?, then))? {
        println!("swept {} ({})", share.id(), share.recipient());
    }

    println!("\n== the log of the document's shares");
    for entry in block_on(store.log_for_resource(&doc, &Page::default()))?.items {
        println!("  {entry}");
    }
    println!("\n== and of folder:hr");
    for entry in block_on(store.log_for_resource(&hr, &Page::default()))?.items {
        println!("  {entry}");
    }
    Ok(())
}
