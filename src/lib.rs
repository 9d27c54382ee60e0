//! shareguard
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_auto_cfg))]

mod error;
mod model;
pub mod store;

pub use error::ModelError;
pub use model::*;
pub use store::{
    AccessEntry, BatchOutcome, GrantItem, MemoryStore, Page, Paged, ShareFilter, ShareStore,
    Status, StoreError,
};
