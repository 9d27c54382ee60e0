//! shareguard
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_auto_cfg))]

#[cfg(feature = "proptest")]
pub mod arbitrary;
mod error;
mod model;
mod policy;
pub mod store;

pub use error::ModelError;
pub use model::*;
pub use policy::{Decision, Evidence, Node, Policy, Reason, ShareAction};
pub use store::{
    AccessEntry, BatchOutcome, GrantItem, Page, Paged, ShareFilter, ShareStore, Status, StoreError,
};
