//! Organisation settings (SEMANTICS.md section 6).

use serde::{Deserialize, Serialize};

use crate::model::{Email, ModelError, Recipient, RecipientClass, ShareType};

/// Organisation-wide settings. They act at once: switching a recipient class off cuts its
/// existing grants at the next decision, and switching it back on restores them.
///
/// ```
/// use shareguard::Settings;
///
/// let settings: Settings = serde_json::from_str(r#"{"allow_links": false}"#)?;
/// assert!(!settings.allow_links);
/// assert!(settings.allow_public);
/// assert_eq!(settings.max_link_lifetime_days, None);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Shares with external people and portal audiences grant (default `true`).
    pub allow_external: bool,
    /// Public shares grant (default `true`).
    pub allow_public: bool,
    /// Link shares grant (default `true`).
    pub allow_links: bool,
    /// A link share must expire within this many days of its creation or change
    /// (default: no limit). When set, a link share must have an expiry; when the lifetime
    /// would end beyond the model's time range ([`LATEST_TIME`](crate::model::LATEST_TIME), as it
    /// does for values near `u32::MAX`), the end of the range is the limit, which any expiry
    /// the model accepts meets.
    pub max_link_lifetime_days: Option<u32>,
    /// Principals that are not internal (anonymous ones excepted) may hold management,
    /// log and re-share rights, and such recipients may be given them (default `false`).
    pub external_may_manage: bool,
    /// A link may not be made, widened or given more permissions without a password
    /// (default `false`; SEMANTICS.md section 8). Links already made keep working.
    pub require_link_password: bool,
    /// Which new shares are made pending whatever the request says (default `none`;
    /// SEMANTICS.md section 9).
    pub require_acceptance: RequireAcceptance,
    /// The email domains that `email` recipients and `people` links may reach (default: every
    /// domain; SEMANTICS.md section 8).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_domains: Option<EmailDomains>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            allow_external: true,
            allow_public: true,
            allow_links: true,
            max_link_lifetime_days: None,
            external_may_manage: false,
            require_link_password: false,
            require_acceptance: RequireAcceptance::None,
            email_domains: None,
        }
    }
}

impl Settings {
    /// Whether grants to recipients of this class are switched on.
    ///
    /// ```
    /// use shareguard::Settings;
    /// use shareguard::model::RecipientClass;
    ///
    /// let settings = Settings { allow_public: false, ..Settings::default() };
    /// assert!(!settings.allows_class(RecipientClass::Public));
    /// assert!(settings.allows_class(RecipientClass::Link));
    /// // No setting switches internal recipients off.
    /// let closed =
    ///     Settings { allow_external: false, allow_public: false, allow_links: false, ..settings };
    /// assert!(closed.allows_class(RecipientClass::Internal));
    /// ```
    #[must_use]
    pub const fn allows_class(&self, class: RecipientClass) -> bool {
        match class {
            RecipientClass::Internal => true,
            RecipientClass::External => self.allow_external,
            RecipientClass::Public => self.allow_public,
            RecipientClass::Link => self.allow_links,
        }
    }

    /// The name of the setting that switches this class off, if any does.
    ///
    /// ```
    /// use shareguard::Settings;
    /// use shareguard::model::RecipientClass;
    ///
    /// assert_eq!(Settings::class_setting(RecipientClass::Link), Some("allow_links"));
    /// assert_eq!(Settings::class_setting(RecipientClass::Internal), None);
    /// // The name is the setting's field, as the settings are written.
    /// let name = Settings::class_setting(RecipientClass::External).ok_or("always on")?;
    /// let off: Settings = serde_json::from_str(&format!(r#"{{"{name}": false}}"#))?;
    /// assert!(!off.allows_class(RecipientClass::External));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub const fn class_setting(class: RecipientClass) -> Option<&'static str> {
        match class {
            RecipientClass::Internal => None,
            RecipientClass::External => Some("allow_external"),
            RecipientClass::Public => Some("allow_public"),
            RecipientClass::Link => Some("allow_links"),
        }
    }
}

impl Settings {
    /// Whether `email_domains` permits `address` (every address when it is not set).
    ///
    /// ```
    /// use shareguard::Settings;
    ///
    /// let settings: Settings = serde_json::from_str(r#"{"email_domains": {"block": ["rival.example"]}}"#)?;
    /// assert!(settings.permits_address(&"ann@partner.example".parse()?));
    /// assert!(!settings.permits_address(&"eve@eu.rival.example".parse()?));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn permits_address(&self, address: &Email) -> bool {
        self.email_domains.as_ref().is_none_or(|domains| domains.permits(address))
    }

    /// Whether a new share to `recipient` is made pending by `require_acceptance`.
    ///
    /// ```
    /// use shareguard::{Recipient, Settings};
    /// use shareguard::model::RequireAcceptance;
    ///
    /// let settings = Settings { require_acceptance: RequireAcceptance::External, ..Settings::default() };
    /// assert!(settings.makes_pending(&Recipient::Email { email: "ann@partner.example".parse()? }));
    /// assert!(!settings.makes_pending(&Recipient::User { id: "bob".parse()? }));
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn makes_pending(&self, recipient: &Recipient) -> bool {
        matches!(
            (self.require_acceptance, recipient.share_type()),
            (RequireAcceptance::External | RequireAcceptance::All, ShareType::Email)
                | (RequireAcceptance::All, ShareType::User)
        )
    }
}

/// Which new shares `require_acceptance` makes pending (SEMANTICS.md section 9).
///
/// ```
/// use shareguard::model::RequireAcceptance;
/// let all: RequireAcceptance = serde_json::from_str(r#""all""#)?;
/// assert_eq!(all, RequireAcceptance::All);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequireAcceptance {
    /// No share is made pending unless the request says so.
    #[default]
    None,
    /// Every new share to an `email` recipient.
    External,
    /// Every new share to a `user` or `email` recipient.
    All,
}

/// The email domains that may be reached (`{ "allow": [...] }`) or may not be
/// (`{ "block": [...] }`). An entry covers its domain and every subdomain, ignoring ASCII case.
///
/// ```
/// use shareguard::model::EmailDomains;
///
/// let allow: EmailDomains = serde_json::from_str(r#"{"allow": ["example.com"]}"#)?;
/// assert!(allow.permits(&"a@eu.example.com".parse()?));
/// assert!(!allow.permits(&"a@badexample.com".parse()?));
/// assert!(serde_json::from_str::<EmailDomains>(r#"{"allow": [], "block": []}"#).is_err());
/// assert!(serde_json::from_str::<EmailDomains>(r#"{"allow": ["@example.com"]}"#).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "DomainsWire", into = "DomainsWire")]
pub enum EmailDomains {
    /// Only addresses in these domains.
    Allow(Vec<String>),
    /// All addresses but those in these domains.
    Block(Vec<String>),
}

impl EmailDomains {
    /// Whether `address` may be reached.
    ///
    /// ```
    /// use shareguard::model::EmailDomains;
    /// let block = EmailDomains::Block(vec!["rival.example".into()]);
    /// assert!(!block.permits(&"Eve@Rival.Example".parse()?));
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn permits(&self, address: &Email) -> bool {
        let domain = address.domain();
        let covered = |entry: &String| {
            domain.len() >= entry.len() && {
                let (head, tail) = domain.split_at(domain.len() - entry.len());
                tail.eq_ignore_ascii_case(entry) && (head.is_empty() || head.ends_with('.'))
            }
        };
        match self {
            EmailDomains::Allow(list) => list.iter().any(covered),
            EmailDomains::Block(list) => !list.iter().any(covered),
        }
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct DomainsWire {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    allow: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    block: Option<Vec<String>>,
}

impl TryFrom<DomainsWire> for EmailDomains {
    type Error = ModelError;
    fn try_from(wire: DomainsWire) -> Result<Self, ModelError> {
        let domains = match (wire.allow, wire.block) {
            (Some(list), None) => EmailDomains::Allow(list),
            (None, Some(list)) => EmailDomains::Block(list),
            _ => {
                return Err(ModelError::Invalid {
                    field: "email_domains",
                    value: "allow and block".to_owned(),
                    reason: "give exactly one of `allow` and `block`",
                });
            }
        };
        let (EmailDomains::Allow(list) | EmailDomains::Block(list)) = &domains;
        if let Some(bad) = list.iter().find(|d| !is_domain_name(d)) {
            return Err(ModelError::Invalid {
                field: "email_domains",
                value: bad.clone(),
                reason: "an entry is a plain domain name such as `example.com`",
            });
        }
        Ok(domains)
    }
}

impl From<EmailDomains> for DomainsWire {
    fn from(domains: EmailDomains) -> Self {
        match domains {
            EmailDomains::Allow(list) => Self { allow: Some(list), block: None },
            EmailDomains::Block(list) => Self { allow: None, block: Some(list) },
        }
    }
}

/// Labels of letters, digits and inner hyphens, separated by dots.
fn is_domain_name(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 253
        && text.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}
