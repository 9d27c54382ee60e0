//! Pending shares (invitations) and inheritance cuts: SEMANTICS.md sections 9 and 10.

use chrono::{DateTime, Utc};

use crate::model::{LogEvent, Principal, ResourceRef, Revision, Share, ShareId};
use crate::policy::ShareAction;
use crate::store::{Page, Paged, ShareStore, Write};

use super::authorize::ATTEMPTS;
use super::{Admin, AdminError, ResourceTree, allowed, share_in};

impl<S: ShareStore, T: ResourceTree> Admin<S, T> {
    /// Accepts a pending share: only its recipient may (never an anonymous principal), and
    /// only while it is pending and has not expired; from then on it grants. Decided and
    /// applied in one step; logged `accepted`.
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use shareguard::{AccessLevel, Admin, MemoryStore, NewShare, Permission, Policy, Principal, PrincipalKind, Reason, Recipient};
    /// use shareguard::admin::Hierarchy;
    ///
    /// # pollster::block_on(async {
    /// let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    /// let mut tree = Hierarchy::new();
    /// tree.add("document:d1".parse()?, None, Some("alice".parse()?))?;
    /// let admin = Admin::new(MemoryStore::new(), tree, Policy::default());
    /// let (alice, bob) = (Principal::builder("alice", PrincipalKind::Internal).build()?,
    ///     Principal::builder("bob", PrincipalKind::Internal).build()?);
    /// let mut invite = NewShare::new("document:d1".parse()?, Recipient::User { id: "bob".parse()? }, AccessLevel::Viewer);
    /// invite.pending = true;
    /// let share = admin.create(&alice, invite, now).await?;
    /// let doc = "document:d1".parse()?;
    /// assert_eq!(admin.check(&bob, Permission::View, &doc, now).await?.reason(), Reason::Pending);
    /// admin.accept(&bob, share.id(), now).await?;
    /// assert!(admin.check(&bob, Permission::View, &doc, now).await?.is_allowed());
    /// # Ok::<(), Box<dyn std::error::Error>>(()) })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg_attr(feature = "tracing", tracing::instrument(name = "shareguard.accept", level = "debug", skip_all, fields(actor = %actor.id(), share = %id, revision = tracing::field::Empty)))]
    pub async fn accept(
        &self,
        actor: &Principal,
        id: &ShareId,
        now: DateTime<Utc>,
    ) -> Result<Share, AdminError> {
        self.answer(actor, id, ShareAction::Accept, now).await
    }

    /// Declines a pending share, which deletes it (logged `declined`): the same rules as
    /// [`Admin::accept`]. Returns the share as it was.
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
    /// let mut invite = NewShare::new("document:d1".parse()?, Recipient::User { id: "bob".parse()? }, AccessLevel::Viewer);
    /// invite.pending = true;
    /// let share = admin.create(&alice, invite, now).await?;
    /// // Only bob answers it.
    /// let denied = admin.decline(&alice, share.id(), now).await.unwrap_err();
    /// assert_eq!(denied.decision().map(|d| d.reason()), Some(Reason::NotPermitted));
    /// let bob = Principal::builder("bob", PrincipalKind::Internal).build()?;
    /// admin.decline(&bob, share.id(), now).await?;
    /// assert!(admin.store().is_empty()?);
    /// # Ok::<(), Box<dyn std::error::Error>>(()) })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg_attr(feature = "tracing", tracing::instrument(name = "shareguard.decline", level = "debug", skip_all, fields(actor = %actor.id(), share = %id, revision = tracing::field::Empty)))]
    pub async fn decline(
        &self,
        actor: &Principal,
        id: &ShareId,
        now: DateTime<Utc>,
    ) -> Result<Share, AdminError> {
        self.answer(actor, id, ShareAction::Decline, now).await
    }

    async fn answer(
        &self,
        actor: &Principal,
        id: &ShareId,
        action: ShareAction,
        now: DateTime<Utc>,
    ) -> Result<Share, AdminError> {
        let resource = self.share(id).await?.resource().clone();
        let applied = self
            .write_on_path(&resource, actor, now, |path| {
                let share = share_in(path, id)?;
                allowed(self.policy.check_share(actor, action, share, path, now))?;
                Ok(if action == ShareAction::Accept {
                    Write::Accept { id: id.clone() }
                } else {
                    Write::Delete {
                        id: id.clone(),
                        version: Some(share.version()),
                        event: LogEvent::Declined,
                    }
                })
            })
            .await?;
        Ok(applied.share.without_token())
    }

    /// The invitations waiting for `principal` (SEMANTICS.md section 11, listed apart from
    /// "shared with me"): the pending shares whose recipient matches it and that have not
    /// expired, by share id, paged by cursor.
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
    /// let mut invite = NewShare::new("document:d1".parse()?, Recipient::Email { email: "bob@corp.example".parse()? }, AccessLevel::Viewer);
    /// invite.pending = true;
    /// admin.create(&alice, invite, now).await?;
    /// let bob = Principal::builder("bob", PrincipalKind::Internal).email("Bob@Corp.Example").build()?;
    /// assert_eq!(admin.invitations(&bob, &Page::ALL, now).await?.total, 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(()) })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg_attr(feature = "tracing", tracing::instrument(name = "shareguard.invitations", level = "debug", skip_all, fields(actor = %principal.id())))]
    pub async fn invitations(
        &self,
        principal: &Principal,
        page: &Page,
        now: DateTime<Utc>,
    ) -> Result<Paged<Share>, AdminError> {
        let reaching = self.store.shares_reaching(principal, false, &Page::ALL).await?;
        let pending: Vec<Share> = reaching
            .items
            .into_iter()
            .filter(|s| s.is_pending() && !s.has_expired(now) && s.recipient().matches(principal))
            .collect();
        Ok(Paged::of_sorted(pending, |s| s.id().to_string(), page))
    }

    /// Cuts (`inherit` false) or restores (`inherit` true) a resource's inheritance of its
    /// ancestors' grants, if the policy allows ([`crate::Policy::check_set_inheritance`]:
    /// owners, and administrators with `write_shares` who would not bring a grant back to
    /// themselves), and records it in the resource's log (`inheritance_cut`,
    /// `inheritance_restored`). The decision reads the shares on the path, and the entry is
    /// written only if they are unchanged.
    ///
    /// The resource tree is the service's: once this returns, record the cut there (as
    /// [`super::Hierarchy::set_inherits`] does), so that decisions see it.
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use shareguard::{Admin, MemoryStore, Policy, Principal, PrincipalKind, Reason};
    /// use shareguard::admin::Hierarchy;
    /// use shareguard::store::{Page, ShareStore};
    ///
    /// # pollster::block_on(async {
    /// let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    /// let mut tree = Hierarchy::new();
    /// tree.add("folder:f1".parse()?, None, Some("alice".parse()?))?;
    /// tree.add("folder:hr".parse()?, Some("folder:f1".parse()?), None)?;
    /// let admin = Admin::new(MemoryStore::new(), tree, Policy::default());
    /// let alice = Principal::builder("alice", PrincipalKind::Internal).build()?;
    /// let hr = "folder:hr".parse()?;
    /// admin.set_inheritance(&alice, &hr, false, now).await?;
    /// let log = admin.store().log_for_resource(&hr, &Page::ALL).await?;
    /// assert_eq!(log.items[0].event.name(), "inheritance_cut");
    /// let bob = Principal::builder("bob", PrincipalKind::Internal).build()?;
    /// let denied = admin.set_inheritance(&bob, &hr, true, now).await.unwrap_err();
    /// assert_eq!(denied.decision().map(|d| d.reason()), Some(Reason::NotPermitted));
    /// # Ok::<(), Box<dyn std::error::Error>>(()) })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg_attr(feature = "tracing", tracing::instrument(name = "shareguard.set_inheritance", level = "debug", skip_all, fields(actor = %actor.id(), resource = %resource, revision = tracing::field::Empty)))]
    pub async fn set_inheritance(
        &self,
        actor: &Principal,
        resource: &ResourceRef,
        inherit: bool,
        now: DateTime<Utc>,
    ) -> Result<Revision, AdminError> {
        let event = if inherit { LogEvent::InheritanceRestored } else { LogEvent::InheritanceCut };
        for _ in 0..ATTEMPTS {
            let (decision, pre) = self
                .on_path(resource, true, |path| {
                    self.policy.check_set_inheritance(actor, inherit, path, now)
                })
                .await?;
            allowed(decision)?;
            match self.store.note(resource, event.clone(), &pre, actor.id(), now).await {
                Err(e) if e.is_conflict() => continue,
                noted => {
                    let revision = noted?;
                    super::trace::revision(revision);
                    return Ok(revision);
                }
            }
        }
        Err(AdminError::Busy)
    }
}
