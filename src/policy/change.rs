//! Creating and changing shares (SEMANTICS.md section 6).

use chrono::{DateTime, Duration, Utc};

use super::{Decision, Effect, Evidence, Hold, Node, Policy, Reason, ShareAction, Standing};
use crate::model::LATEST_TIME;
use crate::model::{
    AdminRight, Audience, Email, Level, ModelError, NewShare, Permission, Permissions, Principal,
    PrincipalId, Recipient, RecipientClass, ResourceRef, Settings, Share, ShareId, SharePatch,
};

/// Re-share rights and `grant_reshare`: what only holders of `grant_reshare` or
/// `manage_access` may give.
const RESHARING: Permissions = Permissions::RESHARE.union(Permissions::GRANT_RESHARE);

impl Policy {
    /// The reason an actor may administer shares on the resource without re-share rights:
    /// owner, manager, or administrator with `write_shares` for its kind.
    fn privilege(actor: &Principal, resource: &ResourceRef, st: &Standing<'_>) -> Option<Reason> {
        if st.owner.is_some() {
            Some(Reason::Owner)
        } else if st.held.has(Permission::ManageAccess) {
            Some(Reason::Manager)
        } else if actor.admin().allows_kind(AdminRight::WriteShares, resource.kind_str()) {
            Some(Reason::Admin)
        } else {
            None
        }
    }

    /// Whether the actor may create a share, and why (SEMANTICS.md section 6). `path` is the
    /// new share's resource and its ancestors, nearest first, with their shares.
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use shareguard::{AccessLevel, NewShare, Policy, Principal, PrincipalKind, Reason, Recipient, ReshareRights, Share};
    /// use shareguard::policy::Node;
    ///
    /// let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    /// let doc = "document:d1".parse()?;
    /// let shares = [Share::new("s1".parse()?, "document:d1".parse()?, "alice".parse()?,
    ///     Recipient::User { id: "bob".parse()? }, AccessLevel::Viewer, now)
    ///     .with_reshare(ReshareRights::INTERNAL)];
    /// let path = [Node::new(&doc, None, &shares)];
    /// let bob = Principal::builder("bob", PrincipalKind::Internal).build()?;
    /// let carol = Recipient::User { id: "carol".parse()? };
    ///
    /// let viewer = NewShare::new("document:d1".parse()?, carol.clone(), AccessLevel::Viewer);
    /// assert_eq!(Policy::default().check_create(&bob, &viewer, &path, now).reason(), Reason::Share);
    /// let editor = NewShare::new("document:d1".parse()?, carol, AccessLevel::Editor);
    /// assert_eq!(Policy::default().check_create(&bob, &editor, &path, now).reason(), Reason::Escalation);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn check_create(
        &self,
        actor: &Principal,
        new: &NewShare,
        path: &[Node<'_>],
        now: DateTime<Utc>,
    ) -> Decision {
        let st = self.standing(actor, path, now);
        let privilege = Self::privilege(actor, &new.resource, &st);
        let class = new.recipient.class();
        if privilege.is_none() {
            let needed = class.reshare_permission();
            if !st.held.has(needed) {
                return Decision::deny(Reason::NotPermitted).with(|e| {
                    e.needed = Some(needed);
                    e.held = Some(st.held);
                });
            }
            if new.access == Level::Restrict {
                return not_permitted_restrict();
            }
        }
        if let Some(expires) = new.expires.filter(|t| *t <= now) {
            return invalid(format!("expires: {} is not after now", expires.to_rfc3339()));
        }
        let share = match self.new_share(draft_id(), actor.id().clone(), new, now) {
            Ok(share) => share,
            Err(e) => return invalid(e.to_string()),
        };
        let granted = share.permissions();
        if !share.is_restrict() {
            if let Some(denial) = self.forbidding_setting(&share, now) {
                return denial;
            }
        }
        if let Some(denial) = self.escalation(actor, &st, &share, granted, path, now) {
            return denial;
        }
        Decision::allow(privilege.unwrap_or(Reason::Share)).with(|e| e.added = Some(granted))
    }

    /// The share a new share asks for, as a create makes it: [`Share::from_new`], made pending
    /// when `require_acceptance` says so (SEMANTICS.md section 9). The facade makes shares with
    /// this, so a decision and the share it allows cannot differ.
    ///
    /// ```
    /// use chrono::Utc;
    /// use shareguard::{AccessLevel, NewShare, Policy, Recipient, Settings};
    /// use shareguard::model::RequireAcceptance;
    ///
    /// let policy = Policy::new(Settings { require_acceptance: RequireAcceptance::All, ..Settings::default() });
    /// let new = NewShare::new("document:d1".parse()?, Recipient::User { id: "bob".parse()? }, AccessLevel::Viewer);
    /// let share = policy.new_share("s1".parse()?, "alice".parse()?, &new, Utc::now())?;
    /// assert!(share.is_pending());
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    pub fn new_share(
        &self,
        id: ShareId,
        sharer: PrincipalId,
        new: &NewShare,
        created: DateTime<Utc>,
    ) -> Result<Share, ModelError> {
        let share = Share::from_new(id, sharer, new, created)?;
        Ok(if !share.is_restrict() && self.settings.makes_pending(share.recipient()) {
            share.with_pending(true)
        } else {
            share
        })
    }

    /// Whether the actor may change a share as the patch says, and why (SEMANTICS.md
    /// section 6). `path` is the share's resource and its ancestors, nearest first.
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use shareguard::{AccessLevel, Policy, Principal, PrincipalKind, Recipient, Share};
    /// use shareguard::policy::Node;
    ///
    /// let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    /// let doc = "document:d1".parse()?;
    /// let shares = [Share::new("s1".parse()?, "document:d1".parse()?, "alice".parse()?,
    ///     Recipient::User { id: "bob".parse()? }, AccessLevel::Commenter, now)];
    /// let path = [Node::new(&doc, None, &shares)];
    /// let bob = Principal::builder("bob", PrincipalKind::Internal).build()?;
    /// use shareguard::Reason;
    /// use shareguard::model::{Level, SharePatch};
    ///
    /// let alice = Principal::builder("alice", PrincipalKind::Internal).build()?;
    /// let to_editor = SharePatch { access: Some(Level::Editor), ..SharePatch::default() };
    /// let policy = Policy::default();
    /// // alice made the share, but holds nothing on the document: she cannot widen it.
    /// assert_eq!(policy.check_update(&alice, &shares[0], &to_editor, &path, now).reason(), Reason::NotPermitted);
    /// // Narrowing needs no re-share right.
    /// let to_viewer = SharePatch { access: Some(Level::Viewer), ..SharePatch::default() };
    /// assert_eq!(policy.check_update(&alice, &shares[0], &to_viewer, &path, now).reason(), Reason::Sharer);
    /// // No one can point a share at someone else.
    /// let other = SharePatch { recipient: Some(Recipient::User { id: "carol".parse()? }), ..SharePatch::default() };
    /// assert_eq!(policy.check_update(&alice, &shares[0], &other, &path, now).reason(), Reason::Invalid);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn check_update(
        &self,
        actor: &Principal,
        share: &Share,
        patch: &SharePatch,
        path: &[Node<'_>],
        now: DateTime<Utc>,
    ) -> Decision {
        let cite = |e: &mut Evidence| e.share = Some(share.id().clone());
        let st = self.standing(actor, path, now);
        let write = self.share_rule(actor, ShareAction::Write, share, &st);
        if !write.is_allowed() {
            return write.with(cite);
        }
        let privilege = Self::privilege(actor, share.resource(), &st);
        let patched = share.patched(patch);
        let (added, extends) = match &patched {
            Ok((next, _)) => (next.permissions() - share.permissions(), widens(share, next, now)),
            Err(_) => (Permissions::empty(), false),
        };
        if privilege.is_none() {
            if !added.is_empty() || extends {
                let needed = share.recipient().class().reshare_permission();
                if !st.held.has(needed) {
                    return Decision::deny(Reason::NotPermitted).with(|e| {
                        e.needed = Some(needed);
                        e.held = Some(st.held);
                        cite(e);
                    });
                }
            }
            let restrict_result = match &patched {
                Ok((next, _)) => next.is_restrict(),
                Err(_) => patch.access.map_or(share.is_restrict(), |l| l == Level::Restrict),
            };
            if restrict_result {
                return not_permitted_restrict().with(cite);
            }
        }
        if let Some(Some(expires)) = patch.expires.filter(|t| t.is_some_and(|t| t <= now)) {
            return invalid(format!("expires: {} is not after now", expires.to_rfc3339()))
                .with(cite);
        }
        let next = match patched {
            Ok((next, _)) => next,
            Err(e) => return invalid(e.to_string()).with(cite),
        };
        if !next.is_restrict() && (!added.is_empty() || extends) {
            if let Some(denial) = self.forbidding_setting(&next, now) {
                return denial.with(cite);
            }
        }
        let checked = if extends { next.permissions() } else { added };
        if let Some(denial) = self.escalation(actor, &st, &next, checked, path, now) {
            return denial.with(cite);
        }
        Decision::allow(write.reason()).with(|e| {
            e.added = Some(checked);
            e.admin_right = write.evidence().admin_right;
            cite(e);
        })
    }

    /// The setting that forbids making `share` (SEMANTICS.md 6.3), as a denial.
    fn forbidding_setting(&self, share: &Share, now: DateTime<Utc>) -> Option<Decision> {
        let recipient = share.recipient();
        let granted = share.permissions();
        let class = recipient.class();
        let forbid = |setting: Option<&str>, detail: String| {
            Some(Decision::deny(Reason::Setting).with(|e| {
                e.setting = setting.map(str::to_owned);
                e.detail = Some(detail);
            }))
        };
        if let Some(setting) =
            Settings::class_setting(class).filter(|_| !self.settings.allows_class(class))
        {
            return forbid(
                Some(setting),
                format!("{} recipients are switched off", recipient.share_type()),
            );
        }
        if let (RecipientClass::Link, Some(days)) = (class, self.settings.max_link_lifetime_days) {
            let limit = link_deadline(now, days);
            if share.expires().is_none_or(|t| t > limit) {
                return forbid(
                    Some("max_link_lifetime_days"),
                    format!("a link share must expire by {}", limit.to_rfc3339()),
                );
            }
        }
        if class == RecipientClass::Link
            && self.settings.require_link_password
            && share.password().is_none()
        {
            return forbid(
                Some("require_link_password"),
                "a link share needs a password".to_owned(),
            );
        }
        let addresses: &[Email] = match recipient {
            Recipient::Email { email } => std::slice::from_ref(email),
            Recipient::Link(link) => match link.audience() {
                Audience::People(emails) => emails,
                Audience::Anyone | Audience::Organization => &[],
            },
            _ => &[],
        };
        if let Some(blocked) = addresses.iter().find(|a| !self.settings.permits_address(a)) {
            return forbid(
                Some("email_domains"),
                format!("the domain of `{blocked}` is not permitted"),
            );
        }
        let management = granted & Permissions::MANAGEMENT;
        if management.is_empty() {
            return None;
        }
        if matches!(class, RecipientClass::Public | RecipientClass::Link) {
            return forbid(
                None,
                format!("a {} share never carries {management}", recipient.share_type()),
            );
        }
        if class == RecipientClass::External && !self.settings.external_may_manage {
            return forbid(
                Some("external_may_manage"),
                format!("external recipients may not be given {management}"),
            );
        }
        None
    }

    /// Whether making `new` now would be `escalation` for `actor` (SEMANTICS.md 6.4), asked on
    /// its own: whatever the settings would say of the share, which [`Policy::check_create`]
    /// asks first. The `token` share action (section 5) asks this question. A share that
    /// cannot be made at all is `invalid`.
    pub(super) fn escalation_of(
        &self,
        actor: &Principal,
        new: &NewShare,
        st: &Standing<'_>,
        path: &[Node<'_>],
        now: DateTime<Utc>,
    ) -> Option<Decision> {
        match self.new_share(draft_id(), actor.id().clone(), new, now) {
            Ok(share) => self.escalation(actor, st, &share, share.permissions(), path, now),
            Err(e) => Some(invalid(e.to_string())),
        }
    }

    /// Whether making (or changing to) `share`, adding `added`, escalates (SEMANTICS.md 6.4).
    fn escalation(
        &self,
        actor: &Principal,
        st: &Standing<'_>,
        share: &Share,
        added: Permissions,
        path: &[Node<'_>],
        now: DateTime<Utc>,
    ) -> Option<Decision> {
        let (resource, recipient, expires) = (share.resource(), share.recipient(), share.expires());
        if st.owner.is_some() {
            return None;
        }
        if actor.admin().allows_kind(AdminRight::WriteShares, resource.kind_str())
            && recipient.class() != RecipientClass::Link
            && !recipient.matches(actor)
        {
            return None;
        }
        let escalate = |detail: String| {
            Some(Decision::deny(Reason::Escalation).with(|e| {
                e.added = Some(added);
                e.held = Some(st.held);
                e.detail = Some(detail);
            }))
        };
        let missing = added - st.held;
        if !missing.is_empty() {
            return escalate(format!("the actor does not hold {missing}"));
        }
        if added.intersects(RESHARING)
            && !st.held.intersects(Permissions::GRANT_RESHARE | Permissions::MANAGE_ACCESS)
        {
            return escalate(
                "giving re-share rights needs grant_reshare or manage_access".to_owned(),
            );
        }
        for permission in added.permissions() {
            if let Some(until) = self.hold_ends(actor, permission, path, now) {
                if expires.is_none_or(|t| t > until) {
                    return escalate(format!(
                        "the share would outlive the actor's {permission}, which ends {}",
                        until.to_rfc3339()
                    ));
                }
            }
        }
        None
    }

    /// When the actor's hold on `permission` ends: `None` if some grant that gives it (4.5)
    /// never expires, else the latest expiry among them (a link with a use limit counts as
    /// expiring at `now`).
    fn hold_ends(
        &self,
        actor: &Principal,
        permission: Permission,
        path: &[Node<'_>],
        now: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        let mut latest: Option<DateTime<Utc>> = None;
        let reach = super::granting(path);
        for share in path.iter().take(reach).flat_map(|n| n.shares()) {
            let Effect::Grant { granted, hold: Hold::Enabled } = self.effect(share, actor, now)
            else {
                continue;
            };
            if !granted.has(permission) {
                continue;
            }
            let ends = if share.max_uses().is_some() { Some(now) } else { share.expires() };
            match ends {
                None => return None,
                Some(t) => latest = Some(latest.map_or(t, |l| l.max(t))),
            }
        }
        latest
    }

    /// Whether `actor` may cut (`inherit` false) or restore (`inherit` true) the inheritance
    /// of the first resource of `path` (SEMANTICS.md section 10): the owner of it or of an
    /// ancestor (`owner`), an administrator with `write_shares` for its kind (`admin`) unless
    /// restoring would bring back a grant that matches them (`escalation`); anyone else
    /// `not_permitted`. An empty path is `invalid`.
    ///
    /// ```
    /// use chrono::Utc;
    /// use shareguard::{AccessLevel, Policy, Principal, PrincipalKind, Reason, Recipient, Share};
    /// use shareguard::model::AdminRight;
    /// use shareguard::policy::Node;
    ///
    /// use shareguard::model::{PrincipalId, ResourceRef};
    /// let (folder, doc): (ResourceRef, ResourceRef) = ("folder:f1".parse()?, "document:d1".parse()?);
    /// let alice: PrincipalId = "alice".parse()?;
    /// let admin = Principal::builder("ada", PrincipalKind::Internal).admin_right(AdminRight::WriteShares).build()?;
    /// let to_ada = [Share::new("s1".parse()?, folder.clone(), alice.clone(),
    ///     Recipient::User { id: "ada".parse()? }, AccessLevel::Viewer, Utc::now())];
    /// let path = [Node::new(&doc, None, &[]).inheriting(false), Node::new(&folder, Some(&alice), &to_ada)];
    /// let policy = Policy::default();
    /// assert_eq!(policy.check_set_inheritance(&admin, false, &path, Utc::now()).reason(), Reason::Admin);
    /// assert_eq!(policy.check_set_inheritance(&admin, true, &path, Utc::now()).reason(), Reason::Escalation);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn check_set_inheritance(
        &self,
        actor: &Principal,
        inherit: bool,
        path: &[Node<'_>],
        now: DateTime<Utc>,
    ) -> Decision {
        let _ = now;
        let Some(node) = path.first() else {
            return invalid("resource: the path is empty".to_owned());
        };
        if let Some(i) = Self::is_owner(actor, path) {
            let owned = path.get(i).map(|n| n.resource().clone());
            return Decision::allow(Reason::Owner).with(|e| e.resource = owned);
        }
        if !actor.admin().allows_kind(AdminRight::WriteShares, node.resource().kind_str()) {
            return Decision::deny(Reason::NotPermitted);
        }
        if inherit && !node.inherits() {
            let above = path.get(1..).unwrap_or_default();
            let returning = above.iter().take(super::granting(above)).find_map(|n| {
                n.shares()
                    .iter()
                    .find(|s| !s.is_restrict() && s.recipient().matches(actor))
                    .map(|s| (s, n.resource()))
            });
            if let Some((share, resource)) = returning {
                return Decision::deny(Reason::Escalation).with(|e| {
                    e.share = Some(share.id().clone());
                    e.resource = Some(resource.clone());
                    e.detail =
                        Some("restoring would bring back a grant to the administrator".to_owned());
                });
            }
        }
        Decision::allow(Reason::Admin).with(|e| e.admin_right = Some(AdminRight::WriteShares))
    }
}

/// Whether changing `old` into `new` widens it (SEMANTICS.md section 6): the result has not
/// expired or been used up, and the old one had, or the change lengthens its life, brings a
/// start still ahead earlier, raises its use limit or removes its password.
fn widens(old: &Share, new: &Share, now: DateTime<Utc>) -> bool {
    fn later<T: PartialOrd>(old: Option<T>, new: Option<T>) -> bool {
        match (old, new) {
            (Some(_), None) => true,
            (Some(o), Some(n)) => n > o,
            (None, _) => false,
        }
    }
    let sooner = match (old.starts().filter(|s| *s > now), new.starts()) {
        (Some(_), None) => true,
        (Some(o), Some(n)) => n < o,
        (None, _) => false,
    };
    !new.has_expired(now)
        && (old.has_expired(now)
            || later(old.expires(), new.expires())
            || sooner
            || later(old.max_uses(), new.max_uses())
            || (old.password().is_some() && new.password().is_none()))
}

/// An id for a share being decided on, before it has one.
fn draft_id() -> ShareId {
    ShareId::new("draft").unwrap_or_else(|_| ShareId::random())
}

/// The latest expiry a link share made or changed at `now` may have under
/// `max_link_lifetime_days`: `days` days on, or the end of the model's time range when that
/// comes sooner or cannot be represented (the end of the range is then the only limit).
fn link_deadline(now: DateTime<Utc>, days: u32) -> DateTime<Utc> {
    Duration::try_days(i64::from(days))
        .and_then(|lifetime| now.checked_add_signed(lifetime))
        .map_or(LATEST_TIME, |end| end.min(LATEST_TIME))
}

fn invalid(detail: String) -> Decision {
    Decision::deny(Reason::Invalid).with(|e| e.detail = Some(detail))
}

fn not_permitted_restrict() -> Decision {
    Decision::deny(Reason::NotPermitted).with(|e| {
        e.detail = Some(
            "only owners, managers and administrators with write_shares make or keep restrict shares"
                .to_owned(),
        );
    })
}
