//! iconik: a Sharing panel share and the admin roles, read from arbitrary bytes, converted to
//! the model and back. The module docs promise `from_shares(id, to_shares(panel)) == panel`
//! (less the fields the form does not know) for what converts, and roles that convert to rights write back and read as those rights.
#![no_main]

use chrono::DateTime;
use libfuzzer_sys::fuzz_target;
use shareguard::model::AdminRights;
use shareguard::interop::{ShareContext, iconik};

const BASE: &str = "https://app.iconik.io/share/";

fuzz_target!(|data: &[u8]| {
    let (Ok(resource), Ok(sharer)) = ("assets:a-1".parse(), "admin".parse()) else {
        return;
    };
    let context = ShareContext { resource, sharer, created: DateTime::UNIX_EPOCH };
    if let Ok(panel) = iconik::Share::from_slice(data) {
        if let Ok(shares) = panel.to_shares(&context, BASE) {
            match iconik::Share::from_shares(&panel.id, &shares, BASE) {
                Ok(back) => {
                    // Fields the form does not know stay with the wire form: the model has
                    // nowhere to keep them (interop module docs), so compare without them.
                    let mut expected = panel.clone();
                    expected.extra.clear();
                    expected.users.iter_mut().for_each(|u| u.extra.clear());
                    assert_eq!(back, expected);
                    let text = back.to_json_string();
                    let read = iconik::Share::from_json_str(&text)
                        .unwrap_or_else(|e| panic!("written {text} does not read: {e}"));
                    assert_eq!(read.to_shares(&context, BASE).as_ref(), Ok(&shares), "{text}");
                }
                // A panel with no users and no link converts to no shares: nothing to write.
                Err(_) if shares.is_empty() => {}
                Err(e) => panic!("{panel:?} converted to {shares:?}, which does not write: {e}"),
            }
        }
    }
    if let Ok(roles) = iconik::AdminRoles::from_slice(data) {
        if let Ok(rights) = AdminRights::try_from(&roles) {
            let back = iconik::AdminRoles::try_from(&rights)
                .unwrap_or_else(|e| panic!("{rights:?} from {roles:?} does not write: {e}"));
            let read = iconik::AdminRoles::from_json_str(&back.to_json_string())
                .unwrap_or_else(|e| panic!("written {back:?} does not read: {e}"));
            assert_eq!(AdminRights::try_from(&read).as_ref(), Ok(&rights));
        }
    }
});
