//! The admin facade: what a service calls. Every operation is authorised by the [`Policy`]
//! and applied to the [`ShareStore`] in one step (DESIGN.md invariant 12): a write carries the
//! revisions of the shares its decision read, the store applies it only if they are
//! unchanged, and otherwise the facade decides again on the fresh state (a few times, then
//! [`AdminError::Busy`]). Every write is recorded in the share log with the actor and time.
//!
//! The facade is async, like the store port; over [`MemoryStore`](crate::MemoryStore) and
//! [`Hierarchy`] nothing ever waits, so a synchronous caller — a test, a property test —
//! drives it with any `block_on`, in one line:
//!
//! ```
//! # use chrono::Utc;
//! # use shareguard::{Admin, MemoryStore, Permission, Policy, Principal, PrincipalKind};
//! # use shareguard::admin::Hierarchy;
//! # let mut tree = Hierarchy::new();
//! # tree.add("document:d1".parse()?, None, Some("alice".parse()?))?;
//! # let admin = Admin::new(MemoryStore::new(), tree, Policy::default());
//! # let alice = Principal::builder("alice", PrincipalKind::Internal).build()?;
//! let decision = pollster::block_on(admin.check(&alice, Permission::View, &"document:d1".parse()?, Utc::now()))?;
//! # assert!(decision.is_allowed());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The facade lives in files by concern: this one (the facade and its share operations),
//! `authorize.rs` (reading a path and deciding on it), `links.rs`, `batch.rs`, `error.rs`
//! and `tree.rs` (the resource-tree port).

mod authorize;
mod batch;
mod error;
mod invitations;
mod links;
mod trace;
mod tree;

use chrono::{DateTime, Utc};

pub use error::AdminError;
pub use links::{LinkRequest, NewLink, OpenedLink};
pub use tree::{Hierarchy, PathItem, PathStep, ResourceTree, TreeError};

use crate::model::{
    LogEntry, NewShare, Permission, Principal, PrincipalId, Recipient, ResourceRef, Revision,
    Share, ShareId, SharePatch,
};
use crate::policy::{Node, Policy, ShareAction};
use crate::store::{AccessEntry, Applied, Page, Paged, ShareFilter, ShareStore, StoreError, Write};

/// A resource shared with a principal, and what the principal may do there ("shared with
/// me", SEMANTICS.md section 11).
///
/// ```
/// use shareguard::admin::SharedResource;
/// use shareguard::model::Permissions;
///
/// let item = SharedResource { resource: "document:d1".parse()?, permissions: Permissions::VIEW };
/// assert_eq!(serde_json::to_value(&item)?["permissions"], serde_json::json!(["view"]));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SharedResource {
    /// The resource.
    pub resource: ResourceRef,
    /// Everything the principal holds there (section 4's whole answer).
    pub permissions: crate::model::Permissions,
}

/// The facade a service calls: policy, store and share log in one place.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use shareguard::{AccessLevel, Admin, MemoryStore, NewShare, Permission, Policy, Principal, PrincipalKind, Recipient};
/// use shareguard::admin::Hierarchy;
///
/// # pollster::block_on(async {
/// let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
/// let mut tree = Hierarchy::new();
/// tree.add("folder:f1".parse()?, None, Some("alice".parse()?))?;
/// let admin = Admin::new(MemoryStore::new(), tree, Policy::default());
///
/// let alice = Principal::builder("alice", PrincipalKind::Internal).build()?;
/// let bob = Principal::builder("bob", PrincipalKind::Internal).group("eng").build()?;
/// let share = admin.create(&alice, NewShare::new("folder:f1".parse()?,
///     Recipient::Group { id: "eng".parse()? }, AccessLevel::Editor), now).await?;
///
/// assert!(admin.check(&bob, Permission::Edit, share.resource(), now).await?.is_allowed());
/// let denied = admin.delete(&bob, share.id(), now).await.unwrap_err();
/// assert_eq!(denied.decision().map(|d| d.reason().code()), Some("not_permitted"));
/// assert_eq!(admin.log(&alice, share.id(), &Default::default(), now).await?.total, 1);
/// # Ok::<(), Box<dyn std::error::Error>>(()) })?;
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
    /// use shareguard::{AccessLevel, Admin, MemoryStore, NewShare, Policy, Principal, PrincipalKind, Reason, Recipient, Settings};
    /// use shareguard::admin::Hierarchy;
    ///
    /// # pollster::block_on(async {
    /// let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    /// let mut tree = Hierarchy::new();
    /// tree.add("document:d1".parse()?, None, Some("alice".parse()?))?;
    /// // An organisation that allows no public shares.
    /// let policy = Policy::new(Settings { allow_public: false, ..Settings::default() });
    /// let admin = Admin::new(MemoryStore::new(), tree, policy);
    ///
    /// let alice = Principal::builder("alice", PrincipalKind::Internal).build()?;
    /// let public = NewShare::new("document:d1".parse()?, Recipient::Public, AccessLevel::Viewer);
    /// let err = admin.create(&alice, public, now).await.unwrap_err();
    /// assert_eq!(err.decision().map(|d| d.reason()), Some(Reason::Setting));
    /// # Ok::<(), Box<dyn std::error::Error>>(()) })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(store: S, tree: T, policy: Policy) -> Self {
        Self { store, tree, policy }
    }

    /// The store, for the service's own reports (it answers without the policy).
    ///
    /// ```
    /// use shareguard::{Admin, MemoryStore, Policy};
    /// use shareguard::admin::Hierarchy;
    ///
    /// let admin = Admin::new(MemoryStore::new(), Hierarchy::new(), Policy::default());
    /// assert_eq!(admin.store().len()?, 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The resource tree.
    ///
    /// ```
    /// use shareguard::{Admin, MemoryStore, Policy};
    /// use shareguard::admin::Hierarchy;
    ///
    /// let admin = Admin::new(MemoryStore::new(), Hierarchy::new(), Policy::default());
    /// assert!(!admin.tree().contains(&"document:d1".parse()?));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn tree(&self) -> &T {
        &self.tree
    }

    /// The policy.
    ///
    /// ```
    /// use shareguard::{Admin, MemoryStore, Policy, Settings};
    /// use shareguard::admin::Hierarchy;
    ///
    /// let policy = Policy::new(Settings { allow_links: false, ..Settings::default() });
    /// let admin = Admin::new(MemoryStore::new(), Hierarchy::new(), policy);
    /// assert!(!admin.policy().settings().allow_links);
    /// ```
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Creates a share with a fresh id, the actor as sharer, if the policy allows, in one
    /// step with the decision.
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use shareguard::{AccessLevel, Admin, MemoryStore, NewShare, Policy, Principal, PrincipalKind, Reason, Recipient};
    /// use shareguard::admin::Hierarchy;
    ///
    /// # pollster::block_on(async {
    /// let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    /// let mut tree = Hierarchy::new();
    /// tree.add("document:d1".parse()?, None, Some("alice".parse()?))?;
    /// let admin = Admin::new(MemoryStore::new(), tree, Policy::default());
    /// let alice = Principal::builder("alice", PrincipalKind::Internal).build()?;
    ///
    /// let share = admin.create(&alice, NewShare::new("document:d1".parse()?,
    ///     Recipient::User { id: "bob".parse()? }, AccessLevel::Editor), now).await?;
    /// assert_eq!((share.sharer().as_str(), share.version(), share.created()), ("alice", 1, now));
    /// // bob holds nothing on the document: he may not share it.
    /// let bob = Principal::builder("bob", PrincipalKind::Internal).build()?;
    /// let public = NewShare::new("document:d1".parse()?, Recipient::Public, AccessLevel::Viewer);
    /// let denied = admin.create(&bob, public, now).await.unwrap_err();
    /// assert_eq!(denied.decision().map(|d| d.reason()), Some(Reason::NotPermitted));
    /// # Ok::<(), Box<dyn std::error::Error>>(()) })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg_attr(feature = "tracing", tracing::instrument(name = "shareguard.create", level = "debug", skip_all, fields(actor = %actor.id(), resource = %new.resource, revision = tracing::field::Empty)))]
    pub async fn create(
        &self,
        actor: &Principal,
        new: NewShare,
        now: DateTime<Utc>,
    ) -> Result<Share, AdminError> {
        Ok(self.create_applied(actor, new, now).await?.share.without_token())
    }

    /// [`Admin::create`], returning the write's revision too.
    pub(crate) async fn create_applied(
        &self,
        actor: &Principal,
        new: NewShare,
        now: DateTime<Utc>,
    ) -> Result<Applied, AdminError> {
        let share = self.policy.new_share(ShareId::random(), actor.id().clone(), &new, now)?;
        let resource = new.resource.clone();
        self.write_on_path(&resource, actor, now, |path| {
            allowed(self.policy.check_create(actor, &new, path, now))?;
            Ok(Write::Create { share: share.clone(), event: crate::model::LogEvent::Created })
        })
        .await
    }

    /// The share, if the principal may `read` it.
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use shareguard::{AccessLevel, Admin, MemoryStore, NewShare, Policy, Principal, PrincipalKind, Recipient};
    /// use shareguard::admin::Hierarchy;
    ///
    /// # pollster::block_on(async {
    /// let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    /// let mut tree = Hierarchy::new();
    /// tree.add("document:d1".parse()?, None, Some("alice".parse()?))?;
    /// let admin = Admin::new(MemoryStore::new(), tree, Policy::default());
    /// let alice = Principal::builder("alice", PrincipalKind::Internal).build()?;
    /// let share = admin.create(&alice, NewShare::new("document:d1".parse()?,
    ///     Recipient::User { id: "bob".parse()? }, AccessLevel::Viewer), now).await?;
    ///
    /// let bob = Principal::builder("bob", PrincipalKind::Internal).build()?;
    /// assert_eq!(admin.get(&bob, share.id(), now).await?, share);
    /// let carol = Principal::builder("carol", PrincipalKind::Internal).build()?;
    /// assert!(admin.get(&carol, share.id(), now).await.is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(()) })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg_attr(feature = "tracing", tracing::instrument(name = "shareguard.get", level = "debug", skip_all, fields(actor = %principal.id(), share = %id)))]
    pub async fn get(
        &self,
        principal: &Principal,
        id: &ShareId,
        now: DateTime<Utc>,
    ) -> Result<Share, AdminError> {
        self.read_share(principal, ShareAction::Read, id, now).await
    }

    /// Changes a share as the patch says, if the share is still at `expected_version` and the
    /// policy allows the change — decided and applied in one step.
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use shareguard::{AccessLevel, Admin, AdminError, MemoryStore, NewShare, Policy, Principal, PrincipalKind, Recipient, StoreError};
    /// use shareguard::admin::Hierarchy;
    /// use shareguard::model::{Level, SharePatch};
    ///
    /// # pollster::block_on(async {
    /// let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    /// let mut tree = Hierarchy::new();
    /// tree.add("document:d1".parse()?, None, Some("alice".parse()?))?;
    /// let admin = Admin::new(MemoryStore::new(), tree, Policy::default());
    /// let alice = Principal::builder("alice", PrincipalKind::Internal).build()?;
    /// let share = admin.create(&alice, NewShare::new("document:d1".parse()?,
    ///     Recipient::User { id: "bob".parse()? }, AccessLevel::Viewer), now).await?;
    ///
    /// let to_editor = SharePatch { access: Some(Level::Editor), ..SharePatch::default() };
    /// let changed = admin.update(&alice, share.id(), 1, &to_editor, now).await?;
    /// assert_eq!((changed.access(), changed.version()), (AccessLevel::Editor, 2));
    /// // Version 1 is stale now.
    /// let stale = admin.update(&alice, share.id(), 1, &to_editor, now).await.unwrap_err();
    /// assert!(matches!(stale, AdminError::Store(StoreError::Conflict { .. })));
    /// # Ok::<(), Box<dyn std::error::Error>>(()) })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg_attr(feature = "tracing", tracing::instrument(name = "shareguard.update", level = "debug", skip_all, fields(actor = %actor.id(), share = %id, revision = tracing::field::Empty)))]
    pub async fn update(
        &self,
        actor: &Principal,
        id: &ShareId,
        expected_version: u64,
        patch: &SharePatch,
        now: DateTime<Utc>,
    ) -> Result<Share, AdminError> {
        let resource = self.share(id).await?.resource().clone();
        let applied = self
            .write_on_path(&resource, actor, now, |path| {
                let share = share_in(path, id)?;
                if share.version() != expected_version {
                    return Err(StoreError::Conflict {
                        id: id.clone(),
                        expected: expected_version,
                        actual: share.version(),
                    }
                    .into());
                }
                allowed(self.policy.check_update(actor, share, patch, path, now))?;
                Ok(Write::Update {
                    id: id.clone(),
                    version: share.version(),
                    patch: patch.clone(),
                    event: None,
                })
            })
            .await?;
        Ok(applied.share.without_token())
    }

    /// Deletes a share, if the policy allows, in one step with the decision; returns it.
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use shareguard::{AccessLevel, Admin, MemoryStore, NewShare, Policy, Principal, PrincipalKind, Recipient};
    /// use shareguard::admin::Hierarchy;
    ///
    /// # pollster::block_on(async {
    /// let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    /// let mut tree = Hierarchy::new();
    /// tree.add("document:d1".parse()?, None, Some("alice".parse()?))?;
    /// let admin = Admin::new(MemoryStore::new(), tree, Policy::default());
    /// let alice = Principal::builder("alice", PrincipalKind::Internal).build()?;
    /// let share = admin.create(&alice, NewShare::new("document:d1".parse()?,
    ///     Recipient::Group { id: "eng".parse()? }, AccessLevel::Viewer), now).await?;
    ///
    /// let bob = Principal::builder("bob", PrincipalKind::Internal).group("eng").build()?;
    /// assert!(admin.delete(&bob, share.id(), now).await.is_err(), "a group member may not");
    /// assert_eq!(admin.delete(&alice, share.id(), now).await?.id(), share.id());
    /// assert!(admin.store().is_empty()?);
    /// # Ok::<(), Box<dyn std::error::Error>>(()) })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg_attr(feature = "tracing", tracing::instrument(name = "shareguard.delete", level = "debug", skip_all, fields(actor = %actor.id(), share = %id, revision = tracing::field::Empty)))]
    pub async fn delete(
        &self,
        actor: &Principal,
        id: &ShareId,
        now: DateTime<Utc>,
    ) -> Result<Share, AdminError> {
        self.remove(actor, id, false, now).await
    }

    /// The recipient of a `user` or `email` share leaves it (deletes it), if the policy
    /// allows — never a `restrict` aimed at them.
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use shareguard::{AccessLevel, Admin, AdminError, MemoryStore, NewShare, Policy, Principal, PrincipalKind, Recipient};
    /// use shareguard::admin::Hierarchy;
    ///
    /// # pollster::block_on(async {
    /// let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    /// let mut tree = Hierarchy::new();
    /// tree.add("document:d1".parse()?, None, Some("alice".parse()?))?;
    /// let admin = Admin::new(MemoryStore::new(), tree, Policy::default());
    /// let alice = Principal::builder("alice", PrincipalKind::Internal).build()?;
    /// let mine = admin.create(&alice, NewShare::new("document:d1".parse()?,
    ///     Recipient::User { id: "bob".parse()? }, AccessLevel::Viewer), now).await?;
    /// let team = admin.create(&alice, NewShare::new("document:d1".parse()?,
    ///     Recipient::Group { id: "eng".parse()? }, AccessLevel::Viewer), now).await?;
    ///
    /// let bob = Principal::builder("bob", PrincipalKind::Internal).group("eng").build()?;
    /// assert!(matches!(admin.leave(&bob, team.id(), now).await, Err(AdminError::NotLeavable(_))));
    /// assert_eq!(admin.leave(&bob, mine.id(), now).await?.id(), mine.id());
    /// # Ok::<(), Box<dyn std::error::Error>>(()) })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg_attr(feature = "tracing", tracing::instrument(name = "shareguard.leave", level = "debug", skip_all, fields(actor = %actor.id(), share = %id, revision = tracing::field::Empty)))]
    pub async fn leave(
        &self,
        actor: &Principal,
        id: &ShareId,
        now: DateTime<Utc>,
    ) -> Result<Share, AdminError> {
        self.remove(actor, id, true, now).await
    }

    async fn remove(
        &self,
        actor: &Principal,
        id: &ShareId,
        leaving: bool,
        now: DateTime<Utc>,
    ) -> Result<Share, AdminError> {
        let resource = self.share(id).await?.resource().clone();
        let applied = self
            .write_on_path(&resource, actor, now, |path| {
                let share = share_in(path, id)?;
                if leaving
                    && !(matches!(
                        share.recipient(),
                        Recipient::User { .. } | Recipient::Email { .. }
                    ) && share.recipient().matches(actor))
                {
                    return Err(AdminError::NotLeavable(id.clone()));
                }
                allowed(self.policy.check_share(actor, ShareAction::Delete, share, path, now))?;
                Ok(Write::Delete {
                    id: id.clone(),
                    version: Some(share.version()),
                    event: crate::model::LogEvent::Deleted,
                })
            })
            .await?;
        Ok(applied.share.without_token())
    }

    /// The share's log, a page of it, if the principal may `view_log` the share.
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use shareguard::{AccessLevel, Admin, MemoryStore, NewShare, Policy, Principal, PrincipalKind, Recipient};
    /// use shareguard::admin::Hierarchy;
    /// use shareguard::store::Page;
    ///
    /// # pollster::block_on(async {
    /// let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    /// let mut tree = Hierarchy::new();
    /// tree.add("document:d1".parse()?, None, Some("alice".parse()?))?;
    /// let admin = Admin::new(MemoryStore::new(), tree, Policy::default());
    /// let alice = Principal::builder("alice", PrincipalKind::Internal).build()?;
    /// let share = admin.create(&alice, NewShare::new("document:d1".parse()?,
    ///     Recipient::User { id: "bob".parse()? }, AccessLevel::Viewer), now).await?;
    /// let log = admin.log(&alice, share.id(), &Page::default(), now).await?;
    /// assert_eq!(log.items[0].event.name(), "created");
    /// // The recipient reads the share but not its log.
    /// let bob = Principal::builder("bob", PrincipalKind::Internal).build()?;
    /// assert!(admin.log(&bob, share.id(), &Page::default(), now).await.is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(()) })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg_attr(feature = "tracing", tracing::instrument(name = "shareguard.log", level = "debug", skip_all, fields(actor = %principal.id(), share = %id)))]
    pub async fn log(
        &self,
        principal: &Principal,
        id: &ShareId,
        page: &Page,
        now: DateTime<Utc>,
    ) -> Result<Paged<LogEntry>, AdminError> {
        self.read_share(principal, ShareAction::ViewLog, id, now).await?;
        Ok(self.store.log_for_share(id, page).await?)
    }

    /// Records a visit of the visitor through the share (iconik's last visit and count): only
    /// through an active share to the visitor that gives `view`, while the policy lets the
    /// visitor view the resource.
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use shareguard::{AccessLevel, Admin, MemoryStore, NewShare, Policy, Principal, PrincipalKind, Recipient};
    /// use shareguard::admin::Hierarchy;
    ///
    /// # pollster::block_on(async {
    /// let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    /// let mut tree = Hierarchy::new();
    /// tree.add("document:d1".parse()?, None, Some("alice".parse()?))?;
    /// let admin = Admin::new(MemoryStore::new(), tree, Policy::default());
    /// let alice = Principal::builder("alice", PrincipalKind::Internal).build()?;
    /// let share = admin.create(&alice, NewShare::new("document:d1".parse()?,
    ///     Recipient::User { id: "bob".parse()? }, AccessLevel::Viewer), now).await?;
    /// let bob = Principal::builder("bob", PrincipalKind::Internal).build()?;
    /// let visited = admin.visit(&bob, share.id(), now).await?;
    /// assert_eq!((visited.usage().visits, visited.usage().last_visit), (1, Some(now)));
    /// # Ok::<(), Box<dyn std::error::Error>>(()) })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg_attr(feature = "tracing", tracing::instrument(name = "shareguard.visit", level = "debug", skip_all, fields(actor = %visitor.id(), share = %id, revision = tracing::field::Empty)))]
    pub async fn visit(
        &self,
        visitor: &Principal,
        id: &ShareId,
        now: DateTime<Utc>,
    ) -> Result<Share, AdminError> {
        let resource = self.share(id).await?.resource().clone();
        let applied = self
            .write_on_path(&resource, visitor, now, |path| {
                let share = share_in(path, id)?;
                allowed(self.policy.check(visitor, Permission::View, path, now))?;
                let through = share.recipient().matches(visitor)
                    && share.is_active(now)
                    && !share.is_pending()
                    && share.is_unlocked_for(visitor)
                    && share.permissions().has(Permission::View);
                if !through {
                    return Err(AdminError::NotVisitable(id.clone()));
                }
                Ok(Write::Visit { id: id.clone() })
            })
            .await?;
        Ok(applied.share.without_token())
    }

    /// The shares the principal may `read` that pass the filter, by share id, a page of them;
    /// `total` counts only those. Its cost grows with the shares that pass the filter, never
    /// with the whole store.
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use shareguard::{AccessLevel, Admin, MemoryStore, NewShare, Policy, Principal, PrincipalKind, Recipient};
    /// use shareguard::admin::Hierarchy;
    /// use shareguard::store::{Page, ShareFilter};
    ///
    /// # pollster::block_on(async {
    /// let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    /// let mut tree = Hierarchy::new();
    /// tree.add("document:d1".parse()?, None, Some("alice".parse()?))?;
    /// let admin = Admin::new(MemoryStore::new(), tree, Policy::default());
    /// let alice = Principal::builder("alice", PrincipalKind::Internal).build()?;
    /// for who in ["bob", "carol", "dave"] {
    ///     admin.create(&alice, NewShare::new("document:d1".parse()?,
    ///         Recipient::User { id: who.parse()? }, AccessLevel::Viewer), now).await?;
    /// }
    /// let first = admin.list(&alice, &ShareFilter::default(), &Page::first(2), now).await?;
    /// assert_eq!((first.items.len(), first.total), (2, 3));
    /// let rest = admin.list(&alice, &ShareFilter::default(), &Page::first(2).then(first.next), now).await?;
    /// assert_eq!((rest.items.len(), rest.next), (1, None));
    /// // bob may read only his own share.
    /// let bob = Principal::builder("bob", PrincipalKind::Internal).build()?;
    /// assert_eq!(admin.list(&bob, &ShareFilter::default(), &Page::ALL, now).await?.total, 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(()) })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg_attr(feature = "tracing", tracing::instrument(name = "shareguard.list", level = "debug", skip_all, fields(actor = %principal.id())))]
    pub async fn list(
        &self,
        principal: &Principal,
        filter: &ShareFilter,
        page: &Page,
        now: DateTime<Utc>,
    ) -> Result<Paged<Share>, AdminError> {
        let passing = self.store.list(filter, &Page::ALL).await?.items;
        let readable = self.readable(principal, passing, now).await?;
        Ok(Paged::of_sorted(readable, |s| s.id().as_str().to_owned(), page))
    }

    /// "Who has access" (SEMANTICS.md section 11): the shares that reach the resource — on
    /// it and on its ancestors — that the principal may `read`, each with its state.
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use shareguard::{AccessLevel, Admin, MemoryStore, NewShare, Policy, Principal, PrincipalKind, Recipient};
    /// use shareguard::admin::Hierarchy;
    /// use shareguard::store::ShareState;
    ///
    /// # pollster::block_on(async {
    /// let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    /// let mut tree = Hierarchy::new();
    /// tree.add("folder:f1".parse()?, None, Some("alice".parse()?))?;
    /// tree.add("document:d1".parse()?, Some("folder:f1".parse()?), None)?;
    /// let admin = Admin::new(MemoryStore::new(), tree, Policy::default());
    /// let alice = Principal::builder("alice", PrincipalKind::Internal).build()?;
    /// let on_folder = admin.create(&alice, NewShare::new("folder:f1".parse()?,
    ///     Recipient::User { id: "bob".parse()? }, AccessLevel::Viewer), now).await?;
    /// let entries = admin.who_has_access(&alice, &"document:d1".parse()?, now).await?;
    /// assert_eq!(entries.len(), 1);
    /// assert_eq!((entries[0].share.id(), entries[0].state), (on_folder.id(), ShareState::Active));
    /// # Ok::<(), Box<dyn std::error::Error>>(()) })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg_attr(feature = "tracing", tracing::instrument(name = "shareguard.who_has_access", level = "debug", skip_all, fields(actor = %principal.id(), resource = %resource)))]
    pub async fn who_has_access(
        &self,
        principal: &Principal,
        resource: &ResourceRef,
        now: DateTime<Utc>,
    ) -> Result<Vec<AccessEntry>, AdminError> {
        let (entries, _) = self
            .on_path(resource, false, |path| {
                let mut entries = Vec::new();
                let reach = crate::policy::granting(path);
                for (i, node) in path.iter().enumerate() {
                    let from_here = path.get(i..).unwrap_or_default();
                    // Grants stop at an inheritance cut; restricts come from the whole path.
                    for share in node.shares().iter().filter(|s| i < reach || s.is_restrict()) {
                        let read = self.policy.check_share(
                            principal,
                            ShareAction::Read,
                            share,
                            from_here,
                            now,
                        );
                        if read.is_allowed() {
                            let state = share.state(now);
                            entries.push(AccessEntry { share: share.without_token(), state });
                        }
                    }
                }
                entries
            })
            .await?;
        Ok(entries)
    }

    /// "Shared with me" (SEMANTICS.md section 11): the resources carrying an active grant
    /// whose recipient matches the principal (`public` and `link` grants only with
    /// `include_public`) on which the principal holds at least one permission, each with
    /// everything it holds there; resources it owns are left out. By resource id, a page.
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use shareguard::{AccessLevel, Admin, MemoryStore, NewShare, Policy, Principal, PrincipalKind, Recipient};
    /// use shareguard::admin::Hierarchy;
    /// use shareguard::model::Permissions;
    /// use shareguard::store::Page;
    ///
    /// # pollster::block_on(async {
    /// let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    /// let mut tree = Hierarchy::new();
    /// tree.add("folder:f1".parse()?, None, Some("alice".parse()?))?;
    /// tree.add("document:d1".parse()?, Some("folder:f1".parse()?), None)?;
    /// let admin = Admin::new(MemoryStore::new(), tree, Policy::default());
    /// let alice = Principal::builder("alice", PrincipalKind::Internal).build()?;
    /// admin.create(&alice, NewShare::new("document:d1".parse()?,
    ///     Recipient::User { id: "bob".parse()? }, AccessLevel::Viewer), now).await?;
    /// let bob = Principal::builder("bob", PrincipalKind::Internal).build()?;
    /// let mine = admin.shared_with_me(&bob, false, &Page::default(), now).await?;
    /// assert_eq!(mine.items[0].resource.to_string(), "document:d1");
    /// assert_eq!(mine.items[0].permissions, Permissions::VIEW | Permissions::DOWNLOAD);
    /// // alice owns the folder: nothing is shared with her.
    /// assert_eq!(admin.shared_with_me(&alice, false, &Page::default(), now).await?.total, 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(()) })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg_attr(feature = "tracing", tracing::instrument(name = "shareguard.shared_with_me", level = "debug", skip_all, fields(actor = %principal.id())))]
    pub async fn shared_with_me(
        &self,
        principal: &Principal,
        include_public: bool,
        page: &Page,
        now: DateTime<Utc>,
    ) -> Result<Paged<SharedResource>, AdminError> {
        let reaching = self.store.shares_reaching(principal, include_public, &Page::ALL).await?;
        let mut resources: Vec<ResourceRef> = reaching
            .items
            .iter()
            .filter(|s| {
                let public = matches!(
                    s.recipient().share_type(),
                    crate::model::ShareType::Public | crate::model::ShareType::Link
                );
                (include_public || !public)
                    && !s.is_restrict()
                    && s.is_active(now)
                    && !s.is_pending()
                    && s.is_unlocked_for(principal)
                    && !s.permissions().is_empty()
                    && self.policy.enables(s, principal)
            })
            .map(|s| s.resource().clone())
            .collect();
        resources.sort_unstable();
        resources.dedup();
        let mut listed = Vec::with_capacity(resources.len());
        for resource in resources {
            let (held, _) = self
                .on_path(&resource, false, |path| {
                    let owned = path.iter().any(|n| {
                        n.owner() == Some(principal.id())
                            && principal.kind() != crate::model::PrincipalKind::Anonymous
                    });
                    (!owned).then(|| self.policy.permissions(principal, path, now))
                })
                .await?;
            if let Some(permissions) = held.filter(|p| !p.is_empty()) {
                listed.push(SharedResource { resource, permissions });
            }
        }
        Ok(Paged::of_sorted(listed, |r| r.resource.to_string(), page))
    }

    /// Removes every share expired at `now` and logs `expired` for each, `actor` being the
    /// service's sweeper; returns them.
    ///
    /// ```
    /// use chrono::{Duration, TimeZone, Utc};
    /// use shareguard::{AccessLevel, Admin, MemoryStore, NewShare, Policy, Principal, PrincipalKind, Recipient};
    /// use shareguard::admin::Hierarchy;
    ///
    /// # pollster::block_on(async {
    /// let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    /// let mut tree = Hierarchy::new();
    /// tree.add("document:d1".parse()?, None, Some("alice".parse()?))?;
    /// let admin = Admin::new(MemoryStore::new(), tree, Policy::default());
    /// let alice = Principal::builder("alice", PrincipalKind::Internal).build()?;
    /// admin.create(&alice, NewShare::new("document:d1".parse()?,
    ///     Recipient::User { id: "bob".parse()? }, AccessLevel::Viewer)
    ///     .expires(now + Duration::days(1)), now).await?;
    /// let swept = admin.sweep(&"sweeper".parse()?, now + Duration::days(1)).await?;
    /// assert_eq!(swept.len(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(()) })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg_attr(feature = "tracing", tracing::instrument(name = "shareguard.sweep", level = "debug", skip_all, fields(actor = %actor)))]
    pub async fn sweep(
        &self,
        actor: &PrincipalId,
        now: DateTime<Utc>,
    ) -> Result<Vec<Share>, AdminError> {
        Ok(self.store.sweep_expired(now, actor).await?)
    }

    /// The change feed: up to `limit` log entries after `after`, by revision (for a service
    /// that keeps caches or search indexes in step, as OpenFGA's ReadChanges). This reads the
    /// whole store's history: it is for the service, not for a principal.
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use shareguard::{AccessLevel, Admin, MemoryStore, NewShare, Policy, Principal, PrincipalKind, Recipient};
    /// use shareguard::admin::Hierarchy;
    /// use shareguard::model::Revision;
    ///
    /// # pollster::block_on(async {
    /// let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    /// let mut tree = Hierarchy::new();
    /// tree.add("document:d1".parse()?, None, Some("alice".parse()?))?;
    /// let admin = Admin::new(MemoryStore::new(), tree, Policy::default());
    /// let alice = Principal::builder("alice", PrincipalKind::Internal).build()?;
    /// admin.create(&alice, NewShare::new("document:d1".parse()?,
    ///     Recipient::User { id: "bob".parse()? }, AccessLevel::Viewer), now).await?;
    /// let changes = admin.changes_since(Revision::ZERO, 100).await?;
    /// assert_eq!((changes.len(), changes[0].revision), (1, Revision::new(1)));
    /// # Ok::<(), Box<dyn std::error::Error>>(()) })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn changes_since(
        &self,
        after: Revision,
        limit: usize,
    ) -> Result<Vec<LogEntry>, AdminError> {
        Ok(self.store.changes_since(after, limit).await?)
    }

    /// The stored share, or [`StoreError::NotFound`].
    async fn share(&self, id: &ShareId) -> Result<Share, AdminError> {
        self.store.get(id).await?.ok_or_else(|| StoreError::NotFound(id.clone()).into())
    }

    /// The share, if the principal may take the (reading) share action on it.
    async fn read_share(
        &self,
        principal: &Principal,
        action: ShareAction,
        id: &ShareId,
        now: DateTime<Utc>,
    ) -> Result<Share, AdminError> {
        let resource = self.share(id).await?.resource().clone();
        let (share, _) = self
            .on_path(&resource, false, |path| {
                let share = share_in(path, id)?;
                allowed(self.policy.check_share(principal, action, share, path, now))?;
                Ok::<_, AdminError>(share.without_token())
            })
            .await?;
        share
    }

    /// The shares the principal may `read`, each decided on its resource's path.
    async fn readable(
        &self,
        principal: &Principal,
        mut shares: Vec<Share>,
        now: DateTime<Utc>,
    ) -> Result<Vec<Share>, AdminError> {
        shares.sort_by(|a, b| a.resource().cmp(b.resource()));
        let mut readable = Vec::with_capacity(shares.len());
        let mut rest = shares.as_slice();
        while let Some(first) = rest.first() {
            let resource = first.resource().clone();
            let same = rest.iter().take_while(|s| *s.resource() == resource).count();
            let (group, tail) = rest.split_at(same);
            rest = tail;
            let (kept, _) = self
                .on_path(&resource, false, |path| {
                    group
                        .iter()
                        .filter(|share| {
                            self.policy
                                .check_share(principal, ShareAction::Read, share, path, now)
                                .is_allowed()
                        })
                        .map(Share::without_token)
                        .collect::<Vec<_>>()
                })
                .await?;
            readable.extend(kept);
        }
        readable.sort_by(|a, b| a.id().cmp(b.id()));
        Ok(readable)
    }
}

/// The share with this id among the shares on the path's first resource (its own), as the
/// decision reads it.
fn share_in<'a>(path: &[Node<'a>], id: &ShareId) -> Result<&'a Share, AdminError> {
    path.first()
        .and_then(|node| node.shares().iter().find(|s| s.id() == id))
        .ok_or_else(|| StoreError::NotFound(id.clone()).into())
}

/// The decision, or [`AdminError::Denied`] with it.
fn allowed(decision: crate::policy::Decision) -> Result<crate::policy::Decision, AdminError> {
    trace::decision(&decision);
    if decision.is_allowed() { Ok(decision) } else { Err(AdminError::Denied(Box::new(decision))) }
}
