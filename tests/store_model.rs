//! The model-based property test on `MemoryStore`: random operation sequences applied to the
//! store and to a plain model, compared after every step (see
//! `shareguard::store::conformance::model_based`, which any other adapter can run too).
#![cfg(feature = "conformance")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use shareguard::store::conformance;
use shareguard::{MemoryStore, ShareStore};

#[test]
fn memory_store_agrees_with_the_model() {
    conformance::model_based(&|| Box::new(MemoryStore::new()) as Box<dyn ShareStore>, 256);
}
