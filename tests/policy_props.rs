#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]
#![cfg(feature = "proptest")]
//! Properties of the policy over random worlds: the invariants 1–5 and 11 of DESIGN.md, and a
//! differential test against a naive implementation of SEMANTICS.md sections 4–6 written here
//! straight from the text.

use chrono::{DateTime, Utc};
use proptest::prelude::*;
use shareguard::arbitrary::{self, World};
use shareguard::model::{AdminRight, Level, SharePatch};
use shareguard::policy::{Node, ShareList};
use shareguard::{
    AccessLevel, NewShare, Permission, Permissions, Policy, Principal, PrincipalKind, Reason,
    Recipient, ReshareRights, Settings, Share, ShareAction,
};

// ====================================================================== the naive model
//
// Written from SEMANTICS.md alone. It loops over every share of the path for every question,
// and uses neither `Recipient::matches` nor any policy function.

mod naive {
    use super::*;

    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    pub(crate) enum Class {
        Internal,
        External,
        Public,
        Link,
    }

    /// Section 3: recipient classes.
    pub(crate) fn class(r: &Recipient) -> Class {
        match r {
            Recipient::User { .. }
            | Recipient::Group { .. }
            | Recipient::Role { .. }
            | Recipient::RoleAndSubordinates { .. }
            | Recipient::RoleAndInternalSubordinates { .. }
            | Recipient::Organization => Class::Internal,
            Recipient::Email { .. } | Recipient::PartnerUsers | Recipient::CustomerUsers => {
                Class::External
            }
            Recipient::Public => Class::Public,
            Recipient::Link(_) => Class::Link,
        }
    }

    pub(crate) fn reshare_right(class: Class) -> Permissions {
        match class {
            Class::Internal => Permissions::RESHARE_INTERNAL,
            Class::External => Permissions::RESHARE_EXTERNAL,
            Class::Public => Permissions::RESHARE_PUBLIC,
            Class::Link => Permissions::RESHARE_LINK,
        }
    }

    /// Section 3: who a recipient reaches.
    pub(crate) fn matches(r: &Recipient, p: &Principal) -> bool {
        let internal = p.kind() == PrincipalKind::Internal;
        if p.kind() == PrincipalKind::Anonymous
            && !matches!(r, Recipient::Public | Recipient::Link(_))
        {
            return false;
        }
        let in_chain = |id: &shareguard::model::RoleId| {
            p.role() == Some(id) || p.reports_to().iter().any(|r| r == id)
        };
        match r {
            Recipient::User { id } => p.id() == id,
            Recipient::Group { id } => p.groups().iter().any(|g| g == id),
            Recipient::Role { id } => p.role() == Some(id),
            Recipient::RoleAndSubordinates { id } => in_chain(id),
            Recipient::RoleAndInternalSubordinates { id } => internal && in_chain(id),
            Recipient::Organization => internal,
            Recipient::PartnerUsers => p.kind() == PrincipalKind::Partner,
            Recipient::CustomerUsers => p.kind() == PrincipalKind::Customer,
            Recipient::Email { email } => {
                p.emails().iter().any(|e| e.as_str().eq_ignore_ascii_case(email.as_str()))
            }
            Recipient::Public => true,
            Recipient::Link(link) => {
                p.link_digests().iter().any(|d| d.as_bytes() == link.digest().as_bytes())
            }
        }
    }

    /// Recipients compare as section 3 matches them: emails ignoring ASCII case.
    pub(crate) fn same_recipient(a: &Recipient, b: &Recipient) -> bool {
        match (a, b) {
            (Recipient::User { id: x }, Recipient::User { id: y }) => x == y,
            (Recipient::Group { id: x }, Recipient::Group { id: y }) => x == y,
            (Recipient::Role { id: x }, Recipient::Role { id: y }) => x == y,
            (
                Recipient::RoleAndSubordinates { id: x },
                Recipient::RoleAndSubordinates { id: y },
            ) => x == y,
            (
                Recipient::RoleAndInternalSubordinates { id: x },
                Recipient::RoleAndInternalSubordinates { id: y },
            ) => x == y,
            (Recipient::Organization, Recipient::Organization)
            | (Recipient::PartnerUsers, Recipient::PartnerUsers)
            | (Recipient::CustomerUsers, Recipient::CustomerUsers)
            | (Recipient::Public, Recipient::Public) => true,
            (Recipient::Email { email: x }, Recipient::Email { email: y }) => {
                x.as_str().eq_ignore_ascii_case(y.as_str())
            }
            (Recipient::Link(x), Recipient::Link(y)) => {
                x.digest().as_bytes() == y.digest().as_bytes()
            }
            _ => false,
        }
    }

    /// Section 2, the table.
    pub(crate) fn level_set(access: AccessLevel) -> Permissions {
        let p = |s: &str| s.parse::<Permissions>().unwrap();
        match access {
            AccessLevel::None | AccessLevel::Restrict => Permissions::empty(),
            AccessLevel::Viewer => p("view, download"),
            AccessLevel::Commenter => p("view, download, comment"),
            AccessLevel::Reviewer => p("view, download, comment, review"),
            AccessLevel::FormFiller => p("view, download, fill_forms"),
            AccessLevel::Editor => p("view, download, comment, review, fill_forms, edit"),
            AccessLevel::ContentCreator => {
                p("view, download, comment, review, fill_forms, edit, create")
            }
            AccessLevel::Contributor => {
                p("view, download, comment, review, fill_forms, edit, create, delete")
            }
            AccessLevel::Manager => Permissions::all(),
            AccessLevel::Custom(set) => set,
        }
    }

    pub(crate) fn reshare_set(r: ReshareRights) -> Permissions {
        let mut set = Permissions::empty();
        if r.contains(ReshareRights::INTERNAL) {
            set |= Permissions::RESHARE_INTERNAL;
        }
        if r.contains(ReshareRights::EXTERNAL) {
            set |= Permissions::RESHARE_EXTERNAL;
        }
        if r.contains(ReshareRights::PUBLIC) {
            set |= Permissions::RESHARE_PUBLIC;
        }
        if r.contains(ReshareRights::LINK) {
            set |= Permissions::RESHARE_LINK;
        }
        if r.contains(ReshareRights::GRANT) {
            set |= Permissions::GRANT_RESHARE;
        }
        set
    }

    pub(crate) fn grants(access: AccessLevel, reshare: ReshareRights) -> Permissions {
        if access == AccessLevel::Restrict {
            Permissions::empty()
        } else {
            level_set(access) | reshare_set(reshare)
        }
    }

    pub(crate) fn share_grants(s: &Share) -> Permissions {
        grants(s.access(), s.reshare())
    }

    /// What an active grant gives its recipient; SEMANTICS.md 8: a public share or a link
    /// never gives management.
    pub(crate) fn share_gives(s: &Share) -> Permissions {
        if matches!(class(s.recipient()), Class::Public | Class::Link) {
            share_grants(s) - management()
        } else {
            share_grants(s)
        }
    }

    pub(crate) fn active(expires: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
        match expires {
            None => true,
            Some(t) => now < t,
        }
    }

    /// What non-internal principals lose (4.5).
    pub(crate) fn management() -> Permissions {
        Permissions::MANAGE_ACCESS
            | Permissions::VIEW_LOG
            | Permissions::GRANT_RESHARE
            | Permissions::RESHARE_INTERNAL
            | Permissions::RESHARE_EXTERNAL
            | Permissions::RESHARE_PUBLIC
            | Permissions::RESHARE_LINK
    }

    pub(crate) struct Engine {
        pub(crate) s: Settings,
    }

    pub(crate) struct Standing {
        pub(crate) owner: bool,
        pub(crate) restricted: bool,
        pub(crate) held: Permissions,
        pub(crate) unconstrained: Permissions,
        pub(crate) active_grant: bool,
        pub(crate) expired_grant: bool,
    }

    impl Engine {
        pub(crate) fn owner(&self, p: &Principal, path: &[Node<'_>]) -> bool {
            if p.kind() == PrincipalKind::Anonymous {
                return false;
            }
            let mut found = false;
            for n in path {
                if n.owner() == Some(p.id()) {
                    found = true;
                }
            }
            found
        }

        /// 4.3: whether a grant of this class reaches this principal under the settings.
        pub(crate) fn enabled(&self, p: &Principal, c: Class) -> bool {
            let class_on = match c {
                Class::Internal => true,
                Class::External => self.s.allow_external,
                Class::Public => self.s.allow_public,
                Class::Link => self.s.allow_links,
            };
            let outsider = matches!(
                p.kind(),
                PrincipalKind::External | PrincipalKind::Partner | PrincipalKind::Customer
            );
            let cut =
                outsider && !self.s.allow_external && !matches!(c, Class::Public | Class::Link);
            class_on && !cut
        }

        pub(crate) fn standing(
            &self,
            p: &Principal,
            path: &[Node<'_>],
            now: DateTime<Utc>,
        ) -> Standing {
            let mut st = Standing {
                owner: self.owner(p, path),
                restricted: false,
                held: Permissions::empty(),
                unconstrained: Permissions::empty(),
                active_grant: false,
                expired_grant: false,
            };
            for n in path {
                for s in n.shares() {
                    if !matches(s.recipient(), p) {
                        continue;
                    }
                    let is_active = active(s.expires(), now);
                    if s.access() == AccessLevel::Restrict {
                        if is_active {
                            st.restricted = true;
                        }
                        continue;
                    }
                    if is_active {
                        st.active_grant = true;
                        let grants = share_gives(s);
                        st.unconstrained |= grants;
                        if self.enabled(p, class(s.recipient())) {
                            st.held |= grants;
                        }
                    } else {
                        st.expired_grant = true;
                    }
                }
            }
            if st.restricted {
                st.held = Permissions::empty();
                st.unconstrained = Permissions::empty();
            }
            let internal = p.kind() == PrincipalKind::Internal;
            let anonymous = p.kind() == PrincipalKind::Anonymous;
            if !internal && (anonymous || !self.s.external_may_manage) {
                st.held -= management();
            }
            // Ambiguity: what an anonymous principal loses is not taken by a setting (no
            // setting gives it back), so it does not count for the `setting` denial.
            if anonymous {
                st.unconstrained -= management();
            }
            if st.owner {
                st.held = Permissions::all();
            }
            st
        }

        pub(crate) fn permissions(
            &self,
            p: &Principal,
            path: &[Node<'_>],
            now: DateTime<Utc>,
        ) -> Permissions {
            self.standing(p, path, now).held
        }

        pub(crate) fn check(
            &self,
            p: &Principal,
            perm: Permission,
            path: &[Node<'_>],
            now: DateTime<Utc>,
        ) -> (bool, Reason) {
            let st = self.standing(p, path, now);
            let want = Permissions::from(perm);
            if st.owner {
                (true, Reason::Owner)
            } else if st.restricted {
                (false, Reason::Restricted)
            } else if st.held.contains(want) {
                (true, Reason::Share)
            } else if st.unconstrained.contains(want) {
                (false, Reason::Setting)
            } else if st.active_grant {
                (false, Reason::Insufficient)
            } else if st.expired_grant {
                (false, Reason::Expired)
            } else {
                (false, Reason::NoShare)
            }
        }

        /// Section 5.
        pub(crate) fn check_share(
            &self,
            p: &Principal,
            action: ShareAction,
            share: &Share,
            path: &[Node<'_>],
            now: DateTime<Utc>,
        ) -> (bool, Reason) {
            let held = self.permissions(p, path, now);
            if self.owner(p, path) {
                return (true, Reason::Owner);
            }
            let mutating = matches!(action, ShareAction::Write | ShareAction::Delete);
            if mutating && share.access() == AccessLevel::Restrict && matches(share.recipient(), p)
            {
                return (false, Reason::NotPermitted);
            }
            if p.kind() != PrincipalKind::Anonymous && share.sharer() == p.id() {
                return (true, Reason::Sharer);
            }
            if held.contains(Permissions::MANAGE_ACCESS) {
                return (true, Reason::Manager);
            }
            let recipient_ok = share.access() != AccessLevel::Restrict
                && !matches!(share.recipient(), Recipient::Public)
                && matches(share.recipient(), p);
            let recipient_action = match action {
                ShareAction::Read => true,
                ShareAction::Delete => {
                    matches!(share.recipient(), Recipient::User { .. } | Recipient::Email { .. })
                }
                _ => false,
            };
            if recipient_ok && recipient_action {
                return (true, Reason::Recipient);
            }
            if matches!(action, ShareAction::Read | ShareAction::ViewLog)
                && held.contains(Permissions::VIEW_LOG)
            {
                return (true, Reason::LogViewer);
            }
            let kind = share.resource().kind_str();
            let a = p.admin();
            let admin = match action {
                ShareAction::Read | ShareAction::ViewLog => {
                    a.allows_kind(AdminRight::ReadShares, kind)
                        || a.allows_kind(AdminRight::WriteShares, kind)
                }
                ShareAction::Write => a.allows_kind(AdminRight::WriteShares, kind),
                ShareAction::Delete => a.allows_kind(AdminRight::DeleteShares, kind),
                // The `token` action has rules of its own (tests/secrets.rs); the naive model
                // answers the four table actions only.
                ShareAction::Token | ShareAction::Accept | ShareAction::Decline => {
                    unreachable!("not drawn")
                }
            };
            if admin {
                return (true, Reason::Admin);
            }
            (false, Reason::NotPermitted)
        }

        /// 6.3.
        fn setting_forbids(
            &self,
            r: &Recipient,
            granted: Permissions,
            expires: Option<DateTime<Utc>>,
            now: DateTime<Utc>,
        ) -> bool {
            let c = class(r);
            let off = match c {
                Class::Internal => false,
                Class::External => !self.s.allow_external,
                Class::Public => !self.s.allow_public,
                Class::Link => !self.s.allow_links,
            };
            if off {
                return true;
            }
            if c == Class::Link {
                if let Some(days) = self.s.max_link_lifetime_days {
                    let limit = now + chrono::Duration::days(i64::from(days));
                    match expires {
                        None => return true,
                        Some(t) if t > limit => return true,
                        _ => {}
                    }
                }
            }
            // Public shares and links never carry management, whatever the settings (6.3, 8).
            if granted.intersects(management())
                && (matches!(c, Class::Public | Class::Link)
                    || (c != Class::Internal && !self.s.external_may_manage))
            {
                return true;
            }
            false
        }

        /// 6.4.
        #[allow(clippy::too_many_arguments)]
        fn escalates(
            &self,
            actor: &Principal,
            path: &[Node<'_>],
            kind: &str,
            r: &Recipient,
            added: Permissions,
            expires: Option<DateTime<Utc>>,
            now: DateTime<Utc>,
        ) -> bool {
            if self.owner(actor, path) {
                return false;
            }
            if actor.admin().allows_kind(AdminRight::WriteShares, kind)
                && class(r) != Class::Link
                && !matches(r, actor)
            {
                return false;
            }
            let held = self.permissions(actor, path, now);
            if !held.contains(added) {
                return true;
            }
            let resharing = management() - Permissions::MANAGE_ACCESS - Permissions::VIEW_LOG;
            if added.intersects(resharing)
                && !held.intersects(Permissions::GRANT_RESHARE | Permissions::MANAGE_ACCESS)
            {
                return true;
            }
            for perm in Permission::ALL {
                if !added.contains(Permissions::from(perm)) {
                    continue;
                }
                let mut all_expire = true;
                let mut latest: Option<DateTime<Utc>> = None;
                let mut any = false;
                for n in path {
                    for s in n.shares() {
                        if s.access() == AccessLevel::Restrict
                            || !share_gives(s).contains(Permissions::from(perm))
                            || !active(s.expires(), now)
                            || !self.enabled(actor, class(s.recipient()))
                            || !matches(s.recipient(), actor)
                        {
                            continue;
                        }
                        any = true;
                        match s.expires() {
                            None => all_expire = false,
                            Some(t) => {
                                if latest.is_none_or(|l| t > l) {
                                    latest = Some(t);
                                }
                            }
                        }
                    }
                }
                if any && all_expire {
                    let limit = latest.unwrap();
                    match expires {
                        None => return true,
                        Some(t) if t > limit => return true,
                        _ => {}
                    }
                }
            }
            false
        }

        pub(crate) fn check_create(
            &self,
            actor: &Principal,
            new: &NewShare,
            path: &[Node<'_>],
            now: DateTime<Utc>,
        ) -> (bool, Reason) {
            let kind = new.resource.kind_str();
            let held = self.permissions(actor, path, now);
            let owner = self.owner(actor, path);
            let manager = held.contains(Permissions::MANAGE_ACCESS);
            let admin = actor.admin().allows_kind(AdminRight::WriteShares, kind);
            let privileged = owner || manager || admin;
            let c = class(&new.recipient);
            if !privileged && !held.contains(reshare_right(c)) {
                return (false, Reason::NotPermitted);
            }
            if !privileged && new.access == Level::Restrict {
                return (false, Reason::NotPermitted);
            }
            if new.expires.is_some_and(|t| t <= now) {
                return (false, Reason::Invalid);
            }
            let access = match (new.access, new.permissions) {
                (Level::Custom, Some(set)) if !set.is_empty() => AccessLevel::Custom(set),
                (Level::Custom, _) => return (false, Reason::Invalid),
                (_, Some(_)) => return (false, Reason::Invalid),
                (level, None) => named(level),
            };
            if access == AccessLevel::Restrict && new.reshare.is_some() {
                return (false, Reason::Invalid);
            }
            let granted = grants(access, new.reshare.unwrap_or_default());
            if access != AccessLevel::Restrict
                && self.setting_forbids(&new.recipient, granted, new.expires, now)
            {
                return (false, Reason::Setting);
            }
            if self.escalates(actor, path, kind, &new.recipient, granted, new.expires, now) {
                return (false, Reason::Escalation);
            }
            let reason = if owner {
                Reason::Owner
            } else if manager {
                Reason::Manager
            } else if admin {
                Reason::Admin
            } else {
                Reason::Share
            };
            (true, reason)
        }

        pub(crate) fn check_update(
            &self,
            actor: &Principal,
            share: &Share,
            patch: &SharePatch,
            path: &[Node<'_>],
            now: DateTime<Utc>,
        ) -> (bool, Reason) {
            let write = self.check_share(actor, ShareAction::Write, share, path, now);
            if !write.0 {
                return write;
            }
            let kind = share.resource().kind_str();
            let held = self.permissions(actor, path, now);
            let privileged = self.owner(actor, path)
                || held.contains(Permissions::MANAGE_ACCESS)
                || actor.admin().allows_kind(AdminRight::WriteShares, kind);
            let next = apply(share, patch);
            let old_grants = share_grants(share);
            // Ambiguity: a malformed change adds nothing we can name; it is refused as
            // `invalid` once the actor is known to be allowed to write the share.
            let (added, extends) = match &next {
                Ok((access, reshare, expires)) => {
                    let new_grants = grants(*access, *reshare);
                    let now_active = active(*expires, now);
                    let old_active = active(share.expires(), now);
                    let later = match (share.expires(), *expires) {
                        (Some(_), None) => true,
                        (Some(o), Some(n)) => n > o,
                        (None, _) => false,
                    };
                    (new_grants - old_grants, now_active && (!old_active || later))
                }
                Err(()) => (Permissions::empty(), false),
            };
            if !privileged {
                if (!added.is_empty() || extends)
                    && !held.contains(reshare_right(class(share.recipient())))
                {
                    return (false, Reason::NotPermitted);
                }
                let restrict_result = match &next {
                    Ok((access, _, _)) => *access == AccessLevel::Restrict,
                    Err(()) => match patch.access {
                        Some(level) => level == Level::Restrict,
                        None => share.access() == AccessLevel::Restrict,
                    },
                };
                if restrict_result {
                    return (false, Reason::NotPermitted);
                }
            }
            if let Some(Some(t)) = patch.expires {
                if t <= now {
                    return (false, Reason::Invalid);
                }
            }
            let Ok((access, reshare, expires)) = next else {
                return (false, Reason::Invalid);
            };
            let new_grants = grants(access, reshare);
            if access != AccessLevel::Restrict
                && (!added.is_empty() || extends)
                && self.setting_forbids(share.recipient(), new_grants, expires, now)
            {
                return (false, Reason::Setting);
            }
            let checked = if extends { new_grants } else { added };
            if self.escalates(actor, path, kind, share.recipient(), checked, expires, now) {
                return (false, Reason::Escalation);
            }
            (true, write.1)
        }
    }

    fn named(level: Level) -> AccessLevel {
        match level {
            Level::None => AccessLevel::None,
            Level::Viewer => AccessLevel::Viewer,
            Level::Commenter => AccessLevel::Commenter,
            Level::Reviewer => AccessLevel::Reviewer,
            Level::FormFiller => AccessLevel::FormFiller,
            Level::Editor => AccessLevel::Editor,
            Level::ContentCreator => AccessLevel::ContentCreator,
            Level::Contributor => AccessLevel::Contributor,
            Level::Manager => AccessLevel::Manager,
            Level::Restrict => AccessLevel::Restrict,
            Level::Custom => unreachable!("custom is resolved with its set"),
        }
    }

    type Applied = (AccessLevel, ReshareRights, Option<DateTime<Utc>>);

    /// 6.2: a change replaces only the fields it names.
    pub(crate) fn apply(share: &Share, patch: &SharePatch) -> Result<Applied, ()> {
        if let Some(r) = &patch.recipient {
            if !same_recipient(r, share.recipient()) {
                return Err(());
            }
        }
        let old_level = share.access().level();
        let level = patch.access.unwrap_or(old_level);
        let expires = match patch.expires {
            Some(e) => e,
            None => share.expires(),
        };
        let (access, reshare) = match level {
            Level::Restrict => {
                if patch.permissions.is_some() || patch.reshare.is_some() {
                    return Err(());
                }
                (AccessLevel::Restrict, ReshareRights::empty())
            }
            Level::Custom => {
                let kept = match share.access() {
                    AccessLevel::Custom(set) => Some(set),
                    _ => None,
                };
                match patch.permissions.or(kept) {
                    Some(set) if !set.is_empty() => {
                        (AccessLevel::Custom(set), patch.reshare.unwrap_or(share.reshare()))
                    }
                    _ => return Err(()),
                }
            }
            other => {
                if patch.permissions.is_some() {
                    return Err(());
                }
                (named(other), patch.reshare.unwrap_or(share.reshare()))
            }
        };
        Ok((access, reshare, expires))
    }
}

// ====================================================================== strategies

fn level() -> impl Strategy<Value = Level> {
    proptest::sample::select(Level::ALL.to_vec())
}

fn new_share() -> impl Strategy<Value = NewShare> {
    (
        arbitrary::recipient(),
        level(),
        proptest::option::weighted(0.2, arbitrary::permissions()),
        proptest::option::weighted(0.4, arbitrary::reshare_rights()),
        proptest::option::weighted(0.6, arbitrary::instant()),
        arbitrary::access_level(),
        any::<bool>(),
    )
        .prop_map(|(recipient, level, set, reshare, expires, access, well_formed)| {
            let mut new =
                NewShare::new("document:d0".parse().unwrap(), recipient, AccessLevel::None);
            if well_formed {
                // Mostly well-formed requests, so that the later checks are reached.
                new = NewShare::new(new.resource, new.recipient, access);
                if access != AccessLevel::Restrict {
                    new.reshare = reshare;
                }
            } else {
                new.access = level;
                new.permissions = set;
                new.reshare = reshare;
            }
            new.expires = expires;
            new
        })
}

fn patch() -> impl Strategy<Value = SharePatch> {
    (
        proptest::option::weighted(0.6, level()),
        proptest::option::weighted(0.3, arbitrary::permissions()),
        proptest::option::weighted(0.3, arbitrary::reshare_rights()),
        proptest::option::weighted(0.5, proptest::option::weighted(0.7, arbitrary::instant())),
        proptest::option::weighted(0.15, arbitrary::recipient()),
    )
        .prop_map(|(access, permissions, reshare, expires, recipient)| SharePatch {
            access,
            permissions,
            reshare,
            expires,
            message: None,
            recipient,
            ..SharePatch::default()
        })
}

// ====================================================================== the differential

fn nodes(world: &World) -> Vec<Node<'_>> {
    world.nodes()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// The engine and the naive model agree on every decision's `allowed` and `reason`.
    #[test]
    fn engine_agrees_with_the_naive_model(
        world in arbitrary::world(),
        creates in proptest::collection::vec(new_share(), 2),
        patches in proptest::collection::vec(patch(), 2),
    ) {
        let policy = Policy::new(world.settings.clone());
        let model = naive::Engine { s: world.settings.clone() };
        let path = nodes(&world);
        let now = world.now;
        for p in &world.principals {
            prop_assert_eq!(policy.permissions(p, &path, now), model.permissions(p, &path, now), "permissions of {}", p.id());
            for perm in Permission::ALL {
                let d = policy.check(p, perm, &path, now);
                prop_assert_eq!((d.is_allowed(), d.reason()), model.check(p, perm, &path, now), "check {} {}: {}", p.id(), perm, d);
                prop_assert_eq!(policy.allows(p, perm, &path, now), d.is_allowed(), "allows {} {}", p.id(), perm);
            }
            for i in 0..path.len() {
                let sub = &path[i..];
                for share in path[i].shares() {
                    for action in [ShareAction::Read, ShareAction::ViewLog, ShareAction::Write, ShareAction::Delete] {
                        let d = policy.check_share(p, action, share, sub, now);
                        prop_assert_eq!((d.is_allowed(), d.reason()), model.check_share(p, action, share, sub, now), "check_share {} {} {}: {}", p.id(), action, share.id(), d);
                    }
                    for patch in &patches {
                        let mut patch = patch.clone();
                        if patch.recipient.as_ref().is_some_and(|_| share.id().as_str().ends_with('0')) {
                            // Sometimes name the share's own recipient.
                            patch.recipient = Some(share.recipient().clone());
                        }
                        let d = policy.check_update(p, share, &patch, sub, now);
                        prop_assert_eq!((d.is_allowed(), d.reason()), model.check_update(p, share, &patch, sub, now), "check_update {} {} {:?}: {}", p.id(), share.id(), patch, d);
                    }
                }
            }
            for new in &creates {
                let d = policy.check_create(p, new, &path, now);
                prop_assert_eq!((d.is_allowed(), d.reason()), model.check_create(p, new, &path, now), "check_create {} {:?}: {}", p.id(), new, d);
            }
        }
    }
}

// ====================================================================== the ShareList index

/// One change to a list of shares, applied alike to a `ShareList` and to a `Vec<Share>`.
#[derive(Debug, Clone)]
enum ListOp {
    Push(Share),
    Remove(usize),
    Replace(usize, Share),
    Retain(u8),
    Extend(Vec<Share>),
    /// `shrink_to_fit`: keys move back in place when few are left.
    Shrink,
}

fn list_op() -> impl Strategy<Value = ListOp> {
    prop_oneof![
        arbitrary::share().prop_map(ListOp::Push),
        (0usize..8).prop_map(ListOp::Remove),
        (0usize..8, arbitrary::share()).prop_map(|(i, s)| ListOp::Replace(i, s)),
        any::<u8>().prop_map(ListOp::Retain),
        proptest::collection::vec(arbitrary::share(), 0..3).prop_map(ListOp::Extend),
        Just(ListOp::Shrink),
    ]
}

fn apply(list: &mut ShareList, plain: &mut Vec<Share>, op: ListOp) {
    match op {
        ListOp::Push(s) => {
            list.push(s.clone());
            plain.push(s);
        }
        ListOp::Remove(i) => {
            let expected = (i < plain.len()).then(|| plain.remove(i));
            assert_eq!(list.remove(i), expected);
        }
        ListOp::Replace(i, s) => match plain.get_mut(i) {
            Some(slot) => assert_eq!(list.replace(i, s.clone()), Ok(std::mem::replace(slot, s))),
            None => assert_eq!(list.replace(i, s.clone()), Err(s)),
        },
        ListOp::Retain(bits) => {
            // Keep a share when the bit of its position (mod 8) is set.
            let keep = |n: &mut usize| {
                let k = bits & (1 << (*n % 8)) != 0;
                *n += 1;
                k
            };
            let (mut a, mut b) = (0, 0);
            list.retain(|_| keep(&mut a));
            plain.retain(|_| keep(&mut b));
        }
        ListOp::Extend(v) => {
            list.extend(v.clone());
            plain.extend(v);
        }
        ListOp::Shrink => list.shrink_to_fit(),
    }
}

/// Every decision of the engine over `listed` equals its decision over `plain`, whole
/// (allowed, reason and evidence).
fn same_decisions(
    world: &World,
    plain: &[Node<'_>],
    listed: &[Node<'_>],
) -> Result<(), TestCaseError> {
    let policy = Policy::new(world.settings.clone());
    let now = world.now;
    for p in &world.principals {
        prop_assert_eq!(policy.permissions(p, listed, now), policy.permissions(p, plain, now));
        for perm in Permission::ALL {
            prop_assert_eq!(
                policy.check(p, perm, listed, now),
                policy.check(p, perm, plain, now),
                "check {} {}",
                p.id(),
                perm
            );
            prop_assert_eq!(
                policy.allows(p, perm, listed, now),
                policy.allows(p, perm, plain, now)
            );
        }
        for share in plain.iter().flat_map(|n| n.shares()) {
            for action in
                [ShareAction::Read, ShareAction::ViewLog, ShareAction::Write, ShareAction::Delete]
            {
                prop_assert_eq!(
                    policy.check_share(p, action, share, listed, now),
                    policy.check_share(p, action, share, plain, now)
                );
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// A path made of `ShareList`s decides exactly as the same path made of plain slices: the
    /// index only skips shares that cannot reach the principal.
    #[test]
    fn a_share_list_decides_as_its_shares_do(world in arbitrary::world()) {
        let lists: Vec<ShareList> = world.path.iter().map(|n| n.shares.iter().cloned().collect()).collect();
        let listed: Vec<Node<'_>> = world
            .path
            .iter()
            .zip(&lists)
            .map(|(n, list)| Node::listed(&n.resource, n.owner.as_ref(), list))
            .collect();
        same_decisions(&world, &world.nodes(), &listed)?;
        // A principal read from JSON rebuilds its filter of group tags: it is decided for as
        // the principal it was written from.
        let policy = Policy::new(world.settings.clone());
        for p in &world.principals {
            let read_back: Principal = serde_json::from_str(&serde_json::to_string(p).unwrap()).unwrap();
            for perm in Permission::ALL {
                prop_assert_eq!(
                    policy.check(&read_back, perm, &listed, world.now),
                    policy.check(p, perm, &listed, world.now)
                );
            }
        }
    }

    /// Through any sequence of changes a `ShareList` holds what a `Vec` given the same changes
    /// holds, and its index follows: decisions over it are those over the `Vec`.
    #[test]
    fn a_share_list_keeps_its_index_in_step(
        world in arbitrary::world(),
        ops in proptest::collection::vec(list_op(), 0..12),
    ) {
        let first = &world.path[0];
        let mut list: ShareList = first.shares.iter().cloned().collect();
        let mut plain = first.shares.clone();
        for op in ops {
            apply(&mut list, &mut plain, op);
            prop_assert_eq!(list.as_slice(), plain.as_slice());
        }
        let plain_path = [Node::new(&first.resource, first.owner.as_ref(), &plain)];
        let listed_path = [Node::listed(&first.resource, first.owner.as_ref(), &list)];
        same_decisions(&world, &plain_path, &listed_path)?;
        let round: ShareList = serde_json::from_str(&serde_json::to_string(&list).unwrap()).unwrap();
        prop_assert_eq!(&round, &list);
        prop_assert_eq!(list.into_vec(), plain);
    }
}

// ====================================================================== the invariants

fn without(world: &World, drop: impl Fn(&Share) -> bool) -> World {
    let mut w = world.clone();
    for n in &mut w.path {
        n.shares.retain(|s| !drop(s));
    }
    w
}

fn is_owner(p: &Principal, world: &World) -> bool {
    p.kind() != PrincipalKind::Anonymous
        && world.path.iter().any(|n| n.owner.as_ref() == Some(p.id()))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Invariant 1: an expired share grants (and denies) nothing, from the instant of expiry.
    #[test]
    fn expired_shares_grant_nothing(world in arbitrary::world()) {
        let policy = Policy::new(world.settings.clone());
        let now = world.now;
        let live = without(&world, |s| s.expires().is_some_and(|t| t <= now));
        for p in &world.principals {
            prop_assert_eq!(policy.permissions(p, &world.nodes(), now), policy.permissions(p, &live.nodes(), now));
        }
    }

    /// Invariant 2: a share grants only to principals its recipient matches.
    #[test]
    fn only_matching_recipients_grant(world in arbitrary::world()) {
        let policy = Policy::new(world.settings.clone());
        for p in &world.principals {
            let matching = without(&world, |s| !naive::matches(s.recipient(), p));
            prop_assert_eq!(
                policy.permissions(p, &world.nodes(), world.now),
                policy.permissions(p, &matching.nodes(), world.now)
            );
        }
    }

    /// Invariant 3: an active restrict that matches a principal denies everything (owners
    /// excepted: nothing denies an owner).
    #[test]
    fn a_matching_active_restrict_denies_everything(world in arbitrary::world(), at in 0usize..3, public in any::<bool>()) {
        let policy = Policy::new(world.settings.clone());
        for p in &world.principals {
            let mut w = world.clone();
            let recipient = if public || p.kind() == PrincipalKind::Anonymous {
                Recipient::Public
            } else {
                Recipient::User { id: p.id().clone() }
            };
            let node = at % w.path.len();
            let resource = w.path[node].resource.clone();
            w.path[node].shares.push(Share::new("restrict".parse().unwrap(), resource, "u0".parse().unwrap(), recipient, AccessLevel::Restrict, arbitrary::base_time()));
            let held = policy.permissions(p, &w.nodes(), w.now);
            if is_owner(p, &w) {
                prop_assert_eq!(held, Permissions::all());
            } else {
                prop_assert_eq!(held, Permissions::empty());
                for perm in Permission::ALL {
                    let d = policy.check(p, perm, &w.nodes(), w.now);
                    prop_assert!(!d.is_allowed());
                    prop_assert_eq!(d.reason(), Reason::Restricted);
                }
            }
        }
    }

    /// Invariant 4: more permissions on a (non-restrict) share never make a decision less
    /// permissive.
    #[test]
    fn more_permissions_never_deny(world in arbitrary::world(), extra in arbitrary::permissions(), reshare in arbitrary::reshare_rights(), pick in any::<usize>()) {
        let all: Vec<(usize, usize)> = world.path.iter().enumerate().flat_map(|(i, n)| (0..n.shares.len()).map(move |j| (i, j))).collect();
        prop_assume!(!all.is_empty());
        let (i, j) = all[pick % all.len()];
        let old = &world.path[i].shares[j];
        prop_assume!(!old.is_restrict());
        let mut w = world.clone();
        let wider = AccessLevel::Custom(old.access().permissions() | extra | Permissions::VIEW);
        let widened = Share::new(old.id().clone(), old.resource().clone(), old.sharer().clone(), old.recipient().clone(), wider, old.created())
            .with_reshare(old.reshare() | reshare)
            .with_expiry(old.expires());
        w.path[i].shares[j] = widened;
        let policy = Policy::new(world.settings.clone());
        for p in &world.principals {
            let before = policy.permissions(p, &world.nodes(), world.now);
            let after = policy.permissions(p, &w.nodes(), world.now);
            prop_assert!(after.contains(before), "{} lost {}", p.id(), before - after);
            for perm in Permission::ALL {
                if policy.check(p, perm, &world.nodes(), world.now).is_allowed() {
                    prop_assert!(policy.check(p, perm, &w.nodes(), world.now).is_allowed());
                }
            }
        }
    }

    /// Invariant 5: no allowed create gives a permission the actor does not hold, nor for
    /// longer than the actor holds it, except for owners and administrators with write_shares
    /// (for shares that are not links and do not reach themselves).
    #[test]
    fn no_create_escalates(world in arbitrary::world(), new in new_share()) {
        let policy = Policy::new(world.settings.clone());
        let path = world.nodes();
        for actor in &world.principals {
            let d = policy.check_create(actor, &new, &path, world.now);
            if !d.is_allowed() || is_owner(actor, &world) {
                continue;
            }
            let admin_exempt = actor.admin().allows_kind(AdminRight::WriteShares, "document")
                && !matches!(new.recipient, Recipient::Link(_))
                && !naive::matches(&new.recipient, actor);
            if admin_exempt {
                continue;
            }
            let (access, reshare) = new.access_and_reshare().unwrap();
            let given = naive::grants(access, reshare);
            prop_assert!(policy.permissions(actor, &path, world.now).contains(given));
            for later in held_later(&world) {
                if naive::active(new.expires, later) {
                    let then = policy.permissions(actor, &path, later);
                    prop_assert!(then.contains(given), "at {} the actor holds {} but the share gives {}", later, then, given);
                }
            }
        }
    }

    /// Invariant 5 for changes: the permissions a change adds (all of them if it extends the
    /// share in time) are held by the actor for as long as the share lasts.
    #[test]
    fn no_change_escalates(world in arbitrary::world(), patch in patch()) {
        let policy = Policy::new(world.settings.clone());
        let path = world.nodes();
        let now = world.now;
        for actor in &world.principals {
            if is_owner(actor, &world) {
                continue;
            }
            for i in 0..path.len() {
                for share in path[i].shares() {
                    let d = policy.check_update(actor, share, &patch, &path[i..], now);
                    if !d.is_allowed() {
                        continue;
                    }
                    if actor.admin().allows_kind(AdminRight::WriteShares, share.resource().kind_str())
                        && !matches!(share.recipient(), Recipient::Link(_))
                        && !naive::matches(share.recipient(), actor)
                    {
                        continue;
                    }
                    let (next, _) = share.patched(&patch).unwrap();
                    let added = next.permissions() - share.permissions();
                    let extends = next.is_active(now)
                        && (!share.is_active(now) || match (share.expires(), next.expires()) {
                            (Some(_), None) => true,
                            (Some(o), Some(n)) => n > o,
                            (None, _) => false,
                        });
                    let given = if extends { next.permissions() } else { added };
                    prop_assert!(policy.permissions(actor, &path[i..], now).contains(given));
                    for later in held_later(&world) {
                        if next.is_active(later) {
                            prop_assert!(policy.permissions(actor, &path[i..], later).contains(given));
                        }
                    }
                }
            }
        }
    }

    /// Invariant 11: a principal that is not internal never holds management, the log or
    /// re-share rights unless `external_may_manage` (never when anonymous), owners aside.
    #[test]
    fn outsiders_never_manage(world in arbitrary::world()) {
        let policy = Policy::new(world.settings.clone());
        for p in &world.principals {
            if p.kind() == PrincipalKind::Internal || is_owner(p, &world) {
                continue;
            }
            if p.kind() == PrincipalKind::Anonymous || !world.settings.external_may_manage {
                let held = policy.permissions(p, &world.nodes(), world.now);
                prop_assert!(!held.intersects(Permissions::MANAGEMENT), "{} ({}) holds {}", p.id(), p.kind(), held);
            }
        }
    }

    /// Invariant 11: settings act at once. A class switched off grants as if its shares were
    /// gone; switching it back on restores exactly what was there.
    #[test]
    fn switching_a_class_off_cuts_and_on_restores(world in arbitrary::world(), which in 0usize..3) {
        let on = Settings { allow_external: true, allow_public: true, allow_links: true, ..world.settings.clone() };
        let mut off = on.clone();
        match which {
            0 => off.allow_external = false,
            1 => off.allow_public = false,
            _ => off.allow_links = false,
        }
        for p in &world.principals {
            let outsider = matches!(p.kind(), PrincipalKind::External | PrincipalKind::Partner | PrincipalKind::Customer);
            let cut = without(&world, |s| {
                if s.is_restrict() {
                    return false;
                }
                let c = naive::class(s.recipient());
                match which {
                    0 => c == naive::Class::External || (outsider && c == naive::Class::Internal),
                    1 => c == naive::Class::Public,
                    _ => c == naive::Class::Link,
                }
            });
            let off_held = Policy::new(off.clone()).permissions(p, &world.nodes(), world.now);
            prop_assert_eq!(off_held, Policy::new(on.clone()).permissions(p, &cut.nodes(), world.now));
            let on_held = Policy::new(on.clone()).permissions(p, &world.nodes(), world.now);
            prop_assert!(on_held.contains(off_held));
        }
    }
}

/// The instants after `now` at which to look again at what the actor holds: every expiry
/// on the path, and a nanosecond before each.
fn held_later(world: &World) -> Vec<DateTime<Utc>> {
    let mut times = vec![world.now];
    for s in world.shares() {
        if let Some(t) = s.expires() {
            for at in [t - chrono::Duration::nanoseconds(1), t] {
                if at >= world.now {
                    times.push(at);
                }
            }
        }
    }
    times
}
