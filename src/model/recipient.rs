//! Who a share is for (SEMANTICS.md section 3).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::model::{Email, GroupId, Principal, PrincipalId, PrincipalKind, RoleId, ShareLink};

impl Principal {
    /// Every recipient that could reach this principal, as exact keys a store can look up
    /// for "shared with me": its id, transitive groups, exact role, its role and each role
    /// it reports to for the chains (the internal-only chain for internal principals only),
    /// the organisation or its portal audience, its emails, its presented links, and the
    /// public when asked. An anonymous principal gets only the public and its links.
    ///
    /// A recipient [`matches`](Recipient::matches) the principal exactly when it equals one
    /// of these keys (emails compared ignoring case, links by digest), `public` aside when
    /// not asked for.
    ///
    /// ```
    /// use shareguard::{Principal, PrincipalKind, Recipient};
    ///
    /// let bob = Principal::builder("bob", PrincipalKind::Internal).group("eng").build()?;
    /// let keys = bob.recipient_keys(false);
    /// assert!(keys.contains(&Recipient::Group { id: "eng".parse()? }));
    /// assert!(keys.contains(&Recipient::Organization));
    /// assert!(!keys.contains(&Recipient::Public));
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn recipient_keys(&self, include_public: bool) -> Vec<Recipient> {
        let mut keys = Vec::new();
        if include_public {
            keys.push(Recipient::Public);
        }
        keys.extend(
            self.link_digests().iter().map(|d| Recipient::Link(ShareLink::from_digest(*d))),
        );
        let kind = self.kind();
        if kind == PrincipalKind::Anonymous {
            return keys;
        }
        keys.push(Recipient::User { id: self.id().clone() });
        keys.extend(self.groups().iter().map(|g| Recipient::Group { id: g.clone() }));
        if let Some(role) = self.role() {
            keys.push(Recipient::Role { id: role.clone() });
        }
        // The chains reach a principal through its role and every role it reports to, with
        // or without a role of its own: the same rule as `Recipient::matches`.
        {
            for r in self.role().into_iter().chain(self.reports_to()) {
                keys.push(Recipient::RoleAndSubordinates { id: r.clone() });
                if kind == PrincipalKind::Internal {
                    keys.push(Recipient::RoleAndInternalSubordinates { id: r.clone() });
                }
            }
        }
        match kind {
            PrincipalKind::Internal => keys.push(Recipient::Organization),
            PrincipalKind::Partner => keys.push(Recipient::PartnerUsers),
            PrincipalKind::Customer => keys.push(Recipient::CustomerUsers),
            PrincipalKind::External | PrincipalKind::Anonymous => {}
        }
        keys.extend(self.emails().iter().map(|e| Recipient::Email { email: e.clone() }));
        keys
    }
}

/// Who a share is for. Every recipient kind of the seed products maps onto one of these.
///
/// Serialized with a `type` tag of SEMANTICS.md section 3:
/// `{"type": "group", "id": "eng"}`, `{"type": "email", "email": "a@b.example"}`,
/// `{"type": "link", "token": "…"}`, `{"type": "organization"}`.
///
/// ```
/// use shareguard::{Principal, PrincipalKind, Recipient};
///
/// let bob = Principal::builder("bob", PrincipalKind::Internal).group("eng").build()?;
/// let eng: Recipient = serde_json::from_str(r#"{"type": "group", "id": "eng"}"#)?;
/// assert!(eng.matches(&bob));
/// assert!(Recipient::Organization.matches(&bob));
/// assert!(!Recipient::PartnerUsers.matches(&bob));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Recipient {
    /// One principal, by id.
    User {
        /// The principal's id.
        id: PrincipalId,
    },
    /// The members of a group, transitively.
    Group {
        /// The group's id.
        id: GroupId,
    },
    /// The principals whose role is exactly this one.
    Role {
        /// The role's id.
        id: RoleId,
    },
    /// The principals whose role is this one or reports to it, transitively.
    RoleAndSubordinates {
        /// The role's id.
        id: RoleId,
    },
    /// As [`Recipient::RoleAndSubordinates`], internal principals only.
    RoleAndInternalSubordinates {
        /// The role's id.
        id: RoleId,
    },
    /// Every internal principal.
    Organization,
    /// Every partner-portal user.
    PartnerUsers,
    /// Every customer-portal user.
    CustomerUsers,
    /// Whoever has verified this address, compared ignoring ASCII case.
    Email {
        /// The address.
        email: Email,
    },
    /// Everyone, anonymous visitors included.
    Public,
    /// Whoever presents the link's token.
    Link(ShareLink),
}

/// The class of a recipient, for re-share rights and settings (SEMANTICS.md section 3).
///
/// ```
/// use shareguard::{Permission, Recipient};
/// use shareguard::model::RecipientClass;
///
/// let eve = Recipient::Email { email: "eve@partner.example".parse()? };
/// assert_eq!(eve.class(), RecipientClass::External);
/// assert_eq!(eve.class().reshare_permission(), Permission::ReshareExternal);
/// assert_eq!(serde_json::to_string(&RecipientClass::External)?, r#""external""#);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecipientClass {
    /// Users, groups, the role kinds and the organisation.
    Internal,
    /// People by email and the portal audiences.
    External,
    /// The public.
    Public,
    /// Share links.
    Link,
}

/// The kind of a recipient, without its id: what store filters and vendor forms name.
///
/// ```
/// use shareguard::Recipient;
/// use shareguard::model::ShareType;
///
/// let recipient = Recipient::RoleAndSubordinates { id: "vp-sales".parse()? };
/// assert_eq!(recipient.share_type(), ShareType::RoleAndSubordinates);
/// let json = serde_json::to_string(&ShareType::RoleAndSubordinates)?;
/// assert_eq!(json, r#""role_and_subordinates""#);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[allow(
    missing_docs,
    reason = "each variant is the kind of the `Recipient` variant of the same name"
)]
pub enum ShareType {
    User,
    Group,
    Role,
    RoleAndSubordinates,
    RoleAndInternalSubordinates,
    Organization,
    PartnerUsers,
    CustomerUsers,
    Email,
    Public,
    Link,
}

impl ShareType {
    /// The snake_case name, as in SEMANTICS.md section 3.
    ///
    /// ```
    /// use shareguard::Recipient;
    /// use shareguard::model::ShareType;
    ///
    /// assert_eq!(ShareType::CustomerUsers.name(), "customer_users");
    /// // The `type` a recipient is written with.
    /// let json = serde_json::to_value(Recipient::CustomerUsers)?;
    /// assert_eq!(json["type"], ShareType::CustomerUsers.name());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            ShareType::User => "user",
            ShareType::Group => "group",
            ShareType::Role => "role",
            ShareType::RoleAndSubordinates => "role_and_subordinates",
            ShareType::RoleAndInternalSubordinates => "role_and_internal_subordinates",
            ShareType::Organization => "organization",
            ShareType::PartnerUsers => "partner_users",
            ShareType::CustomerUsers => "customer_users",
            ShareType::Email => "email",
            ShareType::Public => "public",
            ShareType::Link => "link",
        }
    }

    /// The class of recipients of this kind.
    ///
    /// ```
    /// use shareguard::model::{RecipientClass, ShareType};
    ///
    /// assert_eq!(ShareType::Organization.class(), RecipientClass::Internal);
    /// // Portal audiences are users, but not internal ones.
    /// assert_eq!(ShareType::PartnerUsers.class(), RecipientClass::External);
    /// assert_eq!(ShareType::Link.class(), RecipientClass::Link);
    /// ```
    #[must_use]
    pub const fn class(self) -> RecipientClass {
        match self {
            ShareType::User
            | ShareType::Group
            | ShareType::Role
            | ShareType::RoleAndSubordinates
            | ShareType::RoleAndInternalSubordinates
            | ShareType::Organization => RecipientClass::Internal,
            ShareType::Email | ShareType::PartnerUsers | ShareType::CustomerUsers => {
                RecipientClass::External
            }
            ShareType::Public => RecipientClass::Public,
            ShareType::Link => RecipientClass::Link,
        }
    }
}

impl fmt::Display for ShareType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl RecipientClass {
    /// The re-share permission a sharer needs to share with this class.
    ///
    /// ```
    /// use shareguard::{AccessLevel, Permission, ReshareRights};
    /// use shareguard::model::RecipientClass;
    ///
    /// assert_eq!(RecipientClass::Public.reshare_permission(), Permission::ResharePublic);
    /// // An editor with internal re-share rights may share on internally, and only so.
    /// let held = AccessLevel::Editor.permissions() | ReshareRights::INTERNAL.permissions();
    /// assert!(held.has(RecipientClass::Internal.reshare_permission()));
    /// assert!(!held.has(RecipientClass::Link.reshare_permission()));
    /// ```
    #[must_use]
    pub const fn reshare_permission(self) -> crate::model::Permission {
        match self {
            RecipientClass::Internal => crate::model::Permission::ReshareInternal,
            RecipientClass::External => crate::model::Permission::ReshareExternal,
            RecipientClass::Public => crate::model::Permission::ResharePublic,
            RecipientClass::Link => crate::model::Permission::ReshareLink,
        }
    }
}

impl Recipient {
    /// The kind of this recipient.
    ///
    /// ```
    /// use shareguard::Recipient;
    /// use shareguard::model::ShareType;
    ///
    /// assert_eq!(Recipient::Group { id: "eng".parse()? }.share_type(), ShareType::Group);
    /// assert_eq!(Recipient::Public.share_type(), ShareType::Public);
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub const fn share_type(&self) -> ShareType {
        match self {
            Recipient::User { .. } => ShareType::User,
            Recipient::Group { .. } => ShareType::Group,
            Recipient::Role { .. } => ShareType::Role,
            Recipient::RoleAndSubordinates { .. } => ShareType::RoleAndSubordinates,
            Recipient::RoleAndInternalSubordinates { .. } => ShareType::RoleAndInternalSubordinates,
            Recipient::Organization => ShareType::Organization,
            Recipient::PartnerUsers => ShareType::PartnerUsers,
            Recipient::CustomerUsers => ShareType::CustomerUsers,
            Recipient::Email { .. } => ShareType::Email,
            Recipient::Public => ShareType::Public,
            Recipient::Link(_) => ShareType::Link,
        }
    }

    /// The class of this recipient: internal, external, public or link.
    ///
    /// ```
    /// use shareguard::Recipient;
    /// use shareguard::model::{LinkToken, RecipientClass, ShareLink};
    ///
    /// assert_eq!(Recipient::Role { id: "rep".parse()? }.class(), RecipientClass::Internal);
    /// assert_eq!(Recipient::CustomerUsers.class(), RecipientClass::External);
    /// let link = Recipient::Link(ShareLink::new(&LinkToken::generate()?, false));
    /// assert_eq!(link.class(), RecipientClass::Link);
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub const fn class(&self) -> RecipientClass {
        self.share_type().class()
    }

    /// Whether this recipient reaches the principal, exactly as the table of SEMANTICS.md
    /// section 3 says. An anonymous principal is reached only by `public` and `link`.
    ///
    /// Settings are not consulted here: see the policy for what a disabled class does.
    ///
    /// ```
    /// use shareguard::{Principal, PrincipalKind, Recipient};
    /// use shareguard::model::{LinkToken, ShareLink};
    ///
    /// let token = LinkToken::generate()?;
    /// let visitor =
    ///     Principal::builder("v1", PrincipalKind::Anonymous).link_token(&token).build()?;
    /// assert!(Recipient::Public.matches(&visitor));
    /// assert!(Recipient::Link(ShareLink::new(&token, false)).matches(&visitor));
    /// assert!(!Recipient::User { id: "v1".parse()? }.matches(&visitor));
    ///
    /// let pat = Principal::builder("pat", PrincipalKind::Partner)
    ///     .role("reseller")
    ///     .reports_to("channel")
    ///     .build()?;
    /// assert!(Recipient::RoleAndSubordinates { id: "channel".parse()? }.matches(&pat));
    /// assert!(!Recipient::RoleAndInternalSubordinates { id: "channel".parse()? }.matches(&pat));
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    #[inline]
    pub fn matches(&self, principal: &Principal) -> bool {
        let anonymous = principal.kind() == PrincipalKind::Anonymous;
        match self {
            Recipient::Public => true,
            Recipient::Link(_) => self.matches_by_address_or_token(principal),
            _ if anonymous => false,
            Recipient::User { id } => principal.id() == id,
            Recipient::Group { id } => principal.in_group(id),
            Recipient::Role { id } => principal.role() == Some(id),
            Recipient::RoleAndSubordinates { id } => principal.has_role_or_reports_to(id),
            Recipient::RoleAndInternalSubordinates { id } => {
                principal.kind() == PrincipalKind::Internal && principal.has_role_or_reports_to(id)
            }
            Recipient::Organization => principal.kind() == PrincipalKind::Internal,
            Recipient::PartnerUsers => principal.kind() == PrincipalKind::Partner,
            Recipient::CustomerUsers => principal.kind() == PrincipalKind::Customer,
            Recipient::Email { .. } => self.matches_by_address_or_token(principal),
        }
    }

    /// `matches` for an email or link recipient. Not inlined, so that a decision's walk does
    /// not load the principal's addresses and link digests (cache lines past the first two)
    /// for the shares, nearly all, that never need them.
    #[inline(never)]
    fn matches_by_address_or_token(&self, principal: &Principal) -> bool {
        match self {
            Recipient::Link(link) => {
                principal.link_digests().iter().any(|d| link.accepts(d))
                    && link.audience().admits(principal)
            }
            Recipient::Email { email } => principal.emails().contains(email),
            _ => self.matches(principal), // decided there, never sent here
        }
    }
}

impl fmt::Display for Recipient {
    /// A short human form: `group:eng`, `email:a@b.example`, `link`, `public`. Never prints a
    /// link token.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Recipient::User { id } => write!(f, "user:{id}"),
            Recipient::Group { id } => write!(f, "group:{id}"),
            Recipient::Role { id }
            | Recipient::RoleAndSubordinates { id }
            | Recipient::RoleAndInternalSubordinates { id } => {
                write!(f, "{}:{id}", self.share_type())
            }
            Recipient::Email { email } => write!(f, "email:{email}"),
            Recipient::Organization
            | Recipient::PartnerUsers
            | Recipient::CustomerUsers
            | Recipient::Public
            | Recipient::Link(_) => write!(f, "{}", self.share_type()),
        }
    }
}
