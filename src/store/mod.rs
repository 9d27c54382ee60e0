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
///
/// ```
/// use chrono::Utc;
/// use shareguard::{AccessLevel, MemoryStore, Recipient, Share, SharePatch, ShareStore, StoreError};
///
/// let (store, now) = (MemoryStore::new(), Utc::now());
/// let alice = "alice".parse()?;
/// let share = Share::new("s1".parse()?, "folder:f1".parse()?, "alice".parse()?,
///     Recipient::Public, AccessLevel::Viewer, now);
/// store.create(share.clone(), &alice, now)?;
/// assert_eq!(store.create(share, &alice, now), Err(StoreError::AlreadyExists("s1".parse()?)));
/// let stale = store.update(&"s1".parse()?, 3, &SharePatch::default(), &alice, now).unwrap_err();
/// assert_eq!(stale.to_string(), "version: share `s1` is at version 1, not 3");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
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
///
/// With the `sqlite` feature:
///
/// ```
/// # #[cfg(feature = "sqlite")] {
/// use shareguard::{OpenError, SqliteStore, StoreError};
///
/// let path = std::env::temp_dir().join(format!("shareguard-doc-{}.txt", uuid::Uuid::new_v4()));
/// let notes = "meeting notes, not a database\n".repeat(200);
/// std::fs::write(&path, &notes)?;
/// let err = SqliteStore::open(&path).unwrap_err();
/// assert_eq!(err, StoreError::Open(OpenError::NotADatabase { path: path.display().to_string() }));
/// assert_eq!(err.to_string(), format!("store file `{}`: not a database", path.display()));
/// assert_eq!(std::fs::read_to_string(&path)?, notes, "the file is left as it was");
/// # std::fs::remove_file(&path)?;
/// # }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
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
///
/// ```
/// use shareguard::{Page, Paged};
///
/// let page = Page { first: 2, count: 2 };
/// assert_eq!(Paged::from_all(vec!["a", "b", "c", "d", "e"], page).items, ["c", "d"]);
/// // Unless told otherwise, a list gives its first hundred items.
/// assert_eq!(Page::default(), Page::new(0, 100));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Page {
    /// The index of the first item.
    pub first: usize,
    /// The most items to return.
    pub count: usize,
}

impl Page {
    /// `count` items from `first`.
    ///
    /// ```
    /// use chrono::Utc;
    /// use shareguard::{AccessLevel, MemoryStore, Page, Recipient, Share, ShareFilter, ShareStore};
    ///
    /// let (store, now) = (MemoryStore::new(), Utc::now());
    /// for i in 0..5 {
    ///     let share = Share::new(format!("s{i}").parse()?, "folder:f1".parse()?, "alice".parse()?,
    ///         Recipient::Public, AccessLevel::Viewer, now);
    ///     store.create(share, &"alice".parse()?, now)?;
    /// }
    /// let page = store.list(&ShareFilter::default(), Page::new(3, 10))?;
    /// assert_eq!((page.first, page.count, page.total), (3, 2, 5));
    /// assert_eq!(page.items[0].id().as_str(), "s3");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub const fn new(first: usize, count: usize) -> Self {
        Self { first, count }
    }

    /// Every item.
    ///
    /// ```
    /// use shareguard::{Page, Paged};
    ///
    /// let ids: Vec<u32> = (0..1000).collect();
    /// assert_eq!(Paged::from_all(ids.clone(), Page::ALL).count, 1000);
    /// assert_eq!(Paged::from_all(ids, Page::default()).count, 100);
    /// ```
    pub const ALL: Page = Page { first: 0, count: usize::MAX };
}

impl Default for Page {
    fn default() -> Self {
        Page::new(0, 100)
    }
}

/// One page of a list, in Filr's form: where it starts, how many it holds, how many there
/// are in all, and the items.
///
/// ```
/// use shareguard::{Page, Paged};
///
/// let page = Paged::from_all(vec!["s1", "s2", "s3"], Page::new(0, 1));
/// assert_eq!(serde_json::to_string(&page)?, r#"{"first":0,"count":1,"total":3,"items":["s1"]}"#);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
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
///
/// ```
/// use chrono::{Duration, TimeZone, Utc};
/// use shareguard::{AccessLevel, Recipient, Share, ShareFilter, Status};
///
/// let at = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
/// let share = Share::new("s1".parse()?, "folder:f1".parse()?, "alice".parse()?,
///     Recipient::Public, AccessLevel::Viewer, at).with_expiry(Some(at + Duration::hours(1)));
/// let with = |status| ShareFilter { status: Some(status), ..ShareFilter::default() };
/// assert!(with(Status::Active(at)).accepts(&share));
/// // At the instant of its expiry, a share is expired already.
/// assert!(with(Status::Expired(at + Duration::hours(1))).accepts(&share));
/// assert!(!with(Status::Active(at + Duration::hours(1))).accepts(&share));
/// let json = serde_json::to_string(&Status::Active(at))?;
/// assert_eq!(json, r#"{"status":"active","at":"2026-03-01T12:00:00Z"}"#);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", content = "at", rename_all = "snake_case")]
pub enum Status {
    /// No expiry, or `at` strictly before it.
    Active(DateTime<Utc>),
    /// Expired at or before `at`.
    Expired(DateTime<Utc>),
}

/// Filters for [`ShareStore::list`]; every filter given must hold.
///
/// ```
/// use shareguard::{ShareFilter, ShareType};
///
/// // A filter as a request gives it: the fields left out filter nothing.
/// let filter: ShareFilter = serde_json::from_str(r#"{"shared_by": "alice", "share_type": "email"}"#)?;
/// assert_eq!(filter.share_type, Some(ShareType::Email));
/// assert!(filter.resource.is_none() && !filter.public_only);
/// // A misspelt field is refused, not ignored.
/// assert!(serde_json::from_str::<ShareFilter>(r#"{"shared_with": "bob"}"#).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
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
///
/// ```
/// use chrono::Utc;
/// use shareguard::{AccessLevel, BatchOutcome, GrantItem, MemoryStore, Recipient, ResourceRef, ShareStore};
///
/// let (store, now) = (MemoryStore::new(), Utc::now());
/// let (folder, alice): (ResourceRef, _) = ("folder:f1".parse()?, "alice".parse()?);
/// let viewer = GrantItem { recipient: Recipient::User { id: "bob".parse()? },
///     access: AccessLevel::Viewer, view_log: false };
/// let first = store.grant_batch(&folder, &alice, &[viewer.clone()], &alice, now)?;
/// assert!(matches!(first[0], BatchOutcome::Created { .. }));
/// // The same recipient again, from the same sharer: that share is updated.
/// let editor = GrantItem { access: AccessLevel::Editor, ..viewer };
/// let again = store.grant_batch(&folder, &alice, &[editor], &alice, now)?;
/// assert!(matches!(&again[0], BatchOutcome::Updated { share } if share.version() == 2));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
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
    ///
    /// ```
    /// use shareguard::{AccessLevel, GrantItem, Permissions, Recipient};
    ///
    /// let item = GrantItem { recipient: Recipient::User { id: "bob".parse()? },
    ///     access: AccessLevel::Viewer, view_log: true };
    /// let viewer_and_log = Permissions::VIEW | Permissions::DOWNLOAD | Permissions::VIEW_LOG;
    /// assert_eq!(item.resolved_access(), AccessLevel::Custom(viewer_and_log));
    /// // A level that holds `view_log` already stays as it is, and so does `restrict`.
    /// let manager = GrantItem { access: AccessLevel::Manager, ..item.clone() };
    /// assert_eq!(manager.resolved_access(), AccessLevel::Manager);
    /// let restrict = GrantItem { access: AccessLevel::Restrict, ..item };
    /// assert_eq!(restrict.resolved_access(), AccessLevel::Restrict);
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
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
    ///
    /// ```
    /// use shareguard::{AccessLevel, GrantItem, LinkToken, Recipient, ShareLink};
    ///
    /// let viewer = GrantItem { recipient: Recipient::User { id: "bob".parse()? },
    ///     access: AccessLevel::Viewer, view_log: false };
    /// assert_eq!(viewer.checked_access()?, AccessLevel::Viewer);
    /// let restrict = GrantItem { access: AccessLevel::Restrict, ..viewer.clone() };
    /// assert_eq!(restrict.checked_access().unwrap_err().to_string(),
    ///     "access: invalid value \"restrict\": `restrict` cannot be given in a batch grant");
    /// let link = Recipient::Link(ShareLink::new(&LinkToken::generate()?, false));
    /// let link = GrantItem { recipient: link, ..viewer };
    /// assert_eq!(link.checked_access().unwrap_err().field(), "recipient");
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
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
///
/// ```
/// use chrono::Utc;
/// use shareguard::{AccessLevel, BatchOutcome, GrantItem, MemoryStore, Recipient, ResourceRef, ShareStore};
///
/// let (store, now) = (MemoryStore::new(), Utc::now());
/// let (folder, alice): (ResourceRef, _) = ("folder:f1".parse()?, "alice".parse()?);
/// let bob = Recipient::User { id: "bob".parse()? };
/// let items = [
///     GrantItem { recipient: bob.clone(), access: AccessLevel::Viewer, view_log: false },
///     GrantItem { recipient: bob.clone(), access: AccessLevel::Restrict, view_log: false },
/// ];
/// let granted = store.grant_batch(&folder, &alice, &items, &alice, now)?;
/// assert!(matches!(granted[0], BatchOutcome::Created { .. }));
/// assert!(matches!(&granted[1], BatchOutcome::Error { message } if message.contains("restrict")));
/// let revoked = store.revoke_batch(&folder, &[bob], &alice, now)?;
/// assert!(matches!(&revoked[0], BatchOutcome::Removed { shares } if shares.len() == 1));
/// // As JSON, each outcome says which it is.
/// assert_eq!(serde_json::to_value(&granted[1])?["result"], "error");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
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
///
/// ```
/// use chrono::{Duration, TimeZone, Utc};
/// use shareguard::{AccessEntry, AccessLevel, MemoryStore, Recipient, Share, ShareStore};
///
/// let at = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
/// let store = MemoryStore::new();
/// let share = Share::new("s1".parse()?, "folder:f1".parse()?, "alice".parse()?,
///     Recipient::User { id: "bob".parse()? }, AccessLevel::Viewer, at)
///     .with_expiry(Some(at + Duration::days(1)));
/// store.create(share.clone(), &"alice".parse()?, at)?;
/// let entries = store.who_has_access(&"folder:f1".parse()?, at + Duration::days(1))?;
/// assert_eq!(entries, [AccessEntry { share, active: false }]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessEntry {
    /// The share.
    pub share: Share,
    /// Whether it is active at the instant asked about.
    pub active: bool,
}

/// The port that keeps shares and the share log. See the [module docs](self) for the
/// contract every adapter keeps.
///
/// ```
/// use std::sync::Arc;
/// use chrono::{TimeZone, Utc};
/// use shareguard::{AccessLevel, Level, MemoryStore, Page, Recipient, Share, ShareId, SharePatch, ShareStore};
///
/// // Any adapter, behind a trait object.
/// let store: Arc<dyn ShareStore> = Arc::new(MemoryStore::new());
/// let at = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
/// let (alice, s1): (_, ShareId) = ("alice".parse()?, "s1".parse()?);
/// store.create(Share::new(s1.clone(), "folder:f1".parse()?, "alice".parse()?,
///     Recipient::User { id: "bob".parse()? }, AccessLevel::Viewer, at), &alice, at)?;
/// let editor = SharePatch { access: Some(Level::Editor), ..SharePatch::default() };
/// assert_eq!(store.update(&s1, 1, &editor, &alice, at)?.version(), 2);
/// assert!(store.update(&s1, 1, &editor, &alice, at).is_err(), "version 1 is stale now");
/// // One log entry per successful mutation; none for the refused one.
/// let log = store.log_for_share(&s1, Page::ALL)?;
/// assert_eq!(log.items.iter().map(|e| e.event.name()).collect::<Vec<_>>(), ["created", "changed"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
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
