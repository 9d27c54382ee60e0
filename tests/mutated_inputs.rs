//! The shipped scenario files and vendor fixtures, mutated — bytes (flip, insert, delete,
//! truncate) and structure (keys deleted, array items duplicated, values swapped between two
//! places under one key name, values replaced by other JSON types, huge numbers, deep nesting,
//! long strings) — and fed to the scenario reader and runner and to every vendor reader and
//! conversion: errors are fine, a panic is not (DESIGN invariant 10). The long-running
//! counterpart is the cargo-fuzz package in `fuzz/` (FUZZING.md).
#![cfg(feature = "interop")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use chrono::DateTime;
use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::Value;
use shareguard::interop::{ShareContext, filr, iconik, liquidfiles, onlyoffice, salesforce};
use shareguard::model::{AdminRights, LinkToken, ShareLink};
use shareguard::scenario::Scenario;
use shareguard::store::Paged;
use shareguard::{AccessLevel, Recipient, Share};

/// Inputs over this size are read but not run: a mutation must not build a world that
/// takes seconds (the shipped scenarios are under 24 KiB).
const RUN_LIMIT: usize = 64 * 1024;

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            json_files(&path, out);
        } else if path.extension().is_some_and(|x| x == "json") {
            out.push(path);
        }
    }
}

/// Every shipped scenario (`tests/scenarios/**/*.json`) and fixture (`tests/fixtures/*.json`).
static INPUTS: LazyLock<Vec<(String, Vec<u8>)>> = LazyLock::new(|| {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let mut files = Vec::new();
    json_files(&root.join("scenarios"), &mut files);
    json_files(&root.join("fixtures"), &mut files);
    files.sort();
    files.into_iter().map(|p| (p.display().to_string(), std::fs::read(&p).unwrap())).collect()
});

#[test]
fn every_shipped_input_is_found() {
    let scenarios = INPUTS.iter().filter(|(n, _)| n.contains("scenarios")).count();
    let fixtures = INPUTS.iter().filter(|(n, _)| n.contains("fixtures")).count();
    assert!(scenarios >= 20 && fixtures >= 10, "found {scenarios} scenarios, {fixtures} fixtures");
}

/// Feeds `bytes` to the scenario reader (and runner) and to every vendor reader, and turns
/// whatever reads into the model and back: any result but a panic is fine.
fn feed(bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    if let Ok(scenario) = Scenario::from_json(&text) {
        if bytes.len() <= RUN_LIMIT {
            if let Ok(report) = scenario.run() {
                let _ = report.results.iter().map(ToString::to_string).count();
            }
        }
    }
    vendors(bytes);
}

fn vendors(bytes: &[u8]) {
    let context = ShareContext {
        resource: "folder:f1".parse().unwrap(),
        sharer: "admin".parse().unwrap(),
        created: DateTime::UNIX_EPOCH,
    };
    let link = ShareLink::new(&LinkToken::presented("tok").unwrap(), false);
    let base = "https://app.iconik.io/share/";

    if let Ok(s) = filr::Share::from_slice(bytes) {
        let _ = s.to_share();
        if let Ok(share) = s.to_share_with_link(Some(&link)) {
            let _ = filr::Share::try_from(&share).map(|w| w.to_json_string());
        }
    }
    if let Ok(list) = filr::ShareList::from_slice(bytes) {
        if let Ok(page) = Paged::<Share>::try_from(&list) {
            let _ = filr::ShareList::from_page(0, &page).map(|w| w.to_json_string());
        }
    }
    if let Ok(s) = iconik::Share::from_slice(bytes) {
        if let Ok(shares) = s.to_shares(&context, base) {
            let _ = iconik::Share::from_shares(&s.id, &shares, base).map(|w| w.to_json_string());
        }
    }
    if let Ok(roles) = iconik::AdminRoles::from_slice(bytes) {
        if let Ok(rights) = AdminRights::try_from(&roles) {
            let _ = iconik::AdminRoles::try_from(&rights).map(|w| w.to_json_string());
        }
    }
    if let Ok(request) = liquidfiles::AddAccess::from_slice(bytes) {
        if let Ok(items) = request.to_grant_items() {
            let _ = liquidfiles::AddAccess::from_grant_items(&items).map(|w| w.to_json_string());
        }
    }
    if let Ok(response) = liquidfiles::AddAccessResponse::from_slice(bytes) {
        let _ = response.0.iter().map(liquidfiles::AccessResult::to_grant_item).count();
        let _ = response.to_json_string();
    }
    if let Ok(remove) = liquidfiles::RemoveAccess::from_slice(bytes) {
        if let Ok(recipient) = Recipient::try_from(&remove) {
            let _ = liquidfiles::RemoveAccess::try_from(&recipient).map(|w| w.to_json_string());
        }
    }
    if let Ok(request) = onlyoffice::RoomShare::from_slice(bytes) {
        let _ = request.to_json_string();
        if let Ok(shares) = request.to_new_shares(&context.resource) {
            let _ = onlyoffice::RoomShare::from_new_shares(&shares).map(|w| w.to_json_string());
        }
    }
    let member = |m: &onlyoffice::Member| {
        let _ = m.to_json_string();
        if let Ok(share) = m.to_share("m1".parse().unwrap(), &context, Some(&link)) {
            let _ = onlyoffice::Member::from_share(&share).map(|w| w.to_json_string());
        }
    };
    if let Ok(m) = onlyoffice::Member::from_slice(bytes) {
        member(&m);
    }
    if let Ok(security) = onlyoffice::RoomSecurity::from_slice(bytes) {
        security.members.iter().for_each(member);
    }
    if let Ok(wire) = salesforce::FolderShare::from_slice(bytes) {
        if let Ok(share) = wire.to_share(&context) {
            let _ = salesforce::FolderShare::from_share_like(&share, Some(&wire));
            let _ = salesforce::FolderShare::try_from(&share).map(|w| w.to_json_string());
        }
    }
    if let Ok(input) = salesforce::FolderShareInput::from_slice(bytes) {
        if let Ok(patch) = input.to_patch() {
            if let (Some(level), Some(recipient)) = (patch.access, patch.recipient) {
                let share = Share::new(
                    "s1".parse().unwrap(),
                    context.resource.clone(),
                    context.sharer.clone(),
                    recipient,
                    AccessLevel::Viewer,
                    context.created,
                );
                let _ = salesforce::FolderShareInput::for_share(&share, level);
            }
        }
    }
    if let Ok(body) = salesforce::ErrorBody::from_slice(bytes) {
        let _ = body.to_json_string();
    }
}

// ---- byte mutations ----

#[derive(Debug, Clone)]
enum ByteOp {
    Flip(Index, u8),
    Insert(Index, u8),
    Delete(Index, usize),
    Truncate(Index),
}

fn byte_op() -> impl Strategy<Value = ByteOp> {
    // Inserted bytes favour JSON's own punctuation, so the structure is hit, not only text.
    let byte =
        prop_oneof![prop::sample::select(b"{}[]\",:0-9eE.\\ntf\x00\xff".to_vec()), any::<u8>()];
    prop_oneof![
        (any::<Index>(), 0u8..8).prop_map(|(i, bit)| ByteOp::Flip(i, bit)),
        (any::<Index>(), byte).prop_map(|(i, b)| ByteOp::Insert(i, b)),
        (any::<Index>(), 1usize..16).prop_map(|(i, n)| ByteOp::Delete(i, n)),
        any::<Index>().prop_map(ByteOp::Truncate),
    ]
}

fn apply_bytes(bytes: &mut Vec<u8>, op: &ByteOp) {
    let at = |i: &Index, len: usize| if len == 0 { 0 } else { i.index(len) };
    match op {
        ByteOp::Flip(i, bit) if !bytes.is_empty() => {
            let i = at(i, bytes.len());
            bytes[i] ^= 1 << bit;
        }
        ByteOp::Flip(..) => {}
        ByteOp::Insert(i, b) => {
            let i = at(i, bytes.len() + 1);
            bytes.insert(i, *b);
        }
        ByteOp::Delete(i, n) => {
            let i = at(i, bytes.len());
            let end = (i + n).min(bytes.len());
            bytes.drain(i..end);
        }
        ByteOp::Truncate(i) => {
            let i = at(i, bytes.len());
            bytes.truncate(i);
        }
    }
}

// ---- structure mutations ----

#[derive(Debug, Clone)]
enum Replacement {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(String),
    EmptyArray,
    EmptyObject,
    /// A number beyond every integer and float type, written into the text.
    Huge(&'static str),
    /// The value wrapped in this many arrays (past serde_json's recursion limit of 128, too).
    Nested(usize),
    /// A string of this many copies of a character.
    Long(char, usize),
}

#[derive(Debug, Clone)]
enum TreeOp {
    DeleteKey(Index),
    DuplicateItem(Index),
    SwapSameKey(Index, Index),
    Replace(Index, Replacement),
}

fn replacement() -> impl Strategy<Value = Replacement> {
    prop_oneof![
        Just(Replacement::Null),
        any::<bool>().prop_map(Replacement::Bool),
        prop_oneof![
            Just(i64::MIN),
            Just(i64::MAX),
            Just(i64::from(i32::MIN)),
            Just(i64::from(i32::MAX)),
            Just(i64::from(u32::MAX)),
            Just(-1i64),
            Just(0i64),
            any::<i64>()
        ]
        .prop_map(Replacement::Int),
        prop_oneof![Just(-0.0f64), Just(f64::MAX), Just(1e-308), any::<f64>()]
            .prop_map(Replacement::Float),
        prop_oneof![
            "[a-z_:@.]{0,12}",
            Just(String::new()),
            Just("user".to_owned()),
            Just("custom(view)".to_owned()),
            Just("9999-12-31T23:59:59Z".to_owned()),
            Just("+262143-12-31T23:59:59Z".to_owned()),
            Just("-262143-01-01T00:00:00Z".to_owned()),
            Just("1970-01-01T00:00:00+23:59".to_owned()),
            Just("\u{0}\u{202e}é\u{10ffff}".to_owned()),
        ]
        .prop_map(Replacement::Text),
        Just(Replacement::EmptyArray),
        Just(Replacement::EmptyObject),
        prop::sample::select(vec![
            "18446744073709551616",
            "-9223372036854775809",
            "1e400",
            "-1e400",
            "123456789012345678901234567890.5e-3",
            "2147483648",
            "4294967296",
        ])
        .prop_map(Replacement::Huge),
        prop_oneof![1usize..8, 120usize..140].prop_map(Replacement::Nested),
        (prop::sample::select(vec!['a', ':', '@', 'é', '\u{1F600}']), 1usize..70_000)
            .prop_map(|(c, n)| Replacement::Long(c, n)),
    ]
}

fn tree_op() -> impl Strategy<Value = TreeOp> {
    prop_oneof![
        any::<Index>().prop_map(TreeOp::DeleteKey),
        any::<Index>().prop_map(TreeOp::DuplicateItem),
        (any::<Index>(), any::<Index>()).prop_map(|(a, b)| TreeOp::SwapSameKey(a, b)),
        (any::<Index>(), replacement()).prop_map(|(i, r)| TreeOp::Replace(i, r)),
    ]
}

/// Where in a document: every value's JSON pointer, and the key it sits under (if any).
fn places(
    value: &Value,
    pointer: String,
    key: Option<&str>,
    out: &mut Vec<(String, Option<String>)>,
) {
    out.push((pointer.clone(), key.map(str::to_owned)));
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let escaped = k.replace('~', "~0").replace('/', "~1");
                places(v, format!("{pointer}/{escaped}"), Some(k), out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                places(v, format!("{pointer}/{i}"), None, out);
            }
        }
        _ => {}
    }
}

const HUGE: &str = "\u{0}huge:";

/// Applies `op` to `doc`; the result is written as text (a huge number is spliced into it).
fn apply_tree(doc: &mut Value, op: &TreeOp) {
    let mut all = Vec::new();
    places(doc, String::new(), None, &mut all);
    let parent = |p: &str| p.rsplit_once('/').map(|(a, b)| (a.to_owned(), b.to_owned()));
    match op {
        TreeOp::DeleteKey(i) => {
            let keyed: Vec<_> = all.iter().filter(|(_, k)| k.is_some()).collect();
            if keyed.is_empty() {
                return;
            }
            let (pointer, key) = keyed[i.index(keyed.len())];
            if let Some((up, _)) = parent(pointer) {
                if let Some(Value::Object(map)) = doc.pointer_mut(&up) {
                    map.remove(key.as_deref().unwrap_or_default());
                }
            }
        }
        TreeOp::DuplicateItem(i) => {
            let arrays: Vec<_> =
                all.iter().filter(|(p, _)| doc.pointer(p).is_some_and(Value::is_array)).collect();
            if arrays.is_empty() {
                return;
            }
            let (pointer, _) = arrays[i.index(arrays.len())];
            if let Some(Value::Array(items)) = doc.pointer_mut(pointer) {
                if let Some(first) = items.first().cloned() {
                    let at = i.index(items.len() + 1);
                    let item = items.get(at).cloned().unwrap_or(first);
                    items.insert(at.min(items.len()), item);
                }
            }
        }
        TreeOp::SwapSameKey(a, b) => {
            let keyed: Vec<_> = all.iter().filter(|(_, k)| k.is_some()).collect();
            if keyed.is_empty() {
                return;
            }
            let (pa, ka) = keyed[a.index(keyed.len())];
            let same: Vec<_> = keyed.iter().filter(|(p, k)| k == ka && p != pa).collect();
            if same.is_empty() {
                return;
            }
            let (pb, _) = same[b.index(same.len())];
            let (Some(va), Some(vb)) = (doc.pointer(pa).cloned(), doc.pointer(pb).cloned()) else {
                return;
            };
            if let Some(slot) = doc.pointer_mut(pa) {
                *slot = vb;
            }
            // `pb` may have been inside `pa`: then it is gone, and the swap is a copy.
            if let Some(slot) = doc.pointer_mut(pb) {
                *slot = va;
            }
        }
        TreeOp::Replace(i, r) => {
            let (pointer, _) = &all[i.index(all.len())];
            let Some(slot) = doc.pointer_mut(pointer) else { return };
            *slot = match r {
                Replacement::Null => Value::Null,
                Replacement::Bool(b) => Value::Bool(*b),
                Replacement::Int(n) => Value::from(*n),
                Replacement::Float(f) => Value::from(*f),
                Replacement::Text(t) => Value::String(t.clone()),
                Replacement::EmptyArray => Value::Array(Vec::new()),
                Replacement::EmptyObject => Value::Object(serde_json::Map::new()),
                Replacement::Huge(n) => Value::String(format!("{HUGE}{n}")),
                Replacement::Nested(depth) => {
                    (0..*depth).fold(slot.take(), |v, _| Value::Array(vec![v]))
                }
                Replacement::Long(c, n) => Value::String(std::iter::repeat_n(*c, *n).collect()),
            };
        }
    }
}

/// The document as text, with each huge-number marker replaced by the number itself.
fn write(doc: &Value) -> String {
    let text = doc.to_string();
    let marker = serde_json::to_string(HUGE).unwrap();
    let marker = marker.trim_end_matches('"');
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(at) = rest.find(marker) {
        out.push_str(&rest[..at]);
        let after = &rest[at + marker.len()..];
        let end = after.find('"').unwrap_or(after.len());
        out.push_str(&after[..end]);
        rest = after.get(end + 1..).unwrap_or_default();
    }
    out.push_str(rest);
    out
}

fn input() -> impl Strategy<Value = usize> {
    0..INPUTS.len()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 160, failure_persistence: None, ..ProptestConfig::default() })]

    /// Flipped, inserted, deleted and truncated bytes: an error or a result, never a panic.
    #[test]
    fn byte_mutations_never_panic(file in input(), ops in prop::collection::vec(byte_op(), 1..6)) {
        let mut bytes = INPUTS[file].1.clone();
        for op in &ops {
            apply_bytes(&mut bytes, op);
        }
        feed(&bytes);
    }

    /// Keys deleted, items duplicated, values swapped or replaced by other types, huge
    /// numbers, deep nesting, long strings: an error or a result, never a panic.
    #[test]
    fn structure_mutations_never_panic(file in input(), ops in prop::collection::vec(tree_op(), 1..5)) {
        let Ok(mut doc) = serde_json::from_slice::<Value>(&INPUTS[file].1) else {
            return Ok(());
        };
        for op in &ops {
            apply_tree(&mut doc, op);
        }
        feed(write(&doc).as_bytes());
    }
}

/// The huge-number splice writes the number itself, so the readers see it as a number.
#[test]
fn huge_numbers_are_written_as_numbers() {
    let doc = serde_json::json!({ "id": format!("{HUGE}1e400"), "items": [format!("{HUGE}2147483648"), "x"] });
    let text = write(&doc);
    assert_eq!(text, r#"{"id":1e400,"items":[2147483648,"x"]}"#);
    assert!(serde_json::from_str::<Value>(&text).is_err(), "1e400 is out of f64's range: {text}");
}
