//! Every JSON example of the seed documents: parsed, converted to the model, converted back,
//! and compared with the original as JSON values (see `tests/fixtures/README.md`).
#![cfg(feature = "interop")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{TimeZone, Utc};
use serde_json::{Value, json};
use shareguard::interop::{ShareContext, filr, iconik, liquidfiles, onlyoffice, salesforce};
use shareguard::model::{AdminRight, AdminRights, Level};
use shareguard::store::{BatchOutcome, Paged};
use shareguard::{AccessLevel, Recipient, Share};

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR")))
        .unwrap()
}

fn value(name: &str) -> Value {
    serde_json::from_str(&fixture(name)).unwrap()
}

fn context(resource: &str) -> ShareContext {
    ShareContext {
        resource: resource.parse().unwrap(),
        sharer: "admin".parse().unwrap(),
        created: Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap(),
    }
}

#[test]
fn filr_share_list() {
    let text = fixture("filr_share_list.json");
    let wire = filr::ShareList::from_json_str(&text).unwrap();
    assert_eq!(wire.to_json_value(), value("filr_share_list.json"));

    let page = Paged::<Share>::try_from(&wire).unwrap();
    let share = &page.items[0];
    assert_eq!(share.id().as_str(), "1");
    assert_eq!(share.sharer().as_str(), "20");
    assert_eq!(share.resource().as_str(), "folderEntry:10");
    assert_eq!(share.access(), AccessLevel::Viewer);
    assert_eq!(share.recipient(), &Recipient::Email { email: "siguat@gmail.com".parse().unwrap() });
    assert_eq!(share.message(), Some(""));

    let back = filr::ShareList::from_page(0, &page).unwrap().to_json_value();
    // The model keeps an external user by email: its Filr id (and the href made of it) is
    // not kept (module docs). Everything else comes back as it was.
    let mut expected = value("filr_share_list.json");
    let recipient = expected["items"][0]["recipient"].as_object_mut().unwrap();
    recipient.remove("id");
    recipient.remove("href");
    assert_eq!(back, expected);
}

#[test]
fn filr_query_filters() {
    let q = filr::ListQuery::from_query("shared_by=20").unwrap().to_filter();
    assert_eq!(q.shared_by.unwrap().as_str(), "20");
    let q = filr::ListQuery::from_query("shared_with=140").unwrap().to_filter();
    assert_eq!(q.recipient, Some(Recipient::User { id: "140".parse().unwrap() }));
    assert!(filr::ListQuery::public().to_filter().public_only);
}

#[test]
fn liquidfiles_add_access_requests() {
    for name in ["liquidfiles_add_access_request.json", "liquidfiles_add_access_request_short.json"]
    {
        let wire = liquidfiles::AddAccess::from_json_str(&fixture(name)).unwrap();
        assert_eq!(wire.to_json_value(), value(name));
        let items = wire.to_grant_items().unwrap();
        assert_eq!(items[0].recipient, Recipient::Group { id: "admins".parse().unwrap() });
        assert_eq!(items[0].access, AccessLevel::Editor);
        assert!(items[0].view_log);
        assert_eq!(items[1].access, AccessLevel::Viewer);
        assert!(!items[1].view_log);
        let back = liquidfiles::AddAccess::from_grant_items(&items).unwrap();
        assert_eq!(back.to_json_value(), value(name));
    }
}

#[test]
fn liquidfiles_add_access_response() {
    let name = "liquidfiles_add_access_response.json";
    let wire = liquidfiles::AddAccessResponse::from_json_str(&fixture(name)).unwrap();
    assert_eq!(wire.to_json_value(), value(name));
    // The model's reading of each result: the share the recipient now holds, updated.
    let ctx = context("share:project-alpha");
    let mut outcomes = Vec::new();
    let mut request = Vec::new();
    for (i, result) in wire.0.iter().enumerate() {
        let item = result.to_grant_item().unwrap().unwrap();
        let share = Share::new(
            format!("s{i}").parse().unwrap(),
            ctx.resource.clone(),
            ctx.sharer.clone(),
            item.recipient.clone(),
            item.resolved_access(),
            ctx.created,
        );
        outcomes
            .push(BatchOutcome::Updated { share, revision: shareguard::model::Revision::new(1) });
        request.push(item);
    }
    let request = liquidfiles::AddAccess::from_grant_items(&request).unwrap();
    let back = liquidfiles::AddAccessResponse::from_outcomes(&request, &outcomes);
    assert_eq!(back.to_json_value(), value(name));
}

#[test]
fn liquidfiles_remove_access() {
    let name = "liquidfiles_remove_access_request.json";
    let wire = liquidfiles::RemoveAccess::from_json_str(&fixture(name)).unwrap();
    assert_eq!(wire.to_json_value(), value(name));
    let recipient = Recipient::try_from(&wire).unwrap();
    assert_eq!(recipient, Recipient::User { id: "user-company-com".parse().unwrap() });
    let back = liquidfiles::RemoveAccess::try_from(&recipient).unwrap();
    assert_eq!(back.to_json_value(), value(name));
}

#[test]
fn onlyoffice_room_share_request() {
    let name = "onlyoffice_room_share_request.json";
    let wire = onlyoffice::RoomShare::from_json_str(&fixture(name)).unwrap();
    assert_eq!(wire.to_json_value(), value(name));
    assert!(wire.invitations[0].wrapped);

    let room = "room:2330".parse().unwrap();
    let shares = wire.to_new_shares(&room).unwrap();
    assert_eq!(
        shares[0].recipient,
        Recipient::User { id: "6941feb5-054e-4164-9706-a2acfb484098".parse().unwrap() }
    );
    assert_eq!(shares[0].access, Level::Viewer);
    assert_eq!(shares[0].message.as_deref(), Some("some text"));

    let mut back = onlyoffice::RoomShare::from_new_shares(&shares).unwrap();
    back.invitations[0].wrapped = wire.invitations[0].wrapped;
    back.culture.clone_from(&wire.culture);
    // What the model does not keep (module docs): the email beside the id, and the absence
    // of `access` (read as Read, written explicitly).
    let mut expected = value(name);
    let inv = expected["invitations"][0]["value"].as_object_mut().unwrap();
    inv.remove("email");
    inv.insert("access".into(), json!("Read"));
    assert_eq!(back.to_json_value(), expected);
}

#[test]
fn onlyoffice_members_round_trip() {
    let text = r#"{"members": [
        {"access": 9, "sharedTo": {"id": "u1"}, "isLocked": false, "isOwner": false, "canEditAccess": true, "subjectType": 0},
        {"access": "Comment", "sharedTo": {"id": "g1"}, "isLocked": false, "isOwner": false, "canEditAccess": true, "subjectType": "Group"}
    ], "warning": "w"}"#;
    let wire = onlyoffice::RoomSecurity::from_json_str(text).unwrap();
    assert_eq!(wire.to_json_value(), serde_json::from_str::<Value>(text).unwrap());
    let ctx = context("room:2330");
    for member in &wire.members {
        let share = member.to_share("m".parse().unwrap(), &ctx, None).unwrap();
        let mut back = onlyoffice::Member::from_share(&share).unwrap();
        back.access.form = member.access.form;
        back.subject_type = member.subject_type;
        assert_eq!(&back, member);
    }
}

#[test]
fn salesforce_folder_share() {
    let name = "salesforce_folder_share.json";
    let wire = salesforce::FolderShare::from_json_str(&fixture(name)).unwrap();
    assert_eq!(wire.to_json_value(), value(name));
    let share = wire.to_share(&context("folder:00lxx")).unwrap();
    assert_eq!(share.access(), AccessLevel::Manager);
    assert_eq!(share.recipient(), &Recipient::User { id: "005xx000001Sy1GAAS".parse().unwrap() });
    let back = salesforce::FolderShare::from_share_like(&share, Some(&wire)).unwrap();
    assert_eq!(back.to_json_value(), value(name));
    // Without the original, the canonical spellings.
    let canonical = salesforce::FolderShare::try_from(&share).unwrap().to_json_value();
    assert_eq!(canonical["accessType"], "Manage");
    assert_eq!(canonical["shareType"], "User");
}

#[test]
fn salesforce_repair_is_minimal() {
    // The .json is the .txt without line numbers, with straight quotes and three commas.
    let txt = fixture("salesforce_folder_share.txt");
    let mut repaired = txt.replace(['“', '”'], "\"");
    for n in 1..=7 {
        repaired = repaired.replacen(&format!("{n}{{"), "{", 1);
        repaired = repaired.replacen(&format!(" {n}\""), " \"", 1);
        repaired = repaired.replacen(&format!(" {n}}}"), " }", 1);
    }
    for v in ["\"004xx000001Sy1GAAS\"", "\"user\"", "\"005xx000001Sy1GAAS\""] {
        repaired = repaired.replacen(v, &format!("{v},"), 1);
    }
    assert_eq!(repaired.trim(), fixture("salesforce_folder_share.json").trim());
}

#[test]
fn salesforce_patch_request() {
    let name = "salesforce_patch_request.json";
    let wire = salesforce::FolderShareInput::from_json_str(&fixture(name)).unwrap();
    assert_eq!(wire.to_json_value(), value(name));
    let patch = wire.to_patch().unwrap();
    assert_eq!(patch.access, Some(Level::Manager));
    let recipient = patch.recipient.clone().unwrap();
    assert_eq!(recipient, Recipient::User { id: "005R0000000Kg8yIAC".parse().unwrap() });
    let ctx = context("folder:00lxx");
    let share = Share::new(
        "004".parse().unwrap(),
        ctx.resource,
        ctx.sharer,
        recipient,
        AccessLevel::Viewer,
        ctx.created,
    );
    let back = salesforce::FolderShareInput::for_share(&share, Level::Manager).unwrap();
    // Written in the canonical spelling; the document's lowercase reads the same.
    let (back, original) = (back.to_json_value(), value(name));
    for key in ["accessType", "shareType", "shareWithId"] {
        assert!(back[key].as_str().unwrap().eq_ignore_ascii_case(original[key].as_str().unwrap()));
    }
}

#[test]
fn salesforce_error_bodies() {
    for name in ["salesforce_error_403.json", "salesforce_error_404.json"] {
        let wire = salesforce::ErrorBody::from_json_str(&fixture(name)).unwrap();
        assert_eq!(wire.to_json_value(), value(name));
    }
    let denied = salesforce::ErrorBody::denied("not_permitted");
    assert_eq!(denied.status, 403);
    assert_eq!(denied.items[0].error_code, "FUNCTIONALITY_NOT_ENABLED");
    assert_eq!(salesforce::ErrorBody::not_found("004").status, 404);
}

#[test]
fn iconik_share_panel() {
    let name = "iconik_share_panel.json";
    let base = "https://app.iconik.io/share/assets/";
    let wire = iconik::Share::from_json_str(&fixture(name)).unwrap();
    assert_eq!(wire.to_json_value(), value(name));
    let shares = wire.to_shares(&context("assets:a-42"), base).unwrap();
    assert_eq!(shares.len(), 3);
    assert_eq!(shares[0].usage().visits, 3);
    assert!(matches!(shares[2].recipient(), Recipient::Link(l) if l.is_retrievable()));
    let back = iconik::Share::from_shares("sh-1", &shares, base).unwrap();
    assert_eq!(back.to_json_value(), value(name));
}

#[test]
fn iconik_refuses_one_address_twice() {
    let base = "https://app.iconik.io/share/assets/";
    let mut twice = value("iconik_share_panel.json");
    twice["users"][1]["email"] = serde_json::json!("Ed@Example.com");
    let wire = iconik::Share::from_json_str(&twice.to_string()).unwrap();
    let err = wire.to_shares(&context("assets:a-42"), base).unwrap_err();
    assert_eq!(err.field(), "users[1].email");
}

#[test]
fn iconik_admin_roles() {
    let name = "iconik_admin_roles.json";
    let wire = iconik::AdminRoles::from_json_str(&fixture(name)).unwrap();
    assert_eq!(wire.to_json_value(), value(name));
    let rights = AdminRights::try_from(&wire).unwrap();
    for right in [AdminRight::ReadShares, AdminRight::WriteShares, AdminRight::DeleteShares] {
        assert!(rights.allows_kind(right, "assets"));
    }
    // Back: the share roles only (the others do not bear on shares).
    let back = iconik::AdminRoles::try_from(&rights).unwrap();
    assert_eq!(
        back.to_json_value(),
        json!(["Can read shares", "Can write shares", "Can delete object shares"])
    );
}

// ---- the vendors' documented forms beyond the seeds (tests/fixtures/README.md) ----

#[test]
fn filr_client_share_list_role_only_in_access() {
    let name = "filr_client_share_list.json";
    let wire = filr::ShareList::from_json_str(&fixture(name)).unwrap();
    assert_eq!(wire.to_json_value(), value(name));
    assert_eq!(wire.items[0].role, None);
    let page = Paged::<Share>::try_from(&wire).unwrap();
    assert_eq!(page.items[0].access(), AccessLevel::Viewer);
    // The client schema's flags the model does not hold are kept, not lost.
    let sharing = &wire.items[0].access.as_ref().unwrap().sharing;
    assert_eq!(sharing.extra["all_internal"], false);
    // Neither `role` nor `access.role`: the leaf named is `access.role`.
    let mut no_role = value(name);
    no_role["items"][0]["access"].as_object_mut().unwrap().remove("role");
    let err = filr::ShareList::from_json_str(&no_role.to_string()).unwrap_err();
    assert_eq!(err.field(), "items[0].access.role");
    let mut no_access = value(name);
    no_access["items"][0].as_object_mut().unwrap().remove("access");
    let wire = filr::ShareList::from_json_str(&no_access.to_string()).unwrap();
    assert_eq!(Paged::<Share>::try_from(&wire).unwrap_err().field(), "items[0].access.role");
    // The client schema's example writes dates as numbers: refused at the leaf.
    let mut numeric = value(name);
    numeric["items"][0]["sharing_date"] = json!(12345);
    let err = filr::ShareList::from_json_str(&numeric.to_string()).unwrap_err();
    assert_eq!(err.field(), "items[0].sharing_date");
}

#[test]
fn liquidfiles_v4_admin_share_listings() {
    let v40 =
        liquidfiles::AdminShares::from_json_str(&fixture("liquidfiles_v40_admin_shares.json"))
            .unwrap();
    let v43 =
        liquidfiles::AdminShares::from_json_str(&fixture("liquidfiles_v43_admin_shares.json"))
            .unwrap();
    // Each is written back as read, name, quota and dates included.
    assert_eq!(v40.to_json_value(), value("liquidfiles_v40_admin_shares.json"));
    assert_eq!(v43.to_json_value(), value("liquidfiles_v43_admin_shares.json"));
    // The two forms say the same thing.
    let items = v40.to_grant_items().unwrap();
    assert_eq!(items, v43.to_grant_items().unwrap());
    let (share, items) = &items[0];
    assert_eq!(share, "alpha");
    assert_eq!(items[0].recipient, Recipient::User { id: "user-mycompany-com".parse().unwrap() });
    assert_eq!((items[0].access, items[0].view_log), (AccessLevel::Viewer, true));
    assert_eq!(items[1].recipient, Recipient::Group { id: "sysadmins".parse().unwrap() });
    assert_eq!(items[1].access, AccessLevel::Editor);
    // Written from the model, an entry takes the 4.1 form: the 4.3 document's entries.
    let back = liquidfiles::ShareAccesses::from_grant_items(items).unwrap().to_json_value();
    assert_eq!(
        back["accesses"],
        value("liquidfiles_v43_admin_shares.json")["shares"][0]["accesses"]
    );
}

#[test]
fn liquidfiles_v41_share_accesses() {
    let name = "liquidfiles_v41_share_accesses.json";
    let wire = liquidfiles::ShareAccesses::from_json_str(&fixture(name)).unwrap();
    assert_eq!(wire.to_json_value(), value(name));
    let items = wire.to_grant_items().unwrap();
    assert_eq!(items[0].recipient, Recipient::Group { id: "admins".parse().unwrap() });
    assert_eq!(items[1].access, AccessLevel::Viewer);
    assert_eq!(
        liquidfiles::ShareAccesses::from_grant_items(&items).unwrap().to_json_value(),
        value(name)
    );
    // Wrong and missing leaves are named under their entry.
    let mut wrong = value(name);
    wrong["accesses"][1]["access"] = json!("owner");
    let err = liquidfiles::ShareAccesses::from_json_str(&wrong.to_string())
        .unwrap()
        .to_grant_items()
        .unwrap_err();
    assert_eq!(err.field(), "accesses[1].access");
    let mut missing = value(name);
    missing["accesses"][0].as_object_mut().unwrap().remove("group_id");
    let err = liquidfiles::ShareAccesses::from_json_str(&missing.to_string())
        .unwrap()
        .to_grant_items()
        .unwrap_err();
    assert_eq!(err.field(), "accesses[0].group_id");
}

#[test]
fn onlyoffice_docspace_v1_and_workspace_share_lists() {
    let ctx = context("folder:f1");
    // DocSpace v1: PascalCase, no SharedTo, no SubjectType; written back as read.
    let name = "onlyoffice_docspace_v1_file_share.json";
    let v1 = onlyoffice::MemberList::from_json_str(&fixture(name)).unwrap();
    assert_eq!(v1.to_json_value(), value(name));
    assert_eq!(v1.response[0].case, onlyoffice::KeyCase::Pascal);
    assert_eq!(v1.response[0].access.to_level("Access").unwrap(), AccessLevel::Editor);
    let err = v1.response[0].to_share("s1".parse().unwrap(), &ctx, None).unwrap_err();
    assert_eq!(err.field(), "SubjectType");

    // Workspace: Access as an integer, SharedTo a user with a displayName.
    let name = "onlyoffice_workspace_folder_share.json";
    let ws = onlyoffice::MemberList::from_json_str(&fixture(name)).unwrap();
    assert_eq!(ws.to_json_value(), value(name));
    let share = ws.response[0].to_share("s1".parse().unwrap(), &ctx, None).unwrap();
    assert_eq!(
        share.recipient(),
        &Recipient::User { id: "00000000-0000-0000-0000-000000000000".parse().unwrap() }
    );
    assert_eq!(share.access(), AccessLevel::Editor);

    // Wrong and missing leaves, named as the document spells them.
    let mut wrong = value(name);
    wrong["response"][0]["Access"] = json!(12);
    let err = onlyoffice::MemberList::from_json_str(&wrong.to_string()).unwrap_err();
    assert_eq!(err.field(), "response[0].Access");
    let mut missing = value(name);
    missing["response"][0]["SharedTo"].as_object_mut().unwrap().remove("id");
    let err = onlyoffice::MemberList::from_json_str(&missing.to_string()).unwrap().response[0]
        .to_share("s1".parse().unwrap(), &ctx, None)
        .unwrap_err();
    assert_eq!(err.field(), "SharedTo.id");
}

#[test]
fn salesforce_share_recipients() {
    let name = "salesforce_share_recipients.json";
    let wire = salesforce::ShareRecipients::from_json_str(&fixture(name)).unwrap();
    assert_eq!(wire.to_json_value(), value(name));
    let recipients = wire.to_recipients().unwrap();
    assert_eq!(recipients[0], Recipient::User { id: "005xx000001Sy1GAAS".parse().unwrap() });
    assert_eq!(recipients[1], Recipient::Group { id: "00Gxx000000Ab3cEAC".parse().unwrap() });
    let mut wrong = value(name);
    wrong["shareRecipients"][1]["shareType"] = json!("Team");
    let err = salesforce::ShareRecipients::from_json_str(&wrong.to_string()).unwrap_err();
    assert_eq!(err.field(), "shareRecipients[1].shareType");
    let mut missing = value(name);
    missing["shareRecipients"][0].as_object_mut().unwrap().remove("shareWithId");
    let err = salesforce::ShareRecipients::from_json_str(&missing.to_string()).unwrap_err();
    assert_eq!(err.field(), "shareRecipients[0].shareWithId");
}

// Sections 8 and 9 (links, invitations, scheduled shares): what each vendor expresses is
// mapped both ways; what it cannot is refused by name, never written without.

use shareguard::interop::InteropError;
use shareguard::model::{Audience, LinkPassword, LinkToken, Password, Permissions, ShareLink};

fn inexpressible(err: &InteropError) -> &str {
    assert!(matches!(err, InteropError::Inexpressible { .. }), "{err}");
    err.field()
}

/// The seed's Filr list item, as a model share.
fn filr_seed_share() -> Share {
    let wire = filr::ShareList::from_json_str(&fixture("filr_share_list.json")).unwrap();
    Paged::<Share>::try_from(&wire).unwrap().items.remove(0)
}

fn a_link_share(id: &str, resource: &str, audience: Audience) -> Share {
    let link = ShareLink::new(&LinkToken::generate().unwrap(), false).with_audience(audience);
    Share::new(
        id.parse().unwrap(),
        resource.parse().unwrap(),
        "20".parse().unwrap(),
        Recipient::Link(link),
        AccessLevel::Viewer,
        Utc.with_ymd_and_hms(2015, 12, 22, 17, 31, 12).unwrap(),
    )
}

#[test]
fn filr_refuses_a_share_it_would_write_without_its_start_or_pending() {
    let share = filr_seed_share();
    let starts = share.clone().with_start(Some(Utc.with_ymd_and_hms(2016, 1, 1, 0, 0, 0).unwrap()));
    assert_eq!(inexpressible(&filr::Share::try_from(&starts).unwrap_err()), "starts");
    let pending = share.clone().with_pending(true);
    assert_eq!(inexpressible(&filr::Share::try_from(&pending).unwrap_err()), "pending");
    // A page names the item.
    let page = Paged { items: vec![share, pending], total: 2, next: None };
    assert_eq!(filr::ShareList::from_page(0, &page).unwrap_err().field(), "items[1].pending");
}

#[test]
fn filr_refuses_a_public_link_it_would_write_without_its_password_use_limit_or_audience() {
    let link = a_link_share("2", "folderEntry:10", Audience::Anyone);
    let back = filr::Share::try_from(&link).unwrap();
    assert_eq!(back.recipient.kind, filr::RecipientType::PublicLink);
    let hashed = LinkPassword::hash(&Password::new("s3cret").unwrap()).unwrap();
    let locked = link.clone().with_password(Some(hashed));
    assert_eq!(inexpressible(&filr::Share::try_from(&locked).unwrap_err()), "password");
    let limited = link.with_max_uses(Some(5));
    assert_eq!(inexpressible(&filr::Share::try_from(&limited).unwrap_err()), "max_uses");
    let internal = a_link_share("2", "folderEntry:10", Audience::Organization);
    assert_eq!(inexpressible(&filr::Share::try_from(&internal).unwrap_err()), "audience");
}

#[test]
fn filr_public_link_is_an_anyone_link() {
    // The seed's item, made a public link.
    let mut item = value("filr_share_list.json")["items"][0].clone();
    item["recipient"] = json!({"type": "public_link"});
    let wire = filr::Share::from_json_str(&item.to_string()).unwrap();
    let token = LinkToken::generate().unwrap();
    let share = wire.to_share_with_link(Some(&ShareLink::new(&token, false))).unwrap();
    assert!(matches!(share.recipient(), Recipient::Link(l) if l.audience() == &Audience::Anyone));
    // A link of a narrower audience is not Filr's public link.
    let people = Audience::people(["siguat@gmail.com".parse().unwrap()]).unwrap();
    let narrow = ShareLink::new(&token, false).with_audience(people);
    let err = wire.to_share_with_link(Some(&narrow)).unwrap_err();
    assert!(matches!(err, InteropError::Invalid { .. }), "{err}");
    assert_eq!(err.field(), "recipient");
}

#[test]
fn salesforce_refuses_a_share_it_would_write_without_its_start_or_pending() {
    let wire =
        salesforce::FolderShare::from_json_str(&fixture("salesforce_folder_share.json")).unwrap();
    let share = wire.to_share(&context("folder:00lxx")).unwrap();
    assert!(salesforce::FolderShare::try_from(&share).is_ok());
    let starts = share.clone().with_start(Some(Utc.with_ymd_and_hms(2026, 4, 1, 0, 0, 0).unwrap()));
    assert_eq!(inexpressible(&salesforce::FolderShare::try_from(&starts).unwrap_err()), "starts");
    let pending = share.with_pending(true);
    assert_eq!(inexpressible(&salesforce::FolderShare::try_from(&pending).unwrap_err()), "pending");
}

#[test]
fn iconik_emailed_links_are_people_links() {
    let name = "iconik_share_panel.json";
    let base = "https://app.iconik.io/share/assets/";
    let wire = iconik::Share::from_json_str(&fixture(name)).unwrap();
    let emailed: Vec<ShareLink> = (0..wire.users.len())
        .map(|_| ShareLink::from_digest(LinkToken::generate().unwrap().digest()))
        .collect();
    let shares = wire.to_shares_with_links(&context("assets:a-42"), base, &emailed).unwrap();
    assert_eq!(shares.len(), 3);
    for (share, user) in shares.iter().zip(&wire.users) {
        let Recipient::Link(link) = share.recipient() else { panic!("{share:?}") };
        assert!(!link.is_retrievable());
        assert_eq!(link.audience(), &Audience::people([user.email.parse().unwrap()]).unwrap());
        assert_eq!(share.usage().visits, user.times_used);
        assert_eq!(share.expires(), wire.expires);
    }
    // The pre-generated share URL stays a retrievable link for anyone.
    let Recipient::Link(url) = shares[2].recipient() else { panic!() };
    assert!(url.is_retrievable() && url.audience() == &Audience::Anyone);
    // Written back: the panel as read.
    let back = iconik::Share::from_shares("sh-1", &shares, base).unwrap();
    assert_eq!(back.to_json_value(), value(name));
    // One link per user, or a refusal naming `users`.
    let err = wire.to_shares_with_links(&context("assets:a-42"), base, &emailed[..1]).unwrap_err();
    assert_eq!(err.field(), "users");
}

#[test]
fn iconik_refuses_a_panel_it_would_write_without_a_password_use_limit_start_or_audience() {
    let base = "https://app.iconik.io/share/assets/";
    let wire = iconik::Share::from_json_str(&fixture("iconik_share_panel.json")).unwrap();
    let shares = wire.to_shares(&context("assets:a-42"), base).unwrap();
    let with_last = |change: &dyn Fn(Share) -> Share| {
        let mut group = shares.clone();
        let last = group.pop().unwrap();
        group.push(change(last));
        iconik::Share::from_shares("sh-1", &group, base).unwrap_err()
    };
    let hashed = LinkPassword::hash(&Password::new("s3cret").unwrap()).unwrap();
    let err = with_last(&|s| s.with_password(Some(hashed.clone())));
    assert_eq!(inexpressible(&err), "password");
    assert_eq!(inexpressible(&with_last(&|s| s.with_max_uses(Some(3)))), "max_uses");
    let april = Utc.with_ymd_and_hms(2026, 3, 15, 0, 0, 0).unwrap();
    assert_eq!(inexpressible(&with_last(&|s| s.with_start(Some(april)))), "starts");
    // The share URL is a link for anyone: one for the organization is not iconik's.
    let internal = with_last(&|s| {
        let Recipient::Link(link) = s.recipient() else { panic!() };
        let link = link.clone().with_audience(Audience::Organization);
        Share::new(
            s.id().clone(),
            s.resource().clone(),
            s.sharer().clone(),
            Recipient::Link(link),
            s.access(),
            s.created(),
        )
        .with_expiry(s.expires())
        .with_message(s.message().map(str::to_owned))
    });
    assert_eq!(inexpressible(&internal), "audience");
}

/// A DocSpace room link member: `sharedTo` is a `FileShareLink` (api.onlyoffice.com,
/// models/file-share-link), with the values of the "set an external or invitation link"
/// example (`75a5f745-…`, `jAhP23oUeu`); constructed, as the seed shows no link member.
const ONLYOFFICE_LINK_MEMBER: &str = r#"{"access": 2, "sharedTo": {"id": "75a5f745-f697-4418-b38d-0fe0d277e258",
    "title": "refined_granite_chicken_administrator_nepal", "shareLink": "https://example.com/s/a1b2c3d4",
    "expirationDate": "2026-04-10T06:30:00.0000000+04:00", "linkType": 1, "password": "jAhP23oUeu",
    "denyDownload": true, "isExpired": false, "primary": false, "internal": true},
    "isLocked": false, "isOwner": false, "canEditAccess": true, "subjectType": "ExternalLink"}"#;

#[test]
fn onlyoffice_link_member_maps_expiry_password_deny_download_and_internal() {
    let member = onlyoffice::Member::from_json_str(ONLYOFFICE_LINK_MEMBER).unwrap();
    let token = LinkToken::generate().unwrap();
    let share = member
        .to_share(
            "s1".parse().unwrap(),
            &context("room:5016"),
            Some(&ShareLink::new(&token, false)),
        )
        .unwrap();
    assert_eq!(share.expires(), Some(Utc.with_ymd_and_hms(2026, 4, 10, 2, 30, 0).unwrap()));
    assert!(share.password().unwrap().verify(&Password::new("jAhP23oUeu").unwrap()));
    // Read, less download.
    assert_eq!(share.access(), AccessLevel::Custom(Permissions::VIEW));
    let Recipient::Link(link) = share.recipient() else { panic!() };
    assert_eq!(link.audience(), &Audience::Organization);
    assert!(link.accepts(&token.digest()));

    // Written back with the password given in clear: the same terms.
    let secret = Password::new("jAhP23oUeu").unwrap();
    let back = onlyoffice::Member::from_share_with_password(&share, Some(&secret)).unwrap();
    let to = back.to_json_value()["sharedTo"].clone();
    assert_eq!(
        to,
        json!({"id": "s1", "internal": true, "expirationDate": "2026-04-10T02:30:00Z",
            "denyDownload": true, "password": "jAhP23oUeu"})
    );
    assert_eq!(back.access.value, onlyoffice::AccessValue::Read);
    // Read back, it is the same share.
    let again = back
        .to_share(
            "s1".parse().unwrap(),
            &context("room:5016"),
            Some(&ShareLink::new(&token, false)),
        )
        .unwrap();
    assert_eq!((again.expires(), again.access()), (share.expires(), share.access()));
    assert_eq!(again.recipient(), share.recipient());
}

#[test]
fn onlyoffice_refuses_a_link_it_would_write_without_its_password() {
    let share = a_link_share("l1", "room:2330", Audience::Anyone)
        .with_password(Some(LinkPassword::hash(&Password::new("s3cret").unwrap()).unwrap()));
    let err = onlyoffice::Member::from_share(&share).unwrap_err();
    assert_eq!(inexpressible(&err), "password");
    // Nor with its use limit, nor a link for named people.
    let limited = a_link_share("l1", "room:2330", Audience::Anyone).with_max_uses(Some(1));
    assert_eq!(inexpressible(&onlyoffice::Member::from_share(&limited).unwrap_err()), "max_uses");
    let people = Audience::people(["ann@example.com".parse().unwrap()]).unwrap();
    let named = a_link_share("l1", "room:2330", people);
    assert_eq!(inexpressible(&onlyoffice::Member::from_share(&named).unwrap_err()), "audience");
}

#[test]
fn onlyoffice_refuses_an_expired_link_without_its_date() {
    let mut member: Value = serde_json::from_str(ONLYOFFICE_LINK_MEMBER).unwrap();
    member["sharedTo"]["isExpired"] = json!(true);
    member["sharedTo"].as_object_mut().unwrap().remove("expirationDate");
    let member = onlyoffice::Member::from_json_str(&member.to_string()).unwrap();
    let link = ShareLink::new(&LinkToken::generate().unwrap(), false);
    let err =
        member.to_share("s1".parse().unwrap(), &context("room:5016"), Some(&link)).unwrap_err();
    assert_eq!(err.field(), "sharedTo.isExpired");
}

#[test]
fn onlyoffice_pending_member_is_a_pending_share() {
    // The seed's invitee, as the room's members list them before they join.
    let text = r#"{"access": "Read", "sharedTo": {"id": "6941feb5-054e-4164-9706-a2acfb484098",
        "email": "Nathanael.Mayer55@gmail.com", "activationStatus": 2}, "subjectType": "User"}"#;
    let member = onlyoffice::Member::from_json_str(text).unwrap();
    let share = member.to_share("s1".parse().unwrap(), &context("room:2330"), None).unwrap();
    assert!(share.is_pending());
    let back = onlyoffice::Member::from_share(&share).unwrap().to_json_value();
    assert_eq!(back["sharedTo"]["activationStatus"], 2);
    // Activated: not pending.
    let joined = text.replace("\"activationStatus\": 2", "\"activationStatus\": 1");
    let member = onlyoffice::Member::from_json_str(&joined).unwrap();
    assert!(
        !member.to_share("s1".parse().unwrap(), &context("room:2330"), None).unwrap().is_pending()
    );
}

#[test]
fn onlyoffice_invitations_pending_only_by_email() {
    let wire = onlyoffice::RoomShare::from_json_str(&fixture("onlyoffice_room_share_request.json"))
        .unwrap();
    let room = "room:2330".parse().unwrap();
    let mut by_id = wire.to_new_shares(&room).unwrap().remove(0);
    assert!(!by_id.pending);
    by_id.pending = true;
    let err = onlyoffice::Invitation::from_new_share(&by_id).unwrap_err();
    assert_eq!(inexpressible(&err), "pending");
    let email = "Nathanael.Mayer55@gmail.com".parse().unwrap();
    let by_email = shareguard::NewShare { recipient: Recipient::Email { email }, ..by_id.clone() };
    assert!(onlyoffice::Invitation::from_new_share(&by_email).is_ok());
    // A scheduled start is no invitation's.
    let mut scheduled = by_email;
    scheduled.starts = Some(Utc.with_ymd_and_hms(2026, 4, 1, 0, 0, 0).unwrap());
    let err = onlyoffice::Invitation::from_new_share(&scheduled).unwrap_err();
    assert_eq!(inexpressible(&err), "starts");
}
