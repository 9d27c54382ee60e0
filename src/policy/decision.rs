//! Decisions: allow or deny, why, and the evidence.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::model::{AdminRight, Permission, Permissions, ResourceRef, ShareId};

/// Why a decision went the way it did. The snake_case codes are stable: services may log
/// them, match on them, and test against them (SEMANTICS.md sections 4–6).
///
/// ```
/// use shareguard::Reason;
///
/// let json = serde_json::to_string(&Reason::NotPermitted)?;
/// assert_eq!(json, r#""not_permitted""#);
/// assert_eq!(serde_json::from_str::<Reason>(&json)?, Reason::NotPermitted);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// Allowed: the principal owns the resource or an ancestor.
    Owner,
    /// Allowed: a share gives the permission (or, creating, the actor re-shares).
    Share,
    /// Allowed: the principal created the share.
    Sharer,
    /// Allowed: the principal holds `manage_access` on the resource.
    Manager,
    /// Allowed: the share's recipient matches the principal.
    Recipient,
    /// Allowed: the principal holds `view_log` on the resource.
    LogViewer,
    /// Allowed: the principal holds the administrative right for the resource's kind.
    Admin,
    /// Denied: an active `restrict` share matches the principal.
    Restricted,
    /// Denied: the organisation's settings forbid it.
    Setting,
    /// Denied: the principal has an active matching grant, but not this permission.
    Insufficient,
    /// Denied: the principal's matching grants have all expired (or, for links with a use
    /// limit, been used up).
    Expired,
    /// Denied: an active link that matches the principal is locked by a password it has not
    /// given (SEMANTICS.md section 8), whatever permission is asked.
    Password,
    /// Denied: the principal would hold the permission once it accepted a pending share
    /// (SEMANTICS.md section 9).
    Pending,
    /// Denied: a matching grant has not started yet (SEMANTICS.md section 9).
    NotStarted,
    /// Denied: no share reaches the principal.
    NoShare,
    /// Denied: the principal may not administer this share.
    NotPermitted,
    /// Denied: the change would give more than the actor holds, or for longer.
    Escalation,
    /// Denied: the request is malformed.
    Invalid,
}

impl Reason {
    /// Every reason, in the order of SEMANTICS.md.
    ///
    /// ```
    /// use shareguard::Reason;
    ///
    /// assert_eq!(Reason::ALL.len(), 18);
    /// assert!(Reason::ALL.iter().all(|r| r.code().parse::<Reason>().ok() == Some(*r)));
    /// ```
    pub const ALL: [Reason; 18] = [
        Reason::Owner,
        Reason::Share,
        Reason::Sharer,
        Reason::Manager,
        Reason::Recipient,
        Reason::LogViewer,
        Reason::Admin,
        Reason::Restricted,
        Reason::Insufficient,
        Reason::Expired,
        Reason::Password,
        Reason::Pending,
        Reason::NotStarted,
        Reason::NoShare,
        Reason::NotPermitted,
        Reason::Setting,
        Reason::Escalation,
        Reason::Invalid,
    ];

    /// Whether this is a reason to allow (`owner`, `share`, `sharer`, `manager`,
    /// `recipient`, `log_viewer`, `admin`) rather than to deny.
    ///
    /// ```
    /// use shareguard::Reason;
    ///
    /// assert!(Reason::Owner.allows());
    /// assert!(!Reason::Expired.allows());
    /// ```
    #[must_use]
    pub const fn allows(self) -> bool {
        matches!(
            self,
            Reason::Owner
                | Reason::Share
                | Reason::Sharer
                | Reason::Manager
                | Reason::Recipient
                | Reason::LogViewer
                | Reason::Admin
        )
    }

    /// The stable snake_case code.
    ///
    /// ```
    /// use shareguard::Reason;
    ///
    /// assert_eq!(Reason::NoShare.code(), "no_share");
    /// assert_eq!("log_viewer".parse::<Reason>()?, Reason::LogViewer);
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Reason::Owner => "owner",
            Reason::Share => "share",
            Reason::Sharer => "sharer",
            Reason::Manager => "manager",
            Reason::Recipient => "recipient",
            Reason::LogViewer => "log_viewer",
            Reason::Admin => "admin",
            Reason::Restricted => "restricted",
            Reason::Setting => "setting",
            Reason::Insufficient => "insufficient",
            Reason::Expired => "expired",
            Reason::Password => "password",
            Reason::Pending => "pending",
            Reason::NotStarted => "not_started",
            Reason::NoShare => "no_share",
            Reason::NotPermitted => "not_permitted",
            Reason::Escalation => "escalation",
            Reason::Invalid => "invalid",
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl std::str::FromStr for Reason {
    type Err = crate::model::ModelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Reason::ALL.into_iter().find(|r| r.code() == s).ok_or_else(|| {
            crate::model::ModelError::UnknownName {
                field: "reason",
                value: s.to_owned(),
                expected: "a reason code of SEMANTICS.md",
            }
        })
    }
}

/// What a decision rests on. Every field is optional: each decision fills what applies.
///
/// ```
/// use chrono::Utc;
/// use shareguard::{AccessLevel, Permission, Permissions, Policy, Principal, PrincipalKind, Reason, Recipient, ResourceRef, Share};
/// use shareguard::policy::Node;
///
/// let now = Utc::now();
/// let doc: ResourceRef = "document:d1".parse()?;
/// let shares = [Share::new("s1".parse()?, doc.clone(), "alice".parse()?,
///     Recipient::User { id: "bob".parse()? }, AccessLevel::Viewer, now)];
/// let bob = Principal::builder("bob", PrincipalKind::Internal).build()?;
/// let decision = Policy::default().check(&bob, Permission::Edit, &[Node::new(&doc, None, &shares)], now);
///
/// assert_eq!(decision.reason(), Reason::Insufficient);
/// let evidence = decision.evidence();
/// assert_eq!(evidence.needed, Some(Permission::Edit));
/// assert_eq!(evidence.held, Some(Permissions::VIEW | Permissions::DOWNLOAD));
/// assert_eq!(evidence.resource, Some(doc));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Evidence {
    /// The share that allowed or denied.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub share: Option<ShareId>,
    /// The resource of the path that share is on (or that the principal owns).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource: Option<ResourceRef>,
    /// The permission that was needed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub needed: Option<Permission>,
    /// The permissions the principal held there.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub held: Option<Permissions>,
    /// The permissions a create or change would add that were checked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub added: Option<Permissions>,
    /// The setting that forbade.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub setting: Option<String>,
    /// The administrative right that allowed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub admin_right: Option<AdminRight>,
    /// A sentence for what the fields do not say (what was malformed, what escalated).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// A decision: allow or deny, the reason, and the evidence. Denials are values, not errors.
///
/// `Display` gives one line a service can log; serde gives the same as JSON.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use shareguard::{AccessLevel, Permission, Policy, Principal, PrincipalKind, Reason, Recipient, Share};
/// use shareguard::policy::Node;
///
/// let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
/// let doc = "document:d1".parse()?;
/// let shares = [Share::new("s3".parse()?, "document:d1".parse()?, "alice".parse()?,
///     Recipient::User { id: "bob".parse()? }, AccessLevel::Commenter, now)];
/// let path = [Node::new(&doc, None, &shares)];
/// let bob = Principal::builder("bob", PrincipalKind::Internal).build()?;
///
/// let decision = Policy::default().check(&bob, Permission::Edit, &path, now);
/// assert_eq!(decision.reason(), Reason::Insufficient);
/// // What the service logs:
/// assert_eq!(
///     decision.to_string(),
///     "deny insufficient: needed edit; held view, download, comment; share s3 on document:d1"
/// );
/// // What the service shows the user, in its own words:
/// let why = match decision.reason() {
///     Reason::Insufficient => format!("your access does not include {}", decision.evidence().needed.map_or("this", |p| p.name())),
///     Reason::Expired => "your access has expired".to_owned(),
///     other => other.to_string(),
/// };
/// assert_eq!(why, "your access does not include edit");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "DecisionForm")]
pub struct Decision {
    allowed: bool,
    reason: Reason,
    #[serde(default)]
    evidence: Evidence,
}

/// A decision as read from JSON, before its reason is checked against its verdict.
#[derive(Deserialize)]
struct DecisionForm {
    allowed: bool,
    reason: Reason,
    #[serde(default)]
    evidence: Evidence,
}

impl TryFrom<DecisionForm> for Decision {
    type Error = String;

    fn try_from(form: DecisionForm) -> Result<Self, Self::Error> {
        if form.reason.allows() == form.allowed {
            Ok(Decision { allowed: form.allowed, reason: form.reason, evidence: form.evidence })
        } else {
            let verdict = if form.allowed { "an allowed" } else { "a denied" };
            Err(format!("reason: `{}` cannot be the reason of {verdict} decision", form.reason))
        }
    }
}

impl Decision {
    pub(crate) fn allow(reason: Reason) -> Self {
        debug_assert!(reason.allows(), "{reason} is a reason to deny");
        Self { allowed: true, reason, evidence: Evidence::default() }
    }

    pub(crate) fn deny(reason: Reason) -> Self {
        debug_assert!(!reason.allows(), "{reason} is a reason to allow");
        Self { allowed: false, reason, evidence: Evidence::default() }
    }

    /// Why: the rule that allowed, or the first that denied. Its [`Reason::allows`] always
    /// equals [`Decision::is_allowed`]: no decision says "allowed, expired".
    ///
    /// ```
    /// use shareguard::{Decision, Reason};
    ///
    /// let d: Decision = serde_json::from_str(r#"{"allowed": false, "reason": "expired"}"#)?;
    /// assert_eq!(d.reason(), Reason::Expired);
    /// let mixed = serde_json::from_str::<Decision>(r#"{"allowed": true, "reason": "expired"}"#);
    /// assert!(mixed.unwrap_err().to_string().contains("cannot be the reason of an allowed decision"));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    #[must_use]
    pub fn reason(&self) -> Reason {
        self.reason
    }

    /// On what grounds: the share, resource, permission, setting or right involved.
    ///
    /// ```
    /// use shareguard::Decision;
    ///
    /// let d: Decision = serde_json::from_str(r#"{"allowed": false, "reason": "no_share",
    ///     "evidence": {"resource": "document:d1"}}"#)?;
    /// assert_eq!(d.evidence().resource.as_ref().map(ToString::to_string), Some("document:d1".into()));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    #[must_use]
    pub fn evidence(&self) -> &Evidence {
        &self.evidence
    }

    pub(crate) fn with(mut self, fill: impl FnOnce(&mut Evidence)) -> Self {
        fill(&mut self.evidence);
        self
    }

    /// Whether the action is allowed.
    ///
    /// ```
    /// use chrono::Utc;
    /// use shareguard::{Permission, Policy, Principal, PrincipalKind, ResourceRef};
    /// use shareguard::policy::Node;
    ///
    /// let doc: ResourceRef = "document:d1".parse()?;
    /// let bob = Principal::builder("bob", PrincipalKind::Internal).build()?;
    /// let decision = Policy::default().check(&bob, Permission::View, &[Node::new(&doc, None, &[])], Utc::now());
    /// assert!(!decision.is_allowed());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn is_allowed(&self) -> bool {
        self.allowed
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", if self.allowed { "allow" } else { "deny" }, self.reason)?;
        let e = &self.evidence;
        let mut sep = ": ";
        let mut part = |f: &mut fmt::Formatter<'_>, text: fmt::Arguments<'_>| {
            let r = write!(f, "{sep}{text}");
            sep = "; ";
            r
        };
        if let Some(p) = e.needed {
            part(f, format_args!("needed {p}"))?;
        }
        if let Some(held) = e.held {
            if held.is_empty() {
                part(f, format_args!("held nothing"))?;
            } else {
                part(f, format_args!("held {held}"))?;
            }
        }
        if let Some(added) = e.added {
            part(f, format_args!("adds {added}"))?;
        }
        match (&e.share, &e.resource) {
            (Some(s), Some(r)) => part(f, format_args!("share {s} on {r}"))?,
            (Some(s), None) => part(f, format_args!("share {s}"))?,
            (None, Some(r)) => part(f, format_args!("on {r}"))?,
            (None, None) => {}
        }
        if let Some(setting) = &e.setting {
            part(f, format_args!("setting {setting}"))?;
        }
        if let Some(right) = e.admin_right {
            part(f, format_args!("right {right}"))?;
        }
        if let Some(detail) = &e.detail {
            part(f, format_args!("{detail}"))?;
        }
        Ok(())
    }
}
