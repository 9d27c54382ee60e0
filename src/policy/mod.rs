//! The policy: pure decisions over a principal, a resource path, its shares, the settings and
//! `now` (SEMANTICS.md sections 4–6).
//!
//! The policy never reads a clock and never touches a store: the caller passes the resource
//! and its ancestors, nearest first, each with its owner and the shares on it, as a slice of
//! [`Node`]s. Every answer is a [`Decision`] with a [`Reason`] and [`Evidence`].
//!
//! # Cost
//!
//! One access check ([`Policy::check`]) walks the shares on the path once, and for each tests
//! whether its recipient matches the principal (a comparison of ids; a group recipient scans
//! the principal's groups; a link compares 32-byte digests in constant time). It allocates
//! only for the decision's evidence (the share id and resource it names). A path with `n`
//! shares and a principal in `g` groups costs O(n·g) comparisons. [`Policy::permissions`]
//! allocates nothing.
//!
//! On a machine the time goes to reading the shares, not to comparing them: a [`Share`] is
//! 144 bytes, and a folder with many shares spans many cache lines. A path made of
//! [`ShareList`]s ([`Node::listed`]) is scanned through their eight-byte recipient keys, and
//! only the shares whose recipient may be the principal are read. Ids cloned from one another
//! (from a directory, say) compare by pointer, without reading their text.

mod change;
mod decision;
mod list;

use chrono::{DateTime, Utc};

pub use decision::{Decision, Evidence, Reason};
pub use list::ShareList;

use list::{Probe, RecipientKey};

use crate::model::{
    AdminRight, Audience, Permission, Permissions, Principal, PrincipalId, PrincipalKind,
    Recipient, RecipientClass, ResourceRef, Settings, Share, ShareType,
};

/// One resource of a path: the resource, its owner, and the shares on it.
///
/// Made from a plain slice of shares with [`Node::new`], or from a [`ShareList`] with
/// [`Node::listed`], whose index lets a decision skip the shares that cannot reach the
/// principal without reading them (same answers, fewer cache misses on resources with many
/// shares).
///
/// ```
/// use shareguard::policy::Node;
///
/// let folder = "folder:f1".parse()?;
/// let alice = "alice".parse()?;
/// let node = Node::new(&folder, Some(&alice), &[]);
/// assert_eq!(node.resource().kind_str(), "folder");
/// assert!(node.shares().is_empty());
/// # Ok::<(), shareguard::ModelError>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Node<'a> {
    resource: &'a ResourceRef,
    owner: Option<&'a PrincipalId>,
    shares: &'a [Share],
    /// Empty, or one key for each share (from a [`ShareList`], which keeps them in step).
    keys: &'a [RecipientKey],
    inherits: bool,
}

impl<'a> Node<'a> {
    /// A resource, its owner if known, and the shares on it.
    ///
    /// ```
    /// use chrono::Utc;
    /// use shareguard::{AccessLevel, Recipient, ResourceRef, Share};
    /// use shareguard::policy::Node;
    ///
    /// let doc: ResourceRef = "document:d1".parse()?;
    /// let shares = vec![Share::new("s1".parse()?, doc.clone(), "alice".parse()?,
    ///     Recipient::Organization, AccessLevel::Viewer, Utc::now())];
    /// let node = Node::new(&doc, None, &shares);
    /// assert_eq!(node.shares().len(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub const fn new(
        resource: &'a ResourceRef,
        owner: Option<&'a PrincipalId>,
        shares: &'a [Share],
    ) -> Self {
        Self { resource, owner, shares, keys: &[], inherits: true }
    }

    /// A resource, its owner if known, and the shares on it kept in a [`ShareList`]: the
    /// policy reads only the shares whose recipient may be the principal it decides for.
    ///
    /// ```
    /// use chrono::Utc;
    /// use shareguard::{AccessLevel, Permission, Policy, Principal, PrincipalKind, Recipient, ResourceRef, Share};
    /// use shareguard::policy::{Node, ShareList};
    ///
    /// let now = Utc::now();
    /// let folder: ResourceRef = "folder:f1".parse()?;
    /// let shares: ShareList = (0..100)
    ///     .map(|i| Ok(Share::new(format!("s{i}").parse()?, folder.clone(), "alice".parse()?,
    ///         Recipient::User { id: format!("user{i}").parse()? }, AccessLevel::Editor, now)))
    ///     .collect::<Result<_, shareguard::ModelError>>()?;
    /// let path = [Node::listed(&folder, None, &shares)];
    /// let user7 = Principal::builder("user7", PrincipalKind::Internal).build()?;
    /// let decision = Policy::default().check(&user7, Permission::Edit, &path, now);
    /// assert_eq!(decision.evidence().share.as_ref().map(|s| s.to_string()), Some("s7".to_owned()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn listed(
        resource: &'a ResourceRef,
        owner: Option<&'a PrincipalId>,
        shares: &'a ShareList,
    ) -> Self {
        Self { resource, owner, shares: shares.as_slice(), keys: shares.keys(), inherits: true }
    }

    /// The resource.
    ///
    /// ```
    /// use shareguard::ResourceRef;
    /// use shareguard::policy::Node;
    ///
    /// let doc: ResourceRef = "document:d1".parse()?;
    /// assert_eq!(Node::new(&doc, None, &[]).resource().id(), "d1");
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub const fn resource(&self) -> &'a ResourceRef {
        self.resource
    }

    /// Its owner, if known.
    ///
    /// ```
    /// use shareguard::ResourceRef;
    /// use shareguard::model::PrincipalId;
    /// use shareguard::policy::Node;
    ///
    /// let (doc, alice): (ResourceRef, PrincipalId) = ("document:d1".parse()?, "alice".parse()?);
    /// assert_eq!(Node::new(&doc, Some(&alice), &[]).owner(), Some(&alice));
    /// assert_eq!(Node::new(&doc, None, &[]).owner(), None);
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub const fn owner(&self) -> Option<&'a PrincipalId> {
        self.owner
    }

    /// The shares on it, whether given as a slice or as a [`ShareList`].
    ///
    /// ```
    /// use chrono::Utc;
    /// use shareguard::{AccessLevel, Recipient, ResourceRef, Share};
    /// use shareguard::policy::{Node, ShareList};
    ///
    /// let doc: ResourceRef = "document:d1".parse()?;
    /// let list: ShareList = vec![Share::new("s1".parse()?, doc.clone(), "alice".parse()?,
    ///     Recipient::Public, AccessLevel::Viewer, Utc::now())].into();
    /// assert_eq!(Node::listed(&doc, None, &list).shares(), list.as_slice());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub const fn shares(&self) -> &'a [Share] {
        self.shares
    }

    /// The same node, inheriting its ancestors' grants or not (SEMANTICS.md section 10). A
    /// node that does not inherit keeps its own grants; its ancestors' stop there, their
    /// restricts and owners do not.
    ///
    /// ```
    /// use shareguard::policy::Node;
    /// let folder = "folder:f1".parse()?;
    /// let node = Node::new(&folder, None, &[]).inheriting(false);
    /// assert!(!node.inherits());
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub const fn inheriting(mut self, inherits: bool) -> Self {
        self.inherits = inherits;
        self
    }

    /// Whether the resource inherits its ancestors' grants (true unless cut).
    ///
    /// ```
    /// use shareguard::policy::Node;
    /// let folder = "folder:f1".parse()?;
    /// assert!(Node::new(&folder, None, &[]).inherits());
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub const fn inherits(&self) -> bool {
        self.inherits
    }
}

/// What an active grant gives its recipient before settings take anything away: its
/// permissions, less management through a public share or a link (SEMANTICS.md section 8).
fn granted_by(share: &crate::model::Share) -> Permissions {
    let granted = share.permissions();
    if matches!(share.recipient().class(), RecipientClass::Public | RecipientClass::Link) {
        granted - Permissions::MANAGEMENT
    } else {
        granted
    }
}

/// How many nodes of `path`, from the first, have grants that reach the first: up to and
/// including the first node that does not inherit (SEMANTICS.md section 10).
pub(crate) fn granting(path: &[Node<'_>]) -> usize {
    path.iter().position(|n| !n.inherits).map_or(path.len(), |i| i + 1)
}

/// An action on a share (SEMANTICS.md section 5), for [`Policy::check_share`].
///
/// ```
/// use shareguard::ShareAction;
///
/// assert_eq!("view_log".parse::<ShareAction>()?, ShareAction::ViewLog);
/// assert_eq!(ShareAction::Delete.to_string(), "delete");
/// assert!("remove".parse::<ShareAction>().is_err());
/// # Ok::<(), shareguard::ModelError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShareAction {
    /// See the share.
    Read,
    /// See its log.
    ViewLog,
    /// Change its properties or access.
    Write,
    /// Delete it.
    Delete,
    /// See again the token of a retrievable link (SEMANTICS.md section 5): the owner and the
    /// sharer; a manager or an administrator with `write_shares` only if making the same link
    /// now would not be `escalation` for them. Reading a share never shows a token.
    Token,
    /// Accept a pending share (its recipient only; SEMANTICS.md section 9).
    Accept,
    /// Decline a pending share, which deletes it (its recipient only).
    Decline,
}

impl ShareAction {
    /// Every share action.
    pub const ALL: [ShareAction; 7] = [
        ShareAction::Read,
        ShareAction::ViewLog,
        ShareAction::Write,
        ShareAction::Delete,
        ShareAction::Token,
        ShareAction::Accept,
        ShareAction::Decline,
    ];

    /// The snake_case name.
    ///
    /// ```
    /// use shareguard::ShareAction;
    ///
    /// assert_eq!(ShareAction::ViewLog.name(), "view_log");
    /// ```
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            ShareAction::Read => "read",
            ShareAction::ViewLog => "view_log",
            ShareAction::Write => "write",
            ShareAction::Delete => "delete",
            ShareAction::Token => "token",
            ShareAction::Accept => "accept",
            ShareAction::Decline => "decline",
        }
    }
}

impl std::fmt::Display for ShareAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for ShareAction {
    type Err = crate::model::ModelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ShareAction::ALL.into_iter().find(|a| a.name() == s).ok_or_else(|| {
            crate::model::ModelError::UnknownName {
                field: "share_action",
                value: s.to_owned(),
                expected: "read, view_log, write, delete, token, accept, decline",
            }
        })
    }
}

/// The decision engine: the organisation's [`Settings`] and the rules of SEMANTICS.md.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use shareguard::{AccessLevel, Permission, Policy, Principal, PrincipalKind, Reason, Recipient, Share};
/// use shareguard::policy::Node;
///
/// let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
/// let (folder, doc) = ("folder:f1".parse()?, "document:d1".parse()?);
/// let alice = "alice".parse()?;
/// let folder_shares = [Share::new("s1".parse()?, "folder:f1".parse()?, "alice".parse()?,
///     Recipient::Group { id: "eng".parse()? }, AccessLevel::Editor, now)];
/// let path = [
///     Node::new(&doc, None, &[]),
///     Node::new(&folder, Some(&alice), &folder_shares),
/// ];
/// let bob = Principal::builder("bob", PrincipalKind::Internal).group("eng").build()?;
///
/// let policy = Policy::default();
/// assert_eq!(policy.check(&bob, Permission::Edit, &path, now).reason(), Reason::Share);
/// assert_eq!(policy.check(&bob, Permission::Delete, &path, now).reason(), Reason::Insufficient);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Policy {
    settings: Settings,
}

/// What one walk over the path found for a principal.
#[derive(Debug, Clone, Copy, Default)]
struct Standing<'a> {
    owner: Option<&'a ResourceRef>,
    restrict: Cited<'a>,
    /// What the active, enabled, accepted and unlocked matching grants give, less what the
    /// settings take (4.5).
    held: Permissions,
    /// What it would hold if the settings disabled nothing and took nothing away.
    unconstrained: Permissions,
    /// As `unconstrained`, with locked links unlocked and pending shares accepted.
    accepted: Permissions,
    active_grant: Cited<'a>,
    locked: Cited<'a>,
    not_started: Cited<'a>,
    expired_grant: Cited<'a>,
    /// For the permission asked about (if any): the nearest active, enabled, matching grant
    /// that gives it, found on the same walk so that a decision needs no second one.
    giver: Cited<'a>,
    /// The same, enabled or not.
    unconstrained_giver: Cited<'a>,
    /// The same, among pending grants.
    pending_giver: Cited<'a>,
}

/// A share and the resource of the path that carries it.
type Cited<'a> = Option<(&'a Share, &'a ResourceRef)>;

/// What one share does for a principal at a moment ([`Policy::effect`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Effect {
    /// Its recipient is someone else, or it is a restrict not in force.
    Nothing,
    /// An active restrict on the principal.
    Restrict,
    /// A grant to the principal that has expired or is used up.
    Expired,
    /// A grant to the principal that has not started.
    NotStarted,
    /// An active grant to the principal: what it gives, and whether it holds now.
    Grant { granted: Permissions, hold: Hold },
}

/// Whether an active grant that reaches the principal gives what it grants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hold {
    /// Not yet accepted.
    Pending,
    /// A link whose password the principal has not given.
    Locked,
    /// Switched off by the settings (4.3).
    Disabled,
    /// It gives what it grants.
    Enabled,
}

impl Policy {
    /// A policy under these settings.
    ///
    /// ```
    /// use chrono::Utc;
    /// use shareguard::{AccessLevel, Permission, Policy, Principal, PrincipalKind, Reason, Recipient, ResourceRef, Settings, Share};
    /// use shareguard::policy::Node;
    ///
    /// let now = Utc::now();
    /// let doc: ResourceRef = "document:d1".parse()?;
    /// let shares = [Share::new("s1".parse()?, doc.clone(), "alice".parse()?,
    ///     Recipient::Public, AccessLevel::Viewer, now)];
    /// let path = [Node::new(&doc, None, &shares)];
    /// let anyone = Principal::builder("visitor", PrincipalKind::Anonymous).build()?;
    ///
    /// let closed = Policy::new(Settings { allow_public: false, ..Settings::default() });
    /// assert_eq!(closed.check(&anyone, Permission::View, &path, now).reason(), Reason::Setting);
    /// assert!(Policy::default().allows(&anyone, Permission::View, &path, now));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub const fn new(settings: Settings) -> Self {
        Self { settings }
    }

    /// The settings the policy applies.
    ///
    /// ```
    /// use shareguard::{Policy, Settings};
    ///
    /// let settings = Settings { allow_links: false, ..Settings::default() };
    /// assert!(!Policy::new(settings).settings().allow_links);
    /// assert_eq!(Policy::default().settings(), &Settings::default());
    /// ```
    #[must_use]
    pub const fn settings(&self) -> &Settings {
        &self.settings
    }

    fn is_owner(principal: &Principal, path: &[Node<'_>]) -> Option<usize> {
        if principal.kind() == PrincipalKind::Anonymous {
            return None;
        }
        path.iter().position(|n| n.owner == Some(principal.id()))
    }

    /// Whether the settings let `share` grant to `principal` (SEMANTICS.md 4.3): its
    /// recipient class is switched on, and an external principal is reached only by public
    /// and link grants while `allow_external` is off. Matching is not checked here.
    ///
    /// ```
    /// use chrono::Utc;
    /// use shareguard::{AccessLevel, Policy, Principal, PrincipalKind, Recipient, Settings, Share};
    ///
    /// let share = Share::new("s1".parse()?, "document:d1".parse()?, "alice".parse()?,
    ///     Recipient::Public, AccessLevel::Viewer, Utc::now());
    /// let anyone = Principal::builder("visitor", PrincipalKind::Anonymous).build()?;
    /// assert!(Policy::default().enables(&share, &anyone));
    /// let closed = Policy::new(Settings { allow_public: false, ..Settings::default() });
    /// assert!(!closed.enables(&share, &anyone));
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn enables(&self, share: &crate::model::Share, principal: &Principal) -> bool {
        self.disabling(principal, share.recipient()).is_none()
    }

    /// The setting that keeps a grant to `recipient` from granting to `principal`
    /// (SEMANTICS.md 4.3), if one does.
    fn disabling(&self, principal: &Principal, recipient: &Recipient) -> Option<&'static str> {
        let class = recipient.class();
        if !self.settings.allows_class(class) {
            return Settings::class_setting(class);
        }
        let outsider = matches!(
            principal.kind(),
            PrincipalKind::External | PrincipalKind::Partner | PrincipalKind::Customer
        );
        if outsider
            && !self.settings.allow_external
            && !matches!(class, RecipientClass::Public | RecipientClass::Link)
        {
            return Some("allow_external");
        }
        if self.settings.email_domains.is_some() {
            let permitted = match recipient {
                Recipient::Email { email } => self.settings.permits_address(email),
                Recipient::Link(link) if matches!(link.audience(), Audience::People(_)) => link
                    .audience()
                    .addresses_of(principal)
                    .any(|address| self.settings.permits_address(address)),
                _ => true,
            };
            if !permitted {
                return Some("email_domains");
            }
        }
        None
    }

    /// What settings take from a principal that is not internal (SEMANTICS.md 4.5).
    fn taken_away(&self, principal: &Principal) -> Permissions {
        match principal.kind() {
            PrincipalKind::Internal => Permissions::empty(),
            PrincipalKind::Anonymous => Permissions::MANAGEMENT,
            _ if self.settings.external_may_manage => Permissions::empty(),
            _ => Permissions::MANAGEMENT,
        }
    }

    fn standing<'a>(
        &self,
        principal: &Principal,
        path: &'a [Node<'a>],
        now: DateTime<Utc>,
    ) -> Standing<'a> {
        self.standing_for(principal, path, now, None)
    }

    /// One walk over the path; with `want`, it also notes the nearest grants giving that
    /// permission (the evidence [`Policy::check`] cites).
    fn standing_for<'a>(
        &self,
        principal: &Principal,
        path: &'a [Node<'a>],
        now: DateTime<Utc>,
        want: Option<Permission>,
    ) -> Standing<'a> {
        let mut st = Standing::default();
        if let Some(i) = Self::is_owner(principal, path) {
            st.owner = Some(path[i].resource);
            st.held = Permissions::all();
            st.unconstrained = Permissions::all();
            return st;
        }
        let probe = Probe::new(principal);
        let reach = granting(path);
        for (depth, node) in path.iter().enumerate() {
            let resource = node.resource;
            let grants_reach = depth < reach;
            if node.keys.len() == node.shares.len() {
                // A ShareList's keys rule out the shares to users and groups the principal is
                // not in without reading them.
                for (key, share) in node.keys.iter().zip(node.shares) {
                    if key.may_match(&probe) {
                        self.visit(&mut st, principal, share, resource, grants_reach, now, want);
                    }
                }
            } else {
                for share in node.shares {
                    self.visit(&mut st, principal, share, resource, grants_reach, now, want);
                }
            }
        }
        if st.restrict.is_some() {
            st.held = Permissions::empty();
            st.unconstrained = Permissions::empty();
            st.accepted = Permissions::empty();
            return st;
        }
        st.held -= self.taken_away(principal);
        if principal.kind() == PrincipalKind::Anonymous {
            st.unconstrained -= Permissions::MANAGEMENT;
            st.accepted -= Permissions::MANAGEMENT;
        }
        st
    }

    /// Adds one share of the path to the standing, if it reaches the principal (grants only
    /// where `grants_reach`, restricts everywhere).
    #[inline(always)]
    #[allow(clippy::too_many_arguments, reason = "the walk's state, passed down one level")]
    fn visit<'a>(
        &self,
        st: &mut Standing<'a>,
        principal: &Principal,
        share: &'a Share,
        resource: &'a ResourceRef,
        grants_reach: bool,
        now: DateTime<Utc>,
        want: Option<Permission>,
    ) {
        if !(grants_reach || share.is_restrict()) {
            return;
        }
        let cited = Some((share, resource));
        match self.effect(share, principal, now) {
            Effect::Nothing => {}
            Effect::Restrict => st.restrict = st.restrict.or(cited),
            Effect::Expired => st.expired_grant = st.expired_grant.or(cited),
            Effect::NotStarted => st.not_started = st.not_started.or(cited),
            Effect::Grant { granted, hold } => {
                st.active_grant = st.active_grant.or(cited);
                st.accepted |= granted;
                let gives = want.is_some_and(|p| granted.has(p));
                match hold {
                    Hold::Pending if gives => st.pending_giver = st.pending_giver.or(cited),
                    Hold::Pending => {}
                    Hold::Locked => st.locked = st.locked.or(cited),
                    Hold::Disabled | Hold::Enabled => {
                        st.unconstrained |= granted;
                        if gives {
                            st.unconstrained_giver = st.unconstrained_giver.or(cited);
                        }
                        if hold == Hold::Enabled {
                            st.held |= granted;
                            if gives {
                                st.giver = st.giver.or(cited);
                            }
                        }
                    }
                }
            }
        }
    }

    /// What one share does for a principal at `now`, before settings take anything away
    /// (SEMANTICS.md 4.2–4.5, 8 and 9): the one place that says which grants reach whom, for
    /// the walk and for the escalation limit alike.
    #[inline(always)]
    fn effect(&self, share: &Share, principal: &Principal, now: DateTime<Utc>) -> Effect {
        if !share.recipient().matches(principal) {
            return Effect::Nothing;
        }
        if share.is_active(now) {
            if share.is_restrict() {
                return Effect::Restrict;
            }
            let hold = if share.is_pending() {
                Hold::Pending
            } else if !share.is_unlocked_for(principal) {
                Hold::Locked
            } else if self.disabling(principal, share.recipient()).is_some() {
                Hold::Disabled
            } else {
                Hold::Enabled
            };
            Effect::Grant { granted: granted_by(share), hold }
        } else if share.is_restrict() {
            // An inactive restrict is not a grant: it plays no part.
            Effect::Nothing
        } else if share.has_expired(now) {
            Effect::Expired
        } else {
            Effect::NotStarted
        }
    }

    /// The permissions the principal holds on the first resource of the path
    /// (SEMANTICS.md section 4). Allocates nothing.
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
    /// use shareguard::Permissions;
    ///
    /// let held = Policy::default().permissions(&bob, &path, now);
    /// assert_eq!(held, Permissions::VIEW | Permissions::DOWNLOAD | Permissions::COMMENT);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn permissions(
        &self,
        principal: &Principal,
        path: &[Node<'_>],
        now: DateTime<Utc>,
    ) -> Permissions {
        self.standing(principal, path, now).held
    }

    /// Whether the principal may take an action needing `permission` on the first resource of
    /// the path: the same answer as [`Policy::check`]`(…).is_allowed()`, without the reason and
    /// evidence, so it allocates nothing and touches no share but those it must read (for a
    /// service filtering many resources, say). Use `check` where someone may ask why.
    ///
    /// ```
    /// use chrono::Utc;
    /// use shareguard::{AccessLevel, Permission, Policy, Principal, PrincipalKind, Recipient, Share};
    /// use shareguard::policy::Node;
    ///
    /// let now = Utc::now();
    /// let doc = "document:d1".parse()?;
    /// let shares = [Share::new("s1".parse()?, "document:d1".parse()?, "alice".parse()?,
    ///     Recipient::Organization, AccessLevel::Viewer, now)];
    /// let path = [Node::new(&doc, None, &shares)];
    /// let bob = Principal::builder("bob", PrincipalKind::Internal).build()?;
    /// assert!(Policy::default().allows(&bob, Permission::View, &path, now));
    /// assert!(!Policy::default().allows(&bob, Permission::Edit, &path, now));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn allows(
        &self,
        principal: &Principal,
        permission: Permission,
        path: &[Node<'_>],
        now: DateTime<Utc>,
    ) -> bool {
        self.permissions(principal, path, now).has(permission)
    }

    /// Whether the principal may take an action needing `permission` on the first resource of
    /// the path, and why (SEMANTICS.md section 4): the reason, and the share and resource it
    /// rests on.
    ///
    /// ```
    /// use chrono::{Duration, TimeZone, Utc};
    /// use shareguard::{AccessLevel, Permission, Policy, Principal, PrincipalKind, Reason, Recipient, ResourceRef, Share};
    /// use shareguard::policy::Node;
    ///
    /// let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    /// let doc: ResourceRef = "document:d1".parse()?;
    /// let shares = [Share::new("s1".parse()?, doc.clone(), "alice".parse()?,
    ///     Recipient::User { id: "bob".parse()? }, AccessLevel::Editor, now - Duration::days(9))
    ///     .with_expiry(Some(now - Duration::days(1)))];
    /// let path = [Node::new(&doc, None, &shares)];
    /// let bob = Principal::builder("bob", PrincipalKind::Internal).build()?;
    ///
    /// let decision = Policy::default().check(&bob, Permission::Edit, &path, now);
    /// assert!(!decision.is_allowed());
    /// assert_eq!(decision.reason(), Reason::Expired);
    /// assert_eq!(decision.evidence().share.as_ref().map(|s| s.to_string()), Some("s1".to_owned()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn check(
        &self,
        principal: &Principal,
        permission: Permission,
        path: &[Node<'_>],
        now: DateTime<Utc>,
    ) -> Decision {
        let st = self.standing_for(principal, path, now, Some(permission));
        self.decide(principal, permission, &st)
    }

    fn decide(&self, principal: &Principal, permission: Permission, st: &Standing<'_>) -> Decision {
        let cite = |share: &Share, resource: &ResourceRef, e: &mut Evidence| {
            e.share = Some(share.id().clone());
            e.resource = Some(resource.clone());
        };
        if let Some(resource) = st.owner {
            return Decision::allow(Reason::Owner).with(|e| {
                e.needed = Some(permission);
                e.resource = Some(resource.clone());
            });
        }
        if let Some((share, resource)) = st.restrict {
            return Decision::deny(Reason::Restricted).with(|e| {
                e.needed = Some(permission);
                cite(share, resource, e);
            });
        }
        if st.held.has(permission) {
            let giver = st.giver;
            return Decision::allow(Reason::Share).with(|e| {
                e.needed = Some(permission);
                if let Some((share, resource)) = giver {
                    cite(share, resource, e);
                }
            });
        }
        if st.unconstrained.has(permission) {
            let giver = st.unconstrained_giver;
            let setting = giver
                .and_then(|(share, _)| self.disabling(principal, share.recipient()))
                .unwrap_or("external_may_manage");
            return Decision::deny(Reason::Setting).with(|e| {
                e.needed = Some(permission);
                e.held = Some(st.held);
                e.setting = Some(setting.to_owned());
                if let Some((share, resource)) = giver {
                    cite(share, resource, e);
                }
            });
        }
        if let Some((share, resource)) = st.locked {
            // A locked link does not tell its level: no `held`, whatever is asked.
            return Decision::deny(Reason::Password).with(|e| {
                e.needed = Some(permission);
                cite(share, resource, e);
            });
        }
        if let Some((share, resource)) = st.pending_giver.filter(|_| st.accepted.has(permission)) {
            return Decision::deny(Reason::Pending).with(|e| {
                e.needed = Some(permission);
                e.held = Some(st.held);
                cite(share, resource, e);
            });
        }
        if let Some((share, resource)) = st.active_grant {
            return Decision::deny(Reason::Insufficient).with(|e| {
                e.needed = Some(permission);
                e.held = Some(st.held);
                cite(share, resource, e);
            });
        }
        if let Some((share, resource)) = st.not_started {
            return Decision::deny(Reason::NotStarted).with(|e| {
                e.needed = Some(permission);
                cite(share, resource, e);
            });
        }
        if let Some((share, resource)) = st.expired_grant {
            return Decision::deny(Reason::Expired).with(|e| {
                e.needed = Some(permission);
                cite(share, resource, e);
            });
        }
        Decision::deny(Reason::NoShare).with(|e| e.needed = Some(permission))
    }

    /// Whether the principal may take a share action, and why (SEMANTICS.md section 5).
    /// `path` is the share's resource and its ancestors, nearest first, with their shares.
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
    /// use shareguard::{Reason, ShareAction};
    ///
    /// let policy = Policy::default();
    /// // bob may see his own share and leave it, not change it.
    /// assert_eq!(policy.check_share(&bob, ShareAction::Read, &shares[0], &path, now).reason(), Reason::Recipient);
    /// assert!(policy.check_share(&bob, ShareAction::Delete, &shares[0], &path, now).is_allowed());
    /// assert_eq!(policy.check_share(&bob, ShareAction::Write, &shares[0], &path, now).reason(), Reason::NotPermitted);
    /// // alice made it: everything.
    /// let alice = Principal::builder("alice", PrincipalKind::Internal).build()?;
    /// assert_eq!(policy.check_share(&alice, ShareAction::Write, &shares[0], &path, now).reason(), Reason::Sharer);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn check_share(
        &self,
        principal: &Principal,
        action: ShareAction,
        share: &Share,
        path: &[Node<'_>],
        now: DateTime<Utc>,
    ) -> Decision {
        let st = self.standing(principal, path, now);
        let decision = match action {
            ShareAction::Token => self.token_rule(principal, share, path, &st, now),
            ShareAction::Accept | ShareAction::Decline => Self::answer_rule(principal, share, now),
            _ => self.share_rule(principal, action, share, &st),
        };
        decision.with(|e| {
            if e.share.is_none() {
                e.share = Some(share.id().clone());
            }
        })
    }

    /// The `token` share action (SEMANTICS.md section 5): who may, then whether the share is a
    /// retrievable link, then whether making it now would escalate for a manager or an admin.
    fn token_rule(
        &self,
        principal: &Principal,
        share: &Share,
        path: &[Node<'_>],
        st: &Standing<'_>,
        now: DateTime<Utc>,
    ) -> Decision {
        let anonymous = principal.kind() == PrincipalKind::Anonymous;
        let kind = share.resource().kind_str();
        let reason = if st.owner.is_some() {
            Reason::Owner
        } else if !anonymous && share.sharer() == principal.id() {
            Reason::Sharer
        } else if st.held.has(Permission::ManageAccess) {
            Reason::Manager
        } else if principal.admin().allows_kind(AdminRight::WriteShares, kind) {
            Reason::Admin
        } else {
            return Decision::deny(Reason::NotPermitted);
        };
        if share.retrievable_token().is_err() {
            return Decision::deny(Reason::Invalid)
                .with(|e| e.detail = Some("not a retrievable link".to_owned()));
        }
        if matches!(reason, Reason::Manager | Reason::Admin) {
            let mut again = crate::model::NewShare::again(share);
            // A time already past cannot be asked for now: an expired link is made again
            // without an expiry (it could be renewed). Its start plays no part in escalation.
            again.expires = share.expires().filter(|t| *t > now);
            again.pending = false;
            if let Some(denial) = self.escalation_of(principal, &again, st, path, now) {
                return denial;
            }
        }
        let decision = Decision::allow(reason);
        if reason == Reason::Admin {
            decision.with(|e| e.admin_right = Some(AdminRight::WriteShares))
        } else {
            decision
        }
    }

    /// `accept` and `decline` (SEMANTICS.md section 5): the recipient only, never anonymous;
    /// then only a pending share that has not expired.
    fn answer_rule(principal: &Principal, share: &Share, now: DateTime<Utc>) -> Decision {
        if principal.kind() == PrincipalKind::Anonymous || !share.recipient().matches(principal) {
            return Decision::deny(Reason::NotPermitted)
                .with(|e| e.detail = Some("only the share's recipient answers it".to_owned()));
        }
        if !share.is_pending() || share.has_expired(now) {
            let why = if share.is_pending() { "the invitation has expired" } else { "not pending" };
            return Decision::deny(Reason::Invalid).with(|e| e.detail = Some(why.to_owned()));
        }
        Decision::allow(Reason::Recipient)
    }

    fn share_rule(
        &self,
        principal: &Principal,
        action: ShareAction,
        share: &Share,
        st: &Standing<'_>,
    ) -> Decision {
        let anonymous = principal.kind() == PrincipalKind::Anonymous;
        if st.owner.is_some() {
            return Decision::allow(Reason::Owner);
        }
        let mutating = matches!(action, ShareAction::Write | ShareAction::Delete);
        if mutating && share.is_restrict() && share.recipient().matches(principal) {
            return Decision::deny(Reason::NotPermitted)
                .with(|e| e.detail = Some("no one lifts a restriction on themselves".to_owned()));
        }
        if !anonymous && share.sharer() == principal.id() {
            return Decision::allow(Reason::Sharer);
        }
        if st.held.has(Permission::ManageAccess) {
            return Decision::allow(Reason::Manager);
        }
        let recipient_may = match action {
            ShareAction::Read => true,
            ShareAction::ViewLog
            | ShareAction::Write
            | ShareAction::Token
            | ShareAction::Accept
            | ShareAction::Decline => false,
            ShareAction::Delete => {
                matches!(share.recipient().share_type(), ShareType::User | ShareType::Email)
            }
        };
        if recipient_may
            && !share.is_restrict()
            && share.recipient().share_type() != ShareType::Public
            && share.recipient().matches(principal)
            && share.is_unlocked_for(principal)
        {
            return Decision::allow(Reason::Recipient);
        }
        if matches!(action, ShareAction::Read | ShareAction::ViewLog)
            && st.held.has(Permission::ViewLog)
        {
            return Decision::allow(Reason::LogViewer);
        }
        let kind = share.resource().kind_str();
        let admin = principal.admin();
        let right = match action {
            ShareAction::Read | ShareAction::ViewLog => {
                [AdminRight::ReadShares, AdminRight::WriteShares]
                    .into_iter()
                    .find(|r| admin.allows_kind(*r, kind))
            }
            ShareAction::Write | ShareAction::Token => {
                Some(AdminRight::WriteShares).filter(|r| admin.allows_kind(*r, kind))
            }
            ShareAction::Delete => {
                Some(AdminRight::DeleteShares).filter(|r| admin.allows_kind(*r, kind))
            }
            ShareAction::Accept | ShareAction::Decline => None,
        };
        if let Some(right) = right {
            return Decision::allow(Reason::Admin).with(|e| e.admin_right = Some(right));
        }
        Decision::deny(Reason::NotPermitted)
    }
}
