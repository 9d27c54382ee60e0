//! An iconik share panel: an admin with iconik's roles reads the shares on an asset from a
//! `MemoryStore` through the admin facade and sees them as the Sharing panel shows them.
#![allow(clippy::print_stdout)] // an example prints what it produces
use chrono::{TimeZone, Utc};
use pollster::block_on;
use shareguard::admin::Hierarchy;
use shareguard::interop::ShareContext;
use shareguard::interop::iconik::{AdminRoles, Share as PanelShare};
use shareguard::model::AdminRights;
use shareguard::{Admin, MemoryStore, Policy, Principal, PrincipalKind};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).single().ok_or("time")?;
    let base = "https://app.iconik.io/share/assets/";
    let mut tree = Hierarchy::new();
    tree.add("assets:a-42".parse()?, None, Some("owner".parse()?))?;
    let store = MemoryStore::new();

    // Import a panel share as the store's shares (the store keeps the given ids).
    let panel = PanelShare::from_json_str(
        r#"{"id": "sh-1", "object_type": "assets", "object_id": "a-42", "allow_download": true,
            "expires": "2026-04-01T00:00:00Z", "share_url": "https://app.iconik.io/share/assets/3f1c9a",
            "users": [{"email": "ed@example.com", "times_used": 3}]}"#,
    )?;
    let context =
        ShareContext { resource: "assets:a-42".parse()?, sharer: "owner".parse()?, created: now };
    let owner: shareguard::model::PrincipalId = "owner".parse()?;
    for share in panel.to_shares(&context, base)? {
        block_on(shareguard::ShareStore::create(&store, share, &owner, now))?;
    }
    let admin = Admin::new(store, tree, Policy::default());

    let roles =
        AdminRoles::from_json_str(r#"["Can read assets", "Can search", "Can read shares"]"#)?;
    let reader = Principal::builder("ops", PrincipalKind::Internal)
        .admin(AdminRights::try_from(&roles)?)
        .build()?;
    let on_asset = block_on(admin.who_has_access(&reader, &"assets:a-42".parse()?, now))?;
    let shares: Vec<_> = on_asset.into_iter().map(|entry| entry.share).collect();
    println!("{}", PanelShare::from_shares("sh-1", &shares, base)?.to_json_string());
    Ok(())
}
