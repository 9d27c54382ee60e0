//! # shareguard
//!
//! Share administration for Rust services: who shared which resource with whom, at which
//! access, until when; who may see, change or delete those shares; and what a principal may
//! do to a resource through them — decided exactly, explained, and applied atomically.
//!
//! It models what iconik, LiquidFiles, Micro Focus Filr, ONLYOFFICE DocSpace and Salesforce
//! folder shares do, in four layers, each a module:
//!
//! - [`model`] — [`Share`], [`Recipient`], [`AccessLevel`], [`Permissions`], [`Principal`],
//!   [`Settings`], link tokens, the share log;
//! - [`policy`] — [`Policy`]: pure, synchronous decisions over a principal, a resource path and
//!   `now`, each a [`Decision`] with a stable [`Reason`] code and the evidence;
//! - [`store`] — the async [`ShareStore`] port (conditional writes, revisions, a change feed,
//!   cursor paging), [`MemoryStore`] and the durable `SqliteStore` (feature `sqlite`), with a
//!   conformance suite for other adapters (feature `conformance`);
//! - [`admin`] — [`Admin`], the async facade a service calls: every operation authorised and
//!   applied in one step, and logged.
//!
//! Beside them, `interop` (feature `interop`) reads and writes each vendor's JSON, and
//! `scenario` (feature `scenario`) runs world-and-expectation files. The crate root holds the
//! names a newcomer needs; everything else is in its layer's module.
//!
//! The facade is async; over a [`MemoryStore`] nothing ever waits, so a test or a small tool
//! drives it with any `block_on` (here `pollster`'s):
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use shareguard::admin::Hierarchy;
//! use shareguard::{
//!     AccessLevel, Admin, MemoryStore, NewShare, Permission, Policy, Principal, PrincipalKind,
//!     Reason, Recipient, ReshareRights,
//! };
//!
//! # pollster::block_on(async {
//! let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
//!
//! // The service's resources: a folder owned by alice, a document inside it.
//! let mut tree = Hierarchy::new();
//! tree.add("folder:f1".parse()?, None, Some("alice".parse()?))?;
//! tree.add("document:d1".parse()?, Some("folder:f1".parse()?), None)?;
//! let admin = Admin::new(MemoryStore::new(), tree, Policy::default());
//!
//! let alice = Principal::builder("alice", PrincipalKind::Internal).build()?;
//! let bob = Principal::builder("bob", PrincipalKind::Internal).group("eng").build()?;
//!
//! // alice shares the folder with the eng group as editors, who may re-share internally.
//! admin.create(&alice, NewShare::new("folder:f1".parse()?, Recipient::Group { id: "eng".parse()? },
//!     AccessLevel::Editor).reshare(ReshareRights::INTERNAL), now).await?;
//!
//! // bob, in eng, may edit the document through the folder's share…
//! let doc = "document:d1".parse()?;
//! assert!(admin.check(&bob, Permission::Edit, &doc, now).await?.is_allowed());
//! // …but not delete it, and the decision says why.
//! let denied = admin.check(&bob, Permission::Delete, &doc, now).await?;
//! assert_eq!(denied.reason(), Reason::Insufficient);
//!
//! // bob may re-share what he holds, but not more.
//! let carol = Recipient::User { id: "carol".parse()? };
//! assert!(admin.create(&bob, NewShare::new(doc.clone(), carol.clone(), AccessLevel::Viewer), now).await.is_ok());
//! let err = admin.create(&bob, NewShare::new(doc, carol, AccessLevel::Manager), now).await.unwrap_err();
//! assert_eq!(err.decision().map(|d| d.reason()), Some(Reason::Escalation));
//! # Ok::<(), Box<dyn std::error::Error>>(()) })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod admin;
#[cfg(feature = "proptest")]
pub mod arbitrary;
#[cfg(feature = "interop")]
pub mod interop;
pub mod model;
pub mod policy;
#[cfg(feature = "scenario")]
pub mod scenario;
pub mod store;

pub use admin::{Admin, AdminError};
pub use model::{
    AccessLevel, ModelError, NewShare, Permission, Permissions, Principal, PrincipalKind,
    Recipient, ReshareRights, ResourceRef, Settings, Share,
};
pub use policy::{Decision, Policy, Reason, ShareAction};
#[cfg(feature = "sqlite")]
pub use store::SqliteStore;
pub use store::{MemoryStore, ShareStore, StoreError};
