//! A Filr share imported into a `MemoryStore` through the admin facade, then listed with
//! Filr's `shared_by` query and answered in Filr's list form.
#![allow(clippy::print_stdout)] // an example prints what it produces
use chrono::{TimeZone, Utc};
use pollster::block_on;
use shareguard::admin::Hierarchy;
use shareguard::interop::filr::{ListQuery, Share, ShareList};
use shareguard::store::Page;
use shareguard::{Admin, MemoryStore, NewShare, Policy, Principal, PrincipalKind};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).single().ok_or("time")?;
    let mut tree = Hierarchy::new();
    tree.add("folderEntry:10".parse()?, None, Some("20".parse()?))?;
    let admin = Admin::new(MemoryStore::new(), tree, Policy::default());
    let sharer = Principal::builder("20", PrincipalKind::Internal).build()?;

    let filr = Share::from_json_str(
        r#"{"id": 1, "comment": "", "sharer": {"id": 20}, "sharing_date": "2026-02-01T00:00:00Z",
            "recipient": {"type": "user", "id": 140}, "role": "VIEWER",
            "shared_entity": {"id": 10, "type": "folderEntry"}}"#,
    )?
    .to_share()?;
    let new = NewShare::new(filr.resource().clone(), filr.recipient().clone(), filr.access());
    block_on(admin.create(&sharer, new, now))?;

    let filter = ListQuery::from_query("shared_by=20")?.to_filter();
    let mut page = block_on(admin.list(&sharer, &filter, &Page::default(), now))?;
    // The store gives UUID ids; Filr's are longs: number them for the answer.
    for (i, share) in page.items.iter_mut().enumerate() {
        *share = shareguard::Share::new(
            (i + 1).to_string().parse()?,
            share.resource().clone(),
            share.sharer().clone(),
            share.recipient().clone(),
            share.access(),
            share.created(),
        )
        .with_reshare(share.reshare())
        .with_expiry(share.expires())
        .with_message(share.message().map(str::to_owned));
    }
    println!("{}", ShareList::from_page(0, &page)?.to_json_string());
    Ok(())
}
