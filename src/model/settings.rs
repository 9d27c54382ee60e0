//! Organisation settings (SEMANTICS.md section 6).

use serde::{Deserialize, Serialize};

use crate::model::RecipientClass;

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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            allow_external: true,
            allow_public: true,
            allow_links: true,
            max_link_lifetime_days: None,
            external_may_manage: false,
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
