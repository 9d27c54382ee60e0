//! The store: the [`ShareStore`] port, its query types, the pure rules every adapter shares
//! ([`plan`]), and the reference adapter [`MemoryStore`].
//!
//! # Contract
//!
//! Every adapter keeps these promises; the conformance suite (feature `conformance`) checks
//! them.
//!
//! - **Conditional, atomic writes.** Every write ([`ShareStore::apply`]) carries a
//!   [`Precondition`]: the revision of the shares on each resource the caller's decision
//!   read. The store applies the write only if every one is unchanged, and the share's version
//!   is the one the write names; otherwise [`StoreError::Conflict`] and nothing changes. This
//!   holds across processes that share one database. A call that returns an error changes
//!   nothing: no share, no version, no usage counter, no log entry, no revision.
//! - **Revisions.** Every successful write gets the next store-wide [`Revision`] (strictly
//!   increasing, never reused), which is returned to the caller, recorded on its log entry,
//!   and becomes the revision of the shares on the written share's resource.
//!   [`ShareStore::changes_since`] lists the log entries after a revision, in revision order:
//!   none missed, none repeated.
//! - **One log entry per write**, with the actor and time the caller gave, in the same atomic
//!   step. Reads and failed writes log nothing. Entries outlive the shares they describe; a
//!   share made again under an id that was used before starts a log of its own.
//! - **Versions.** A share is created at version 1; every update adds one. Visits and reads
//!   of a link's token do not change the version (a visit must not make an editor's pending
//!   change stale) but do change the resource's revision.
//! - **Recipients never change** ([`Share::patched`] refuses a patch naming another).
//! - **Order and paging.** Shares are listed by id, log entries by revision; a [`Page`] holds
//!   the `count` items after its cursor, so an item added or removed between two pages makes
//!   no other item appear twice or go missing (SEMANTICS.md section 11).
//! - **Time is a parameter.** Stores never read a clock: `now` and `at` come from the caller.
//!
//! The trait is async and object-safe: `Box<dyn ShareStore>` and `Arc<dyn ShareStore>` work.
//! [`MemoryStore`] never waits on anything, so a synchronous caller can drive it with any
//! `block_on` (as `pollster::block_on(store.get(&id))` in the examples); adapters over
//! blocking I/O run it off the caller's thread.

use std::fmt;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[cfg(feature = "conformance")]
pub mod conformance;
mod memory;
pub mod plan;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod sql;
#[cfg(feature = "sqlite")]
mod sqlite;

pub use memory::MemoryStore;
#[cfg(feature = "postgres")]
pub use postgres::PgStore;
#[cfg(feature = "sqlite")]
pub use sqlite::{Durability, SqliteStore};

pub use crate::model::Revision;
use crate::model::{
    AccessLevel, LinkDigest, LogEntry, LogEvent, ModelError, Permissions, Principal, PrincipalId,
    Recipient, ResourceRef, Share, ShareId, SharePatch, ShareType,
};
use crate::policy::ShareList;

/// Why a store operation failed. A failed operation changed nothing.
///
/// ```
/// use chrono::Utc;
/// use shareguard::{AccessLevel, MemoryStore, Recipient, Share, ShareStore, StoreError};
/// use shareguard::model::SharePatch;
///
/// # pollster::block_on(async {
/// let (store, now) = (MemoryStore::new(), Utc::now());
/// let alice = "alice".parse()?;
/// let share = Share::new("s1".parse()?, "folder:f1".parse()?, "alice".parse()?,
///     Recipient::Public, AccessLevel::Viewer, now);
/// store.create(share.clone(), &alice, now).await?;
/// assert_eq!(store.create(share, &alice, now).await, Err(StoreError::AlreadyExists("s1".parse()?)));
/// let stale = store.update(&"s1".parse()?, 3, &SharePatch::default(), &alice, now).await.unwrap_err();
/// assert_eq!(stale.to_string(), "version: share `s1` is at version 1, not 3");
/// # Ok::<(), Box<dyn std::error::Error>>(()) })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// No share has this id.
    #[error("share: no share `{0}`")]
    NotFound(ShareId),
    /// The link has reached its use limit: no further use is recorded (SEMANTICS.md 8).
    #[error("share: link `{0}` is used up")]
    UsedUp(ShareId),
    /// A share with this id exists already.
    #[error("share: a share `{0}` exists already")]
    AlreadyExists(ShareId),
    /// The share is not at the version the caller read.
    #[error("version: share `{id}` is at version {actual}, not {expected}")]
    Conflict {
        /// The share.
        id: ShareId,
        /// The version the caller expected.
        expected: u64,
        /// The share's current version.
        actual: u64,
    },
    /// The shares on a resource the caller's decision read have changed since: decide again.
    #[error("revision: the shares on `{resource}` are at revision {actual}, not {expected}")]
    Changed {
        /// The resource.
        resource: ResourceRef,
        /// The revision the caller read.
        expected: Revision,
        /// The current revision.
        actual: Revision,
    },
    /// The caller asked for a state at least as fresh as a revision this store has not
    /// reached (a replica behind, or a revision from another store).
    #[error("revision: the store is at revision {actual}, not yet {wanted}")]
    NotYet {
        /// The revision asked for.
        wanted: Revision,
        /// The store's revision.
        actual: Revision,
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

impl StoreError {
    /// Whether the write lost a race ([`StoreError::Conflict`] or [`StoreError::Changed`]):
    /// nothing was applied, and deciding again on fresh state may succeed.
    ///
    /// ```
    /// use shareguard::StoreError;
    ///
    /// let stale = StoreError::Conflict { id: "s1".parse()?, expected: 1, actual: 2 };
    /// assert!(stale.is_conflict());
    /// assert!(!StoreError::NotFound("s1".parse()?).is_conflict());
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn is_conflict(&self) -> bool {
        matches!(self, StoreError::Conflict { .. } | StoreError::Changed { .. })
    }
}

/// Why a durable store could not be opened. Each case names the path it is about, so a
/// service can say which file to look at; none of them changed the file.
///
/// ```
/// use shareguard::store::OpenError;
///
/// let err = OpenError::ReadOnly { path: "/srv/shares.db".into() };
/// assert_eq!(err.to_string(), "store file `/srv/shares.db`: read-only, and a store must be able to write");
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

/// Where a page starts: an opaque position after the last item of the previous page, safe
/// to put in a URL. Listings hand it out in [`Paged::next`]; a caller passes it back
/// unchanged.
///
/// ```
/// use shareguard::store::Cursor;
///
/// let cursor = Cursor::after("s42");
/// let text = cursor.to_string();
/// assert!(text.bytes().all(|b| b.is_ascii_alphanumeric()));
/// assert_eq!(text.parse::<Cursor>()?, cursor);
/// assert!("not hex!".parse::<Cursor>().is_err());
/// # Ok::<(), shareguard::ModelError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Cursor(String);

impl Cursor {
    /// The position after the item whose key is `key` (a share id, a resource id, a
    /// revision's number).
    ///
    /// ```
    /// use shareguard::store::Cursor;
    /// assert_eq!(Cursor::after("s1").key(), "s1");
    /// ```
    #[must_use]
    pub fn after(key: impl Into<String>) -> Self {
        Cursor(key.into())
    }

    /// The key of the last item before the cursor.
    ///
    /// ```
    /// use shareguard::store::Cursor;
    /// assert_eq!(Cursor::after("document:d1").key(), "document:d1");
    /// ```
    #[must_use]
    pub fn key(&self) -> &str {
        &self.0
    }

    /// The revision a log cursor stands after, if the cursor is one.
    pub(crate) fn revision(&self) -> Option<Revision> {
        self.0.parse().ok()
    }
}

impl fmt::Debug for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Cursor").field(&self.0).finish()
    }
}

impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0.bytes() {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl std::str::FromStr for Cursor {
    type Err = ModelError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || ModelError::Invalid {
            field: "cursor",
            value: s.to_owned(),
            reason: "not a cursor this store handed out",
        };
        if s.len() % 2 != 0 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad());
        }
        let bytes = (0..s.len() / 2)
            .map(|i| s.get(2 * i..2 * i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
            .collect::<Option<Vec<u8>>>()
            .ok_or_else(bad)?;
        String::from_utf8(bytes).map(Cursor).map_err(|_| bad())
    }
}

impl Serialize for Cursor {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Cursor {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// Which part of a list to return: the `count` items after `after` (from the start when
/// `None`).
///
/// ```
/// use shareguard::store::{Cursor, Page};
///
/// assert_eq!(Page::default(), Page::first(100));
/// let next = Page::first(10).then(Some(Cursor::after("s9")));
/// assert_eq!(next.after.as_ref().map(Cursor::key), Some("s9"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Page {
    /// Start after this position; `None` starts at the beginning.
    #[serde(default)]
    pub after: Option<Cursor>,
    /// The most items to return.
    pub count: usize,
}

impl Page {
    /// Every item.
    pub const ALL: Page = Page { after: None, count: usize::MAX };

    /// The first `count` items.
    ///
    /// ```
    /// use shareguard::store::Page;
    /// assert_eq!(Page::first(5).count, 5);
    /// ```
    #[must_use]
    pub const fn first(count: usize) -> Self {
        Page { after: None, count }
    }

    /// The same size of page, after `cursor` (a [`Paged::next`]).
    ///
    /// ```
    /// use shareguard::store::{Cursor, Page};
    /// assert_eq!(Page::first(5).then(None), Page::first(5));
    /// ```
    #[must_use]
    pub fn then(self, cursor: Option<Cursor>) -> Self {
        Page { after: cursor, ..self }
    }
}

impl Default for Page {
    fn default() -> Self {
        Page::first(100)
    }
}

/// One page of a list: the items, how many the whole list holds, and where the next page
/// starts (`None` after the last page).
///
/// ```
/// use shareguard::store::{Page, Paged};
///
/// let all = vec![("a", 1), ("b", 2), ("c", 3)];
/// let page = Paged::of_sorted(all.clone(), |(k, _)| k.to_string(), &Page::first(2));
/// assert_eq!((page.items.len(), page.total), (2, 3));
/// let rest = Paged::of_sorted(all, |(k, _)| k.to_string(), &Page::first(2).then(page.next));
/// assert_eq!(rest.items, [("c", 3)]);
/// assert_eq!(rest.next, None);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Paged<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// How many items the whole list holds (every page, not only this one).
    pub total: usize,
    /// Where the next page starts; `None` when this page holds the last item.
    pub next: Option<Cursor>,
}

impl<T> Paged<T> {
    /// Cuts a page out of a whole list already sorted by `key` (ascending, keys unique).
    ///
    /// ```
    /// use shareguard::store::{Cursor, Page, Paged};
    ///
    /// let page = Paged::of_sorted(vec!["a", "b", "c"], |s| s.to_string(), &Page::first(1).then(Some(Cursor::after("a"))));
    /// assert_eq!((page.items, page.total), (vec!["b"], 3));
    /// ```
    #[must_use]
    pub fn of_sorted(all: Vec<T>, key: impl Fn(&T) -> String, page: &Page) -> Self {
        let total = all.len();
        let after = page.after.as_ref().map(Cursor::key);
        let mut items = Vec::new();
        let mut more = false;
        for item in all {
            if after.is_some_and(|a| key(&item).as_str() <= a) {
                continue;
            }
            if items.len() == page.count {
                more = true;
                break;
            }
            items.push(item);
        }
        let next = if more { items.last().map(|last| Cursor::after(key(last))) } else { None };
        Paged { items, total, next }
    }

    /// The same page with each item mapped.
    ///
    /// ```
    /// use shareguard::store::{Page, Paged};
    /// let page = Paged::of_sorted(vec![1, 2], |n| n.to_string(), &Page::ALL).map(|n| n * 10);
    /// assert_eq!(page.items, [10, 20]);
    /// ```
    #[must_use]
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Paged<U> {
        Paged { items: self.items.into_iter().map(f).collect(), total: self.total, next: self.next }
    }
}

pub use crate::model::ShareState;

/// Filters for [`ShareStore::list`]; every filter given must hold.
///
/// ```
/// use shareguard::model::ShareType;
/// use shareguard::store::ShareFilter;
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
    /// Only shares in this state at an instant.
    pub state: Option<(ShareState, DateTime<Utc>)>,
}

impl ShareFilter {
    /// Whether a share passes every filter given.
    ///
    /// ```
    /// use chrono::Utc;
    /// use shareguard::{AccessLevel, Recipient, Share};
    /// use shareguard::store::ShareFilter;
    ///
    /// let share = Share::new("s1".parse()?, "folder:f1".parse()?, "alice".parse()?,
    ///     Recipient::Public, AccessLevel::Viewer, Utc::now());
    /// assert!(ShareFilter { public_only: true, ..ShareFilter::default() }.accepts(&share));
    /// assert!(!ShareFilter { shared_by: Some("bob".parse()?), ..ShareFilter::default() }.accepts(&share));
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn accepts(&self, share: &Share) -> bool {
        self.shared_by.as_ref().is_none_or(|s| share.sharer() == s)
            && self.recipient.as_ref().is_none_or(|r| match (share.recipient(), r) {
                // A link is found by its token, whatever its audience.
                (Recipient::Link(a), Recipient::Link(b)) => a.digest() == b.digest(),
                (a, b) => a == b,
            })
            && self.resource.as_ref().is_none_or(|r| share.resource() == r)
            && self.share_type.is_none_or(|t| share.recipient().share_type() == t)
            && (!self.public_only
                || matches!(share.recipient().share_type(), ShareType::Public | ShareType::Link))
            && self.state.is_none_or(|(state, at)| share.state(at) == state)
    }
}

/// One item of a batch grant (LiquidFiles `add_access`): a recipient, an access level, and
/// whether the recipient may view the share log.
///
/// ```
/// use shareguard::{AccessLevel, Recipient};
/// use shareguard::model::Permissions;
/// use shareguard::store::GrantItem;
///
/// let item = GrantItem { recipient: Recipient::User { id: "bob".parse()? },
///     access: AccessLevel::Viewer, view_log: true };
/// assert!(item.resolved_access().permissions().contains(Permissions::VIEW_LOG));
/// # Ok::<(), shareguard::ModelError>(())
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
    /// use shareguard::{AccessLevel, Recipient};
    /// use shareguard::model::Permissions;
    /// use shareguard::store::GrantItem;
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

    /// The access the item gives, or why a batch refuses it: a link recipient (links are
    /// made through the admin facade, which hands out their token), `restrict`, or an empty
    /// `custom` set.
    ///
    /// ```
    /// use shareguard::{AccessLevel, Recipient};
    /// use shareguard::model::{LinkToken, ShareLink};
    /// use shareguard::store::GrantItem;
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
/// use shareguard::store::BatchOutcome;
///
/// let failed = BatchOutcome::Error { message: "access: invalid".into() };
/// assert_eq!(serde_json::to_value(&failed)?["result"], "error");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum BatchOutcome {
    /// A share was created for the item.
    Created {
        /// The new share.
        share: Share,
        /// The write's revision.
        revision: Revision,
    },
    /// The recipient's existing share from this sharer on this resource was updated.
    Updated {
        /// The share as updated.
        share: Share,
        /// The write's revision.
        revision: Revision,
    },
    /// The recipient's shares on the resource were removed.
    Removed {
        /// The removed shares.
        shares: Vec<Share>,
        /// The revision of the last removal.
        revision: Revision,
    },
    /// The policy denied the item; nothing changed.
    Denied {
        /// Why.
        decision: Box<crate::policy::Decision>,
    },
    /// The item failed and changed nothing.
    Error {
        /// Why, for the caller to show.
        message: String,
    },
}

/// A share that reaches a resource, and its state ("who has access").
///
/// ```
/// use chrono::Utc;
/// use shareguard::{AccessLevel, Recipient, Share};
/// use shareguard::store::{AccessEntry, ShareState};
///
/// let share = Share::new("s1".parse()?, "folder:f1".parse()?, "alice".parse()?,
///     Recipient::Public, AccessLevel::Viewer, Utc::now());
/// let entry = AccessEntry { share, state: ShareState::Active };
/// assert_eq!(entry.share.resource().to_string(), "folder:f1");
/// # Ok::<(), shareguard::ModelError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessEntry {
    /// The share (its resource is the one that carries it: the resource asked about or an
    /// ancestor).
    pub share: Share,
    /// Its state at the instant asked about.
    pub state: ShareState,
}

/// The state a decision read: for each resource of the path, the revision of its shares. A
/// write made with it applies only if all are unchanged ([`StoreError::Changed`]).
///
/// ```
/// use shareguard::store::{Precondition, Revision};
///
/// let none = Precondition::none();
/// assert!(none.is_empty());
/// let read = Precondition::from_iter([("folder:f1".parse()?, Revision::new(3))]);
/// assert_eq!(read.entries()[0].1, Revision::new(3));
/// # Ok::<(), shareguard::ModelError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Precondition {
    entries: Vec<(ResourceRef, Revision)>,
}

impl Precondition {
    /// No condition: the write applies whatever changed (imports, tools, tests).
    ///
    /// ```
    /// use shareguard::store::Precondition;
    /// assert!(Precondition::none().entries().is_empty());
    /// ```
    #[must_use]
    pub fn none() -> Self {
        Self::default()
    }

    /// Each resource and the revision read.
    ///
    /// ```
    /// use shareguard::store::{Precondition, Revision};
    /// let read = Precondition::from_iter([("folder:f1".parse()?, Revision::ZERO)]);
    /// assert_eq!(read.entries().len(), 1);
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn entries(&self) -> &[(ResourceRef, Revision)] {
        &self.entries
    }

    /// Whether there is no condition.
    ///
    /// ```
    /// use shareguard::store::Precondition;
    /// assert!(Precondition::default().is_empty());
    /// ```
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Checks the condition against the current revisions, as `current` gives them.
    ///
    /// ```
    /// use shareguard::store::{Precondition, Revision, StoreError};
    ///
    /// let read = Precondition::from_iter([("folder:f1".parse()?, Revision::new(2))]);
    /// assert!(read.check(|_| Revision::new(2)).is_ok());
    /// assert!(matches!(read.check(|_| Revision::new(3)), Err(StoreError::Changed { .. })));
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    pub fn check(
        &self,
        mut current: impl FnMut(&ResourceRef) -> Revision,
    ) -> Result<(), StoreError> {
        for (resource, expected) in &self.entries {
            let actual = current(resource);
            if actual != *expected {
                return Err(StoreError::Changed {
                    resource: resource.clone(),
                    expected: *expected,
                    actual,
                });
            }
        }
        Ok(())
    }
}

impl Precondition {
    /// The same condition, with `resource` now expected at `revision` (after a write of the
    /// caller's own moved it on).
    pub(crate) fn advanced(mut self, resource: &ResourceRef, revision: Revision) -> Self {
        for (r, rev) in &mut self.entries {
            if r == resource {
                *rev = revision;
            }
        }
        self
    }
}

impl FromIterator<(ResourceRef, Revision)> for Precondition {
    fn from_iter<I: IntoIterator<Item = (ResourceRef, Revision)>>(iter: I) -> Self {
        Precondition { entries: iter.into_iter().collect() }
    }
}

/// The shares on one resource of a path, as a store hands them to a reader.
///
/// ```
/// use shareguard::policy::ShareList;
/// use shareguard::store::{PathShares, Revision};
///
/// let list = ShareList::new();
/// let resource = "folder:f1".parse()?;
/// let on = PathShares { resource: &resource, shares: &list, revision: Revision::ZERO };
/// assert!(on.shares.is_empty());
/// # Ok::<(), shareguard::ModelError>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct PathShares<'a> {
    /// The resource.
    pub resource: &'a ResourceRef,
    /// Its shares, in the order they were created.
    pub shares: &'a ShareList,
    /// The revision of its shares (of the last write to them; [`Revision::ZERO`] if none).
    pub revision: Revision,
}

/// A write: what [`ShareStore::apply`] is asked to do.
///
/// ```
/// use shareguard::model::LogEvent;
/// use shareguard::store::Write;
///
/// let delete = Write::Delete { id: "s1".parse()?, version: Some(2), event: LogEvent::Deleted };
/// assert_eq!(delete.share_id().map(|id| id.as_str()), Some("s1"));
/// # Ok::<(), shareguard::ModelError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Write {
    /// Store a new share (its id chosen by the caller) at version 1 and log `event`
    /// (`created`, or `access_added` from a batch). [`StoreError::AlreadyExists`] if the id
    /// is taken.
    Create {
        /// The share.
        share: Share,
        /// What to log.
        event: LogEvent,
    },
    /// Apply a patch to the share at `version` ([`plan::patch_share`]), bump the version and log
    /// `changed` (or `event`, when given, from a batch).
    Update {
        /// The share.
        id: ShareId,
        /// The version the caller read.
        version: u64,
        /// The change.
        patch: SharePatch,
        /// What to log instead of `changed`.
        event: Option<LogEvent>,
    },
    /// Remove the share (at `version`, when given) and log `event` (`deleted`,
    /// `access_removed`, `expired`).
    Delete {
        /// The share.
        id: ShareId,
        /// The version the caller read, if it read one.
        version: Option<u64>,
        /// What to log.
        event: LogEvent,
    },
    /// Record a visit ([`plan::visit`]) and log `visited`.
    Visit {
        /// The share.
        id: ShareId,
    },
    /// Log that a retrievable link's token was read back (`link_retrieved`).
    LinkRetrieved {
        /// The share.
        id: ShareId,
    },
    /// End a pending share: it grants from now on; bump the version and log `accepted`
    /// ([`plan::accept`]: refused unless the share is pending and has not expired at `at`).
    Accept {
        /// The share.
        id: ShareId,
    },
}

impl Write {
    /// The share the write is about (for a create, the new share's id).
    ///
    /// ```
    /// use shareguard::store::Write;
    /// assert!(Write::Visit { id: "s1".parse()? }.share_id().is_some());
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn share_id(&self) -> Option<&ShareId> {
        Some(match self {
            Write::Create { share, .. } => share.id(),
            Write::Update { id, .. }
            | Write::Delete { id, .. }
            | Write::Visit { id }
            | Write::LinkRetrieved { id }
            | Write::Accept { id } => id,
        })
    }
}

/// What a successful write did: the share as it now is (as it was, for a removal) and the
/// write's revision.
///
/// ```
/// use chrono::Utc;
/// use shareguard::{AccessLevel, MemoryStore, Recipient, Share, ShareStore};
///
/// # pollster::block_on(async {
/// let store = MemoryStore::new();
/// let share = Share::new("s1".parse()?, "folder:f1".parse()?, "alice".parse()?,
///     Recipient::Public, AccessLevel::Viewer, Utc::now());
/// let applied = store.create(share, &"alice".parse()?, Utc::now()).await?;
/// assert_eq!(applied.revision.get(), 1);
/// assert_eq!(applied.share.version(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(()) })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Applied {
    /// The share after the write (before it, for a removal).
    pub share: Share,
    /// The write's revision.
    pub revision: Revision,
}

/// A boxed reader of a path's shares, as [`ShareStore::read_path`] takes it.
pub type PathReader<'r> = dyn for<'a> FnMut(&[PathShares<'a>]) + Send + 'r;

/// The port that keeps shares and the share log. See the [module docs](self) for the
/// contract every adapter keeps.
///
/// The required methods are storage primitives; an adapter writes storage and nothing else:
/// the rules (applying a patch, bumping a version, recording a visit, planning a batch item)
/// are the pure functions of [`plan`]. The provided methods (`create`, `update`, `delete`,
/// `who_has_access`, the batches, the expiry sweep) are built on the primitives, and an
/// adapter may override them for speed.
///
/// ```
/// use std::sync::Arc;
/// use chrono::{TimeZone, Utc};
/// use shareguard::{AccessLevel, MemoryStore, Recipient, Share, ShareStore};
/// use shareguard::model::{Level, ShareId, SharePatch};
/// use shareguard::store::Page;
///
/// # pollster::block_on(async {
/// // Any adapter, behind a trait object.
/// let store: Arc<dyn ShareStore> = Arc::new(MemoryStore::new());
/// let at = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
/// let (alice, s1): (_, ShareId) = ("alice".parse()?, "s1".parse()?);
/// store.create(Share::new(s1.clone(), "folder:f1".parse()?, "alice".parse()?,
///     Recipient::User { id: "bob".parse()? }, AccessLevel::Viewer, at), &alice, at).await?;
/// let editor = SharePatch { access: Some(Level::Editor), ..SharePatch::default() };
/// assert_eq!(store.update(&s1, 1, &editor, &alice, at).await?.share.version(), 2);
/// assert!(store.update(&s1, 1, &editor, &alice, at).await.is_err(), "version 1 is stale now");
/// // One log entry per successful write; none for the refused one.
/// let log = store.log_for_share(&s1, &Page::ALL).await?;
/// assert_eq!(log.items.iter().map(|e| e.event.name()).collect::<Vec<_>>(), ["created", "changed"]);
/// # Ok::<(), Box<dyn std::error::Error>>(()) })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[async_trait]
pub trait ShareStore: Send + Sync {
    /// Applies one write if `pre` holds ([`StoreError::Changed`] otherwise) and the share's
    /// version is the one the write names ([`StoreError::Conflict`]), logs it with the next
    /// revision, and returns the share and that revision. The rules of each write are those
    /// of [`plan::prepare`]; an adapter calls it with the share it holds under the id.
    async fn apply(
        &self,
        write: Write,
        pre: &Precondition,
        actor: &PrincipalId,
        at: DateTime<Utc>,
    ) -> Result<Applied, StoreError>;

    /// The share with this id, if any.
    async fn get(&self, id: &ShareId) -> Result<Option<Share>, StoreError>;

    /// Calls `read` once with the shares on each of the resources (a path, nearest first),
    /// one [`PathShares`] per resource in the order given, each with its revision — all read
    /// at one instant. `at_least` asks for a state no older than a revision
    /// ([`StoreError::NotYet`] if the store has not reached it).
    async fn read_path(
        &self,
        resources: &[ResourceRef],
        at_least: Revision,
        read: &mut PathReader<'_>,
    ) -> Result<(), StoreError>;

    /// [`read_path`](Self::read_path) at once, without a future, for a store that never
    /// waits (its shares in memory): `None`, the default, sends the caller to `read_path`.
    /// [`MemoryStore`] answers here, so that a decision over it costs no boxed future. The
    /// resources are borrowed (from the tree's path), so a path costs no copies of their ids.
    ///
    /// ```
    /// use shareguard::{MemoryStore, ResourceRef, ShareStore};
    /// use shareguard::model::Revision;
    ///
    /// let store = MemoryStore::new();
    /// let folder: ResourceRef = "folder:f1".parse()?;
    /// let mut read = 0;
    /// let done = store.read_path_ready(&[&folder], Revision::ZERO, &mut |views| read = views.len());
    /// assert!(matches!(done, Some(Ok(()))));
    /// assert_eq!(read, 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn read_path_ready(
        &self,
        resources: &[&ResourceRef],
        at_least: Revision,
        read: &mut PathReader<'_>,
    ) -> Option<Result<(), StoreError>> {
        let _ = (resources, at_least, read);
        None
    }

    /// [`read_path`](Self::read_path) for a decision about the principal's own access
    /// ([`Admin::check`](crate::Admin::check), [`Admin::permissions`](crate::Admin::permissions)):
    /// the shares on the path that may reach it. Each resource's list holds at least every
    /// share `read_path` gives whose recipient is neither a user other than the principal nor
    /// a group the principal is not in (no other share can match it, so the policy decides
    /// the same), in the same order; an adapter may give more (the default, `read_path`,
    /// gives all). The revisions are those of the whole resource, as `read_path` gives them
    /// (a write carrying them still covers every share on it), and `at_least` is as there.
    ///
    /// ```
    /// use chrono::Utc;
    /// use shareguard::{AccessLevel, MemoryStore, Principal, PrincipalKind, Recipient, Share, ShareStore};
    /// use shareguard::model::Revision;
    ///
    /// # pollster::block_on(async {
    /// let store = MemoryStore::new();
    /// let to = |id: &str| Ok::<_, shareguard::ModelError>(Recipient::User { id: id.parse()? });
    /// for (id, who) in [("s1", "bob"), ("s2", "carol")] {
    ///     store.create(Share::new(id.parse()?, "folder:f1".parse()?, "alice".parse()?, to(who)?,
    ///         AccessLevel::Viewer, Utc::now()), &"alice".parse()?, Utc::now()).await?;
    /// }
    /// let bob = Principal::builder("bob", PrincipalKind::Internal).build()?;
    /// let mut seen = Vec::new();
    /// store.read_path_reaching(&["folder:f1".parse()?], &bob, Revision::ZERO, &mut |views| {
    ///     seen = views[0].shares.iter().map(|s| s.id().to_string()).collect();
    /// }).await?;
    /// assert!(seen.contains(&"s1".to_owned()), "bob's share is always given");
    /// # Ok::<(), Box<dyn std::error::Error>>(()) })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    async fn read_path_reaching(
        &self,
        resources: &[ResourceRef],
        principal: &Principal,
        at_least: Revision,
        read: &mut PathReader<'_>,
    ) -> Result<(), StoreError> {
        let _ = principal;
        self.read_path(resources, at_least, read).await
    }

    /// The shares whose recipient matches the principal ([`Principal::recipient_keys`]),
    /// `public` shares only if `include_public`, by share id, a page of them. Activity is not
    /// filtered: the caller decides with the policy.
    async fn shares_reaching(
        &self,
        principal: &Principal,
        include_public: bool,
        page: &Page,
    ) -> Result<Paged<Share>, StoreError>;

    /// The shares that pass the filter, by share id, a page of them.
    async fn list(&self, filter: &ShareFilter, page: &Page) -> Result<Paged<Share>, StoreError>;

    /// The link share whose token has this digest, if any.
    async fn find_link(&self, digest: &LinkDigest) -> Result<Option<Share>, StoreError>;

    /// The log entries about the share now stored under this id (or, if none is, the last
    /// one that was), by revision, a page of them.
    async fn log_for_share(&self, id: &ShareId, page: &Page)
    -> Result<Paged<LogEntry>, StoreError>;

    /// The log entries about the shares of one resource, by revision, a page of them.
    async fn log_for_resource(
        &self,
        resource: &ResourceRef,
        page: &Page,
    ) -> Result<Paged<LogEntry>, StoreError>;

    /// Up to `limit` log entries with a revision after `after`, by revision: a change feed.
    /// Reading on from the last revision returned misses nothing and repeats nothing.
    async fn changes_since(
        &self,
        after: Revision,
        limit: usize,
    ) -> Result<Vec<LogEntry>, StoreError>;

    /// The revision of the last write ([`Revision::ZERO`] before any).
    async fn revision(&self) -> Result<Revision, StoreError>;

    /// Logs an event about a resource rather than one of its shares (an inheritance cut or
    /// restore, SEMANTICS.md section 10), if `pre` still holds: at the next revision, with no
    /// share, in the resource's log and the change feed; moves the resource's revision on.
    /// Returns the revision.
    async fn note(
        &self,
        resource: &ResourceRef,
        event: LogEvent,
        pre: &Precondition,
        actor: &PrincipalId,
        at: DateTime<Utc>,
    ) -> Result<Revision, StoreError>;

    /// The shares expired at `now` (expiry at or before it) and the used-up links, by share
    /// id, at most `limit`.
    async fn expired(&self, now: DateTime<Utc>, limit: usize) -> Result<Vec<Share>, StoreError>;

    /// Stores a new share unconditionally and logs `created` (an import, a tool, a test).
    async fn create(
        &self,
        share: Share,
        actor: &PrincipalId,
        at: DateTime<Utc>,
    ) -> Result<Applied, StoreError> {
        let write = Write::Create { share, event: LogEvent::Created };
        self.apply(write, &Precondition::none(), actor, at).await
    }

    /// Applies a patch to the share at `expected_version` and logs `changed`.
    async fn update(
        &self,
        id: &ShareId,
        expected_version: u64,
        patch: &SharePatch,
        actor: &PrincipalId,
        at: DateTime<Utc>,
    ) -> Result<Applied, StoreError> {
        let write = Write::Update {
            id: id.clone(),
            version: expected_version,
            patch: patch.clone(),
            event: None,
        };
        self.apply(write, &Precondition::none(), actor, at).await
    }

    /// Removes a share whatever its version and logs `deleted`.
    async fn delete(
        &self,
        id: &ShareId,
        actor: &PrincipalId,
        at: DateTime<Utc>,
    ) -> Result<Applied, StoreError> {
        let write = Write::Delete { id: id.clone(), version: None, event: LogEvent::Deleted };
        self.apply(write, &Precondition::none(), actor, at).await
    }

    /// Records one visit (last visit time, visit count) and logs `visited`.
    async fn record_visit(
        &self,
        id: &ShareId,
        actor: &PrincipalId,
        at: DateTime<Utc>,
    ) -> Result<Applied, StoreError> {
        self.apply(Write::Visit { id: id.clone() }, &Precondition::none(), actor, at).await
    }

    /// The shares on each resource (a path), cloned out, with their revisions.
    async fn shares_on(
        &self,
        resources: &[ResourceRef],
    ) -> Result<Vec<(Vec<Share>, Revision)>, StoreError> {
        let mut out = Vec::new();
        self.read_path(resources, Revision::ZERO, &mut |path| {
            out = path.iter().map(|on| (on.shares.to_vec(), on.revision)).collect();
        })
        .await?;
        Ok(out)
    }

    /// "Who has access": every share on the resource with its state at `now`.
    async fn who_has_access(
        &self,
        resource: &ResourceRef,
        now: DateTime<Utc>,
    ) -> Result<Vec<AccessEntry>, StoreError> {
        let on = self.shares_on(std::slice::from_ref(resource)).await?;
        Ok(on
            .into_iter()
            .flat_map(|(shares, _)| shares)
            .map(|share| AccessEntry { state: share.state(now), share })
            .collect())
    }

    /// A batch grant on a resource by `sharer` (LiquidFiles `add_access`), unconditionally:
    /// for each item in order, [`plan::grant`] says whether to update the recipient's
    /// existing share from `sharer` or create one (logging `access_added`). An item that
    /// fails changes nothing and does not stop the others.
    async fn grant_batch(
        &self,
        resource: &ResourceRef,
        sharer: &PrincipalId,
        items: &[GrantItem],
        actor: &PrincipalId,
        at: DateTime<Utc>,
    ) -> Result<Vec<BatchOutcome>, StoreError> {
        let mut outcomes = Vec::with_capacity(items.len());
        for item in items {
            // Unconditional: an item whose share another writer changed between the read
            // and the write is planned again on the fresh state (a few times).
            let mut outcome = None;
            for _ in 0..8 {
                let on = self.shares_on(std::slice::from_ref(resource)).await?;
                let existing = on.first().map(|(s, _)| s.as_slice()).unwrap_or_default();
                let write = match plan::grant(resource, sharer, item, existing, at) {
                    Ok(write) => write,
                    Err(e) => {
                        outcome = Some(BatchOutcome::Error { message: e.to_string() });
                        break;
                    }
                };
                let created = matches!(write, Write::Create { .. });
                match self.apply(write, &Precondition::none(), actor, at).await {
                    Ok(Applied { share, revision }) if created => {
                        outcome = Some(BatchOutcome::Created { share, revision });
                    }
                    Ok(Applied { share, revision }) => {
                        outcome = Some(BatchOutcome::Updated { share, revision });
                    }
                    Err(StoreError::Backend(e)) => return Err(StoreError::Backend(e)),
                    Err(e @ (StoreError::Conflict { .. } | StoreError::NotFound(_))) => {
                        outcome = Some(BatchOutcome::Error { message: e.to_string() });
                        continue;
                    }
                    Err(e) => outcome = Some(BatchOutcome::Error { message: e.to_string() }),
                }
                break;
            }
            outcomes.push(outcome.unwrap_or_else(|| BatchOutcome::Error {
                message: "the shares kept changing".to_owned(),
            }));
        }
        Ok(outcomes)
    }

    /// A batch revoke (LiquidFiles `remove_access`), unconditionally: for each recipient in
    /// order, removes its shares on the resource (from any sharer), logging `access_removed`
    /// for each. A recipient with no share there gets an `Error` outcome.
    async fn revoke_batch(
        &self,
        resource: &ResourceRef,
        recipients: &[Recipient],
        actor: &PrincipalId,
        at: DateTime<Utc>,
    ) -> Result<Vec<BatchOutcome>, StoreError> {
        let mut outcomes = Vec::with_capacity(recipients.len());
        for recipient in recipients {
            let on = self.shares_on(std::slice::from_ref(resource)).await?;
            let targets: Vec<Share> = on
                .into_iter()
                .flat_map(|(shares, _)| shares)
                .filter(|s| s.recipient() == recipient)
                .collect();
            if targets.is_empty() {
                outcomes.push(
                    plan::revoke_each(self, &[], recipient, &Precondition::none(), actor, at)
                        .await?,
                );
                continue;
            }
            // Unconditional: each target is removed whatever its version, and one another
            // writer removed meanwhile is not an error (it is gone, as asked).
            let mut removed = Vec::with_capacity(targets.len());
            let mut last = Revision::ZERO;
            for share in targets {
                let write = Write::Delete {
                    id: share.id().clone(),
                    version: None,
                    event: LogEvent::AccessRemoved { recipient: recipient.clone() },
                };
                match self.apply(write, &Precondition::none(), actor, at).await {
                    Ok(Applied { share, revision }) => {
                        removed.push(share);
                        last = revision;
                    }
                    Err(StoreError::NotFound(_)) => {}
                    Err(e) => return Err(e),
                }
            }
            outcomes.push(if removed.is_empty() {
                plan::revoke_each(self, &[], recipient, &Precondition::none(), actor, at).await?
            } else {
                BatchOutcome::Removed { shares: removed, revision: last }
            });
        }
        Ok(outcomes)
    }

    /// Removes every share expired at `now` (expiry at or before `now`), logs `expired` for
    /// each with `actor` as the actor, and returns them, by share id.
    async fn sweep_expired(
        &self,
        now: DateTime<Utc>,
        actor: &PrincipalId,
    ) -> Result<Vec<Share>, StoreError> {
        let mut swept = Vec::new();
        loop {
            let batch = self.expired(now, 256).await?;
            if batch.is_empty() {
                return Ok(swept);
            }
            for share in batch {
                let write = Write::Delete {
                    id: share.id().clone(),
                    version: None,
                    event: LogEvent::Expired,
                };
                match self.apply(write, &Precondition::none(), actor, now).await {
                    Ok(applied) => swept.push(applied.share),
                    Err(StoreError::NotFound(_)) => {}
                    Err(e) => return Err(e),
                }
            }
        }
    }
}

macro_rules! forward_store {
    ($($ptr:ty),*) => {$(
        #[async_trait]
        impl<T: ShareStore + ?Sized> ShareStore for $ptr {
            async fn apply(&self, write: Write, pre: &Precondition, actor: &PrincipalId, at: DateTime<Utc>) -> Result<Applied, StoreError> {
                (**self).apply(write, pre, actor, at).await
            }
            async fn get(&self, id: &ShareId) -> Result<Option<Share>, StoreError> {
                (**self).get(id).await
            }
            async fn read_path(&self, resources: &[ResourceRef], at_least: Revision, read: &mut PathReader<'_>) -> Result<(), StoreError> {
                (**self).read_path(resources, at_least, read).await
            }
            fn read_path_ready(&self, resources: &[&ResourceRef], at_least: Revision, read: &mut PathReader<'_>) -> Option<Result<(), StoreError>> {
                (**self).read_path_ready(resources, at_least, read)
            }
            async fn read_path_reaching(&self, resources: &[ResourceRef], principal: &Principal, at_least: Revision, read: &mut PathReader<'_>) -> Result<(), StoreError> {
                (**self).read_path_reaching(resources, principal, at_least, read).await
            }
            async fn shares_reaching(&self, principal: &Principal, include_public: bool, page: &Page) -> Result<Paged<Share>, StoreError> {
                (**self).shares_reaching(principal, include_public, page).await
            }
            async fn list(&self, filter: &ShareFilter, page: &Page) -> Result<Paged<Share>, StoreError> {
                (**self).list(filter, page).await
            }
            async fn find_link(&self, digest: &LinkDigest) -> Result<Option<Share>, StoreError> {
                (**self).find_link(digest).await
            }
            async fn log_for_share(&self, id: &ShareId, page: &Page) -> Result<Paged<LogEntry>, StoreError> {
                (**self).log_for_share(id, page).await
            }
            async fn log_for_resource(&self, resource: &ResourceRef, page: &Page) -> Result<Paged<LogEntry>, StoreError> {
                (**self).log_for_resource(resource, page).await
            }
            async fn changes_since(&self, after: Revision, limit: usize) -> Result<Vec<LogEntry>, StoreError> {
                (**self).changes_since(after, limit).await
            }
            async fn revision(&self) -> Result<Revision, StoreError> {
                (**self).revision().await
            }
            async fn note(&self, resource: &ResourceRef, event: LogEvent, pre: &Precondition, actor: &PrincipalId, at: DateTime<Utc>) -> Result<Revision, StoreError> {
                (**self).note(resource, event, pre, actor, at).await
            }
            async fn expired(&self, now: DateTime<Utc>, limit: usize) -> Result<Vec<Share>, StoreError> {
                (**self).expired(now, limit).await
            }
            async fn who_has_access(&self, resource: &ResourceRef, now: DateTime<Utc>) -> Result<Vec<AccessEntry>, StoreError> {
                (**self).who_has_access(resource, now).await
            }
            async fn grant_batch(&self, resource: &ResourceRef, sharer: &PrincipalId, items: &[GrantItem], actor: &PrincipalId, at: DateTime<Utc>) -> Result<Vec<BatchOutcome>, StoreError> {
                (**self).grant_batch(resource, sharer, items, actor, at).await
            }
            async fn revoke_batch(&self, resource: &ResourceRef, recipients: &[Recipient], actor: &PrincipalId, at: DateTime<Utc>) -> Result<Vec<BatchOutcome>, StoreError> {
                (**self).revoke_batch(resource, recipients, actor, at).await
            }
            async fn sweep_expired(&self, now: DateTime<Utc>, actor: &PrincipalId) -> Result<Vec<Share>, StoreError> {
                (**self).sweep_expired(now, actor).await
            }
        }
    )*};
}

// `Box<dyn ShareStore>`, `Arc<dyn ShareStore>` and `&S` are stores too, so the facade and
// the conformance suite take any of them.
forward_store!(&T, Box<T>, std::sync::Arc<T>);
