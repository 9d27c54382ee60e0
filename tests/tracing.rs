//! Feature `tracing`: a span per facade operation with its actor, resource, share and
//! revision, an event per decision with its reason code and evidence ids — and never a token.
#![cfg(feature = "tracing")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fmt::Debug;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{TimeZone, Utc};
use pollster::block_on;
use shareguard::admin::{Hierarchy, LinkRequest};
use shareguard::{
    AccessLevel, Admin, MemoryStore, NewShare, Permission, Policy, Principal, PrincipalKind,
    Recipient,
};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// Every span (its name and fields, as recorded) and every event (its fields), as text.
#[derive(Default, Clone)]
struct Captured {
    lines: Arc<Mutex<Vec<String>>>,
    next: Arc<AtomicU64>,
    // Entered spans, innermost last, so that `Span::current()` finds the operation's span.
    stack: Arc<Mutex<Vec<(Id, &'static Metadata<'static>)>>>,
    spans: Arc<Mutex<std::collections::HashMap<u64, &'static Metadata<'static>>>>,
}

struct Fields(String);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        self.0.push_str(&format!(" {}={:?}", field.name(), value));
    }
}

impl Subscriber for Captured {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let mut fields = Fields(format!("span {}", span.metadata().name()));
        span.record(&mut fields);
        self.lines.lock().unwrap().push(fields.0);
        let id = self.next.fetch_add(1, Ordering::SeqCst) + 1;
        self.spans.lock().unwrap().insert(id, span.metadata());
        Id::from_u64(id)
    }
    fn record(&self, _: &Id, values: &Record<'_>) {
        let mut fields = Fields("record".to_owned());
        values.record(&mut fields);
        self.lines.lock().unwrap().push(fields.0);
    }
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut fields = Fields(format!("event {}", event.metadata().target()));
        event.record(&mut fields);
        self.lines.lock().unwrap().push(fields.0);
    }
    fn enter(&self, id: &Id) {
        let metadata = self.spans.lock().unwrap()[&id.into_u64()];
        self.stack.lock().unwrap().push((id.clone(), metadata));
    }
    fn exit(&self, _: &Id) {
        self.stack.lock().unwrap().pop();
    }
    fn current_span(&self) -> tracing_core::span::Current {
        match self.stack.lock().unwrap().last() {
            Some((id, metadata)) => tracing_core::span::Current::new(id.clone(), metadata),
            None => tracing_core::span::Current::none(),
        }
    }
}

#[test]
fn spans_and_decision_events_carry_ids_and_reasons_and_never_a_token() {
    let captured = Captured::default();
    let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    let mut tree = Hierarchy::new();
    tree.add("document:d1".parse().unwrap(), None, Some("alice".parse().unwrap())).unwrap();
    let admin = Admin::new(MemoryStore::new(), tree, Policy::default());
    let alice = Principal::builder("alice", PrincipalKind::Internal).build().unwrap();
    let bob = Principal::builder("bob", PrincipalKind::Internal).build().unwrap();
    let token = tracing::subscriber::with_default(captured.clone(), || {
        let share = block_on(admin.create(
            &alice,
            NewShare::new(
                "document:d1".parse().unwrap(),
                Recipient::User { id: "bob".parse().unwrap() },
                AccessLevel::Viewer,
            ),
            now,
        ))
        .unwrap();
        let denied =
            block_on(admin.check(&bob, Permission::Edit, &"document:d1".parse().unwrap(), now))
                .unwrap();
        assert!(!denied.is_allowed());
        let carol = Principal::builder("carol", PrincipalKind::Internal).build().unwrap();
        assert!(block_on(admin.delete(&carol, share.id(), now)).is_err());
        let link = block_on(admin.create_link(
            &alice,
            LinkRequest {
                retrievable: true,
                ..LinkRequest::new("document:d1".parse().unwrap(), AccessLevel::Viewer)
            },
            now,
        ))
        .unwrap();
        block_on(admin.retrieve_link(&alice, link.share.id(), now)).unwrap();
        link.token.reveal().to_owned()
    });
    let lines = captured.lines.lock().unwrap().clone();
    let all = lines.join("\n");
    // A span per operation, with its actor and resource or share, and the write's revision.
    assert!(all.contains("span shareguard.create actor=alice resource=document:d1"), "{all}");
    assert!(all.contains("record revision=1"), "{all}");
    assert!(
        all.contains("span shareguard.check actor=bob resource=document:d1 permission=\"edit\""),
        "{all}"
    );
    assert!(
        lines.iter().any(|l| l.starts_with("span shareguard.delete actor=carol share=")),
        "{all}"
    );
    // An event per decision: verdict, reason code, evidence ids.
    assert!(all.contains("event shareguard::decision allowed=true reason=\"owner\""), "{all}");
    assert!(
        lines.iter().any(|l| l.contains("allowed=false reason=\"insufficient\"")
            && l.contains("needed=\"edit\"")),
        "{all}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("allowed=false reason=\"not_permitted\"")
                && l.contains("share=\"")),
        "{all}"
    );
    // Never the token, though a retrievable link was made and read back.
    assert!(!all.contains(&token), "a token in the traces");
}
