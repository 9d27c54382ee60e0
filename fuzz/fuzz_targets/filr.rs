//! Filr: the Share resource and the paged list, read from arbitrary bytes, converted to the
//! model and back. What reads and converts must write back and read again as the same model
//! share (the module docs: every field the model keeps round-trips; a `public_link` share
//! takes its link from the caller), and the list query reader must not panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shareguard::interop::filr;
use shareguard::Share;
use shareguard::model::{LinkToken, ShareLink};
use shareguard::store::Paged;

fuzz_target!(|data: &[u8]| {
    let link = LinkToken::presented("fuzz-link").map(|t| ShareLink::new(&t, false)).ok();
    if let Ok(wire) = filr::Share::from_slice(data) {
        let _ = wire.to_share();
        if let Ok(share) = wire.to_share_with_link(link.as_ref()) {
            if let Ok(back) = filr::Share::try_from(&share) {
                let text = back.to_json_string();
                let read = filr::Share::from_json_str(&text)
                    .unwrap_or_else(|e| panic!("written {text} does not read: {e}"));
                assert_eq!(read, back, "{text}");
                let again = read.to_share_with_link(link.as_ref());
                assert_eq!(again.as_ref(), Ok(&share), "{text}");
            }
        }
    }
    if let Ok(list) = filr::ShareList::from_slice(data) {
        if let Ok(page) = Paged::<Share>::try_from(&list) {
            if let Ok(back) = filr::ShareList::from_page(0, &page) {
                let text = back.to_json_string();
                let read = filr::ShareList::from_json_str(&text)
                    .unwrap_or_else(|e| panic!("written {text} does not read: {e}"));
                assert_eq!(Paged::<Share>::try_from(&read).as_ref(), Ok(&page), "{text}");
            }
        }
    }
    if let Ok(query) = std::str::from_utf8(data) {
        if let Ok(q) = filr::ListQuery::from_query(query) {
            let _ = q.to_filter();
        }
    }
});
