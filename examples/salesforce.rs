//! A Salesforce folder-share PATCH applied to a `MemoryStore` through the admin facade:
//! the owner's succeeds (FolderShareRepresentation), a stranger's is denied (error body).
#![allow(clippy::print_stdout)] // an example prints what it produces
use chrono::{TimeZone, Utc};
use pollster::block_on;
use shareguard::admin::Hierarchy;
use shareguard::interop::salesforce::{ErrorBody, FolderShare, FolderShareInput};
use shareguard::{
    AccessLevel, Admin, AdminError, MemoryStore, NewShare, Policy, Principal, PrincipalKind,
    Recipient,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).single().ok_or("time")?;
    let mut tree = Hierarchy::new();
    tree.add("folder:00l1".parse()?, None, Some("005owner".parse()?))?;
    let admin = Admin::new(MemoryStore::new(), tree, Policy::default());
    let owner = Principal::builder("005owner", PrincipalKind::Internal).build()?;
    let user = Recipient::User { id: "005R0000000Kg8yIAC".parse()? };
    let share = block_on(admin.create(
        &owner,
        NewShare::new("folder:00l1".parse()?, user, AccessLevel::Viewer),
        now,
    ))?;

    let input = FolderShareInput::from_json_str(
        r#"{ "accessType" : "manage", "shareType" : "user", "shareWithId" : "005R0000000Kg8yIAC" }"#,
    )?;
    let patch = input.to_patch()?;
    let updated = block_on(admin.update(&owner, share.id(), share.version(), &patch, now))?;
    println!("200 {}", FolderShare::try_from(&updated)?.to_json_string());

    let stranger = Principal::builder("005other", PrincipalKind::Internal).build()?;
    match block_on(admin.update(&stranger, share.id(), updated.version(), &patch, now)) {
        Err(AdminError::Denied(decision)) => {
            if let Some(body) = ErrorBody::from_decision(&decision) {
                println!("{} {}", body.status, body.to_json_string());
            }
        }
        other => println!("unexpected: {other:?}"),
    }
    let missing = ErrorBody::not_found("004nope");
    println!("{} {}", missing.status, missing.to_json_string());
    Ok(())
}
