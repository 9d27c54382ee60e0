//! The conformance suite on `MemoryStore`: directly, through `Box<dyn ShareStore>` and
//! through `Arc<dyn ShareStore>`. The model-based property test is `store_model.rs`.
#![cfg(feature = "conformance")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use shareguard::store::conformance;
use shareguard::{MemoryStore, ShareStore};

fn boxed() -> Box<dyn ShareStore> {
    Box::new(MemoryStore::new())
}

/// The store as the trait object of its own type: for a `Box` or an `Arc`, the crate's
/// forwarding impl, not the store inside.
fn itself<S: ShareStore>(store: &S) -> &dyn ShareStore {
    store
}

macro_rules! each {
    ($($name:ident),* $(,)?) => {
        mod direct {
            use super::*;
            $(#[test] fn $name() { conformance::$name(&MemoryStore::new()); })*
        }
        mod through_box {
            use super::*;
            $(#[test] fn $name() { let store: Box<dyn ShareStore> = boxed(); conformance::$name(itself(&store)); })*
        }
        mod through_arc {
            use super::*;
            $(#[test] fn $name() {
                let store: Arc<dyn ShareStore> = Arc::new(MemoryStore::new());
                conformance::$name(itself(&store));
            })*
        }
    };
}

shareguard::conformance_checks!(each);

#[test]
fn run_all_through_box() {
    conformance::run_all(&boxed);
}

#[test]
fn run_all_through_arc() {
    // An `Arc<dyn ShareStore>` shared by its holders is itself a store (the crate forwards
    // the trait through `Arc`); the factory hands each check a fresh one.
    conformance::run_all(&|| {
        let shared: Arc<dyn ShareStore> = Arc::new(MemoryStore::new());
        Box::new(shared) as Box<dyn ShareStore>
    });
}
