//! The rules every adapter shares, as pure functions: what a [`Write`] does to the share
//! stored under its id, how a patch applies and bumps the version, how a visit is counted,
//! how a batch item becomes a write, and what a log entry says. An adapter reads the current
//! share, calls [`prepare`], and stores what it returns — it writes storage and nothing else.

use chrono::{DateTime, Utc};

use crate::model::{
    LogEntry, LogEvent, PrincipalId, Recipient, ResourceRef, Revision, Share, ShareId, ShareLink,
    SharePatch,
};

use super::{Applied, BatchOutcome, GrantItem, Precondition, ShareStore, StoreError, Write};

/// What a write does to the stored shares, as [`prepare`] plans it.
///
/// ```
/// use chrono::Utc;
/// use shareguard::{AccessLevel, Recipient, Share};
/// use shareguard::model::LogEvent;
/// use shareguard::store::{plan, Write};
///
/// let share = Share::new("s1".parse()?, "folder:f1".parse()?, "alice".parse()?,
///     Recipient::Public, AccessLevel::Viewer, Utc::now());
/// let effect = plan::prepare(Write::Create { share, event: LogEvent::Created }, None, Utc::now())?;
/// assert!(matches!(effect, plan::Effect::Insert { .. }));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Effect {
    /// Store this new share (at version 1).
    Insert {
        /// The share.
        share: Share,
        /// What to log.
        event: LogEvent,
    },
    /// Replace the stored share with this one (same id).
    Replace {
        /// The share as it now is.
        share: Share,
        /// What to log.
        event: LogEvent,
    },
    /// Remove the stored share (this one).
    Remove {
        /// The share removed.
        share: Share,
        /// What to log.
        event: LogEvent,
    },
}

impl Effect {
    /// The share the effect leaves (or removes).
    ///
    /// ```
    /// # use chrono::Utc;
    /// # use shareguard::{AccessLevel, Recipient, Share};
    /// # use shareguard::model::LogEvent;
    /// # use shareguard::store::{plan, Write};
    /// # let share = Share::new("s1".parse()?, "folder:f1".parse()?, "alice".parse()?,
    /// #     Recipient::Public, AccessLevel::Viewer, Utc::now());
    /// let effect = plan::prepare(Write::Create { share, event: LogEvent::Created }, None, Utc::now())?;
    /// assert_eq!(effect.share().version(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn share(&self) -> &Share {
        match self {
            Effect::Insert { share, .. }
            | Effect::Replace { share, .. }
            | Effect::Remove { share, .. } => share,
        }
    }

    /// What to log.
    ///
    /// ```
    /// # use chrono::Utc;
    /// # use shareguard::{AccessLevel, Recipient, Share};
    /// # use shareguard::model::LogEvent;
    /// # use shareguard::store::{plan, Write};
    /// # let share = Share::new("s1".parse()?, "folder:f1".parse()?, "alice".parse()?,
    /// #     Recipient::Public, AccessLevel::Viewer, Utc::now());
    /// let effect = plan::prepare(Write::Create { share, event: LogEvent::Created }, None, Utc::now())?;
    /// assert_eq!(effect.event().name(), "created");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn event(&self) -> &LogEvent {
        match self {
            Effect::Insert { event, .. }
            | Effect::Replace { event, .. }
            | Effect::Remove { event, .. } => event,
        }
    }

    /// The log entry that records the effect at `revision`.
    ///
    /// ```
    /// # use chrono::Utc;
    /// # use shareguard::{AccessLevel, Recipient, Share};
    /// # use shareguard::model::{LogEvent, Revision};
    /// # use shareguard::store::{plan, Write};
    /// # let share = Share::new("s1".parse()?, "folder:f1".parse()?, "alice".parse()?,
    /// #     Recipient::Public, AccessLevel::Viewer, Utc::now());
    /// let effect = plan::prepare(Write::Create { share, event: LogEvent::Created }, None, Utc::now())?;
    /// let entry = effect.log_entry(Revision::new(9), &"alice".parse()?, Utc::now());
    /// assert_eq!((entry.revision.get(), entry.share.map(|s| s.to_string())), (9, Some("s1".into())));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn log_entry(
        &self,
        revision: Revision,
        actor: &PrincipalId,
        at: DateTime<Utc>,
    ) -> LogEntry {
        let share = self.share();
        LogEntry {
            revision,
            share: Some(share.id().clone()),
            resource: share.resource().clone(),
            actor: actor.clone(),
            at,
            event: self.event().clone(),
        }
    }
}

/// What `write` does, given the share stored under its id (`current`), or why it is
/// refused: the one place the rules of a write live. A create of a taken id is
/// [`StoreError::AlreadyExists`]; any other write of an unknown id [`StoreError::NotFound`];
/// a stale version [`StoreError::Conflict`]; a malformed patch [`StoreError::Invalid`]. Log
/// events never carry a link's token.
///
/// ```
/// use chrono::Utc;
/// use shareguard::{AccessLevel, Recipient, Share, StoreError};
/// use shareguard::model::{Level, LogEvent, SharePatch};
/// use shareguard::store::{plan, Write};
///
/// let share = Share::new("s1".parse()?, "folder:f1".parse()?, "alice".parse()?,
///     Recipient::Public, AccessLevel::Viewer, Utc::now()).with_version(1);
/// let patch = SharePatch { access: Some(Level::Editor), ..SharePatch::default() };
/// let update = Write::Update { id: "s1".parse()?, version: 1, patch, event: None };
/// let effect = plan::prepare(update.clone(), Some(&share), Utc::now())?;
/// assert_eq!((effect.share().version(), effect.event().name()), (2, "changed"));
/// let stale = plan::prepare(update, Some(&share.clone().with_version(2)), Utc::now());
/// assert!(matches!(stale, Err(StoreError::Conflict { expected: 1, actual: 2, .. })));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn prepare(
    write: Write,
    current: Option<&Share>,
    at: DateTime<Utc>,
) -> Result<Effect, StoreError> {
    let existing = |id: &ShareId| current.ok_or_else(|| StoreError::NotFound(id.clone()));
    Ok(match write {
        Write::Create { share, event } => {
            if current.is_some() {
                return Err(StoreError::AlreadyExists(share.id().clone()));
            }
            share.access().validated()?;
            Effect::Insert { share: share.with_version(1), event: redacted(event) }
        }
        Write::Update { id, version, patch, event } => {
            let current = existing(&id)?;
            let (share, changes) = patch_share(current, version, &patch)?;
            Effect::Replace {
                share,
                event: redacted(event.unwrap_or(LogEvent::Changed { changes })),
            }
        }
        Write::Delete { id, version, event } => {
            let current = existing(&id)?;
            if let Some(expected) = version {
                check_version(current, expected)?;
            }
            Effect::Remove { share: current.clone(), event: redacted(event) }
        }
        Write::Visit { id } => {
            Effect::Replace { share: visit(existing(&id)?, at)?, event: LogEvent::Visited }
        }
        Write::Accept { id } => {
            Effect::Replace { share: accept(existing(&id)?, at)?, event: LogEvent::Accepted }
        }
        Write::LinkRetrieved { id } => {
            let current = existing(&id)?;
            current.retrievable_token()?;
            Effect::Replace { share: current.clone(), event: LogEvent::LinkRetrieved }
        }
    })
}

fn check_version(current: &Share, expected: u64) -> Result<(), StoreError> {
    if current.version() == expected {
        Ok(())
    } else {
        Err(StoreError::Conflict { id: current.id().clone(), expected, actual: current.version() })
    }
}

/// The share after `patch`, at the next version, and the fields that changed — if the share
/// is at `expected_version` and the patch is well formed.
///
/// ```
/// use chrono::Utc;
/// use shareguard::{AccessLevel, Recipient, Share};
/// use shareguard::model::{Level, SharePatch};
/// use shareguard::store::plan;
///
/// let share = Share::new("s1".parse()?, "folder:f1".parse()?, "alice".parse()?,
///     Recipient::Public, AccessLevel::Viewer, Utc::now()).with_version(4);
/// let patch = SharePatch { access: Some(Level::Commenter), ..SharePatch::default() };
/// let (next, changes) = plan::patch_share(&share, 4, &patch)?;
/// assert_eq!((next.version(), changes[0].field.as_str()), (5, "access"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn patch_share(
    current: &Share,
    expected_version: u64,
    patch: &SharePatch,
) -> Result<(Share, Vec<crate::model::FieldChange>), StoreError> {
    check_version(current, expected_version)?;
    let (next, changes) = current.patched(patch)?;
    Ok((next.with_version(current.version().saturating_add(1)), changes))
}

/// The share after one visit (for a link, one use) at `at`: last visit time set, count up by
/// one, version kept. A used-up link records no more: [`StoreError::UsedUp`]. Adapters apply
/// this under the write's lock or transaction, so however many uses race, no more than
/// `max_uses` are recorded.
///
/// ```
/// use chrono::Utc;
/// use shareguard::{AccessLevel, Recipient, Share};
/// use shareguard::model::{LinkToken, ShareLink};
/// use shareguard::store::plan;
///
/// let share = Share::new("s1".parse()?, "folder:f1".parse()?, "alice".parse()?,
///     Recipient::Public, AccessLevel::Viewer, Utc::now());
/// let visited = plan::visit(&share, Utc::now())?;
/// assert_eq!((visited.usage().visits, visited.version()), (1, share.version()));
/// let link = Recipient::Link(ShareLink::new(&LinkToken::presented("tok-1")?, false));
/// let once = Share::new("s2".parse()?, "folder:f1".parse()?, "alice".parse()?, link,
///     AccessLevel::Viewer, Utc::now()).with_max_uses(Some(1));
/// let used = plan::visit(&once, Utc::now())?;
/// assert!(plan::visit(&used, Utc::now()).is_err(), "used up");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn visit(current: &Share, at: DateTime<Utc>) -> Result<Share, StoreError> {
    if current.is_used_up() {
        return Err(StoreError::UsedUp(current.id().clone()));
    }
    let mut next = current.clone();
    next.record_visit(at);
    Ok(next)
}

/// The share once accepted, at the next version: refused unless it is pending and has not
/// expired at `at` (SEMANTICS.md section 9).
///
/// ```
/// use chrono::Utc;
/// use shareguard::{AccessLevel, Recipient, Share};
/// use shareguard::store::plan;
///
/// let share = Share::new("s1".parse()?, "document:d1".parse()?, "alice".parse()?,
///     Recipient::User { id: "bob".parse()? }, AccessLevel::Viewer, Utc::now());
/// assert!(plan::accept(&share, Utc::now()).is_err(), "not pending");
/// let accepted = plan::accept(&share.with_pending(true), Utc::now())?;
/// assert!(!accepted.is_pending() && accepted.version() == 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn accept(current: &Share, at: DateTime<Utc>) -> Result<Share, StoreError> {
    if !current.is_pending() || current.has_expired(at) {
        return Err(StoreError::Invalid(crate::model::ModelError::Invalid {
            field: "share",
            value: current.id().to_string(),
            reason: "only a pending share that has not expired can be accepted",
        }));
    }
    Ok(current.clone().with_pending(false).with_version(current.version().saturating_add(1)))
}

/// A log event with any link token taken out of its recipient (only the digest stays).
fn redacted(event: LogEvent) -> LogEvent {
    let strip = |recipient: Recipient| match recipient {
        Recipient::Link(link) => Recipient::Link(ShareLink::from_digest(*link.digest())),
        other => other,
    };
    match event {
        LogEvent::AccessAdded { recipient } => {
            LogEvent::AccessAdded { recipient: strip(recipient) }
        }
        LogEvent::AccessRemoved { recipient } => {
            LogEvent::AccessRemoved { recipient: strip(recipient) }
        }
        other => other,
    }
}

/// The write one batch-grant item becomes (LiquidFiles `add_access`): an update of the
/// recipient's oldest share from `sharer` among `existing` (the shares on the resource) to the
/// item's access, or else a new share with a fresh id; either logs `access_added`. Refused
/// as [`GrantItem::checked_access`] says.
///
/// ```
/// use chrono::Utc;
/// use shareguard::{AccessLevel, Recipient};
/// use shareguard::store::{plan, GrantItem, Write};
///
/// let item = GrantItem { recipient: Recipient::User { id: "bob".parse()? },
///     access: AccessLevel::Viewer, view_log: false };
/// let write = plan::grant(&"folder:f1".parse()?, &"alice".parse()?, &item, &[], Utc::now())?;
/// assert!(matches!(write, Write::Create { .. }));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn grant(
    resource: &ResourceRef,
    sharer: &PrincipalId,
    item: &GrantItem,
    existing: &[Share],
    at: DateTime<Utc>,
) -> Result<Write, crate::model::ModelError> {
    let access = item.checked_access()?;
    let event = LogEvent::AccessAdded { recipient: item.recipient.clone() };
    Ok(match existing.iter().find(|s| s.sharer() == sharer && *s.recipient() == item.recipient) {
        Some(share) => Write::Update {
            id: share.id().clone(),
            version: share.version(),
            patch: SharePatch::to_access(access),
            event: Some(event),
        },
        None => Write::Create {
            share: Share::new(
                ShareId::random(),
                resource.clone(),
                sharer.clone(),
                item.recipient.clone(),
                access,
                at,
            ),
            event,
        },
    })
}

/// Removes each of `targets` (the shares of one recipient) at the version read, under
/// `pre`, logging `access_removed`: one batch-revoke item. No target is an `Error` outcome;
/// a conflict stops at the share that lost it (those removed before it stay removed, each
/// with its own log entry) and is returned as the error.
pub(crate) async fn revoke_each<S: ShareStore + ?Sized>(
    store: &S,
    targets: &[Share],
    recipient: &Recipient,
    pre: &Precondition,
    actor: &PrincipalId,
    at: DateTime<Utc>,
) -> Result<BatchOutcome, StoreError> {
    if targets.is_empty() {
        return Ok(BatchOutcome::Error {
            message: format!("recipient: `{recipient}` has no share here"),
        });
    }
    let mut removed = Vec::with_capacity(targets.len());
    let mut last = Revision::ZERO;
    let mut pre = pre.clone();
    for share in targets {
        let write = Write::Delete {
            id: share.id().clone(),
            version: Some(share.version()),
            event: LogEvent::AccessRemoved { recipient: recipient.clone() },
        };
        let Applied { share, revision } = store.apply(write, &pre, actor, at).await?;
        // The removal just made moved the resource's revision on: the next one expects it.
        pre = pre.advanced(share.resource(), revision);
        removed.push(share);
        last = revision;
    }
    Ok(BatchOutcome::Removed { shares: removed, revision: last })
}
