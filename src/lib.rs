//! shareguard
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_auto_cfg))]

mod error;
#[cfg(feature = "interop")]
pub mod interop;
mod model;
pub mod store;

pub use error::ModelError;
pub use model::*;
pub use store::{
    AccessEntry, BatchOutcome, GrantItem, Page, Paged, ShareFilter, ShareStore, Status, StoreError,
};
