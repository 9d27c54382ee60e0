//! Who is asking: principals and their administrative rights.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::model::Tagged;
use crate::model::{
    Email, GroupId, LinkDigest, LinkToken, LinkUnlock, ModelError, PrincipalId, ResourceKind,
    RoleId,
};

/// The kind of a principal (SEMANTICS.md section 3).
///
/// ```
/// use shareguard::{Principal, PrincipalKind};
///
/// let pat: Principal = serde_json::from_str(r#"{"id": "pat", "kind": "partner"}"#)?;
/// assert_eq!(pat.kind(), PrincipalKind::Partner);
/// // A principal read without a kind is internal.
/// let alice: Principal = serde_json::from_str(r#"{"id": "alice"}"#)?;
/// assert_eq!(alice.kind(), PrincipalKind::Internal);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PrincipalKind {
    /// A member of the organisation.
    #[default]
    Internal,
    /// Someone outside it, known by a verified email.
    External,
    /// A partner-portal user.
    Partner,
    /// A customer-portal user.
    Customer,
    /// An unauthenticated visitor: matched only by `public` and `link` recipients.
    Anonymous,
}

impl PrincipalKind {
    /// The snake_case name.
    ///
    /// ```
    /// use shareguard::PrincipalKind;
    ///
    /// assert_eq!(PrincipalKind::Customer.name(), "customer");
    /// assert_eq!(PrincipalKind::Anonymous.to_string(), "anonymous");
    /// ```
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            PrincipalKind::Internal => "internal",
            PrincipalKind::External => "external",
            PrincipalKind::Partner => "partner",
            PrincipalKind::Customer => "customer",
            PrincipalKind::Anonymous => "anonymous",
        }
    }
}

impl fmt::Display for PrincipalKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An administrative right over shares (iconik's "Can read shares", "Can write shares", "Can
/// delete object shares"). Rights open shares, not content.
///
/// ```
/// use shareguard::{Principal, PrincipalKind};
/// use shareguard::model::AdminRight;
///
/// let auditor = Principal::builder("audit", PrincipalKind::Internal)
///     .admin_right(AdminRight::ReadShares)
///     .build()?;
/// assert!(auditor.admin().allows_kind(AdminRight::ReadShares, "folder"));
/// assert!(!auditor.admin().allows_kind(AdminRight::DeleteShares, "folder"));
/// # Ok::<(), shareguard::ModelError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AdminRight {
    /// See every share and its log.
    ReadShares,
    /// Change shares, and create them for others.
    WriteShares,
    /// Delete shares.
    DeleteShares,
}

impl AdminRight {
    /// The snake_case name.
    ///
    /// ```
    /// use shareguard::model::AdminRight;
    ///
    /// assert_eq!(AdminRight::DeleteShares.name(), "delete_shares");
    /// assert_eq!(serde_json::to_string(&AdminRight::WriteShares)?, r#""write_shares""#);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            AdminRight::ReadShares => "read_shares",
            AdminRight::WriteShares => "write_shares",
            AdminRight::DeleteShares => "delete_shares",
        }
    }
}

impl fmt::Display for AdminRight {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A principal's administrative rights, each for every resource kind or limited to some
/// (an empty list of kinds limits a right to none).
///
/// Serialized as the scenario format writes it: a list whose items are a right's name (every
/// kind) or `{"right": name, "kinds": [...]}`.
///
/// ```
/// use shareguard::model::{AdminRight, AdminRights, ResourceKind};
///
/// let rights: AdminRights = serde_json::from_str(
///     r#"["read_shares", {"right": "delete_shares", "kinds": ["document"]}]"#,
/// )?;
/// let document: ResourceKind = "document".parse()?;
/// let folder: ResourceKind = "folder".parse()?;
/// assert!(rights.allows(AdminRight::ReadShares, &folder));
/// assert!(rights.allows(AdminRight::DeleteShares, &document));
/// assert!(!rights.allows(AdminRight::DeleteShares, &folder));
/// assert!(!rights.allows(AdminRight::WriteShares, &document));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AdminRights {
    // One slot per right, in the order of `AdminRight`; `None` is no right, `Some(None)` every
    // kind, `Some(Some(kinds))` only those kinds.
    grants: [Option<Option<Vec<ResourceKind>>>; 3],
}

impl AdminRights {
    const ORDER: [AdminRight; 3] =
        [AdminRight::ReadShares, AdminRight::WriteShares, AdminRight::DeleteShares];

    /// No rights.
    ///
    /// ```
    /// use shareguard::model::{AdminRight, AdminRights};
    ///
    /// let none = AdminRights::none();
    /// assert!(none.is_empty());
    /// assert!(!none.allows_kind(AdminRight::ReadShares, "folder"));
    /// ```
    #[must_use]
    pub fn none() -> Self {
        Self::default()
    }

    /// Adds a right over every resource kind.
    ///
    /// ```
    /// use shareguard::model::{AdminRight, AdminRights};
    ///
    /// let rights = AdminRights::none().with(AdminRight::WriteShares);
    /// assert!(rights.allows_kind(AdminRight::WriteShares, "room"));
    /// assert!(!rights.allows_kind(AdminRight::DeleteShares, "room"));
    /// // It replaces a limit given to the same right before.
    /// let limited = AdminRights::none().with_kinds(AdminRight::ReadShares, ["room".parse()?]);
    /// assert!(limited.with(AdminRight::ReadShares).allows_kind(AdminRight::ReadShares, "folder"));
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn with(mut self, right: AdminRight) -> Self {
        self.grants[right as usize] = Some(None);
        self
    }

    /// Adds a right limited to the given kinds (none if the list is empty).
    ///
    /// ```
    /// use shareguard::model::{AdminRight, AdminRights};
    ///
    /// let document = "document".parse()?;
    /// let rights = AdminRights::none().with_kinds(AdminRight::DeleteShares, [document]);
    /// assert!(rights.allows_kind(AdminRight::DeleteShares, "document"));
    /// assert!(!rights.allows_kind(AdminRight::DeleteShares, "folder"));
    /// let nowhere = AdminRights::none().with_kinds(AdminRight::ReadShares, []);
    /// assert!(!nowhere.allows_kind(AdminRight::ReadShares, "document"));
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn with_kinds(
        mut self,
        right: AdminRight,
        kinds: impl IntoIterator<Item = ResourceKind>,
    ) -> Self {
        self.grants[right as usize] = Some(Some(kinds.into_iter().collect()));
        self
    }

    /// Whether the right is held for resources of this kind.
    ///
    /// ```
    /// use shareguard::model::{AdminRight, AdminRights, ResourceKind};
    ///
    /// let room: ResourceKind = "room".parse()?;
    /// let rights = AdminRights::none().with_kinds(AdminRight::WriteShares, [room.clone()]);
    /// assert!(rights.allows(AdminRight::WriteShares, &room));
    /// assert!(!rights.allows(AdminRight::WriteShares, &"folder".parse()?));
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn allows(&self, right: AdminRight, kind: &ResourceKind) -> bool {
        self.allows_kind(right, kind.as_str())
    }

    /// As [`AdminRights::allows`], with the kind as a string.
    ///
    /// ```
    /// use shareguard::model::{AdminRight, AdminRights};
    ///
    /// let rights = AdminRights::none().with_kinds(AdminRight::ReadShares, ["folder".parse()?]);
    /// assert!(rights.allows_kind(AdminRight::ReadShares, "folder"));
    /// assert!(!rights.allows_kind(AdminRight::ReadShares, "Folder")); // kinds compare exactly
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn allows_kind(&self, right: AdminRight, kind: &str) -> bool {
        match &self.grants[right as usize] {
            None => false,
            Some(None) => true,
            Some(Some(kinds)) => kinds.iter().any(|k| k.as_str() == kind),
        }
    }

    /// Whether no right is held at all, for any kind. A right limited to an empty list of
    /// kinds counts as held here (it is kept, and serialized), though it allows nothing.
    ///
    /// ```
    /// use shareguard::model::{AdminRight, AdminRights};
    ///
    /// assert!(AdminRights::none().is_empty());
    /// assert!(!AdminRights::none().with(AdminRight::ReadShares).is_empty());
    /// assert!(!AdminRights::none().with_kinds(AdminRight::ReadShares, []).is_empty());
    /// ```
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.grants.iter().all(Option::is_none)
    }
}

#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum AdminRightWire {
    All(AdminRight),
    Limited { right: AdminRight, kinds: Vec<ResourceKind> },
}

impl Serialize for AdminRights {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(Self::ORDER.iter().zip(&self.grants).filter_map(|(right, grant)| {
            grant.as_ref().map(|kinds| match kinds {
                None => AdminRightWire::All(*right),
                Some(kinds) => AdminRightWire::Limited { right: *right, kinds: kinds.clone() },
            })
        }))
    }
}

impl<'de> Deserialize<'de> for AdminRights {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let items = Vec::<AdminRightWire>::deserialize(d)?;
        Ok(items.into_iter().fold(AdminRights::none(), |rights, item| match item {
            AdminRightWire::All(right) => rights.with(right),
            AdminRightWire::Limited { right, kinds } => rights.with_kinds(right, kinds),
        }))
    }
}

/// Who is asking: a principal with everything the policy needs to know about it, already
/// resolved (transitive groups, the chain of roles its role reports to).
///
/// Resolving is the caller's job; [`Directory`](crate::model::Directory) does it for tests and small
/// services.
///
/// ```
/// use shareguard::{Principal, PrincipalKind};
/// use shareguard::model::AdminRight;
///
/// let alice = Principal::builder("alice", PrincipalKind::Internal)
///     .group("eng")
///     .role("vp-sales")
///     .reports_to("ceo")
///     .email("alice@corp.example")
///     .admin_right(AdminRight::ReadShares)
///     .build()?;
/// assert_eq!(alice.id().as_str(), "alice");
/// assert_eq!(alice.groups().len(), 1);
/// # Ok::<(), shareguard::ModelError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
// What a decision reads of the principal (its id, kind and groups) fills the first 64 bytes,
// and the alignment keeps them in one cache line.
#[repr(C, align(64))]
pub struct Principal {
    id: PrincipalId,
    #[serde(default)]
    kind: PrincipalKind,
    #[serde(default, skip_serializing_if = "Groups::is_empty")]
    groups: Groups,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    role: Option<RoleId>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    reports_to: Vec<RoleId>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    emails: Vec<Email>,
    #[serde(default, skip_serializing_if = "AdminRights::is_empty")]
    admin: AdminRights,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    link_digests: Vec<LinkDigest>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    unlocked: Vec<LinkUnlock>,
}

impl Principal {
    /// A principal with an id and a kind and nothing else: no groups, role, email, rights or
    /// link tokens.
    ///
    /// ```
    /// use shareguard::{Principal, PrincipalKind};
    ///
    /// let visitor = Principal::new("visitor-7".parse()?, PrincipalKind::Anonymous);
    /// assert_eq!(visitor.kind(), PrincipalKind::Anonymous);
    /// assert!(visitor.groups().is_empty() && visitor.role().is_none());
    /// assert!(visitor.emails().is_empty() && visitor.admin().is_empty());
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn new(id: PrincipalId, kind: PrincipalKind) -> Self {
        Self {
            id,
            kind,
            groups: Groups::default(),
            role: None,
            reports_to: Vec::new(),
            emails: Vec::new(),
            admin: AdminRights::none(),
            link_digests: Vec::new(),
            unlocked: Vec::new(),
        }
    }

    /// Starts a principal with its id and kind.
    ///
    /// ```
    /// use shareguard::{Principal, PrincipalKind};
    /// use shareguard::model::PrincipalId;
    ///
    /// // The id may be a string or a `PrincipalId` already made…
    /// let bob = Principal::builder("bob", PrincipalKind::Internal).build()?;
    /// let id: PrincipalId = "bob".parse()?;
    /// assert_eq!(Principal::builder(id, PrincipalKind::Internal).build()?, bob);
    /// // …and a malformed one is reported by `build`.
    /// let err = Principal::builder("", PrincipalKind::Internal).group("eng").build();
    /// assert_eq!(err.unwrap_err().field(), "principal");
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    pub fn builder(
        id: impl TryInto<PrincipalId, Error = impl Into<ModelError>>,
        kind: PrincipalKind,
    ) -> PrincipalBuilder {
        let mut builder = PrincipalBuilder { kind, ..PrincipalBuilder::default() };
        match id.try_into() {
            Ok(id) => builder.id = Some(id),
            Err(e) => builder.error = Some(e.into()),
        }
        builder
    }

    /// The principal's id.
    ///
    /// ```
    /// use shareguard::{Principal, PrincipalKind};
    ///
    /// let alice = Principal::builder("alice", PrincipalKind::Internal).build()?;
    /// assert_eq!(alice.id().as_str(), "alice");
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn id(&self) -> &PrincipalId {
        &self.id
    }

    /// The principal's kind.
    ///
    /// ```
    /// use shareguard::{Principal, PrincipalKind};
    ///
    /// let carl = Principal::builder("carl", PrincipalKind::Customer).build()?;
    /// assert_eq!(carl.kind(), PrincipalKind::Customer);
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn kind(&self) -> PrincipalKind {
        self.kind
    }

    /// Every group the principal is in, directly or through nested groups.
    ///
    /// ```
    /// use shareguard::{Principal, PrincipalKind};
    /// use shareguard::model::Directory;
    ///
    /// let mut dir = Directory::new();
    /// dir.add_group("eng".parse()?, ["staff".parse()?]);
    /// let bob = dir.resolve(Principal::builder("bob", PrincipalKind::Internal).group("eng"))?;
    /// let groups: Vec<&str> = bob.groups().iter().map(|g| g.as_str()).collect();
    /// assert_eq!(groups, ["eng", "staff"]);
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn groups(&self) -> &[GroupId] {
        &self.groups.ids
    }

    /// The filter of the principal's group tags (the [filter bit](Tagged::filter_bit) of each),
    /// made once.
    #[inline]
    pub(crate) fn group_bits(&self) -> u64 {
        self.groups.bits
    }

    /// Whether the principal is in the group, directly or transitively.
    ///
    /// ```
    /// use shareguard::{Principal, PrincipalKind};
    /// use shareguard::model::GroupId;
    ///
    /// let bob = Principal::builder("bob", PrincipalKind::Internal).group("eng").build()?;
    /// assert!(bob.in_group(&"eng".parse()?));
    /// assert!(!bob.in_group(&"Eng".parse::<GroupId>()?)); // ids compare exactly
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    #[inline]
    pub fn in_group(&self, group: &GroupId) -> bool {
        self.groups.bits & Groups::bit(group) != 0 && self.groups.ids.iter().any(|g| g == group)
    }

    /// The principal's role, if any.
    ///
    /// ```
    /// use shareguard::{Principal, PrincipalKind};
    ///
    /// let rep = Principal::builder("rita", PrincipalKind::Internal).role("rep").build()?;
    /// assert_eq!(rep.role().map(|r| r.as_str()), Some("rep"));
    /// assert!(Principal::builder("bob", PrincipalKind::Internal).build()?.role().is_none());
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn role(&self) -> Option<&RoleId> {
        self.role.as_ref()
    }

    /// The roles the principal's role reports to, transitively (nearest first).
    ///
    /// ```
    /// use shareguard::{Principal, PrincipalKind};
    ///
    /// let rep = Principal::builder("rita", PrincipalKind::Internal)
    ///     .role("rep")
    ///     .reports_to("vp-sales")
    ///     .reports_to("ceo")
    ///     .build()?;
    /// let chain: Vec<&str> = rep.reports_to().iter().map(|r| r.as_str()).collect();
    /// assert_eq!(chain, ["vp-sales", "ceo"]);
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn reports_to(&self) -> &[RoleId] {
        &self.reports_to
    }

    /// Whether the principal's role is `role` or reports to it, transitively.
    ///
    /// ```
    /// use shareguard::{Principal, PrincipalKind};
    /// use shareguard::model::RoleId;
    ///
    /// let rep = Principal::builder("rita", PrincipalKind::Internal)
    ///     .role("rep")
    ///     .reports_to("vp-sales")
    ///     .build()?;
    /// assert!(rep.has_role_or_reports_to(&"rep".parse()?));
    /// assert!(rep.has_role_or_reports_to(&"vp-sales".parse()?));
    /// assert!(!rep.has_role_or_reports_to(&"vp-marketing".parse::<RoleId>()?));
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn has_role_or_reports_to(&self, role: &RoleId) -> bool {
        self.role.as_ref() == Some(role) || self.reports_to.iter().any(|r| r == role)
    }

    /// The principal's verified email addresses.
    ///
    /// ```
    /// use shareguard::{Principal, PrincipalKind};
    /// use shareguard::model::Email;
    ///
    /// let eve = Principal::builder("eve", PrincipalKind::External)
    ///     .email("Eve@Partner.Example")
    ///     .build()?;
    /// assert_eq!(eve.emails()[0].as_str(), "Eve@Partner.Example");
    /// assert!(eve.emails().contains(&"eve@partner.example".parse::<Email>()?));
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn emails(&self) -> &[Email] {
        &self.emails
    }

    /// The principal's administrative rights.
    ///
    /// ```
    /// use shareguard::{Principal, PrincipalKind};
    /// use shareguard::model::AdminRight;
    ///
    /// let admin = Principal::builder("root", PrincipalKind::Internal)
    ///     .admin_right(AdminRight::DeleteShares)
    ///     .build()?;
    /// assert!(admin.admin().allows_kind(AdminRight::DeleteShares, "folder"));
    /// assert!(!admin.admin().allows_kind(AdminRight::WriteShares, "folder"));
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn admin(&self) -> &AdminRights {
        &self.admin
    }

    /// The digests of the link tokens the principal presented.
    ///
    /// ```
    /// use shareguard::{Principal, PrincipalKind};
    /// use shareguard::model::LinkToken;
    ///
    /// let token = LinkToken::presented("tok-1")?;
    /// let visitor = Principal::builder("visitor-7", PrincipalKind::Anonymous)
    ///     .link_token(&token)
    ///     .build()?;
    /// assert_eq!(visitor.link_digests(), [token.digest()]);
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn link_digests(&self) -> &[LinkDigest] {
        &self.link_digests
    }

    /// The password-protected links this principal has unlocked (SEMANTICS.md section 8).
    ///
    /// ```
    /// use shareguard::{Principal, PrincipalKind};
    /// let visitor = Principal::new("v".parse()?, PrincipalKind::Anonymous);
    /// assert!(visitor.unlocked().is_empty());
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn unlocked(&self) -> &[LinkUnlock] {
        &self.unlocked
    }

    /// The same principal, now carrying `unlock` (what [`crate::Admin::unlock_link`] returns).
    ///
    /// ```
    /// use shareguard::{Principal, PrincipalKind};
    /// use shareguard::model::{LinkPassword, LinkToken, LinkUnlock, Password};
    /// let token = LinkToken::presented("tok-1")?;
    /// let kept = LinkPassword::hash(&Password::new("s3cret")?)?;
    /// let visitor = Principal::new("v".parse()?, PrincipalKind::Anonymous)
    ///     .with_unlock(LinkUnlock::new(token.digest(), &kept));
    /// assert_eq!(visitor.unlocked().len(), 1);
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn with_unlock(mut self, unlock: LinkUnlock) -> Self {
        if !self.unlocked.contains(&unlock) {
            self.unlocked.push(unlock);
        }
        self
    }
}

/// Builds a [`Principal`]. Keeps the first malformed value and reports it from
/// [`PrincipalBuilder::build`].
///
/// ```
/// use shareguard::{Principal, PrincipalKind};
///
/// let builder = Principal::builder("bob", PrincipalKind::Internal).group("eng");
/// assert!(builder.clone().build().is_ok());
/// let err = builder.role("").email("bob").build().unwrap_err();
/// assert_eq!(err.to_string(), "role: must not be empty");
/// ```
#[derive(Debug, Default, Clone)]
#[must_use]
pub struct PrincipalBuilder {
    id: Option<PrincipalId>,
    kind: PrincipalKind,
    groups: Vec<GroupId>,
    role: Option<RoleId>,
    reports_to: Vec<RoleId>,
    emails: Vec<Email>,
    admin: AdminRights,
    link_digests: Vec<LinkDigest>,
    unlocked: Vec<LinkUnlock>,
    error: Option<ModelError>,
}

impl PrincipalBuilder {
    fn keep<T, E: Into<ModelError>>(&mut self, value: Result<T, E>) -> Option<T> {
        match value {
            Ok(v) => Some(v),
            Err(e) => {
                self.error.get_or_insert(e.into());
                None
            }
        }
    }

    /// Adds a group the principal is in (the caller passes every group, transitively, or
    /// lets [`Directory::resolve`](crate::model::Directory::resolve) expand them).
    ///
    /// ```
    /// use shareguard::{Principal, PrincipalKind};
    ///
    /// let bob = Principal::builder("bob", PrincipalKind::Internal)
    ///     .group("eng")
    ///     .group("staff")
    ///     .group("eng")
    ///     .build()?;
    /// assert_eq!(bob.groups().len(), 2); // each group once
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    pub fn group(mut self, group: impl TryInto<GroupId, Error = impl Into<ModelError>>) -> Self {
        if let Some(g) = self.keep(group.try_into()) {
            if !self.groups.contains(&g) {
                self.groups.push(g);
            }
        }
        self
    }

    /// Sets the principal's role.
    ///
    /// ```
    /// use shareguard::{Principal, PrincipalKind};
    ///
    /// let rita = Principal::builder("rita", PrincipalKind::Internal).role("rep").role("vp-sales");
    /// assert_eq!(rita.build()?.role().map(|r| r.as_str()), Some("vp-sales")); // the last one
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    pub fn role(mut self, role: impl TryInto<RoleId, Error = impl Into<ModelError>>) -> Self {
        self.role = self.keep(role.try_into());
        self
    }

    /// Adds a role that the principal's role reports to (nearest first).
    ///
    /// ```
    /// use shareguard::{Principal, PrincipalKind};
    ///
    /// let rita = Principal::builder("rita", PrincipalKind::Internal)
    ///     .role("rep")
    ///     .reports_to("vp-sales")
    ///     .reports_to("ceo")
    ///     .build()?;
    /// assert_eq!(rita.reports_to()[0].as_str(), "vp-sales");
    /// assert!(rita.has_role_or_reports_to(&"ceo".parse()?));
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    pub fn reports_to(mut self, role: impl TryInto<RoleId, Error = impl Into<ModelError>>) -> Self {
        if let Some(r) = self.keep(role.try_into()) {
            if !self.reports_to.contains(&r) {
                self.reports_to.push(r);
            }
        }
        self
    }

    /// Adds a verified email address, once (addresses compare ignoring ASCII case).
    ///
    /// ```
    /// use shareguard::{Principal, PrincipalKind};
    ///
    /// let eve = Principal::builder("eve", PrincipalKind::External)
    ///     .email("eve@partner.example")
    ///     .email("Eve@Partner.Example");
    /// assert_eq!(eve.build()?.emails().len(), 1);
    /// let bad = Principal::builder("eve", PrincipalKind::External).email("eve at partner");
    /// assert_eq!(bad.build().unwrap_err().field(), "email");
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    pub fn email(mut self, email: impl TryInto<Email, Error = impl Into<ModelError>>) -> Self {
        if let Some(e) = self.keep(email.try_into()) {
            if !self.emails.contains(&e) {
                self.emails.push(e);
            }
        }
        self
    }

    /// Adds an administrative right over every resource kind.
    ///
    /// ```
    /// use shareguard::{Principal, PrincipalKind};
    /// use shareguard::model::AdminRight;
    ///
    /// let ops = Principal::builder("ops", PrincipalKind::Internal)
    ///     .admin_right(AdminRight::ReadShares)
    ///     .admin_right(AdminRight::WriteShares)
    ///     .build()?;
    /// assert!(ops.admin().allows_kind(AdminRight::ReadShares, "asset"));
    /// assert!(ops.admin().allows_kind(AdminRight::WriteShares, "room"));
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    pub fn admin_right(mut self, right: AdminRight) -> Self {
        self.admin = self.admin.with(right);
        self
    }

    /// Sets all administrative rights at once.
    ///
    /// ```
    /// use shareguard::{Principal, PrincipalKind};
    /// use shareguard::model::{AdminRight, AdminRights};
    ///
    /// let document = "document".parse()?;
    /// let rights = AdminRights::none().with_kinds(AdminRight::DeleteShares, [document]);
    /// let ops = Principal::builder("ops", PrincipalKind::Internal)
    ///     .admin_right(AdminRight::ReadShares)
    ///     .admin(rights.clone())
    ///     .build()?;
    /// assert_eq!(ops.admin(), &rights); // replacing the rights given before
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    pub fn admin(mut self, rights: AdminRights) -> Self {
        self.admin = rights;
        self
    }

    /// Adds a link token the principal presented; only its digest is kept.
    ///
    /// ```
    /// use shareguard::{Principal, PrincipalKind, Recipient};
    /// use shareguard::model::{LinkToken, ShareLink};
    ///
    /// let token = LinkToken::generate()?;
    /// let visitor = Principal::builder("visitor-7", PrincipalKind::Anonymous)
    ///     .link_token(&token)
    ///     .build()?;
    /// assert!(Recipient::Link(ShareLink::new(&token, false)).matches(&visitor));
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    pub fn link_token(mut self, token: &LinkToken) -> Self {
        self.link_digests.push(token.digest());
        self
    }

    /// Adds the digest of a presented link token.
    ///
    /// ```
    /// use shareguard::{Principal, PrincipalKind};
    /// use shareguard::model::{LinkDigest, LinkToken};
    ///
    /// let digest: LinkDigest = LinkToken::presented("tok-1")?.digest().to_hex().parse()?;
    /// let by_digest = Principal::builder("v", PrincipalKind::Anonymous).link_digest(digest);
    /// let by_token = Principal::builder("v", PrincipalKind::Anonymous)
    ///     .link_token(&LinkToken::presented("tok-1")?);
    /// assert_eq!(by_digest.build()?, by_token.build()?);
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    pub fn link_digest(mut self, digest: LinkDigest) -> Self {
        self.link_digests.push(digest);
        self
    }

    /// Adds an unlock of a password-protected link (see [`Principal::with_unlock`]).
    ///
    /// ```
    /// use shareguard::{Principal, PrincipalKind};
    /// use shareguard::model::{LinkPassword, LinkToken, LinkUnlock, Password};
    /// let token = LinkToken::presented("tok-1")?;
    /// let kept = LinkPassword::hash(&Password::new("s3cret")?)?;
    /// let visitor = Principal::builder("v", PrincipalKind::Anonymous)
    ///     .link_token(&token)
    ///     .unlocked(LinkUnlock::new(token.digest(), &kept))
    ///     .build()?;
    /// assert_eq!(visitor.unlocked().len(), 1);
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    pub fn unlocked(mut self, unlock: LinkUnlock) -> Self {
        self.unlocked.push(unlock);
        self
    }

    /// The groups added so far (direct, before any resolution).
    ///
    /// ```
    /// use shareguard::{Principal, PrincipalKind};
    /// use shareguard::model::Directory;
    ///
    /// let mut dir = Directory::new();
    /// dir.add_group("eng".parse()?, ["staff".parse()?]);
    /// let builder = Principal::builder("bob", PrincipalKind::Internal).group("eng");
    /// assert_eq!(builder.direct_groups().len(), 1);
    /// assert_eq!(dir.resolve(builder)?.groups().len(), 2);
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn direct_groups(&self) -> &[GroupId] {
        &self.groups
    }

    /// The principal, or the first malformed value given to the builder.
    ///
    /// ```
    /// use shareguard::{Principal, PrincipalKind};
    ///
    /// let bob = Principal::builder("bob", PrincipalKind::Internal).group("eng").build()?;
    /// assert!(bob.in_group(&"eng".parse()?));
    /// let err = Principal::builder("bob", PrincipalKind::Internal).email("x").group("").build();
    /// assert_eq!(err.unwrap_err().field(), "email");
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    pub fn build(self) -> Result<Principal, ModelError> {
        if let Some(e) = self.error {
            return Err(e);
        }
        let id = self.id.ok_or(ModelError::Empty { field: "principal" })?;
        Ok(Principal {
            id,
            kind: self.kind,
            groups: self.groups.into(),
            role: self.role,
            reports_to: self.reports_to,
            emails: self.emails,
            admin: self.admin,
            link_digests: self.link_digests,
            unlocked: self.unlocked,
        })
    }
}

/// A principal's groups, with a filter of their tags made once, so that a decision rules out
/// the shares to other groups without reading the groups (they are a second allocation, and
/// a cache miss, away from the principal).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Groups {
    ids: Vec<GroupId>,
    /// The [filter bit](Tagged::filter_bit) of each group.
    bits: u64,
}

impl Groups {
    fn bit(group: &GroupId) -> u64 {
        group.filter_bit()
    }

    fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
}

impl From<Vec<GroupId>> for Groups {
    fn from(ids: Vec<GroupId>) -> Self {
        let bits = ids.iter().fold(0, |bits, g| bits | Self::bit(g));
        Self { ids, bits }
    }
}

impl Serialize for Groups {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.ids.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Groups {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Vec::<GroupId>::deserialize(d).map(Self::from)
    }
}

impl Principal {
    /// The same principal with its groups and role chain replaced (used by the directory).
    pub(crate) fn with_resolved(mut self, groups: Vec<GroupId>, reports_to: Vec<RoleId>) -> Self {
        self.groups = groups.into();
        let mut chain = reports_to;
        let named = std::mem::take(&mut self.reports_to);
        if !named.is_empty() {
            let known: std::collections::HashSet<RoleId> = chain.iter().cloned().collect();
            chain.extend(named.into_iter().filter(|r| !known.contains(r)));
        }
        self.reports_to = chain;
        self
    }
}
