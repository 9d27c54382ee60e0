//! Who is asking: principals and their administrative rights.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::{Email, GroupId, LinkDigest, LinkToken, ModelError, PrincipalId, ResourceKind, RoleId};

/// The kind of a principal (SEMANTICS.md section 3).
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
/// use shareguard::{AdminRight, AdminRights, ResourceKind};
///
/// let rights: AdminRights = serde_json::from_str(
///     r#"["read_shares", {"right": "delete_shares", "kinds": ["document"]}]"#,
/// ).unwrap();
/// let document: ResourceKind = "document".parse()?;
/// let folder: ResourceKind = "folder".parse()?;
/// assert!(rights.allows(AdminRight::ReadShares, &folder));
/// assert!(rights.allows(AdminRight::DeleteShares, &document));
/// assert!(!rights.allows(AdminRight::DeleteShares, &folder));
/// assert!(!rights.allows(AdminRight::WriteShares, &document));
/// # Ok::<(), shareguard::ModelError>(())
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
    #[must_use]
    pub fn none() -> Self {
        Self::default()
    }

    /// Adds a right over every resource kind.
    #[must_use]
    pub fn with(mut self, right: AdminRight) -> Self {
        self.grants[right as usize] = Some(None);
        self
    }

    /// Adds a right limited to the given kinds (none if the list is empty).
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
    #[must_use]
    pub fn allows(&self, right: AdminRight, kind: &ResourceKind) -> bool {
        self.allows_kind(right, kind.as_str())
    }

    /// As [`AdminRights::allows`], with the kind as a string.
    #[must_use]
    pub fn allows_kind(&self, right: AdminRight, kind: &str) -> bool {
        match &self.grants[right as usize] {
            None => false,
            Some(None) => true,
            Some(Some(kinds)) => kinds.iter().any(|k| k.as_str() == kind),
        }
    }

    /// Whether any right is held at all, for any kind.
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
/// Resolving is the caller's job; [`Directory`](crate::Directory) does it for tests and small
/// services.
///
/// ```
/// use shareguard::{AdminRight, Principal, PrincipalKind};
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
pub struct Principal {
    id: PrincipalId,
    #[serde(default)]
    kind: PrincipalKind,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    groups: Vec<GroupId>,
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
}

impl Principal {
    /// A principal with an id and a kind and nothing else: no groups, role, email, rights or
    /// link tokens.
    #[must_use]
    pub fn new(id: PrincipalId, kind: PrincipalKind) -> Self {
        Self {
            id,
            kind,
            groups: Vec::new(),
            role: None,
            reports_to: Vec::new(),
            emails: Vec::new(),
            admin: AdminRights::none(),
            link_digests: Vec::new(),
        }
    }

    /// Starts a principal with its id and kind.
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
    #[must_use]
    pub fn id(&self) -> &PrincipalId {
        &self.id
    }

    /// The principal's kind.
    #[must_use]
    pub fn kind(&self) -> PrincipalKind {
        self.kind
    }

    /// Every group the principal is in, directly or through nested groups.
    #[must_use]
    pub fn groups(&self) -> &[GroupId] {
        &self.groups
    }

    /// Whether the principal is in the group, directly or transitively.
    #[must_use]
    #[inline]
    pub fn in_group(&self, group: &GroupId) -> bool {
        self.groups.iter().any(|g| g == group)
    }

    /// The principal's role, if any.
    #[must_use]
    pub fn role(&self) -> Option<&RoleId> {
        self.role.as_ref()
    }

    /// The roles the principal's role reports to, transitively (nearest first).
    #[must_use]
    pub fn reports_to(&self) -> &[RoleId] {
        &self.reports_to
    }

    /// Whether the principal's role is `role` or reports to it, transitively.
    #[must_use]
    pub fn has_role_or_reports_to(&self, role: &RoleId) -> bool {
        self.role.as_ref() == Some(role) || self.reports_to.iter().any(|r| r == role)
    }

    /// The principal's verified email addresses.
    #[must_use]
    pub fn emails(&self) -> &[Email] {
        &self.emails
    }

    /// The principal's administrative rights.
    #[must_use]
    pub fn admin(&self) -> &AdminRights {
        &self.admin
    }

    /// The digests of the link tokens the principal presented.
    #[must_use]
    pub fn link_digests(&self) -> &[LinkDigest] {
        &self.link_digests
    }
}

/// Builds a [`Principal`]. Keeps the first malformed value and reports it from
/// [`PrincipalBuilder::build`].
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
    /// lets [`Directory::resolve`](crate::Directory::resolve) expand them).
    pub fn group(mut self, group: impl TryInto<GroupId, Error = impl Into<ModelError>>) -> Self {
        if let Some(g) = self.keep(group.try_into()) {
            if !self.groups.contains(&g) {
                self.groups.push(g);
            }
        }
        self
    }

    /// Sets the principal's role.
    pub fn role(mut self, role: impl TryInto<RoleId, Error = impl Into<ModelError>>) -> Self {
        self.role = self.keep(role.try_into());
        self
    }

    /// Adds a role that the principal's role reports to (nearest first).
    pub fn reports_to(mut self, role: impl TryInto<RoleId, Error = impl Into<ModelError>>) -> Self {
        if let Some(r) = self.keep(role.try_into()) {
            if !self.reports_to.contains(&r) {
                self.reports_to.push(r);
            }
        }
        self
    }

    /// Adds a verified email address.
    pub fn email(mut self, email: impl TryInto<Email, Error = impl Into<ModelError>>) -> Self {
        if let Some(e) = self.keep(email.try_into()) {
            self.emails.push(e);
        }
        self
    }

    /// Adds an administrative right over every resource kind.
    pub fn admin_right(mut self, right: AdminRight) -> Self {
        self.admin = self.admin.with(right);
        self
    }

    /// Sets all administrative rights at once.
    pub fn admin(mut self, rights: AdminRights) -> Self {
        self.admin = rights;
        self
    }

    /// Adds a link token the principal presented; only its digest is kept.
    pub fn link_token(mut self, token: &LinkToken) -> Self {
        self.link_digests.push(token.digest());
        self
    }

    /// Adds the digest of a presented link token.
    pub fn link_digest(mut self, digest: LinkDigest) -> Self {
        self.link_digests.push(digest);
        self
    }

    /// The groups added so far (direct, before any resolution).
    #[must_use]
    pub fn direct_groups(&self) -> &[GroupId] {
        &self.groups
    }

    /// The principal, or the first malformed value given to the builder.
    pub fn build(self) -> Result<Principal, ModelError> {
        if let Some(e) = self.error {
            return Err(e);
        }
        let id = self.id.ok_or(ModelError::Empty { field: "principal" })?;
        Ok(Principal {
            id,
            kind: self.kind,
            groups: self.groups,
            role: self.role,
            reports_to: self.reports_to,
            emails: self.emails,
            admin: self.admin,
            link_digests: self.link_digests,
        })
    }
}

impl Principal {
    /// The same principal with its groups and role chain replaced (used by the directory).
    pub(crate) fn with_resolved(mut self, groups: Vec<GroupId>, reports_to: Vec<RoleId>) -> Self {
        self.groups = groups;
        let mut chain = reports_to;
        for r in std::mem::take(&mut self.reports_to) {
            if !chain.contains(&r) {
                chain.push(r);
            }
        }
        self.reports_to = chain;
        self
    }
}
