//! An ONLYOFFICE DocSpace room share request applied to a `MemoryStore` through the admin
//! facade, answered with the room's members.
#![allow(clippy::print_stdout)] // an example prints what it produces
use chrono::{TimeZone, Utc};
use pollster::block_on;
use shareguard::admin::Hierarchy;
use shareguard::interop::onlyoffice::{Member, RoomSecurity, RoomShare};
use shareguard::{Admin, MemoryStore, Policy, Principal, PrincipalKind};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).single().ok_or("time")?;
    let room = "room:2330".parse()?;
    let mut tree = Hierarchy::new();
    tree.add("room:2330".parse()?, None, Some("owner".parse()?))?;
    let admin = Admin::new(MemoryStore::new(), tree, Policy::default());
    let owner = Principal::builder("owner", PrincipalKind::Internal).build()?;

    let request = RoomShare::from_json_str(
        r#"{"invitations": [{"value": {"email": "Nathanael.Mayer55@gmail.com", "id": "6941feb5-054e-4164-9706-a2acfb484098"}},
                            {"email": "guest@example.com", "access": 6}],
            "notify": true, "message": "some text", "culture": "some text"}"#,
    )?;
    let mut members = Vec::new();
    for new in request.to_new_shares(&room)? {
        let share = block_on(admin.create(&owner, new, now))?;
        members.push(Member::from_share(&share)?);
    }
    println!(
        "{}",
        RoomSecurity { members, warning: None, extra: Default::default() }.to_json_string()
    );
    Ok(())
}
