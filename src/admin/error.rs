//! Why an admin operation did not happen.

use crate::model::{ModelError, ShareId};
use crate::policy::Decision;
use crate::store::StoreError;

use super::TreeError;

/// Why an admin operation did not happen.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use shareguard::{AccessLevel, Admin, AdminError, MemoryStore, NewShare, Permission, Policy, Principal, PrincipalKind, Recipient, StoreError};
/// use shareguard::admin::{Hierarchy, TreeError};
///
/// # pollster::block_on(async {
/// let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
/// let mut tree = Hierarchy::new();
/// tree.add("document:d1".parse()?, None, Some("alice".parse()?))?;
/// let admin = Admin::new(MemoryStore::new(), tree, Policy::default());
/// let alice = Principal::builder("alice", PrincipalKind::Internal).build()?;
///
/// let unknown = admin.check(&alice, Permission::View, &"document:d2".parse()?, now).await.unwrap_err();
/// assert_eq!(unknown.to_string(), "resource: unknown resource `document:d2`");
/// let missing = admin.get(&alice, &"s404".parse()?, now).await.unwrap_err();
/// assert!(matches!(missing, AdminError::Store(StoreError::NotFound(_))));
/// let bob = Principal::builder("bob", PrincipalKind::Internal).build()?;
/// let public = NewShare::new("document:d1".parse()?, Recipient::Public, AccessLevel::Viewer);
/// assert!(matches!(admin.create(&bob, public, now).await, Err(AdminError::Denied(_))));
/// # Ok::<(), Box<dyn std::error::Error>>(()) })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum AdminError {
    /// The policy denied it; the decision says why.
    #[error("denied: {0}")]
    Denied(Box<Decision>),
    /// The resource tree did not give the resource's path.
    #[error(transparent)]
    Tree(#[from] TreeError),
    /// The store failed or refused (not found, stale version, …).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The input was malformed.
    #[error(transparent)]
    Invalid(#[from] ModelError),
    /// Only the recipient of a `user` or `email` share can leave it, and this principal is
    /// not that recipient (or the share is of another kind).
    #[error("share: `{0}` is not a user or email share to the one leaving it")]
    NotLeavable(ShareId),
    /// A visit counts only through an active share to the visitor that gives `view`.
    #[error("share: `{0}` is not an active share to the visitor that gives `view`")]
    NotVisitable(ShareId),
    /// No link share has the presented token.
    #[error("link: no link has this token")]
    UnknownLink,
    /// The password given does not unlock the link (SEMANTICS.md section 8).
    #[error("password: the password does not unlock this link")]
    WrongPassword,
    /// The link has no password: there is nothing to unlock.
    #[error("link: share `{0}` has no password to unlock")]
    NotLocked(ShareId),
    /// The write kept losing races to other writers on the same resources; nothing was
    /// applied. Trying again later may succeed.
    #[error("busy: the shares kept changing while the decision was made; nothing was applied")]
    Busy,
}

impl AdminError {
    /// The policy's decision, if the operation was denied.
    ///
    /// ```
    /// use shareguard::{AdminError, StoreError};
    ///
    /// let other = AdminError::Store(StoreError::NotFound("s1".parse()?));
    /// assert!(other.decision().is_none());
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn decision(&self) -> Option<&Decision> {
        match self {
            AdminError::Denied(d) => Some(d),
            _ => None,
        }
    }
}
