//! The store: the [`ShareStore`] port, its query types, and the reference adapter.
//!
//! # Contract
//!
//! Every adapter keeps these promises; the conformance suite (feature `conformance`) checks
//! them.
//!
//! - **Atomic operations.** A call that returns an error changes nothing: no share, no
//!   version, no usage counter, no log entry.
//! - **One log entry per mutation.** Every successful mutation appends exactly one
//!   [`LogEntry`] per share it touches, with the actor and time the caller gave, in the same
//!   atomic step as the mutation; reads and failed calls append none. Entries outlive the
//!   shares they describe.
//! - **Versions.** A share is created at version 1; every [`ShareStore::update`] and every
//!   update through [`ShareStore::grant_batch`] adds one. Visits do not change the version
//!   (a visit must not make an editor's pending change stale).
//! - **Recipients never change.** [`ShareStore::update`] refuses a patch naming a different
//!   recipient, as [`Share::patched`] does.
//! - **Order.** Every list is in the order shares were created (oldest first), and log
//!   entries in the order they were written: pages are stable while nothing is written.
//! - **Paging.** [`Page`] `first` is the index of the first item (0-based), `count` the most
//!   to return; `first` past the end gives an empty page with the true `total`.
//! - **Time is a parameter.** Stores never read a clock: `now` and `at` come from the caller.
//!
//! The trait is synchronous and object-safe: `Box<dyn ShareStore>` and `Arc<dyn ShareStore>`
//! work. An async service calls an in-memory store directly and runs I/O-bound adapters on
//! its runtime's blocking pool.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[cfg(feature = "conformance")]
pub mod conformance;
mod memory;
#[cfg(feature = "sqlite")]
mod sqlite;

pub use memory::MemoryStore;
#[cfg(feature = "sqlite")]
pub use sqlite::{Durability, SqliteStore};

use crate::{
    AccessLevel, LinkDigest, LogEntry, ModelError, Permissions, Principal, PrincipalId, Recipient,
    ResourceRef, Share, ShareId, SharePatch, ShareType,
};

/// Why a store operation failed. A failed operation changed nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// No share has this id.
    #[error("share: no share `{0}`")]
    NotFound(ShareId),
    /// A share with this id exists already.
    #[error("share: a share `{0}` exists already")]
    AlreadyExists(ShareId),
    /// The caller's expected version is not the share's current one.
    #[error("version: share `{id}` is at version {actual}, not {expected}")]
    Conflict {
        /// The share.
        id: ShareId,
        /// The version the caller expected.
        expected: u64,
        /// The share's current version.
        actual: u64,
    },
    /// The input was malformed.
    #[error(transparent)]
    Invalid(#[from] ModelError),
    /// The storage backend failed while running an operation (I/O, a lock held too long, a
    /// corrupt row, …).
    #[error("store backend: {0}")]
    Backend(String),
    /// A durable store's storage could not be opened or is not one this crate can use: what
    /// is wrong with it, and where ([`OpenError`]).
    #[error(transparent)]
    Open(#[from] OpenError),
}

/// Why a durable store could not be opened. Each case names the path it is about, so a
/// service can say which file to look at; none of them changed the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OpenError {
    /// The path could not be opened or created (a missing or unwritable directory, a
    /// directory where a file was expected, …).
    #[error("store file `{path}`: cannot open: {reason}")]
    CannotOpen {
        /// The path given.
        path: String,
        /// What the storage engine said.
        reason: String,
    },
    /// The file exists but is not a database.
    #[error("store file `{path}`: not a database")]
    NotADatabase {
        /// The path given.
        path: String,
    },
    /// The file is a database, but one made by something else: its tables are not ours, and
    /// the store will not write into it.
    #[error("store file `{path}`: a database of another application (tables: {tables})")]
    ForeignSchema {
        /// The path given.
        path: String,
        /// The tables found, comma-separated (or the application id found).
        tables: String,
    },
    /// The database was written by a newer version of this crate, whose schema this version
    /// does not know: it is left untouched.
    #[error(
        "store file `{path}`: schema version {found} is newer than the {supported} this version \
         of shareguard knows; upgrade shareguard to open it"
    )]
    NewerSchema {
        /// The path given.
        path: String,
        /// The schema version found in the file.
        found: i64,
        /// The newest schema version this crate knows.
        supported: i64,
    },
    /// The database can only be read (a read-only file, directory or mount), and a store
    /// must write.
    #[error("store file `{path}`: read-only, and a store must be able to write")]
    ReadOnly {
        /// The path given.
        path: String,
    },
}

/// Which part of a list to return: `count` items from index `first` (0-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Page {
    /// The index of the first item.
    pub first: usize,
    /// The most items to return.
    pub count: usize,
}

impl Page {
    /// `count` items from `first`.
    #[must_use]
    pub const fn new(first: usize, count: usize) -> Self {
        Self { first, count }
    }

    /// Every item.
    pub const ALL: Page = Page { first: 0, count: usize::MAX };
}

impl Default for Page {
    fn default() -> Self {
        Page::new(0, 100)
    }
}

/// One page of a list, in Filr's form: where it starts, how many it holds, how many there
/// are in all, and the items.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Paged<T> {
    /// The index of the first item returned.
    pub first: usize,
    /// How many items were returned.
    pub count: usize,
    /// How many items the whole list has.
    pub total: usize,
    /// The items.
    pub items: Vec<T>,
}

impl<T> Paged<T> {
    /// Cuts a page out of a whole list.
    ///
    /// ```
    /// use shareguard::{Page, Paged};
    ///
    /// let page = Paged::from_all(vec!["a", "b", "c"], Page::new(1, 5));
    /// assert_eq!((page.first, page.count, page.total, page.items), (1, 2, 3, vec!["b", "c"]));
    /// assert_eq!(Paged::from_all(vec!["a"], Page::new(9, 5)).total, 1);
    /// ```
    #[must_use]
    pub fn from_all(all: Vec<T>, page: Page) -> Self {
        let total = all.len();
        let items: Vec<T> = all.into_iter().skip(page.first).take(page.count).collect();
        Self { first: page.first, count: items.len(), total, items }
    }
}

/// Whether a share is active or expired at a given instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", content = "at", rename_all = "snake_case")]
pub enum Status {
    /// No expiry, or `at` strictly before it.
    Active(DateTime<Utc>),
    /// Expired at or before `at`.
    Expired(DateTime<Utc>),
}

/// Filters for [`ShareStore::list`]; every filter given must hold.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ShareFilter {
    /// Shares created by this principal (Filr `shared_by`).
    pub shared_by: Option<PrincipalId>,
    /// Shares with exactly this recipient (Filr `shared_with`); emails compare ignoring case.
    pub recipient: Option<Recipient>,
    /// Shares on this resource.
    pub resource: Option<ResourceRef>,
    /// Shares whose recipient is of this kind.
    pub share_type: Option<ShareType>,
    /// Only public and link shares (Filr `/admin/shares/public`).
    pub public_only: bool,
    /// Only shares active, or expired, at an instant.
    pub status: Option<Status>,
}

impl ShareFilter {
    /// Whether a share passes every filter given.
    ///
    /// ```
    /// use chrono::Utc;
    /// use shareguard::{AccessLevel, Recipient, Share, ShareFilter};
    ///
    /// let share = Share::new("s1".parse()?, "folder:f1".parse()?, "alice".parse()?,
    ///     Recipient::Public, AccessLevel::Viewer, Utc::now());
    /// assert!(ShareFilter { public_only: true, ..ShareFilter::default() }.accepts(&share));
    /// assert!(!ShareFilter { shared_by: Some("bob".parse()?), ..ShareFilter::default() }.accepts(&share));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn accepts(&self, share: &Share) -> bool {
        self.shared_by.as_ref().is_none_or(|s| share.sharer() == s)
            && self.recipient.as_ref().is_none_or(|r| share.recipient() == r)
            && self.resource.as_ref().is_none_or(|r| share.resource() == r)
            && self.share_type.is_none_or(|t| share.recipient().share_type() == t)
            && (!self.public_only
                || matches!(share.recipient().share_type(), ShareType::Public | ShareType::Link))
            && self.status.is_none_or(|status| match status {
                Status::Active(at) => share.is_active(at),
                Status::Expired(at) => !share.is_active(at),
            })
    }
}

/// One item of a batch grant (LiquidFiles `add_access`): a recipient, an access level, and
/// whether the recipient may view the share log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantItem {
    /// Who to give access.
    pub recipient: Recipient,
    /// The access to give.
    pub access: AccessLevel,
    /// Whether to add `view_log` to it.
    #[serde(default)]
    pub view_log: bool,
}

impl GrantItem {
    /// The access the item's share ends up with: its level, as a `custom` set with
    /// `view_log` added when `view_log` is asked for and the level lacks it.
    #[must_use]
    pub fn resolved_access(&self) -> AccessLevel {
        let set = self.access.permissions();
        if self.view_log && !set.contains(Permissions::VIEW_LOG) && !self.access.is_restrict() {
            AccessLevel::Custom(set | Permissions::VIEW_LOG)
        } else {
            self.access
        }
    }
}

impl GrantItem {
    /// The access the item gives, or why a store refuses it (the contract of
    /// [`ShareStore::grant_batch`]): a link recipient (links are made through the admin
    /// facade, which hands out their token), `restrict`, or an empty `custom` set.
    pub fn checked_access(&self) -> Result<AccessLevel, ModelError> {
        if matches!(self.recipient, Recipient::Link(_)) {
            return Err(ModelError::Invalid {
                field: "recipient",
                value: self.recipient.to_string(),
                reason: "link shares are made through the admin facade, not a batch",
            });
        }
        match self.resolved_access().validated()? {
            AccessLevel::Restrict => Err(ModelError::Invalid {
                field: "access",
                value: "restrict".to_owned(),
                reason: "`restrict` cannot be given in a batch grant",
            }),
            access => Ok(access),
        }
    }
}

/// What one batch item did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum BatchOutcome {
    /// A share was created for the item.
    Created {
        /// The new share.
        share: Share,
    },
    /// The recipient's existing share from this sharer on this resource was updated.
    Updated {
        /// The share as updated.
        share: Share,
    },
    /// The recipient's shares on the resource were removed.
    Removed {
        /// The removed shares.
        shares: Vec<Share>,
    },
    /// The item failed and changed nothing.
    Error {
        /// Why, for the caller to show.
        message: String,
    },
}

/// A share on a resource and whether it is active ("who has access").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessEntry {
    /// The share.
    pub share: Share,
    /// Whether it is active at the instant asked about.
    pub active: bool,
}

/// The port that keeps shares and the share log. See the [module docs](self) for the
/// contract every adapter keeps.
pub trait ShareStore: Send + Sync {
    /// Stores a new share (its id chosen by the caller) and logs `created`.
    /// Fails with [`StoreError::AlreadyExists`] if the id is taken.
    fn create(
        &self,
        share: Share,
        actor: &PrincipalId,
        at: DateTime<Utc>,
    ) -> Result<Share, StoreError>;

    /// The share with this id, if any.
    fn get(&self, id: &ShareId) -> Result<Option<Share>, StoreError>;

    /// Applies a patch if `expected_version` is the share's current version, bumps the
    /// version, logs `changed` with the fields that changed, and returns the new share.
    /// A stale version fails with [`StoreError::Conflict`]; a malformed patch (including one
    /// naming a different recipient) with [`StoreError::Invalid`].
    fn update(
        &self,
        id: &ShareId,
        expected_version: u64,
        patch: &SharePatch,
        actor: &PrincipalId,
        at: DateTime<Utc>,
    ) -> Result<Share, StoreError>;

    /// Removes a share, logs `deleted`, and returns it.
    fn delete(
        &self,
        id: &ShareId,
        actor: &PrincipalId,
        at: DateTime<Utc>,
    ) -> Result<Share, StoreError>;

    /// The shares that pass the filter, a page of them, oldest first.
    fn list(&self, filter: &ShareFilter, page: Page) -> Result<Paged<Share>, StoreError>;

    /// The shares on each of the given resources (the resource and its ancestors, for one
    /// policy check), one list per resource in the order given, each oldest first.
    fn shares_on(&self, resources: &[ResourceRef]) -> Result<Vec<Vec<Share>>, StoreError>;

    /// "Shared with me": every share whose recipient matches the principal
    /// ([`Recipient::matches`]), `public` shares only if `include_public`, a page of them,
    /// oldest first. Activity is not filtered: the caller decides with the policy.
    fn shared_with(
        &self,
        principal: &Principal,
        include_public: bool,
        page: Page,
    ) -> Result<Paged<Share>, StoreError>;

    /// "Who has access": every share on the resource, with whether it is active at `now`.
    fn who_has_access(
        &self,
        resource: &ResourceRef,
        now: DateTime<Utc>,
    ) -> Result<Vec<AccessEntry>, StoreError>;

    /// A batch grant on a resource by `sharer` (LiquidFiles `add_access`). For each item in
    /// order: if the recipient already has a share from `sharer` on `resource` (the oldest,
    /// if several), its access is set to the item's ([`GrantItem::resolved_access`]) and its
    /// version bumped; otherwise a share is created with a fresh id ([`ShareId::random`]).
    /// Each success logs `access_added`. An item fails, changing nothing and without stopping
    /// the others, when its resolved access is `restrict` or an empty `custom` set, or its
    /// recipient is a link (links are made through the admin facade, which hands out the
    /// token).
    fn grant_batch(
        &self,
        resource: &ResourceRef,
        sharer: &PrincipalId,
        items: &[GrantItem],
        actor: &PrincipalId,
        at: DateTime<Utc>,
    ) -> Result<Vec<BatchOutcome>, StoreError>;

    /// A batch revoke (LiquidFiles `remove_access`): for each recipient in order, removes its
    /// shares on the resource (from any sharer), logging `access_removed` for each. A
    /// recipient with no share there gets an `Error` outcome.
    fn revoke_batch(
        &self,
        resource: &ResourceRef,
        recipients: &[Recipient],
        actor: &PrincipalId,
        at: DateTime<Utc>,
    ) -> Result<Vec<BatchOutcome>, StoreError>;

    /// Records one visit (last visit time, visit count) and logs `visited`.
    fn record_visit(
        &self,
        id: &ShareId,
        actor: &PrincipalId,
        at: DateTime<Utc>,
    ) -> Result<Share, StoreError>;

    /// Logs that a retrievable link's token was read back (`link_retrieved`). Fails with
    /// [`StoreError::NotFound`] for an unknown share and [`StoreError::Invalid`] for a share
    /// that is not a retrievable link.
    fn record_link_retrieved(
        &self,
        id: &ShareId,
        actor: &PrincipalId,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// The link share whose token has this digest, if any.
    fn find_link(&self, digest: &LinkDigest) -> Result<Option<Share>, StoreError>;

    /// Removes every share expired at `now` (expiry at or before `now`), logs `expired` for
    /// each with `actor` as the actor, and returns them, oldest first.
    fn sweep_expired(
        &self,
        now: DateTime<Utc>,
        actor: &PrincipalId,
    ) -> Result<Vec<Share>, StoreError>;

    /// The log entries about one share, a page of them, in the order written.
    fn log_for_share(&self, id: &ShareId, page: Page) -> Result<Paged<LogEntry>, StoreError>;

    /// The log entries about the shares of one resource, a page of them, in the order written.
    fn log_for_resource(
        &self,
        resource: &ResourceRef,
        page: Page,
    ) -> Result<Paged<LogEntry>, StoreError>;
}

macro_rules! forward_store {
    ($($ptr:ty),*) => {$(
        impl<T: ShareStore + ?Sized> ShareStore for $ptr {
            fn create(&self, share: Share, actor: &PrincipalId, at: DateTime<Utc>) -> Result<Share, StoreError> {
                (**self).create(share, actor, at)
            }
            fn get(&self, id: &ShareId) -> Result<Option<Share>, StoreError> {
                (**self).get(id)
            }
            fn update(&self, id: &ShareId, expected_version: u64, patch: &SharePatch, actor: &PrincipalId, at: DateTime<Utc>) -> Result<Share, StoreError> {
                (**self).update(id, expected_version, patch, actor, at)
            }
            fn delete(&self, id: &ShareId, actor: &PrincipalId, at: DateTime<Utc>) -> Result<Share, StoreError> {
                (**self).delete(id, actor, at)
            }
            fn list(&self, filter: &ShareFilter, page: Page) -> Result<Paged<Share>, StoreError> {
                (**self).list(filter, page)
            }
            fn shares_on(&self, resources: &[ResourceRef]) -> Result<Vec<Vec<Share>>, StoreError> {
                (**self).shares_on(resources)
            }
            fn shared_with(&self, principal: &Principal, include_public: bool, page: Page) -> Result<Paged<Share>, StoreError> {
                (**self).shared_with(principal, include_public, page)
            }
            fn who_has_access(&self, resource: &ResourceRef, now: DateTime<Utc>) -> Result<Vec<AccessEntry>, StoreError> {
                (**self).who_has_access(resource, now)
            }
            fn grant_batch(&self, resource: &ResourceRef, sharer: &PrincipalId, items: &[GrantItem], actor: &PrincipalId, at: DateTime<Utc>) -> Result<Vec<BatchOutcome>, StoreError> {
                (**self).grant_batch(resource, sharer, items, actor, at)
            }
            fn revoke_batch(&self, resource: &ResourceRef, recipients: &[Recipient], actor: &PrincipalId, at: DateTime<Utc>) -> Result<Vec<BatchOutcome>, StoreError> {
                (**self).revoke_batch(resource, recipients, actor, at)
            }
            fn record_visit(&self, id: &ShareId, actor: &PrincipalId, at: DateTime<Utc>) -> Result<Share, StoreError> {
                (**self).record_visit(id, actor, at)
            }
            fn record_link_retrieved(&self, id: &ShareId, actor: &PrincipalId, at: DateTime<Utc>) -> Result<(), StoreError> {
                (**self).record_link_retrieved(id, actor, at)
            }
            fn find_link(&self, digest: &LinkDigest) -> Result<Option<Share>, StoreError> {
                (**self).find_link(digest)
            }
            fn sweep_expired(&self, now: DateTime<Utc>, actor: &PrincipalId) -> Result<Vec<Share>, StoreError> {
                (**self).sweep_expired(now, actor)
            }
            fn log_for_share(&self, id: &ShareId, page: Page) -> Result<Paged<LogEntry>, StoreError> {
                (**self).log_for_share(id, page)
            }
            fn log_for_resource(&self, resource: &ResourceRef, page: Page) -> Result<Paged<LogEntry>, StoreError> {
                (**self).log_for_resource(resource, page)
            }
        }
    )*};
}

// `Box<dyn ShareStore>`, `Arc<dyn ShareStore>` and `&S` are stores too, so the facade and
// the conformance suite take any of them.
forward_store!(&T, Box<T>, std::sync::Arc<T>);
