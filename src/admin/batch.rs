//! Batches (LiquidFiles `add_access` and `remove_access`): each item decided and applied in
//! one step, each reported on its own.

use chrono::{DateTime, Utc};

use crate::model::{NewShare, Principal, Recipient, ResourceRef, Share};
use crate::policy::ShareAction;
use crate::store::{Applied, BatchOutcome, GrantItem, ShareStore, StoreError, Write, plan};

use super::{Admin, AdminError, ResourceTree};

/// How often a batch item whose decision went stale is decided again.
const ATTEMPTS: usize = 8;

impl<S: ShareStore, T: ResourceTree> Admin<S, T> {
    /// A batch grant on a resource (LiquidFiles `add_access`): each item updates the actor's
    /// existing share to the recipient or creates one, if the policy allows that change or
    /// that new share — decided and applied in one step per item. A denied item carries its
    /// decision; an item that fails changes nothing and does not stop the others.
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use shareguard::{AccessLevel, Admin, MemoryStore, Policy, Principal, PrincipalKind, Reason, Recipient};
    /// use shareguard::admin::Hierarchy;
    /// use shareguard::store::{BatchOutcome, GrantItem};
    ///
    /// # pollster::block_on(async {
    /// let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    /// let mut tree = Hierarchy::new();
    /// tree.add("folder:f1".parse()?, None, Some("alice".parse()?))?;
    /// let admin = Admin::new(MemoryStore::new(), tree, Policy::default());
    /// let alice = Principal::builder("alice", PrincipalKind::Internal).build()?;
    /// let item = |who: &str, access| -> Result<GrantItem, shareguard::ModelError> {
    ///     Ok(GrantItem { recipient: Recipient::User { id: who.parse()? }, access, view_log: false })
    /// };
    /// let done = admin.grant_batch(&alice, &"folder:f1".parse()?,
    ///     &[item("bob", AccessLevel::Viewer)?, item("carol", AccessLevel::Restrict)?], now).await?;
    /// assert!(matches!(done[0], BatchOutcome::Created { .. }));
    /// assert!(matches!(done[1], BatchOutcome::Error { .. }));
    /// // bob holds only a viewer share: he may not hand out editor access.
    /// let bob = Principal::builder("bob", PrincipalKind::Internal).build()?;
    /// let denied = admin.grant_batch(&bob, &"folder:f1".parse()?, &[item("dave", AccessLevel::Editor)?], now).await?;
    /// assert!(matches!(&denied[0], BatchOutcome::Denied { decision } if decision.reason() == Reason::NotPermitted));
    /// # Ok::<(), Box<dyn std::error::Error>>(()) })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg_attr(feature = "tracing", tracing::instrument(name = "shareguard.grant_batch", level = "debug", skip_all, fields(actor = %actor.id(), resource = %resource, items = items.len())))]
    pub async fn grant_batch(
        &self,
        actor: &Principal,
        resource: &ResourceRef,
        items: &[GrantItem],
        now: DateTime<Utc>,
    ) -> Result<Vec<BatchOutcome>, AdminError> {
        let mut outcomes = Vec::with_capacity(items.len());
        for item in items {
            let outcome = self.grant_one(actor, resource, item, now).await;
            outcomes.push(outcome_of(outcome)?);
        }
        Ok(outcomes)
    }

    async fn grant_one(
        &self,
        actor: &Principal,
        resource: &ResourceRef,
        item: &GrantItem,
        now: DateTime<Utc>,
    ) -> Result<BatchOutcome, AdminError> {
        let applied = self
            .write_on_path(resource, actor, now, |path| {
                let here = path.first().map(|n| n.shares()).unwrap_or_default();
                let write = plan::grant(resource, actor.id(), item, here, now)?;
                let decision = match &write {
                    Write::Update { id, patch, .. } => {
                        let current = here.iter().find(|s| s.id() == id);
                        let current = current.ok_or_else(|| StoreError::NotFound(id.clone()))?;
                        self.policy.check_update(actor, current, patch, path, now)
                    }
                    _ => {
                        let new = NewShare::new(
                            resource.clone(),
                            item.recipient.clone(),
                            item.resolved_access(),
                        );
                        self.policy.check_create(actor, &new, path, now)
                    }
                };
                super::allowed(decision)?;
                Ok(write)
            })
            .await?;
        let Applied { share, revision } = applied;
        // A new share is at version 1; an update always moves a version past it.
        Ok(if share.version() == 1 {
            BatchOutcome::Created { share, revision }
        } else {
            BatchOutcome::Updated { share, revision }
        })
    }

    /// A batch revoke on a resource (LiquidFiles `remove_access`): for each recipient, its
    /// shares on the resource are removed if the policy lets the actor delete every one of
    /// them — decided and applied in one step per recipient (at the versions the decision
    /// read). A denied item carries its decision.
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use shareguard::{AccessLevel, Admin, MemoryStore, NewShare, Policy, Principal, PrincipalKind, Recipient};
    /// use shareguard::admin::Hierarchy;
    /// use shareguard::store::BatchOutcome;
    ///
    /// # pollster::block_on(async {
    /// let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    /// let mut tree = Hierarchy::new();
    /// tree.add("folder:f1".parse()?, None, Some("alice".parse()?))?;
    /// let admin = Admin::new(MemoryStore::new(), tree, Policy::default());
    /// let alice = Principal::builder("alice", PrincipalKind::Internal).build()?;
    /// let bob = Recipient::User { id: "bob".parse()? };
    /// admin.create(&alice, NewShare::new("folder:f1".parse()?, bob.clone(), AccessLevel::Viewer), now).await?;
    /// let done = admin.revoke_batch(&alice, &"folder:f1".parse()?,
    ///     &[bob, Recipient::User { id: "carol".parse()? }], now).await?;
    /// assert!(matches!(&done[0], BatchOutcome::Removed { shares, .. } if shares.len() == 1));
    /// assert!(matches!(done[1], BatchOutcome::Error { .. }), "carol had no share");
    /// # Ok::<(), Box<dyn std::error::Error>>(()) })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg_attr(feature = "tracing", tracing::instrument(name = "shareguard.revoke_batch", level = "debug", skip_all, fields(actor = %actor.id(), resource = %resource, items = recipients.len())))]
    pub async fn revoke_batch(
        &self,
        actor: &Principal,
        resource: &ResourceRef,
        recipients: &[Recipient],
        now: DateTime<Utc>,
    ) -> Result<Vec<BatchOutcome>, AdminError> {
        let mut outcomes = Vec::with_capacity(recipients.len());
        for recipient in recipients {
            let outcome = self.revoke_one(actor, resource, recipient, now).await;
            outcomes.push(outcome_of(outcome)?);
        }
        Ok(outcomes)
    }

    async fn revoke_one(
        &self,
        actor: &Principal,
        resource: &ResourceRef,
        recipient: &Recipient,
        now: DateTime<Utc>,
    ) -> Result<BatchOutcome, AdminError> {
        for _ in 0..ATTEMPTS {
            let (targets, pre) = self
                .on_path(resource, true, |path| {
                    let here = path.first().map(|n| n.shares()).unwrap_or_default();
                    let targets: Vec<Share> =
                        here.iter().filter(|s| s.recipient() == recipient).cloned().collect();
                    for share in &targets {
                        let decision =
                            self.policy.check_share(actor, ShareAction::Delete, share, path, now);
                        super::allowed(decision)?;
                    }
                    Ok::<_, AdminError>(targets)
                })
                .await?;
            let targets = targets?;
            match plan::revoke_each(&self.store, &targets, recipient, &pre, actor.id(), now).await {
                Err(e) if e.is_conflict() => continue,
                outcome => return Ok(outcome?),
            }
        }
        Err(AdminError::Busy)
    }
}

/// A batch item's result as its outcome; only a failing backend stops the batch.
fn outcome_of(result: Result<BatchOutcome, AdminError>) -> Result<BatchOutcome, AdminError> {
    match result {
        Ok(outcome) => Ok(outcome),
        Err(AdminError::Denied(decision)) => Ok(BatchOutcome::Denied { decision }),
        Err(AdminError::Store(StoreError::Backend(e))) => Err(StoreError::Backend(e).into()),
        Err(AdminError::Tree(e)) => Err(AdminError::Tree(e)),
        Err(other) => Ok(BatchOutcome::Error { message: other.to_string() }),
    }
}
