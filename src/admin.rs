//! The admin facade: what a service calls. Every operation is authorised by the [`Policy`],
//! applied to the [`ShareStore`] only when allowed, and recorded in the share log with the
//! actor and time.

use std::collections::HashMap;
use std::fmt;

use chrono::{DateTime, Utc};

use crate::{
    AccessEntry, AccessLevel, BatchOutcome, Decision, GrantItem, LinkToken, LogEntry, ModelError,
    NewShare, Node, Page, Paged, Permission, Permissions, Policy, Principal, PrincipalId,
    Recipient, ResourceRef, Share, ShareAction, ShareFilter, ShareId, ShareLink, SharePatch,
    ShareStore, StoreError,
};

/// One resource of a path, with its owner.
///
/// ```
/// use shareguard::{Hierarchy, PathItem, ResourceTree};
///
/// let mut tree = Hierarchy::new();
/// tree.add("folder:f1".parse()?, None, Some("alice".parse()?))?;
/// tree.add("document:d1".parse()?, Some("folder:f1".parse()?), None)?;
/// let path = tree.path(&"document:d1".parse()?).unwrap_or_default();
/// assert_eq!(path, [
///     PathItem { resource: "document:d1".parse()?, owner: None },
///     PathItem { resource: "folder:f1".parse()?, owner: Some("alice".parse()?) },
/// ]);
/// # Ok::<(), shareguard::ModelError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathItem {
    /// The resource.
    pub resource: ResourceRef,
    /// Its owner, if it has one.
    pub owner: Option<PrincipalId>,
}

/// Where resources sit: what the facade asks to learn a resource's owner and ancestors. The
/// service implements it over its own data; [`Hierarchy`] is a small reference one.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use shareguard::{Admin, AdminError, MemoryStore, PathItem, Permission, Policy, Principal,
///     PrincipalKind, Reason, ResourceRef, ResourceTree};
///
/// // A service whose documents all sit in one folder, which alice owns.
/// struct OneFolder;
///
/// impl ResourceTree for OneFolder {
///     fn path(&self, resource: &ResourceRef) -> Option<Vec<PathItem>> {
///         let folder = PathItem { resource: "folder:shared".parse().ok()?, owner: "alice".parse().ok() };
///         match resource.kind_str() {
///             "document" => Some(vec![PathItem { resource: resource.clone(), owner: None }, folder]),
///             _ if *resource == folder.resource => Some(vec![folder]),
///             _ => None,
///         }
///     }
/// }
///
/// let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
/// let admin = Admin::new(MemoryStore::new(), OneFolder, Policy::default());
/// let alice = Principal::builder("alice", PrincipalKind::Internal).build()?;
/// // alice owns every document through the folder…
/// let decision = admin.check(&alice, Permission::Delete, &"document:d7".parse()?, now)?;
/// assert_eq!(decision.reason, Reason::Owner);
/// // …and a resource the tree does not know is an error, not a denial.
/// let unknown = admin.check(&alice, Permission::View, &"folder:other".parse()?, now);
/// assert!(matches!(unknown, Err(AdminError::UnknownResource(_))));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait ResourceTree: Send + Sync {
    /// The resource and its ancestors, nearest first, with their owners; `None` for a
    /// resource the service does not know.
    fn path(&self, resource: &ResourceRef) -> Option<Vec<PathItem>>;
}

/// A reference [`ResourceTree`]: resources with owners and parents, held in memory. A parent
/// cycle is refused when it is added.
///
/// ```
/// use shareguard::{Hierarchy, ResourceTree};
///
/// let mut tree = Hierarchy::new();
/// tree.add("folder:f1".parse()?, None, Some("alice".parse()?))?;
/// tree.add("document:d1".parse()?, Some("folder:f1".parse()?), None)?;
/// let path = tree.path(&"document:d1".parse()?).unwrap_or_default();
/// assert_eq!(path.len(), 2);
/// assert_eq!(path[1].owner.as_ref().map(|o| o.as_str()), Some("alice"));
/// assert!(tree.add("folder:f1".parse()?, Some("document:d1".parse()?), None).is_err());
/// # Ok::<(), shareguard::ModelError>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct Hierarchy {
    resources: HashMap<ResourceRef, (Option<ResourceRef>, Option<PrincipalId>)>,
}

impl Hierarchy {
    /// An empty hierarchy.
    ///
    /// ```
    /// use shareguard::{Hierarchy, ResourceTree};
    ///
    /// let tree = Hierarchy::new();
    /// assert!(!tree.contains(&"folder:f1".parse()?));
    /// assert_eq!(tree.path(&"folder:f1".parse()?), None);
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) a resource with its parent and owner. A parent that is not known
    /// yet is allowed (it may be added later); a parent that would make a cycle is refused
    /// with an error naming the cycle, and the hierarchy is left as it was.
    ///
    /// ```
    /// use shareguard::{Hierarchy, ResourceTree};
    ///
    /// let mut tree = Hierarchy::new();
    /// tree.add("folder:f1".parse()?, None, Some("alice".parse()?))?;
    /// tree.add("document:d1".parse()?, Some("folder:f1".parse()?), None)?;
    /// // Adding the folder again replaces it: it changes hands.
    /// tree.add("folder:f1".parse()?, None, Some("bob".parse()?))?;
    /// let path = tree.path(&"document:d1".parse()?).unwrap_or_default();
    /// assert_eq!(path[1].owner, Some("bob".parse()?));
    ///
    /// // Putting the folder inside its own document is refused, and changes nothing.
    /// let err = tree.add("folder:f1".parse()?, Some("document:d1".parse()?), None).unwrap_err();
    /// assert_eq!(err.to_string(), "resources: cycle folder:f1 -> document:d1 -> folder:f1");
    /// assert_eq!(tree.path(&"document:d1".parse()?), Some(path));
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    pub fn add(
        &mut self,
        resource: ResourceRef,
        parent: Option<ResourceRef>,
        owner: Option<PrincipalId>,
    ) -> Result<(), ModelError> {
        let mut cycle = vec![resource.to_string()];
        let mut next = parent.clone();
        while let Some(p) = next {
            cycle.push(p.to_string());
            if p == resource {
                return Err(ModelError::Cycle { field: "resources", cycle });
            }
            next = self.resources.get(&p).and_then(|(parent, _)| parent.clone());
        }
        self.resources.insert(resource, (parent, owner));
        Ok(())
    }

    /// Whether the resource is known.
    ///
    /// ```
    /// use shareguard::{Hierarchy, ResourceTree};
    ///
    /// let mut tree = Hierarchy::new();
    /// tree.add("document:d1".parse()?, Some("folder:f1".parse()?), None)?;
    /// assert!(tree.contains(&"document:d1".parse()?));
    /// // Naming a parent does not add it: until it is added, the document has no path.
    /// assert!(!tree.contains(&"folder:f1".parse()?));
    /// assert_eq!(tree.path(&"document:d1".parse()?), None);
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn contains(&self, resource: &ResourceRef) -> bool {
        self.resources.contains_key(resource)
    }
}

impl ResourceTree for Hierarchy {
    fn path(&self, resource: &ResourceRef) -> Option<Vec<PathItem>> {
        let mut path = Vec::new();
        let mut current = Some(resource.clone());
        while let Some(r) = current {
            let (parent, owner) = self.resources.get(&r)?;
            current = parent.clone();
            path.push(PathItem { resource: r, owner: owner.clone() });
        }
        Some(path)
    }
}

/// Why an admin operation did not happen.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use shareguard::{AccessLevel, Admin, Hierarchy, MemoryStore, Policy, Principal, PrincipalKind};
///
/// let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
/// let mut tree = Hierarchy::new();
/// tree.add("document:d1".parse()?, None, Some("alice".parse()?))?;
/// let admin = Admin::new(MemoryStore::new(), tree, Policy::default());
/// let alice = Principal::builder("alice", PrincipalKind::Internal).build()?;
/// use shareguard::{AdminError, NewShare, Permission, Recipient, StoreError};
///
/// let unknown = admin.check(&alice, Permission::View, &"document:d2".parse()?, now).unwrap_err();
/// assert_eq!(unknown.to_string(), "resource: unknown resource `document:d2`");
/// let missing = admin.get(&alice, &"s404".parse()?, now).unwrap_err();
/// assert!(matches!(missing, AdminError::Store(StoreError::NotFound(_))));
/// let bob = Principal::builder("bob", PrincipalKind::Internal).build()?;
/// let public = NewShare::new("document:d1".parse()?, Recipient::Public, AccessLevel::Viewer);
/// assert!(matches!(admin.create(&bob, public, now), Err(AdminError::Denied(_))));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum AdminError {
    /// The policy denied it; the decision says why.
    #[error("denied: {0}")]
    Denied(Box<Decision>),
    /// The resource is not known to the [`ResourceTree`].
    #[error("resource: unknown resource `{0}`")]
    UnknownResource(ResourceRef),
    /// The store failed or refused (not found, stale version, …).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The input was malformed.
    #[error(transparent)]
    Invalid(#[from] ModelError),
}

impl AdminError {
    /// The policy's decision, if the operation was denied.
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use shareguard::{AccessLevel, Admin, Hierarchy, MemoryStore, Policy, Principal, PrincipalKind};
    ///
    /// let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    /// let mut tree = Hierarchy::new();
    /// tree.add("document:d1".parse()?, None, Some("alice".parse()?))?;
    /// let admin = Admin::new(MemoryStore::new(), tree, Policy::default());
    /// let alice = Principal::builder("alice", PrincipalKind::Internal).build()?;
    /// use shareguard::{NewShare, Permission, Reason, Recipient};
    ///
    /// // bob holds nothing on the document, so he may not share it.
    /// let bob = Principal::builder("bob", PrincipalKind::Internal).build()?;
    /// let public = NewShare::new("document:d1".parse()?, Recipient::Public, AccessLevel::Viewer);
    /// let err = admin.create(&bob, public, now).unwrap_err();
    /// let decision = err.decision().ok_or("a denial has a decision")?;
    /// assert_eq!(decision.reason, Reason::NotPermitted);
    /// assert_eq!(decision.evidence.needed, Some(Permission::ResharePublic));
    /// // Other errors have none.
    /// assert!(admin.get(&alice, &"s404".parse()?, now).unwrap_err().decision().is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn decision(&self) -> Option<&Decision> {
        match self {
            AdminError::Denied(d) => Some(d),
            _ => None,
        }
    }
}

/// A link share just made: the share, and its token, returned this once.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use shareguard::{AccessLevel, Admin, Hierarchy, MemoryStore, Policy, Principal, PrincipalKind};
///
/// let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
/// let mut tree = Hierarchy::new();
/// tree.add("document:d1".parse()?, None, Some("alice".parse()?))?;
/// let admin = Admin::new(MemoryStore::new(), tree, Policy::default());
/// let alice = Principal::builder("alice", PrincipalKind::Internal).build()?;
/// use shareguard::LinkRequest;
///
/// let link = admin.create_link(&alice, LinkRequest { resource: "document:d1".parse()?,
///     access: AccessLevel::Viewer, expires: None, retrievable: false, message: None }, now)?;
/// assert_eq!(link.share.sharer().as_str(), "alice");
/// assert_eq!(link.token.reveal().len(), 64);
/// // Its Debug form leaves the token out, so logging it gives nothing away.
/// assert!(!format!("{link:?}").contains(link.token.reveal()));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct NewLink {
    /// The share.
    pub share: Share,
    /// The token in clear. Hand it to the link's maker now: unless the link was made
    /// retrievable, it can never be read again.
    pub token: LinkToken,
}

impl fmt::Debug for NewLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewLink").field("share", &self.share).finish_non_exhaustive()
    }
}

/// What a link share is made with (see [`Admin::create_link`]).
///
/// ```
/// use chrono::{Duration, TimeZone, Utc};
/// use shareguard::{AccessLevel, Admin, Hierarchy, LinkRequest, MemoryStore, Policy, Principal,
///     PrincipalKind, Reason, Settings};
///
/// let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
/// let mut tree = Hierarchy::new();
/// tree.add("document:d1".parse()?, None, Some("alice".parse()?))?;
/// // Here links must expire within 30 days.
/// let policy = Policy::new(Settings { max_link_lifetime_days: Some(30), ..Settings::default() });
/// let admin = Admin::new(MemoryStore::new(), tree, policy);
/// let alice = Principal::builder("alice", PrincipalKind::Internal).build()?;
///
/// let request = LinkRequest {
///     resource: "document:d1".parse()?,
///     access: AccessLevel::Viewer,
///     expires: Some(now + Duration::days(7)),
///     retrievable: true,
///     message: Some("the Q3 deck".into()),
/// };
/// let link = admin.create_link(&alice, request.clone(), now)?;
/// assert_eq!(link.share.message(), Some("the Q3 deck"));
/// let forever = LinkRequest { expires: None, ..request };
/// let denied = admin.create_link(&alice, forever, now).unwrap_err();
/// assert_eq!(denied.decision().map(|d| d.reason), Some(Reason::Setting));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkRequest {
    /// The resource.
    pub resource: ResourceRef,
    /// The access the link gives.
    pub access: AccessLevel,
    /// When the link expires.
    pub expires: Option<DateTime<Utc>>,
    /// Whether the token may be read back later (iconik's pre-generated share URL). Emailed
    /// per-recipient links are made with `false` and can never be retrieved.
    pub retrievable: bool,
    /// A message.
    pub message: Option<String>,
}

/// The facade a service calls: policy, store and share log in one place.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use shareguard::{AccessLevel, Admin, Hierarchy, MemoryStore, NewShare, Permission, Policy, Principal, PrincipalKind, Recipient};
///
/// let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
/// let mut tree = Hierarchy::new();
/// tree.add("folder:f1".parse()?, None, Some("alice".parse()?))?;
/// let admin = Admin::new(MemoryStore::new(), tree, Policy::default());
///
/// let alice = Principal::builder("alice", PrincipalKind::Internal).build()?;
/// let bob = Principal::builder("bob", PrincipalKind::Internal).group("eng").build()?;
/// let share = admin.create(&alice, NewShare::new("folder:f1".parse()?,
///     Recipient::Group { id: "eng".parse()? }, AccessLevel::Editor), now)?;
///
/// assert!(admin.check(&bob, Permission::Edit, share.resource(), now)?.allowed);
/// let denied = admin.delete(&bob, share.id(), now).unwrap_err();
/// assert_eq!(denied.decision().map(|d| d.reason.code()), Some("not_permitted"));
/// assert_eq!(admin.log(&alice, share.id(), Default::default(), now)?.total, 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Admin<S, T> {
    store: S,
    tree: T,
    policy: Policy,
}

impl<S: ShareStore, T: ResourceTree> Admin<S, T> {
    /// A facade over a store and a resource tree, deciding with the policy.
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use shareguard::{AccessLevel, Admin, Hierarchy, MemoryStore, NewShare, Policy, Principal,
    ///     PrincipalKind, Reason, Recipient, Settings};
    ///
    /// let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    /// let mut tree = Hierarchy::new();
    /// tree.add("document:d1".parse()?, None, Some("alice".parse()?))?;
    /// // An organisation that allows no public shares.
    /// let policy = Policy::new(Settings { allow_public: false, ..Settings::default() });
    /// let admin = Admin::new(MemoryStore::new(), tree, policy);
    ///
    /// let alice = Principal::builder("alice", PrincipalKind::Internal).build()?;
    /// let public = NewShare::new("document:d1".parse()?, Recipient::Public, AccessLevel::Viewer);
    /// let err = admin.create(&alice, public, now).unwrap_err();
    /// assert_eq!(err.decision().map(|d| d.reason), Some(Reason::Setting));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(store: S, tree: T, policy: Policy) -> Self {
        Self { store, tree, policy }
    }

    /// The store.
    ///
    /// ```
    /// # use chrono::{TimeZone, Utc};
    /// # use shareguard::{AccessLevel, Admin, Hierarchy, MemoryStore, Policy, Principal, PrincipalKind};
    /// #
    /// # let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    /// # let mut tree = Hierarchy::new();
    /// # tree.add("document:d1".parse()?, None, Some("alice".parse()?))?;
    /// # let admin = Admin::new(MemoryStore::new(), tree, Policy::default());
    /// # let alice = Principal::builder("alice", PrincipalKind::Internal).build()?;
    /// use shareguard::{NewShare, Page, Recipient, ShareStore};
    ///
    /// let share = admin.create(&alice, NewShare::new("document:d1".parse()?,
    ///     Recipient::User { id: "bob".parse()? }, AccessLevel::Viewer), now)?;
    /// // The store answers without the policy: for the service's own reports.
    /// assert_eq!(admin.store().len()?, 1);
    /// let log = admin.store().log_for_resource(share.resource(), Page::ALL)?;
    /// assert_eq!(log.items[0].event.name(), "created");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The resource tree.
    ///
    /// ```
    /// # use chrono::{TimeZone, Utc};
    /// # use shareguard::{AccessLevel, Admin, Hierarchy, MemoryStore, Policy, Principal, PrincipalKind};
    /// #
    /// # let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    /// # let mut tree = Hierarchy::new();
    /// # tree.add("document:d1".parse()?, None, Some("alice".parse()?))?;
    /// # let admin = Admin::new(MemoryStore::new(), tree, Policy::default());
    /// # let alice = Principal::builder("alice", PrincipalKind::Internal).build()?;
    /// use shareguard::ResourceTree;
    ///
    /// assert!(admin.tree().contains(&"document:d1".parse()?));
    /// let path = admin.tree().path(&"document:d1".parse()?).unwrap_or_default();
    /// assert_eq!(path[0].owner, Some(alice.id().clone()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn tree(&self) -> &T {
        &self.tree
    }

    /// The policy.
    ///
    /// ```
    /// # use shareguard::{Admin, Hierarchy, MemoryStore};
    /// use shareguard::{Policy, Settings};
    ///
    /// let policy = Policy::new(Settings { allow_links: false, ..Settings::default() });
    /// let admin = Admin::new(MemoryStore::new(), Hierarchy::new(), policy);
    /// assert!(!admin.policy().settings().allow_links);
    /// ```
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Runs `decide` over the resource's path with the shares on it.
    fn with_path<R>(
        &self,
        resource: &ResourceRef,
        decide: impl FnOnce(&[Node<'_>]) -> R,
    ) -> Result<R, AdminError> {
        let items = self
            .tree
            .path(resource)
            .ok_or_else(|| AdminError::UnknownResource(resource.clone()))?;
        let refs: Vec<ResourceRef> = items.iter().map(|i| i.resource.clone()).collect();
        let shares = self.store.shares_on(&refs)?;
        let nodes: Vec<Node<'_>> = items
            .iter()
            .zip(&shares)
            .map(|(item, shares)| Node::new(&item.resource, item.owner.as_ref(), shares))
            .collect();
        Ok(decide(&nodes))
    }

    fn share(&self, id: &ShareId) -> Result<Share, AdminError> {
        self.store.get(id)?.ok_or_else(|| StoreError::NotFound(id.clone()).into())
    }

    fn allowed(decision: Decision) -> Result<Decision, AdminError> {
        if decision.allowed { Ok(decision) } else { Err(AdminError::Denied(Box::new(decision))) }
    }

    /// Whether the principal may take an action needing `permission` on the resource.
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use shareguard::{AccessLevel, Admin, Hierarchy, MemoryStore, Policy, Principal, PrincipalKind};
    ///
    /// let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    /// let mut tree = Hierarchy::new();
    /// tree.add("folder:f1".parse()?, None, Some("alice".parse()?))?;
    /// tree.add("document:d1".parse()?, Some("folder:f1".parse()?), None)?;
    /// let admin = Admin::new(MemoryStore::new(), tree, Policy::default());
    /// let alice = Principal::builder("alice", PrincipalKind::Internal).build()?;
    /// use shareguard::{NewShare, Permission, Reason, Recipient};
    ///
    /// let share = admin.create(&alice, NewShare::new("folder:f1".parse()?,
    ///     Recipient::User { id: "bob".parse()? }, AccessLevel::Commenter), now)?;
    /// // bob may comment on the document through the folder's share; the decision cites it.
    /// let bob = Principal::builder("bob", PrincipalKind::Internal).build()?;
    /// let decision = admin.check(&bob, Permission::Comment, &"document:d1".parse()?, now)?;
    /// assert_eq!(decision.reason, Reason::Share);
    /// assert_eq!(decision.evidence.share.as_ref(), Some(share.id()));
    /// assert_eq!(decision.evidence.resource, Some("folder:f1".parse()?));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn check(
        &self,
        principal: &Principal,
        permission: Permission,
        resource: &ResourceRef,
        now: DateTime<Utc>,
    ) -> Result<Decision, AdminError> {
        self.with_path(resource, |path| self.policy.check(principal, permission, path, now))
    }

    /// The permissions the principal holds on the resource.
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use shareguard::{AccessLevel, Admin, Hierarchy, MemoryStore, Policy, Principal, PrincipalKind};
    ///
    /// let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    /// let mut tree = Hierarchy::new();
    /// tree.add("folder:f1".parse()?, None, Some("alice".parse()?))?;
    /// tree.add("document:d1".parse()?, Some("folder:f1".parse()?), None)?;
    /// let admin = Admin::new(MemoryStore::new(), tree, Policy::default());
    /// let alice = Principal::builder("alice", PrincipalKind::Internal).build()?;
    /// use shareguard::{NewShare, Permissions, Recipient};
    ///
    /// admin.create(&alice, NewShare::new("folder:f1".parse()?,
    ///     Recipient::Group { id: "eng".parse()? }, AccessLevel::FormFiller), now)?;
    /// admin.create(&alice, NewShare::new("document:d1".parse()?,
    ///     Recipient::User { id: "bob".parse()? }, AccessLevel::Commenter), now)?;
    /// // The grants reaching bob on the document and its folder add up.
    /// let bob = Principal::builder("bob", PrincipalKind::Internal).group("eng").build()?;
    /// let held = admin.permissions(&bob, &"document:d1".parse()?, now)?;
    /// assert_eq!(held, Permissions::VIEW | Permissions::DOWNLOAD | Permissions::COMMENT | Permissions::FILL_FORMS);
    /// // The owner of the folder holds everything on what is inside.
    /// assert_eq!(admin.permissions(&alice, &"document:d1".parse()?, now)?, Permissions::all());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn permissions(
        &self,
        principal: &Principal,
        resource: &ResourceRef,
        now: DateTime<Utc>,
    ) -> Result<Permissions, AdminError> {
        self.with_path(resource, |path| self.policy.permissions(principal, path, now))
    }

    /// Whether the principal may take a share action on the share.
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use shareguard::{AccessLevel, Admin, Hierarchy, MemoryStore, Policy, Principal, PrincipalKind};
    ///
    /// let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    /// let mut tree = Hierarchy::new();
    /// tree.add("document:d1".parse()?, None, Some("alice".parse()?))?;
    /// let admin = Admin::new(MemoryStore::new(), tree, Policy::default());
    /// let alice = Principal::builder("alice", PrincipalKind::Internal).build()?;
    /// use shareguard::{NewShare, Reason, Recipient, ShareAction};
    ///
    /// let share = admin.create(&alice, NewShare::new("document:d1".parse()?,
    ///     Recipient::User { id: "bob".parse()? }, AccessLevel::Editor), now)?;
    /// // bob may read his share and leave it, but not change it or read its log.
    /// let bob = Principal::builder("bob", PrincipalKind::Internal).build()?;
    /// assert_eq!(admin.authorize_share(&bob, ShareAction::Read, &share, now)?.reason, Reason::Recipient);
    /// assert!(admin.authorize_share(&bob, ShareAction::Delete, &share, now)?.allowed);
    /// assert_eq!(admin.authorize_share(&bob, ShareAction::Write, &share, now)?.reason, Reason::NotPermitted);
    /// assert!(!admin.authorize_share(&bob, ShareAction::ViewLog, &share, now)?.allowed);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn authorize_share(
        &self,
        principal: &Principal,
        action: ShareAction,
        share: &Share,
        now: DateTime<Utc>,
    ) -> Result<Decision, AdminError> {
        self.with_path(share.resource(), |path| {
            self.policy.check_share(principal, action, share, path, now)
        })
    }

    /// Whether the actor may create the share (what [`Admin::create`] asks).
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use shareguard::{AccessLevel, Admin, Hierarchy, MemoryStore, Policy, Principal, PrincipalKind};
    ///
    /// let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    /// let mut tree = Hierarchy::new();
    /// tree.add("document:d1".parse()?, None, Some("alice".parse()?))?;
    /// let admin = Admin::new(MemoryStore::new(), tree, Policy::default());
    /// let alice = Principal::builder("alice", PrincipalKind::Internal).build()?;
    /// use shareguard::{NewShare, Reason, Recipient, ReshareRights};
    ///
    /// // bob edits the document and may share it on inside the organisation.
    /// admin.create(&alice, NewShare::new("document:d1".parse()?, Recipient::User { id: "bob".parse()? },
    ///     AccessLevel::Editor).reshare(ReshareRights::INTERNAL), now)?;
    /// let bob = Principal::builder("bob", PrincipalKind::Internal).build()?;
    /// let carol = Recipient::User { id: "carol".parse()? };
    /// let viewer = NewShare::new("document:d1".parse()?, carol.clone(), AccessLevel::Viewer);
    /// assert_eq!(admin.authorize_create(&bob, &viewer, now)?.reason, Reason::Share);
    /// let manager = NewShare::new("document:d1".parse()?, carol, AccessLevel::Manager);
    /// assert_eq!(admin.authorize_create(&bob, &manager, now)?.reason, Reason::Escalation);
    /// // Asking creates nothing.
    /// assert_eq!(admin.store().len()?, 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn authorize_create(
        &self,
        actor: &Principal,
        new: &NewShare,
        now: DateTime<Utc>,
    ) -> Result<Decision, AdminError> {
        self.with_path(&new.resource, |path| self.policy.check_create(actor, new, path, now))
    }

    /// Whether the actor may change the share as the patch says (what [`Admin::update`]
    /// asks).
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use shareguard::{AccessLevel, Admin, Hierarchy, MemoryStore, Policy, Principal, PrincipalKind};
    ///
    /// let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    /// let mut tree = Hierarchy::new();
    /// tree.add("document:d1".parse()?, None, Some("alice".parse()?))?;
    /// let admin = Admin::new(MemoryStore::new(), tree, Policy::default());
    /// let alice = Principal::builder("alice", PrincipalKind::Internal).build()?;
    /// use shareguard::{Level, NewShare, Reason, Recipient, SharePatch};
    ///
    /// let share = admin.create(&alice, NewShare::new("document:d1".parse()?,
    ///     Recipient::User { id: "bob".parse()? }, AccessLevel::Viewer), now)?;
    /// let to_editor = SharePatch { access: Some(Level::Editor), ..SharePatch::default() };
    /// // The recipient may not raise his own share; the document's owner may.
    /// let bob = Principal::builder("bob", PrincipalKind::Internal).build()?;
    /// assert_eq!(admin.authorize_update(&bob, &share, &to_editor, now)?.reason, Reason::NotPermitted);
    /// assert_eq!(admin.authorize_update(&alice, &share, &to_editor, now)?.reason, Reason::Owner);
    /// // Asking changes nothing.
    /// assert_eq!(admin.get(&alice, share.id(), now)?.version(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn authorize_update(
        &self,
        actor: &Principal,
        share: &Share,
        patch: &SharePatch,
        now: DateTime<Utc>,
    ) -> Result<Decision, AdminError> {
        self.with_path(share.resource(), |path| {
            self.policy.check_update(actor, share, patch, path, now)
        })
    }

    /// Creates a share with a fresh id, the actor as sharer, if the policy allows.
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use shareguard::{AccessLevel, Admin, Hierarchy, MemoryStore, Policy, Principal, PrincipalKind};
    ///
    /// let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    /// let mut tree = Hierarchy::new();
    /// tree.add("document:d1".parse()?, None, Some("alice".parse()?))?;
    /// let admin = Admin::new(MemoryStore::new(), tree, Policy::default());
    /// let alice = Principal::builder("alice", PrincipalKind::Internal).build()?;
    /// use shareguard::{NewShare, Page, Reason, Recipient};
    ///
    /// let share = admin.create(&alice, NewShare::new("document:d1".parse()?,
    ///     Recipient::User { id: "bob".parse()? }, AccessLevel::Editor), now)?;
    /// assert_eq!((share.sharer().as_str(), share.version(), share.created()), ("alice", 1, now));
    /// assert_eq!(admin.log(&alice, share.id(), Page::default(), now)?.items[0].event.name(), "created");
    /// // bob holds nothing on the document: he may not share it.
    /// let bob = Principal::builder("bob", PrincipalKind::Internal).build()?;
    /// let public = NewShare::new("document:d1".parse()?, Recipient::Public, AccessLevel::Viewer);
    /// let denied = admin.create(&bob, public, now).unwrap_err();
    /// assert_eq!(denied.decision().map(|d| d.reason), Some(Reason::NotPermitted));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn create(
        &self,
        actor: &Principal,
        new: NewShare,
        now: DateTime<Utc>,
    ) -> Result<Share, AdminError> {
        Self::allowed(self.authorize_create(actor, &new, now)?)?;
        let share = Share::from_new(ShareId::random(), actor.id().clone(), &new, now)?;
        Ok(self.store.create(share, actor.id(), now)?)
    }

    /// Creates a link share with a fresh token from the OS random source. The token comes
    /// back this once; it can be read again with [`Admin::retrieve_link`] only if the link
    /// was made retrievable.
    ///
    /// ```
    /// use chrono::{Duration, TimeZone, Utc};
    /// use shareguard::{AccessLevel, Admin, Hierarchy, MemoryStore, Policy, Principal, PrincipalKind};
    ///
    /// let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    /// let mut tree = Hierarchy::new();
    /// tree.add("document:d1".parse()?, None, Some("alice".parse()?))?;
    /// let admin = Admin::new(MemoryStore::new(), tree, Policy::default());
    /// let alice = Principal::builder("alice", PrincipalKind::Internal).build()?;
    /// use shareguard::LinkRequest;
    ///
    /// let link = admin.create_link(&alice, LinkRequest {
    ///     resource: "document:d1".parse()?,
    ///     access: AccessLevel::Viewer,
    ///     expires: Some(now + Duration::days(7)),
    ///     retrievable: false,
    ///     message: None,
    /// }, now)?;
    /// let url = format!("https://files.example/s/{}", link.token.reveal());
    /// assert!(url.len() > 60);
    /// // Only its digest was kept: the token can be checked, never read back.
    /// assert!(admin.resolve_link(&link.token, now)?.is_some());
    /// // It opens nothing once it has expired.
    /// assert!(admin.resolve_link(&link.token, now + Duration::days(7))?.is_none());
    /// assert!(admin.retrieve_link(&alice, link.share.id(), now).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn create_link(
        &self,
        actor: &Principal,
        request: LinkRequest,
        now: DateTime<Utc>,
    ) -> Result<NewLink, AdminError> {
        let token = LinkToken::generate()?;
        let mut new = NewShare::new(
            request.resource,
            Recipient::Link(ShareLink::new(&token, request.retrievable)),
            request.access,
        );
        new.expires = request.expires;
        new.message = request.message;
        let share = self.create(actor, new, now)?;
        Ok(NewLink { share, token })
    }

    /// Reads back the token of a retrievable link (logged as `link_retrieved`). Needs the
    /// `read` share action; a link that was not made retrievable never gives its token.
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use shareguard::{AccessLevel, Admin, Hierarchy, MemoryStore, Policy, Principal, PrincipalKind};
    ///
    /// let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    /// let mut tree = Hierarchy::new();
    /// tree.add("document:d1".parse()?, None, Some("alice".parse()?))?;
    /// let admin = Admin::new(MemoryStore::new(), tree, Policy::default());
    /// let alice = Principal::builder("alice", PrincipalKind::Internal).build()?;
    /// use shareguard::{LinkRequest, Page, Reason};
    ///
    /// let link = admin.create_link(&alice, LinkRequest { resource: "document:d1".parse()?,
    ///     access: AccessLevel::Viewer, expires: None, retrievable: true, message: None }, now)?;
    /// let token = admin.retrieve_link(&alice, link.share.id(), now)?;
    /// assert_eq!(token.reveal(), link.token.reveal());
    /// let log = admin.log(&alice, link.share.id(), Page::default(), now)?;
    /// assert_eq!(log.items[1].event.name(), "link_retrieved");
    /// // Someone who may not read the share never gets its token.
    /// let bob = Principal::builder("bob", PrincipalKind::Internal).build()?;
    /// let denied = admin.retrieve_link(&bob, link.share.id(), now).unwrap_err();
    /// assert_eq!(denied.decision().map(|d| d.reason), Some(Reason::NotPermitted));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn retrieve_link(
        &self,
        actor: &Principal,
        id: &ShareId,
        now: DateTime<Utc>,
    ) -> Result<LinkToken, AdminError> {
        let share = self.share(id)?;
        Self::allowed(self.authorize_share(actor, ShareAction::Read, &share, now)?)?;
        let token = share.retrievable_token()?.clone();
        self.store.record_link_retrieved(id, actor.id(), now)?;
        Ok(token)
    }

    /// The share a presented token opens at `now`, if any: a live link share whose digest is
    /// the token's (compared in constant time) and that has not expired.
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use shareguard::{AccessLevel, Admin, Hierarchy, MemoryStore, Policy, Principal, PrincipalKind};
    ///
    /// let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    /// let mut tree = Hierarchy::new();
    /// tree.add("document:d1".parse()?, None, Some("alice".parse()?))?;
    /// let admin = Admin::new(MemoryStore::new(), tree, Policy::default());
    /// let alice = Principal::builder("alice", PrincipalKind::Internal).build()?;
    /// use shareguard::{LinkRequest, LinkToken};
    ///
    /// let link = admin.create_link(&alice, LinkRequest { resource: "document:d1".parse()?,
    ///     access: AccessLevel::Viewer, expires: None, retrievable: false, message: None }, now)?;
    /// // The token as a visitor presents it, from the URL:
    /// let presented = LinkToken::presented(link.token.reveal())?;
    /// assert_eq!(admin.resolve_link(&presented, now)?.as_ref().map(|s| s.id()), Some(link.share.id()));
    /// assert_eq!(admin.resolve_link(&LinkToken::presented("guessed")?, now)?, None);
    /// // A deleted link opens nothing.
    /// admin.delete(&alice, link.share.id(), now)?;
    /// assert_eq!(admin.resolve_link(&presented, now)?, None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn resolve_link(
        &self,
        token: &LinkToken,
        now: DateTime<Utc>,
    ) -> Result<Option<Share>, AdminError> {
        Ok(self.store.find_link(&token.digest())?.filter(|share| share.is_active(now)))
    }

    /// Reads a share, if the principal may (`read`).
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use shareguard::{AccessLevel, Admin, Hierarchy, MemoryStore, Policy, Principal, PrincipalKind};
    ///
    /// let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    /// let mut tree = Hierarchy::new();
    /// tree.add("document:d1".parse()?, None, Some("alice".parse()?))?;
    /// let admin = Admin::new(MemoryStore::new(), tree, Policy::default());
    /// let alice = Principal::builder("alice", PrincipalKind::Internal).build()?;
    /// use shareguard::{AdminError, NewShare, Reason, Recipient, StoreError};
    ///
    /// let share = admin.create(&alice, NewShare::new("document:d1".parse()?,
    ///     Recipient::User { id: "bob".parse()? }, AccessLevel::Viewer), now)?;
    /// let bob = Principal::builder("bob", PrincipalKind::Internal).build()?;
    /// assert_eq!(admin.get(&bob, share.id(), now)?, share, "the recipient reads it");
    /// let carol = Principal::builder("carol", PrincipalKind::Internal).build()?;
    /// let denied = admin.get(&carol, share.id(), now).unwrap_err();
    /// assert_eq!(denied.decision().map(|d| d.reason), Some(Reason::NotPermitted));
    /// let missing = admin.get(&alice, &"s404".parse()?, now);
    /// assert!(matches!(missing, Err(AdminError::Store(StoreError::NotFound(_)))));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn get(
        &self,
        principal: &Principal,
        id: &ShareId,
        now: DateTime<Utc>,
    ) -> Result<Share, AdminError> {
        let share = self.share(id)?;
        Self::allowed(self.authorize_share(principal, ShareAction::Read, &share, now)?)?;
        Ok(share)
    }

    /// Changes a share if the policy allows and `expected_version` is current.
    ///
    /// ```
    /// use chrono::{Duration, TimeZone, Utc};
    /// use shareguard::{AccessLevel, Admin, Hierarchy, MemoryStore, Policy, Principal, PrincipalKind};
    ///
    /// let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    /// let mut tree = Hierarchy::new();
    /// tree.add("document:d1".parse()?, None, Some("alice".parse()?))?;
    /// let admin = Admin::new(MemoryStore::new(), tree, Policy::default());
    /// let alice = Principal::builder("alice", PrincipalKind::Internal).build()?;
    /// use shareguard::{AdminError, Level, NewShare, Recipient, SharePatch, StoreError};
    ///
    /// let share = admin.create(&alice, NewShare::new("document:d1".parse()?,
    ///     Recipient::User { id: "bob".parse()? }, AccessLevel::Viewer), now)?;
    /// let patch = SharePatch { access: Some(Level::Editor), ..SharePatch::default() };
    /// let changed = admin.update(&alice, share.id(), share.version(), &patch, now)?;
    /// assert_eq!(changed.version(), 2);
    /// // A second writer still holding version 1 is refused, and nothing changes.
    /// let stale = admin.update(&alice, share.id(), 1, &patch, now).unwrap_err();
    /// assert!(matches!(stale, AdminError::Store(StoreError::Conflict { .. })));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn update(
        &self,
        actor: &Principal,
        id: &ShareId,
        expected_version: u64,
        patch: &SharePatch,
        now: DateTime<Utc>,
    ) -> Result<Share, AdminError> {
        let share = self.share(id)?;
        Self::allowed(self.authorize_update(actor, &share, patch, now)?)?;
        Ok(self.store.update(id, expected_version, patch, actor.id(), now)?)
    }

    /// Deletes a share, if the principal may (`delete`): sharers, owners, managers,
    /// administrators with `delete_shares`, and recipients leaving their own user or email
    /// share.
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use shareguard::{AccessLevel, Admin, Hierarchy, MemoryStore, Policy, Principal, PrincipalKind};
    ///
    /// let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    /// let mut tree = Hierarchy::new();
    /// tree.add("document:d1".parse()?, None, Some("alice".parse()?))?;
    /// let admin = Admin::new(MemoryStore::new(), tree, Policy::default());
    /// let alice = Principal::builder("alice", PrincipalKind::Internal).build()?;
    /// use shareguard::{NewShare, Page, Recipient, ShareStore};
    ///
    /// let share = admin.create(&alice, NewShare::new("document:d1".parse()?,
    ///     Recipient::Group { id: "eng".parse()? }, AccessLevel::Editor), now)?;
    /// // A member of the group may not delete the group's share…
    /// let bob = Principal::builder("bob", PrincipalKind::Internal).group("eng").build()?;
    /// assert!(admin.delete(&bob, share.id(), now).is_err());
    /// // …the owner may: the share is gone, its log stays.
    /// assert_eq!(admin.delete(&alice, share.id(), now)?, share);
    /// assert!(admin.get(&alice, share.id(), now).is_err());
    /// let log = admin.store().log_for_share(share.id(), Page::ALL)?;
    /// assert_eq!(log.items.iter().map(|e| e.event.name()).collect::<Vec<_>>(), ["created", "deleted"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn delete(
        &self,
        actor: &Principal,
        id: &ShareId,
        now: DateTime<Utc>,
    ) -> Result<Share, AdminError> {
        let share = self.share(id)?;
        Self::allowed(self.authorize_share(actor, ShareAction::Delete, &share, now)?)?;
        Ok(self.store.delete(id, actor.id(), now)?)
    }

    /// A recipient leaves a share: deletes their own `user` or `email` share. Refused for any
    /// other share, even one the actor could delete on other grounds.
    ///
    /// ```
    /// use chrono::{Duration, TimeZone, Utc};
    /// use shareguard::{AccessLevel, Admin, Hierarchy, MemoryStore, Policy, Principal, PrincipalKind};
    ///
    /// let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    /// let mut tree = Hierarchy::new();
    /// tree.add("document:d1".parse()?, None, Some("alice".parse()?))?;
    /// let admin = Admin::new(MemoryStore::new(), tree, Policy::default());
    /// let alice = Principal::builder("alice", PrincipalKind::Internal).build()?;
    /// use shareguard::{NewShare, Recipient};
    ///
    /// let share = admin.create(&alice, NewShare::new("document:d1".parse()?,
    ///     Recipient::Email { email: "Guest@Example.com".parse()? }, AccessLevel::Viewer), now)?;
    /// let guest = Principal::builder("g1", PrincipalKind::External).email("guest@example.com").build()?;
    /// admin.leave(&guest, share.id(), now)?;
    /// assert!(admin.get(&alice, share.id(), now).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn leave(
        &self,
        actor: &Principal,
        id: &ShareId,
        now: DateTime<Utc>,
    ) -> Result<Share, AdminError> {
        let share = self.share(id)?;
        let decision = self.authorize_share(actor, ShareAction::Delete, &share, now)?;
        let own = matches!(share.recipient(), Recipient::User { .. } | Recipient::Email { .. })
            && share.recipient().matches(actor);
        if !own {
            return Err(AdminError::Invalid(ModelError::Invalid {
                field: "share",
                value: id.to_string(),
                reason: "only the recipient of a user or email share can leave it",
            }));
        }
        Self::allowed(decision)?;
        Ok(self.store.delete(id, actor.id(), now)?)
    }

    /// The share's log, if the principal may see it (`view_log`).
    ///
    /// ```
    /// use chrono::{Duration, TimeZone, Utc};
    /// use shareguard::{AccessLevel, Admin, Hierarchy, MemoryStore, Policy, Principal, PrincipalKind};
    ///
    /// let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    /// let mut tree = Hierarchy::new();
    /// tree.add("document:d1".parse()?, None, Some("alice".parse()?))?;
    /// let admin = Admin::new(MemoryStore::new(), tree, Policy::default());
    /// let alice = Principal::builder("alice", PrincipalKind::Internal).build()?;
    /// use shareguard::{NewShare, Page, Recipient};
    ///
    /// let share = admin.create(&alice, NewShare::new("document:d1".parse()?,
    ///     Recipient::User { id: "bob".parse()? }, AccessLevel::Viewer), now)?;
    /// let bob = Principal::builder("bob", PrincipalKind::Internal).build()?;
    /// admin.visit(&bob, share.id(), now + Duration::hours(1))?;
    /// let log = admin.log(&alice, share.id(), Page::default(), now)?;
    /// assert_eq!(log.total, 2);
    /// assert_eq!((log.items[1].event.name(), log.items[1].actor.as_str()), ("visited", "bob"));
    /// // The recipient may read his share, not its log.
    /// assert!(admin.log(&bob, share.id(), Page::default(), now).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn log(
        &self,
        principal: &Principal,
        id: &ShareId,
        page: Page,
        now: DateTime<Utc>,
    ) -> Result<Paged<LogEntry>, AdminError> {
        let share = self.share(id)?;
        Self::allowed(self.authorize_share(principal, ShareAction::ViewLog, &share, now)?)?;
        Ok(self.store.log_for_share(id, page)?)
    }

    /// Records a visit through a share, if the visitor may view its resource now and this
    /// share is one that lets them: active, its recipient the visitor, its access giving
    /// `view`. A visit through a share that gives no `view` is refused even when the visitor
    /// views the resource through another.
    ///
    /// ```
    /// use chrono::{Duration, TimeZone, Utc};
    /// use shareguard::{AccessLevel, Admin, Hierarchy, MemoryStore, Policy, Principal, PrincipalKind};
    ///
    /// let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    /// let mut tree = Hierarchy::new();
    /// tree.add("document:d1".parse()?, None, Some("alice".parse()?))?;
    /// let admin = Admin::new(MemoryStore::new(), tree, Policy::default());
    /// let alice = Principal::builder("alice", PrincipalKind::Internal).build()?;
    /// use shareguard::{NewShare, Recipient};
    ///
    /// let share = admin.create(&alice, NewShare::new("document:d1".parse()?,
    ///     Recipient::User { id: "bob".parse()? }, AccessLevel::Viewer).expires(now + Duration::days(7)), now)?;
    /// let bob = Principal::builder("bob", PrincipalKind::Internal).build()?;
    /// let visited = admin.visit(&bob, share.id(), now)?;
    /// assert_eq!((visited.usage().visits, visited.usage().last_visit), (1, Some(now)));
    /// assert_eq!(visited.version(), 1, "a visit is not a change");
    /// // The owner may view the document, but this share is not hers to visit through…
    /// assert!(admin.visit(&alice, share.id(), now).is_err());
    /// // …and bob cannot once it has expired.
    /// assert!(admin.visit(&bob, share.id(), now + Duration::days(7)).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn visit(
        &self,
        visitor: &Principal,
        id: &ShareId,
        now: DateTime<Utc>,
    ) -> Result<Share, AdminError> {
        let share = self.share(id)?;
        let decision = self.check(visitor, Permission::View, share.resource(), now)?;
        Self::allowed(decision)?;
        let through = share.recipient().matches(visitor)
            && share.is_active(now)
            && share.permissions().has(Permission::View);
        if !through {
            return Err(AdminError::Invalid(ModelError::Invalid {
                field: "share",
                value: id.to_string(),
                reason: "not an active share to the visitor that gives `view`",
            }));
        }
        Ok(self.store.record_visit(id, visitor.id(), now)?)
    }

    /// The shares the principal may read among those the filter selects: for an
    /// administrator, the admin listings (Filr's `/admin/shares`, `/admin/shares/public`).
    /// `total` counts only readable shares.
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use shareguard::{AccessLevel, Admin, Hierarchy, MemoryStore, Policy, Principal, PrincipalKind};
    ///
    /// let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    /// let mut tree = Hierarchy::new();
    /// tree.add("document:d1".parse()?, None, Some("alice".parse()?))?;
    /// let admin = Admin::new(MemoryStore::new(), tree, Policy::default());
    /// let alice = Principal::builder("alice", PrincipalKind::Internal).build()?;
    /// use shareguard::{AdminRight, NewShare, Page, Recipient, ShareFilter};
    ///
    /// admin.create(&alice, NewShare::new("document:d1".parse()?,
    ///     Recipient::User { id: "bob".parse()? }, AccessLevel::Viewer), now)?;
    /// admin.create(&alice, NewShare::new("document:d1".parse()?, Recipient::Public, AccessLevel::Viewer), now)?;
    /// // An administrator's listing of public shares (Filr's `/admin/shares/public`).
    /// let root = Principal::builder("root", PrincipalKind::Internal).admin_right(AdminRight::ReadShares).build()?;
    /// let public = ShareFilter { public_only: true, ..ShareFilter::default() };
    /// assert_eq!(admin.list(&root, &public, Page::default(), now)?.total, 1);
    /// // bob may read only his own share, and the total counts only that.
    /// let bob = Principal::builder("bob", PrincipalKind::Internal).build()?;
    /// assert_eq!(admin.list(&bob, &ShareFilter::default(), Page::default(), now)?.total, 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn list(
        &self,
        principal: &Principal,
        filter: &ShareFilter,
        page: Page,
        now: DateTime<Utc>,
    ) -> Result<Paged<Share>, AdminError> {
        let all = self.store.list(filter, Page::ALL)?;
        let mut readable = Vec::new();
        for share in all.items {
            if self.authorize_share(principal, ShareAction::Read, &share, now)?.allowed {
                readable.push(share);
            }
        }
        Ok(Paged::from_all(readable, page))
    }

    /// "Who has access": the shares on the resource the principal may read, each with
    /// whether it is active.
    ///
    /// ```
    /// use chrono::{Duration, TimeZone, Utc};
    /// use shareguard::{AccessLevel, Admin, Hierarchy, MemoryStore, Policy, Principal, PrincipalKind};
    ///
    /// let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    /// let mut tree = Hierarchy::new();
    /// tree.add("document:d1".parse()?, None, Some("alice".parse()?))?;
    /// let admin = Admin::new(MemoryStore::new(), tree, Policy::default());
    /// let alice = Principal::builder("alice", PrincipalKind::Internal).build()?;
    /// use shareguard::{NewShare, Recipient, ResourceRef};
    ///
    /// let doc: ResourceRef = "document:d1".parse()?;
    /// admin.create(&alice, NewShare::new(doc.clone(), Recipient::User { id: "bob".parse()? },
    ///     AccessLevel::Editor), now)?;
    /// admin.create(&alice, NewShare::new(doc.clone(), Recipient::User { id: "carol".parse()? },
    ///     AccessLevel::Viewer).expires(now + Duration::hours(1)), now)?;
    /// let later = now + Duration::hours(2);
    /// let entries = admin.who_has_access(&alice, &doc, later)?;
    /// let seen: Vec<_> = entries.iter().map(|e| (e.share.recipient().to_string(), e.active)).collect();
    /// assert_eq!(seen, [("user:bob".to_owned(), true), ("user:carol".to_owned(), false)]);
    /// // bob sees only the shares he may read: his own.
    /// let bob = Principal::builder("bob", PrincipalKind::Internal).build()?;
    /// assert_eq!(admin.who_has_access(&bob, &doc, later)?.len(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn who_has_access(
        &self,
        principal: &Principal,
        resource: &ResourceRef,
        now: DateTime<Utc>,
    ) -> Result<Vec<AccessEntry>, AdminError> {
        let entries = self.store.who_has_access(resource, now)?;
        let mut readable = Vec::with_capacity(entries.len());
        for entry in entries {
            if self.authorize_share(principal, ShareAction::Read, &entry.share, now)?.allowed {
                readable.push(entry);
            }
        }
        Ok(readable)
    }

    /// "Shared with me": the shares whose recipient matches the principal, as the store
    /// keeps them — expired ones and restrictions aimed at the principal included (a
    /// `restrict` share's recipient matches too). A listing of what others gave keeps
    /// `share.is_active(now) && !share.is_restrict()`; the policy decides what they allow.
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use shareguard::{AccessLevel, Admin, Hierarchy, MemoryStore, Policy, Principal, PrincipalKind};
    ///
    /// let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    /// let mut tree = Hierarchy::new();
    /// tree.add("document:d1".parse()?, None, Some("alice".parse()?))?;
    /// let admin = Admin::new(MemoryStore::new(), tree, Policy::default());
    /// let alice = Principal::builder("alice", PrincipalKind::Internal).build()?;
    /// use shareguard::{NewShare, Page, Recipient};
    ///
    /// admin.create(&alice, NewShare::new("document:d1".parse()?,
    ///     Recipient::Group { id: "eng".parse()? }, AccessLevel::Viewer), now)?;
    /// admin.create(&alice, NewShare::new("document:d1".parse()?, Recipient::Public, AccessLevel::Viewer), now)?;
    /// let bob = Principal::builder("bob", PrincipalKind::Internal).group("eng").build()?;
    /// assert_eq!(admin.shared_with_me(&bob, false, Page::default())?.total, 1);
    /// assert_eq!(admin.shared_with_me(&bob, true, Page::default())?.total, 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn shared_with_me(
        &self,
        principal: &Principal,
        include_public: bool,
        page: Page,
    ) -> Result<Paged<Share>, AdminError> {
        Ok(self.store.shared_with(principal, include_public, page)?)
    }

    /// A batch grant by the actor (LiquidFiles `add_access`): each item is authorised as a
    /// create, or as a change of the actor's existing share to that recipient; an item the
    /// policy denies gets an `Error` outcome with the decision, and changes nothing.
    ///
    /// ```
    /// use chrono::{Duration, TimeZone, Utc};
    /// use shareguard::{AccessLevel, Admin, Hierarchy, MemoryStore, Policy, Principal, PrincipalKind};
    ///
    /// let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    /// let mut tree = Hierarchy::new();
    /// tree.add("document:d1".parse()?, None, Some("alice".parse()?))?;
    /// let admin = Admin::new(MemoryStore::new(), tree, Policy::default());
    /// let alice = Principal::builder("alice", PrincipalKind::Internal).build()?;
    /// use shareguard::{BatchOutcome, GrantItem, Recipient};
    ///
    /// let items = [
    ///     GrantItem { recipient: Recipient::Group { id: "admins".parse()? }, access: AccessLevel::Editor, view_log: true },
    ///     GrantItem { recipient: Recipient::User { id: "bob".parse()? }, access: AccessLevel::Restrict, view_log: false },
    /// ];
    /// let outcomes = admin.grant_batch(&alice, &"document:d1".parse()?, &items, now)?;
    /// assert!(matches!(outcomes[0], BatchOutcome::Created { .. }));
    /// assert!(matches!(outcomes[1], BatchOutcome::Error { .. }), "a batch gives access, never a restriction");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn grant_batch(
        &self,
        actor: &Principal,
        resource: &ResourceRef,
        items: &[GrantItem],
        now: DateTime<Utc>,
    ) -> Result<Vec<BatchOutcome>, AdminError> {
        let existing = self.store.shares_on(std::slice::from_ref(resource))?;
        let existing = existing.first().map(Vec::as_slice).unwrap_or_default();
        let mut outcomes = Vec::with_capacity(items.len());
        for item in items {
            let access = item.resolved_access();
            let current = existing
                .iter()
                .find(|s| s.sharer() == actor.id() && *s.recipient() == item.recipient);
            let decision = match current {
                Some(share) => {
                    let patch = SharePatch::to_access(access);
                    self.authorize_update(actor, share, &patch, now)?
                }
                None => {
                    let new = NewShare::new(resource.clone(), item.recipient.clone(), access);
                    self.authorize_create(actor, &new, now)?
                }
            };
            if !decision.allowed {
                outcomes.push(BatchOutcome::Error { message: format!("denied: {decision}") });
                continue;
            }
            let mut done = self.store.grant_batch(
                resource,
                actor.id(),
                std::slice::from_ref(item),
                actor.id(),
                now,
            )?;
            outcomes.push(done.pop().unwrap_or(BatchOutcome::Error {
                message: "the store returned no outcome".to_owned(),
            }));
        }
        Ok(outcomes)
    }

    /// A batch revoke (LiquidFiles `remove_access`): for each recipient, its shares on the
    /// resource are removed if the actor may delete every one of them; otherwise the item
    /// gets an `Error` outcome and changes nothing.
    ///
    /// The shares are read and authorised before the removal, a separate store call: a
    /// share to the same recipient created on the resource in between is removed with the
    /// others unchecked. Where that matters, delete share by share with [`Admin::delete`].
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use shareguard::{AccessLevel, Admin, Hierarchy, MemoryStore, Policy, Principal, PrincipalKind};
    ///
    /// let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    /// let mut tree = Hierarchy::new();
    /// tree.add("document:d1".parse()?, None, Some("alice".parse()?))?;
    /// let admin = Admin::new(MemoryStore::new(), tree, Policy::default());
    /// let alice = Principal::builder("alice", PrincipalKind::Internal).build()?;
    /// use shareguard::{BatchOutcome, NewShare, Recipient, ResourceRef};
    ///
    /// let doc: ResourceRef = "document:d1".parse()?;
    /// let bob = Recipient::User { id: "bob".parse()? };
    /// let carol = Recipient::User { id: "carol".parse()? };
    /// admin.create(&alice, NewShare::new(doc.clone(), bob.clone(), AccessLevel::Viewer), now)?;
    /// admin.create(&alice, NewShare::new(doc.clone(), carol.clone(), AccessLevel::Viewer), now)?;
    /// // bob may leave his own share, not remove carol's: each item has its own outcome.
    /// let as_bob = Principal::builder("bob", PrincipalKind::Internal).build()?;
    /// let outcomes = admin.revoke_batch(&as_bob, &doc, &[bob, carol], now)?;
    /// assert!(matches!(&outcomes[0], BatchOutcome::Removed { shares } if shares.len() == 1));
    /// assert!(matches!(&outcomes[1], BatchOutcome::Error { message } if message.starts_with("denied")));
    /// assert_eq!(admin.store().len()?, 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn revoke_batch(
        &self,
        actor: &Principal,
        resource: &ResourceRef,
        recipients: &[Recipient],
        now: DateTime<Utc>,
    ) -> Result<Vec<BatchOutcome>, AdminError> {
        let existing = self.store.shares_on(std::slice::from_ref(resource))?;
        let existing = existing.first().map(Vec::as_slice).unwrap_or_default();
        let mut outcomes = Vec::with_capacity(recipients.len());
        for recipient in recipients {
            let mut denial = None;
            for share in existing.iter().filter(|s| s.recipient() == recipient) {
                let decision = self.authorize_share(actor, ShareAction::Delete, share, now)?;
                if !decision.allowed {
                    denial = Some(decision);
                    break;
                }
            }
            if let Some(decision) = denial {
                outcomes.push(BatchOutcome::Error { message: format!("denied: {decision}") });
                continue;
            }
            let mut done = self.store.revoke_batch(
                resource,
                std::slice::from_ref(recipient),
                actor.id(),
                now,
            )?;
            outcomes.push(done.pop().unwrap_or(BatchOutcome::Error {
                message: "the store returned no outcome".to_owned(),
            }));
        }
        Ok(outcomes)
    }

    /// Removes every share expired at `now`, logging each with `actor` (the service's
    /// housekeeping identity) as the actor. Needs no policy decision: expired shares grant
    /// nothing already.
    ///
    /// ```
    /// use chrono::{Duration, TimeZone, Utc};
    /// use shareguard::{AccessLevel, Admin, Hierarchy, MemoryStore, Policy, Principal, PrincipalKind};
    ///
    /// let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    /// let mut tree = Hierarchy::new();
    /// tree.add("document:d1".parse()?, None, Some("alice".parse()?))?;
    /// let admin = Admin::new(MemoryStore::new(), tree, Policy::default());
    /// let alice = Principal::builder("alice", PrincipalKind::Internal).build()?;
    /// use shareguard::{NewShare, Page, Recipient, ShareStore};
    ///
    /// let share = admin.create(&alice, NewShare::new("document:d1".parse()?,
    ///     Recipient::User { id: "bob".parse()? }, AccessLevel::Viewer).expires(now + Duration::hours(1)), now)?;
    /// let housekeeping = "housekeeping".parse()?;
    /// assert!(admin.sweep(&housekeeping, now)?.is_empty());
    /// // A share expiring exactly at the sweep's instant is swept.
    /// assert_eq!(admin.sweep(&housekeeping, now + Duration::hours(1))?, [share.clone()]);
    /// let log = admin.store().log_for_share(share.id(), Page::ALL)?;
    /// assert_eq!((log.items[1].event.name(), log.items[1].actor.as_str()), ("expired", "housekeeping"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn sweep(&self, actor: &PrincipalId, now: DateTime<Utc>) -> Result<Vec<Share>, AdminError> {
        Ok(self.store.sweep_expired(now, actor)?)
    }
}
