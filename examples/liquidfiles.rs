//! LiquidFiles `add_access` / `remove_access` applied to a `MemoryStore` through the admin
//! facade, answered in LiquidFiles' response form.
#![allow(clippy::print_stdout)] // an example prints what it produces
use chrono::{TimeZone, Utc};
use pollster::block_on;
use shareguard::admin::Hierarchy;
use shareguard::interop::liquidfiles::{AddAccess, AddAccessResponse, RemoveAccess};
use shareguard::{Admin, MemoryStore, Policy, Principal, PrincipalKind, Recipient};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).single().ok_or("time")?;
    let share = "share:project-alpha".parse()?;
    let mut tree = Hierarchy::new();
    tree.add("share:project-alpha".parse()?, None, Some("owner".parse()?))?;
    let admin = Admin::new(MemoryStore::new(), tree, Policy::default());
    let owner = Principal::builder("owner", PrincipalKind::Internal).build()?;

    let request = AddAccess::from_json_str(
        r#"{"accesses":[{"group":"admins", "write":true, "view_log":true},{"user":"user-company-com", "write":false}]}"#,
    )?;
    let outcomes = block_on(admin.grant_batch(&owner, &share, &request.to_grant_items()?, now))?;
    println!("{}", AddAccessResponse::from_outcomes(&request, &outcomes).to_json_string());

    let remove = RemoveAccess::from_json_str(r#"{"user":"user-company-com"}"#)?;
    let removed =
        block_on(admin.revoke_batch(&owner, &share, &[Recipient::try_from(&remove)?], now))?;
    println!("removed: {}", removed.len());
    Ok(())
}
