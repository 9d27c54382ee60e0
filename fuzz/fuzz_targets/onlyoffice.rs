//! ONLYOFFICE DocSpace: the room share request, a member and the room members response,
//! read from arbitrary bytes, converted to the model and back. New shares read from a request
//! write back as a request that reads as the same new shares; a member's share writes back as
//! a member whose share is the same (a link member takes its link from the caller). A parsed
//! form writes back as it was read ([`Access::form`]): its text reads as the same form.
#![no_main]

use chrono::DateTime;
use libfuzzer_sys::fuzz_target;
use shareguard::interop::{ShareContext, onlyoffice};
use shareguard::model::{LinkToken, ShareId, ShareLink};

fuzz_target!(|data: &[u8]| {
    let (Ok(resource), Ok(sharer), Ok(id)) =
        ("room:2330".parse(), "admin".parse(), "m1".parse::<ShareId>())
    else {
        return;
    };
    let context = ShareContext { resource, sharer, created: DateTime::UNIX_EPOCH };
    let link = LinkToken::presented("fuzz-link").map(|t| ShareLink::new(&t, false)).ok();

    if let Ok(request) = onlyoffice::RoomShare::from_slice(data) {
        let text = request.to_json_string();
        let read = onlyoffice::RoomShare::from_json_str(&text)
            .unwrap_or_else(|e| panic!("written {text} does not read: {e}"));
        assert_eq!(read, request, "{text}");
        if let Ok(shares) = request.to_new_shares(&context.resource) {
            if let Ok(back) = onlyoffice::RoomShare::from_new_shares(&shares) {
                let text = back.to_json_string();
                let read = onlyoffice::RoomShare::from_json_str(&text)
                    .unwrap_or_else(|e| panic!("written {text} does not read: {e}"));
                let again = read.to_new_shares(&context.resource);
                assert_eq!(again.as_ref(), Ok(&shares), "{text}");
            }
        }
    }
    let member = |m: &onlyoffice::Member| {
        let text = m.to_json_string();
        let read = onlyoffice::Member::from_json_str(&text)
            .unwrap_or_else(|e| panic!("written {text} does not read: {e}"));
        assert_eq!(&read, m, "{text}");
        if let Ok(share) = m.to_share(id.clone(), &context, link.as_ref()) {
            if let Ok(back) = onlyoffice::Member::from_share(&share) {
                let text = back.to_json_string();
                let read = onlyoffice::Member::from_json_str(&text)
                    .unwrap_or_else(|e| panic!("written {text} does not read: {e}"));
                let again = read.to_share(id.clone(), &context, link.as_ref());
                assert_eq!(again.as_ref(), Ok(&share), "{text}");
            }
        }
    };
    if let Ok(m) = onlyoffice::Member::from_slice(data) {
        member(&m);
    }
    if let Ok(security) = onlyoffice::RoomSecurity::from_slice(data) {
        security.members.iter().for_each(member);
    }
});
