//! LiquidFiles: `add_access`, its response and `remove_access`, read from arbitrary bytes,
//! converted to the model and back. A request that converts to grant items writes back from
//! them and reads as the same items; a `remove_access` that converts to a recipient writes
//! back as the same recipient.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shareguard::Recipient;
use shareguard::interop::liquidfiles;

fuzz_target!(|data: &[u8]| {
    if let Ok(request) = liquidfiles::AddAccess::from_slice(data) {
        if let Ok(items) = request.to_grant_items() {
            let back = liquidfiles::AddAccess::from_grant_items(&items)
                .unwrap_or_else(|e| panic!("{items:?} from {request:?} does not write: {e}"));
            let text = back.to_json_string();
            let read = liquidfiles::AddAccess::from_json_str(&text)
                .unwrap_or_else(|e| panic!("written {text} does not read: {e}"));
            assert_eq!(read.to_grant_items().as_ref(), Ok(&items), "{text}");
        }
    }
    if let Ok(response) = liquidfiles::AddAccessResponse::from_slice(data) {
        for result in &response.0 {
            let _ = result.to_grant_item();
        }
        let text = response.to_json_string();
        let read = liquidfiles::AddAccessResponse::from_json_str(&text)
            .unwrap_or_else(|e| panic!("written {text} does not read: {e}"));
        assert_eq!(read, response, "{text}");
    }
    if let Ok(remove) = liquidfiles::RemoveAccess::from_slice(data) {
        if let Ok(recipient) = Recipient::try_from(&remove) {
            let back = liquidfiles::RemoveAccess::try_from(&recipient)
                .unwrap_or_else(|e| panic!("{recipient:?} from {remove:?} does not write: {e}"));
            let text = back.to_json_string();
            let read = liquidfiles::RemoveAccess::from_json_str(&text)
                .unwrap_or_else(|e| panic!("written {text} does not read: {e}"));
            assert_eq!(Recipient::try_from(&read).as_ref(), Ok(&recipient), "{text}");
        }
    }
});
