//! Creating and changing shares (SEMANTICS.md section 6).

use chrono::{DateTime, Duration, Utc};

use super::{Decision, Evidence, Node, Policy, Reason, ShareAction, Standing};
use crate::{
    AdminRight, Level, NewShare, Permission, Permissions, Principal, Recipient, RecipientClass,
    ResourceRef, Settings, Share, SharePatch,
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
    /// use shareguard::{AccessLevel, NewShare, Node, Policy, Principal, PrincipalKind, Reason, Recipient, ReshareRights, Share};
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
    /// assert_eq!(Policy::default().check_create(&bob, &viewer, &path, now).reason, Reason::Share);
    /// let editor = NewShare::new("document:d1".parse()?, carol, AccessLevel::Editor);
    /// assert_eq!(Policy::default().check_create(&bob, &editor, &path, now).reason, Reason::Escalation);
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
        let (access, reshare) = match new.access_and_reshare() {
            Ok(resolved) => resolved,
            Err(e) => return invalid(e.to_string()),
        };
        let granted = if access.is_restrict() {
            Permissions::empty()
        } else {
            access.permissions() | reshare.permissions()
        };
        if !access.is_restrict() {
            if let Some(denial) = self.forbidding_setting(&new.recipient, granted, new.expires, now)
            {
                return denial;
            }
        }
        if let Some(denial) = self.escalation(
            actor,
            &st,
            &new.resource,
            &new.recipient,
            granted,
            new.expires,
            path,
            now,
        ) {
            return denial;
        }
        Decision::allow(privilege.unwrap_or(Reason::Share)).with(|e| e.added = Some(granted))
    }

    /// Whether the actor may change a share as the patch says, and why (SEMANTICS.md
    /// section 6). `path` is the share's resource and its ancestors, nearest first.
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use shareguard::{AccessLevel, Node, Policy, Principal, PrincipalKind, Recipient, Share};
    ///
    /// let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    /// let doc = "document:d1".parse()?;
    /// let shares = [Share::new("s1".parse()?, "document:d1".parse()?, "alice".parse()?,
    ///     Recipient::User { id: "bob".parse()? }, AccessLevel::Commenter, now)];
    /// let path = [Node::new(&doc, None, &shares)];
    /// let bob = Principal::builder("bob", PrincipalKind::Internal).build()?;
    /// use shareguard::{Level, Reason, SharePatch};
    ///
    /// let alice = Principal::builder("alice", PrincipalKind::Internal).build()?;
    /// let to_editor = SharePatch { access: Some(Level::Editor), ..SharePatch::default() };
    /// let policy = Policy::default();
    /// // alice made the share, but holds nothing on the document: she cannot widen it.
    /// assert_eq!(policy.check_update(&alice, &shares[0], &to_editor, &path, now).reason, Reason::NotPermitted);
    /// // Narrowing needs no re-share right.
    /// let to_viewer = SharePatch { access: Some(Level::Viewer), ..SharePatch::default() };
    /// assert_eq!(policy.check_update(&alice, &shares[0], &to_viewer, &path, now).reason, Reason::Sharer);
    /// // No one can point a share at someone else.
    /// let other = SharePatch { recipient: Some(Recipient::User { id: "carol".parse()? }), ..SharePatch::default() };
    /// assert_eq!(policy.check_update(&alice, &shares[0], &other, &path, now).reason, Reason::Invalid);
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
        if !write.allowed {
            return write.with(cite);
        }
        let privilege = Self::privilege(actor, share.resource(), &st);
        let patched = share.patched(patch);
        let (added, extends) = match &patched {
            Ok((next, _)) => (next.permissions() - share.permissions(), extends(share, next, now)),
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
            if let Some(denial) =
                self.forbidding_setting(next.recipient(), next.permissions(), next.expires(), now)
            {
                return denial.with(cite);
            }
        }
        let checked = if extends { next.permissions() } else { added };
        if let Some(denial) = self.escalation(
            actor,
            &st,
            share.resource(),
            next.recipient(),
            checked,
            next.expires(),
            path,
            now,
        ) {
            return denial.with(cite);
        }
        Decision::allow(write.reason).with(|e| {
            e.added = Some(checked);
            e.admin_right = write.evidence.admin_right;
            cite(e);
        })
    }

    /// The setting that forbids a share with this recipient, permissions and expiry, if any
    /// (SEMANTICS.md 6.3).
    fn forbidding_setting(
        &self,
        recipient: &Recipient,
        granted: Permissions,
        expires: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Option<Decision> {
        let class = recipient.class();
        let forbid = |setting: &str, detail: String| {
            Some(Decision::deny(Reason::Setting).with(|e| {
                e.setting = Some(setting.to_owned());
                e.detail = Some(detail);
            }))
        };
        if let Some(setting) =
            Settings::class_setting(class).filter(|_| !self.settings.allows_class(class))
        {
            return forbid(
                setting,
                format!("{} recipients are switched off", recipient.share_type()),
            );
        }
        if let (RecipientClass::Link, Some(days)) = (class, self.settings.max_link_lifetime_days) {
            // A lifetime past the last time chrono holds limits nothing but a missing expiry.
            let limit = now
                .checked_add_signed(Duration::days(i64::from(days)))
                .unwrap_or(DateTime::<Utc>::MAX_UTC);
            if expires.is_none_or(|t| t > limit) {
                return forbid(
                    "max_link_lifetime_days",
                    format!("a link share must expire by {}", limit.to_rfc3339()),
                );
            }
        }
        if class != RecipientClass::Internal
            && granted.intersects(Permissions::MANAGEMENT)
            && !self.settings.external_may_manage
        {
            return forbid(
                "external_may_manage",
                format!(
                    "{} recipients may not be given {}",
                    class_name(class),
                    granted & Permissions::MANAGEMENT
                ),
            );
        }
        None
    }

    /// Whether giving `added` to `recipient` until `expires` escalates the actor's own
    /// access (SEMANTICS.md 6.4).
    #[allow(clippy::too_many_arguments, reason = "the rule's inputs, all needed")]
    fn escalation(
        &self,
        actor: &Principal,
        st: &Standing<'_>,
        resource: &ResourceRef,
        recipient: &Recipient,
        added: Permissions,
        expires: Option<DateTime<Utc>>,
        path: &[Node<'_>],
        now: DateTime<Utc>,
    ) -> Option<Decision> {
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

    /// When the actor's hold on a permission ends: the latest expiry among the active,
    /// enabled grants reaching it that give the permission, or `None` if one of them never
    /// expires (or none gives it).
    fn hold_ends(
        &self,
        actor: &Principal,
        permission: Permission,
        path: &[Node<'_>],
        now: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        let mut latest: Option<DateTime<Utc>> = None;
        for share in path.iter().flat_map(|n| n.shares) {
            if share.is_restrict()
                || !share.permissions().has(permission)
                || !share.is_active(now)
                || !self.enabled(actor, share.recipient().class())
                || !share.recipient().matches(actor)
            {
                continue;
            }
            match share.expires() {
                None => return None,
                Some(t) => latest = Some(latest.map_or(t, |l| l.max(t))),
            }
        }
        latest
    }
}

/// Whether a change extends a share in time: the result is active, and either the old share
/// was not, or the change removes its expiry or moves it later.
fn extends(old: &Share, new: &Share, now: DateTime<Utc>) -> bool {
    new.is_active(now)
        && (!old.is_active(now)
            || match (old.expires(), new.expires()) {
                (Some(_), None) => true,
                (Some(o), Some(n)) => n > o,
                (None, _) => false,
            })
}

fn class_name(class: RecipientClass) -> &'static str {
    match class {
        RecipientClass::Internal => "internal",
        RecipientClass::External => "external",
        RecipientClass::Public => "public",
        RecipientClass::Link => "link",
    }
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
