//! Reading a path and deciding on it; deciding and writing in one step.

use chrono::{DateTime, Utc};

use crate::model::{
    NewShare, Permission, Permissions, Principal, ResourceRef, Revision, Share, SharePatch,
};
use crate::policy::{Decision, Node, ShareAction};
use crate::store::{Applied, PathShares, Precondition, ShareStore, StoreError, Write};

use super::{Admin, AdminError, PathItem, PathStep, ResourceTree};

/// How often a write whose decision went stale is decided again before [`AdminError::Busy`].
pub(super) const ATTEMPTS: usize = 8;

/// The node of one resource of a path: the store's view of it and the tree's owner.
fn node<'a>((on, step): (&PathShares<'a>, &PathStep<'a>)) -> Node<'a> {
    Node::listed(on.resource, step.owner, on.shares).inheriting(step.inherits)
}

/// The reader [`ShareStore::read_path`] calls: it builds the path's nodes from the store's
/// views and the tree's items and runs `decide` over them once, leaving its answer (with, when
/// `guard`, the revisions read) in `out`.
fn reader<'p, R, D: FnOnce(&[Node<'_>]) -> R>(
    path: &'p [PathStep<'p>],
    guard: bool,
    decide: &'p mut Option<D>,
    out: &'p mut Option<(R, Precondition)>,
) -> impl for<'a> FnMut(&[PathShares<'a>]) + 'p {
    move |views: &[PathShares<'_>]| {
        let Some(decide) = decide.take() else { return };
        let pre = if guard {
            views.iter().map(|on| (on.resource.clone(), on.revision)).collect()
        } else {
            Precondition::none()
        };
        // Paths are short: their nodes go on the stack, not in a fresh `Vec`.
        let answer = match (views, path) {
            ([a], [x]) => decide(&[node((a, x))]),
            ([a, b], [x, y]) => decide(&[node((a, x)), node((b, y))]),
            ([a, b, c], [x, y, z]) => decide(&[node((a, x)), node((b, y)), node((c, z))]),
            _ => decide(&views.iter().zip(path).map(node).collect::<Vec<_>>()),
        };
        *out = Some((answer, pre));
    }
}

/// What [`Admin::on_path_ready`] gives back when the tree or the store would have to wait.
enum NotReady<D> {
    /// The tree would wait: nothing was read.
    Tree(D),
    /// The store would wait: the path the tree gave.
    Store(D, Vec<PathItem>),
}

fn unread() -> AdminError {
    StoreError::Backend("the store did not read the path".into()).into()
}

impl<S: ShareStore, T: ResourceTree> Admin<S, T> {
    /// Runs `decide` over the resource's path as the store holds it, and returns its answer
    /// with (when `guard`) the revisions it read, for a write to carry.
    pub(super) async fn on_path<R: Send>(
        &self,
        resource: &ResourceRef,
        guard: bool,
        decide: impl FnOnce(&[Node<'_>]) -> R + Send,
    ) -> Result<(R, Precondition), AdminError> {
        self.on_path_reaching(resource, guard, None, decide).await
    }

    /// [`on_path`](Self::on_path), the path read with only the shares that may reach
    /// `reaching` when given: for decisions about that principal's own access, which no
    /// other share can change ([`ShareStore::read_path_reaching`]).
    pub(super) async fn on_path_reaching<R: Send>(
        &self,
        resource: &ResourceRef,
        guard: bool,
        reaching: Option<&Principal>,
        decide: impl FnOnce(&[Node<'_>]) -> R + Send,
    ) -> Result<(R, Precondition), AdminError> {
        // A tree and a store that never wait (in memory) answer without a future; the rest is
        // boxed, so that the future of every call stays small.
        match self.on_path_ready(resource, guard, decide) {
            Ok(done) => done,
            Err(NotReady::Tree(decide)) => {
                let path = self.tree.path(resource).await?;
                Box::pin(self.on_path_read(path, guard, reaching, decide)).await
            }
            Err(NotReady::Store(decide, path)) => {
                Box::pin(self.on_path_read(path, guard, reaching, decide)).await
            }
        }
    }

    /// [`on_path`](Self::on_path) where the tree answers at once
    /// ([`ResourceTree::path_ready`]) and the store too ([`ShareStore::read_path_ready`]).
    fn on_path_ready<R: Send, D: FnOnce(&[Node<'_>]) -> R + Send>(
        &self,
        resource: &ResourceRef,
        guard: bool,
        decide: D,
    ) -> Result<Result<(R, Precondition), AdminError>, NotReady<D>> {
        let (mut decide, mut out) = (Some(decide), None);
        // The store's answer, and the path if the store would wait.
        let (mut read_path, mut waiting) = (None, None);
        let tree = self.tree.path_ready(resource, &mut |path| {
            let mut read = reader(path, guard, &mut decide, &mut out);
            let mut ready =
                |refs: &[&ResourceRef]| self.store.read_path_ready(refs, Revision::ZERO, &mut read);
            // Short paths name their resources on the stack, not in a fresh `Vec`.
            read_path = match path {
                [a] => ready(&[a.resource]),
                [a, b] => ready(&[a.resource, b.resource]),
                [a, b, c] => ready(&[a.resource, b.resource, c.resource]),
                _ => ready(&path.iter().map(|step| step.resource).collect::<Vec<_>>()),
            };
            if read_path.is_none() {
                waiting = Some(path.iter().map(|&step| PathItem::from(step)).collect());
            }
        });
        match (tree, read_path, decide) {
            (None, _, Some(decide)) => Err(NotReady::Tree(decide)),
            (Some(Err(e)), ..) => Ok(Err(e.into())),
            (Some(Ok(())), None, Some(decide)) => match waiting {
                Some(path) => Err(NotReady::Store(decide, path)),
                None => Ok(Err(unread())),
            },
            (_, Some(Err(e)), _) => Ok(Err(e.into())),
            _ => Ok(out.ok_or_else(unread)),
        }
    }

    /// [`on_path_reaching`](Self::on_path_reaching) through the store's future.
    async fn on_path_read<R: Send>(
        &self,
        path: Vec<PathItem>,
        guard: bool,
        reaching: Option<&Principal>,
        decide: impl FnOnce(&[Node<'_>]) -> R + Send,
    ) -> Result<(R, Precondition), AdminError> {
        let refs: Vec<ResourceRef> = path.iter().map(|item| item.resource.clone()).collect();
        let steps: Vec<PathStep<'_>> = path.iter().map(PathItem::step).collect();
        let (mut decide, mut out) = (Some(decide), None);
        {
            let mut read = reader(&steps, guard, &mut decide, &mut out);
            match reaching {
                Some(principal) => {
                    let store = &self.store;
                    store.read_path_reaching(&refs, principal, Revision::ZERO, &mut read).await?;
                }
                None => self.store.read_path(&refs, Revision::ZERO, &mut read).await?,
            }
        }
        out.ok_or_else(unread)
    }

    /// Decides on the resource's path and applies the write the decision allows, carrying
    /// the revisions it read; if they changed before the write, decides again.
    pub(super) async fn write_on_path(
        &self,
        resource: &ResourceRef,
        actor: &Principal,
        now: DateTime<Utc>,
        mut plan: impl FnMut(&[Node<'_>]) -> Result<Write, AdminError> + Send,
    ) -> Result<Applied, AdminError> {
        for _ in 0..ATTEMPTS {
            let (write, pre) = self.on_path(resource, true, &mut plan).await?;
            match self.store.apply(write?, &pre, actor.id(), now).await {
                Err(e) if e.is_conflict() => continue,
                applied => {
                    let applied = applied?;
                    super::trace::revision(applied.revision);
                    return Ok(applied);
                }
            }
        }
        Err(AdminError::Busy)
    }

    /// Whether the principal may take an action needing `permission` on the resource.
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use shareguard::{AccessLevel, Admin, MemoryStore, NewShare, Permission, Policy, Principal, PrincipalKind, Reason, Recipient};
    /// use shareguard::admin::Hierarchy;
    ///
    /// # pollster::block_on(async {
    /// let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    /// let mut tree = Hierarchy::new();
    /// tree.add("folder:f1".parse()?, None, Some("alice".parse()?))?;
    /// tree.add("document:d1".parse()?, Some("folder:f1".parse()?), None)?;
    /// let admin = Admin::new(MemoryStore::new(), tree, Policy::default());
    /// let alice = Principal::builder("alice", PrincipalKind::Internal).build()?;
    /// let share = admin.create(&alice, NewShare::new("folder:f1".parse()?,
    ///     Recipient::User { id: "bob".parse()? }, AccessLevel::Commenter), now).await?;
    /// // bob may comment on the document through the folder's share; the decision cites it.
    /// let bob = Principal::builder("bob", PrincipalKind::Internal).build()?;
    /// let decision = admin.check(&bob, Permission::Comment, &"document:d1".parse()?, now).await?;
    /// assert_eq!(decision.reason(), Reason::Share);
    /// assert_eq!(decision.evidence().share.as_ref(), Some(share.id()));
    /// assert_eq!(decision.evidence().resource, Some("folder:f1".parse()?));
    /// # Ok::<(), Box<dyn std::error::Error>>(()) })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg_attr(feature = "tracing", tracing::instrument(name = "shareguard.check", level = "debug", skip_all, fields(actor = %principal.id(), resource = %resource, permission = permission.name())))]
    pub async fn check(
        &self,
        principal: &Principal,
        permission: Permission,
        resource: &ResourceRef,
        now: DateTime<Utc>,
    ) -> Result<Decision, AdminError> {
        let (decision, _) = self
            .on_path_reaching(resource, false, Some(principal), |path| {
                self.policy.check(principal, permission, path, now)
            })
            .await?;
        super::trace::decision(&decision);
        Ok(decision)
    }

    /// The permissions the principal holds on the resource.
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use shareguard::{AccessLevel, Admin, MemoryStore, NewShare, Policy, Principal, PrincipalKind, Recipient};
    /// use shareguard::admin::Hierarchy;
    /// use shareguard::model::Permissions;
    ///
    /// # pollster::block_on(async {
    /// let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    /// let mut tree = Hierarchy::new();
    /// tree.add("folder:f1".parse()?, None, Some("alice".parse()?))?;
    /// tree.add("document:d1".parse()?, Some("folder:f1".parse()?), None)?;
    /// let admin = Admin::new(MemoryStore::new(), tree, Policy::default());
    /// let alice = Principal::builder("alice", PrincipalKind::Internal).build()?;
    /// admin.create(&alice, NewShare::new("folder:f1".parse()?,
    ///     Recipient::Group { id: "eng".parse()? }, AccessLevel::FormFiller), now).await?;
    /// admin.create(&alice, NewShare::new("document:d1".parse()?,
    ///     Recipient::User { id: "bob".parse()? }, AccessLevel::Commenter), now).await?;
    /// // The grants reaching bob on the document and its folder add up.
    /// let bob = Principal::builder("bob", PrincipalKind::Internal).group("eng").build()?;
    /// let held = admin.permissions(&bob, &"document:d1".parse()?, now).await?;
    /// assert_eq!(held, Permissions::VIEW | Permissions::DOWNLOAD | Permissions::COMMENT | Permissions::FILL_FORMS);
    /// // The owner of the folder holds everything on what is inside.
    /// assert_eq!(admin.permissions(&alice, &"document:d1".parse()?, now).await?, Permissions::all());
    /// # Ok::<(), Box<dyn std::error::Error>>(()) })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg_attr(feature = "tracing", tracing::instrument(name = "shareguard.permissions", level = "debug", skip_all, fields(actor = %principal.id(), resource = %resource)))]
    pub async fn permissions(
        &self,
        principal: &Principal,
        resource: &ResourceRef,
        now: DateTime<Utc>,
    ) -> Result<Permissions, AdminError> {
        let (held, _) = self
            .on_path_reaching(resource, false, Some(principal), |path| {
                self.policy.permissions(principal, path, now)
            })
            .await?;
        Ok(held)
    }

    /// Whether the principal may take a share action on the share, as it is stored now (the
    /// share given, if it is not stored).
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use shareguard::{AccessLevel, Admin, MemoryStore, NewShare, Policy, Principal, PrincipalKind, Reason, Recipient, ShareAction};
    /// use shareguard::admin::Hierarchy;
    ///
    /// # pollster::block_on(async {
    /// let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    /// let mut tree = Hierarchy::new();
    /// tree.add("document:d1".parse()?, None, Some("alice".parse()?))?;
    /// let admin = Admin::new(MemoryStore::new(), tree, Policy::default());
    /// let alice = Principal::builder("alice", PrincipalKind::Internal).build()?;
    /// let share = admin.create(&alice, NewShare::new("document:d1".parse()?,
    ///     Recipient::User { id: "bob".parse()? }, AccessLevel::Editor), now).await?;
    /// // bob may read his share and leave it, but not change it or read its log.
    /// let bob = Principal::builder("bob", PrincipalKind::Internal).build()?;
    /// assert_eq!(admin.authorize_share(&bob, ShareAction::Read, &share, now).await?.reason(), Reason::Recipient);
    /// assert!(admin.authorize_share(&bob, ShareAction::Delete, &share, now).await?.is_allowed());
    /// assert_eq!(admin.authorize_share(&bob, ShareAction::Write, &share, now).await?.reason(), Reason::NotPermitted);
    /// assert!(!admin.authorize_share(&bob, ShareAction::ViewLog, &share, now).await?.is_allowed());
    /// # Ok::<(), Box<dyn std::error::Error>>(()) })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg_attr(feature = "tracing", tracing::instrument(name = "shareguard.authorize_share", level = "debug", skip_all, fields(actor = %principal.id(), share = %share.id(), action = action.name())))]
    pub async fn authorize_share(
        &self,
        principal: &Principal,
        action: ShareAction,
        share: &Share,
        now: DateTime<Utc>,
    ) -> Result<Decision, AdminError> {
        let (decision, _) = self
            .on_path(share.resource(), false, |path| {
                // The share as stored, if it is (a share read from the facade has no token,
                // which the `token` action asks about); else the one given.
                let stored = super::share_in(path, share.id()).unwrap_or(share);
                self.policy.check_share(principal, action, stored, path, now)
            })
            .await?;
        super::trace::decision(&decision);
        Ok(decision)
    }

    /// The decision on cutting (`inherit` false) or restoring (`inherit` true) a resource's
    /// inheritance ([`crate::Policy::check_set_inheritance`]), without applying it.
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use shareguard::{Admin, MemoryStore, Policy, Principal, PrincipalKind, Reason};
    /// use shareguard::admin::Hierarchy;
    ///
    /// # pollster::block_on(async {
    /// let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    /// let mut tree = Hierarchy::new();
    /// tree.add("folder:f1".parse()?, None, Some("alice".parse()?))?;
    /// let admin = Admin::new(MemoryStore::new(), tree, Policy::default());
    /// let alice = Principal::builder("alice", PrincipalKind::Internal).build()?;
    /// let d = admin.authorize_set_inheritance(&alice, &"folder:f1".parse()?, false, now).await?;
    /// assert_eq!(d.reason(), Reason::Owner);
    /// # Ok::<(), Box<dyn std::error::Error>>(()) })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg_attr(feature = "tracing", tracing::instrument(name = "shareguard.authorize_set_inheritance", level = "debug", skip_all, fields(actor = %actor.id(), resource = %resource)))]
    pub async fn authorize_set_inheritance(
        &self,
        actor: &Principal,
        resource: &ResourceRef,
        inherit: bool,
        now: DateTime<Utc>,
    ) -> Result<Decision, AdminError> {
        let (decision, _) = self
            .on_path(resource, false, |path| {
                self.policy.check_set_inheritance(actor, inherit, path, now)
            })
            .await?;
        super::trace::decision(&decision);
        Ok(decision)
    }

    /// Whether the actor may create the share (what [`Admin::create`] asks); creates nothing.
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use shareguard::{AccessLevel, Admin, MemoryStore, NewShare, Policy, Principal, PrincipalKind, Reason, Recipient, ReshareRights};
    /// use shareguard::admin::Hierarchy;
    ///
    /// # pollster::block_on(async {
    /// let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    /// let mut tree = Hierarchy::new();
    /// tree.add("document:d1".parse()?, None, Some("alice".parse()?))?;
    /// let admin = Admin::new(MemoryStore::new(), tree, Policy::default());
    /// let alice = Principal::builder("alice", PrincipalKind::Internal).build()?;
    /// // bob edits the document and may share it on inside the organisation.
    /// admin.create(&alice, NewShare::new("document:d1".parse()?, Recipient::User { id: "bob".parse()? },
    ///     AccessLevel::Editor).reshare(ReshareRights::INTERNAL), now).await?;
    /// let bob = Principal::builder("bob", PrincipalKind::Internal).build()?;
    /// let carol = Recipient::User { id: "carol".parse()? };
    /// let viewer = NewShare::new("document:d1".parse()?, carol.clone(), AccessLevel::Viewer);
    /// assert_eq!(admin.authorize_create(&bob, &viewer, now).await?.reason(), Reason::Share);
    /// let manager = NewShare::new("document:d1".parse()?, carol, AccessLevel::Manager);
    /// assert_eq!(admin.authorize_create(&bob, &manager, now).await?.reason(), Reason::Escalation);
    /// assert_eq!(admin.store().len()?, 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(()) })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg_attr(feature = "tracing", tracing::instrument(name = "shareguard.authorize_create", level = "debug", skip_all, fields(actor = %actor.id(), resource = %new.resource)))]
    pub async fn authorize_create(
        &self,
        actor: &Principal,
        new: &NewShare,
        now: DateTime<Utc>,
    ) -> Result<Decision, AdminError> {
        let (decision, _) = self
            .on_path(&new.resource, false, |path| self.policy.check_create(actor, new, path, now))
            .await?;
        super::trace::decision(&decision);
        Ok(decision)
    }

    /// Whether the actor may change the share as the patch says (what [`Admin::update`]
    /// asks); changes nothing.
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use shareguard::{AccessLevel, Admin, MemoryStore, NewShare, Policy, Principal, PrincipalKind, Reason, Recipient};
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
    /// let to_editor = SharePatch { access: Some(Level::Editor), ..SharePatch::default() };
    /// // The recipient may not raise his own share; the document's owner may.
    /// let bob = Principal::builder("bob", PrincipalKind::Internal).build()?;
    /// assert_eq!(admin.authorize_update(&bob, &share, &to_editor, now).await?.reason(), Reason::NotPermitted);
    /// assert_eq!(admin.authorize_update(&alice, &share, &to_editor, now).await?.reason(), Reason::Owner);
    /// # Ok::<(), Box<dyn std::error::Error>>(()) })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg_attr(feature = "tracing", tracing::instrument(name = "shareguard.authorize_update", level = "debug", skip_all, fields(actor = %actor.id(), share = %share.id())))]
    pub async fn authorize_update(
        &self,
        actor: &Principal,
        share: &Share,
        patch: &SharePatch,
        now: DateTime<Utc>,
    ) -> Result<Decision, AdminError> {
        let (decision, _) = self
            .on_path(share.resource(), false, |path| {
                self.policy.check_update(actor, share, patch, path, now)
            })
            .await?;
        super::trace::decision(&decision);
        Ok(decision)
    }
}
