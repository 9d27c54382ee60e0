//! Salesforce folder shares: the share, the PATCH input and the error body, read from
//! arbitrary bytes, converted to the model and back. The module docs promise that a share
//! read from a representation writes back, with `from_share_like`, as that representation;
//! and canonically (`try_from`) as one that reads as the same share.
#![no_main]

use chrono::DateTime;
use libfuzzer_sys::fuzz_target;
use shareguard::interop::{ShareContext, salesforce};
use shareguard::{AccessLevel, Share};

fuzz_target!(|data: &[u8]| {
    let (Ok(resource), Ok(sharer), Ok(id)) =
        ("folder:00lxx".parse(), "005admin".parse(), "004xx".parse())
    else {
        return;
    };
    let context = ShareContext { resource, sharer, created: DateTime::UNIX_EPOCH };

    if let Ok(wire) = salesforce::FolderShare::from_slice(data) {
        if let Ok(share) = wire.to_share(&context) {
            let like = salesforce::FolderShare::from_share_like(&share, Some(&wire))
                .unwrap_or_else(|e| panic!("{share:?} from {wire:?} does not write: {e}"));
            assert_eq!(like, wire);
            let back = salesforce::FolderShare::try_from(&share)
                .unwrap_or_else(|e| panic!("{share:?} from {wire:?} does not write: {e}"));
            let text = back.to_json_string();
            let read = salesforce::FolderShare::from_json_str(&text)
                .unwrap_or_else(|e| panic!("written {text} does not read: {e}"));
            assert_eq!(read.to_share(&context).as_ref(), Ok(&share), "{text}");
        }
    }
    if let Ok(input) = salesforce::FolderShareInput::from_slice(data) {
        if let Ok(patch) = input.to_patch() {
            if let (Some(level), Some(recipient)) = (patch.access, patch.recipient.clone()) {
                let share = Share::new(
                    id,
                    context.resource.clone(),
                    context.sharer.clone(),
                    recipient,
                    AccessLevel::Viewer,
                    context.created,
                );
                let back = salesforce::FolderShareInput::for_share(&share, level)
                    .unwrap_or_else(|e| panic!("{patch:?} from {input:?} does not write: {e}"));
                let text = back.to_json_string();
                let read = salesforce::FolderShareInput::from_json_str(&text)
                    .unwrap_or_else(|e| panic!("written {text} does not read: {e}"));
                assert_eq!(read.to_patch().as_ref(), Ok(&patch), "{text}");
            }
        }
    }
    if let Ok(body) = salesforce::ErrorBody::from_slice(data) {
        let text = body.to_json_string();
        let read = salesforce::ErrorBody::from_json_str(&text)
            .unwrap_or_else(|e| panic!("written {text} does not read: {e}"));
        assert_eq!(read, body, "{text}");
    }
});
