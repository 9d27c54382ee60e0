//! The share log: what happened to shares, by whom, when.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};

use crate::model::{FieldChange, PrincipalId, Recipient, ResourceRef, ShareId};

/// What happened to a share.
///
/// ```
/// use shareguard::Recipient;
/// use shareguard::model::LogEvent;
///
/// let added = LogEvent::AccessAdded { recipient: Recipient::Group { id: "eng".parse()? } };
/// // Written with an `event` tag, the variant's fields beside it.
/// let json = serde_json::to_string(&added)?;
/// assert_eq!(json, r#"{"event":"access_added","recipient":{"type":"group","id":"eng"}}"#);
/// assert_eq!(serde_json::from_str::<LogEvent>(&json)?, added);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum LogEvent {
    /// The share was created.
    Created,
    /// Properties of the share changed.
    Changed {
        /// The fields that changed, with their old and new values.
        changes: Vec<FieldChange>,
    },
    /// The share was deleted.
    Deleted,
    /// A batch grant created or updated the share (LiquidFiles `add_access`).
    AccessAdded {
        /// The recipient the access was given to.
        recipient: Recipient,
    },
    /// A batch revoke removed the share (LiquidFiles `remove_access`).
    AccessRemoved {
        /// The recipient whose access was removed.
        recipient: Recipient,
    },
    /// The share was used.
    Visited,
    /// The expiry sweep removed the share.
    Expired,
    /// The token of a retrievable link was read back.
    LinkRetrieved,
    /// A pending share was accepted by its recipient (SEMANTICS.md section 9).
    Accepted,
    /// A pending share was declined by its recipient, which deleted it.
    Declined,
    /// A resource stopped inheriting its ancestors' grants (SEMANTICS.md section 10). The
    /// entry is the resource's: it names no share.
    InheritanceCut,
    /// A resource inherits its ancestors' grants again.
    InheritanceRestored,
}

impl LogEvent {
    /// The snake_case name of the event.
    ///
    /// ```
    /// use shareguard::Recipient;
    /// use shareguard::model::LogEvent;
    ///
    /// assert_eq!(LogEvent::LinkRetrieved.name(), "link_retrieved");
    /// let removed = LogEvent::AccessRemoved { recipient: Recipient::Public };
    /// assert_eq!(removed.name(), "access_removed");
    /// ```
    #[must_use]
    pub const fn name(&self) -> &'static str {
        match self {
            LogEvent::Created => "created",
            LogEvent::Changed { .. } => "changed",
            LogEvent::Deleted => "deleted",
            LogEvent::AccessAdded { .. } => "access_added",
            LogEvent::AccessRemoved { .. } => "access_removed",
            LogEvent::Visited => "visited",
            LogEvent::Expired => "expired",
            LogEvent::LinkRetrieved => "link_retrieved",
            LogEvent::Accepted => "accepted",
            LogEvent::Declined => "declined",
            LogEvent::InheritanceCut => "inheritance_cut",
            LogEvent::InheritanceRestored => "inheritance_restored",
        }
    }
}

/// One entry of the share log. Entries are append-only and numbered in the order they were
/// written.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use shareguard::model::{FieldChange, LogEntry, LogEvent};
///
/// let old = Some("viewer".to_owned());
/// let change = FieldChange { field: "access".into(), old, new: Some("editor".into()) };
/// let entry = LogEntry {
///     revision: shareguard::model::Revision::new(3),
///     share: Some("s1".parse()?),
///     resource: "folder:f1".parse()?,
///     actor: "alice".parse()?,
///     at: Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap(),
///     event: LogEvent::Changed { changes: vec![change] },
/// };
/// assert_eq!(
///     entry.to_string(),
///     "2026-03-01T12:00:00+00:00 #3 alice changed s1 on folder:f1 (access: viewer -> editor)"
/// );
/// // Written flat: the event's tag and fields beside the entry's own.
/// let json = serde_json::to_value(&entry)?;
/// assert_eq!(json["event"], "changed");
/// assert_eq!(json["changes"][0]["new"], "editor");
/// assert_eq!(serde_json::from_value::<LogEntry>(json)?, entry);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogEntry {
    /// The revision of the write the entry records: store-wide, increasing in the order
    /// entries were written.
    pub revision: Revision,
    /// The share the entry is about; `None` for an entry about the resource itself (an
    /// inheritance cut or restore).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub share: Option<ShareId>,
    /// The share's resource.
    pub resource: ResourceRef,
    /// Who did it.
    pub actor: PrincipalId,
    /// When. Read back, it must lie in the model's range ([`check_time`](crate::model::check_time)).
    #[serde(deserialize_with = "at_in_range")]
    pub at: DateTime<Utc>,
    /// What happened.
    #[serde(flatten)]
    pub event: LogEvent,
}

/// `at` as chrono reads it, refused outside the model's range.
fn at_in_range<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
    let at = DateTime::<Utc>::deserialize(d)?;
    crate::model::check_time("at", at).map_err(serde::de::Error::custom)
}

impl std::fmt::Display for LogEntry {
    /// `2026-03-01T12:00:00+00:00 #3 alice changed s1 on folder:f1 (access: viewer -> editor)`
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} #{} {} {} ",
            self.at.to_rfc3339(),
            self.revision,
            self.actor,
            self.event.name(),
        )?;
        if let Some(share) = &self.share {
            write!(f, "{share} ")?;
        }
        write!(f, "on {}", self.resource)?;
        match &self.event {
            LogEvent::Changed { changes } => {
                f.write_str(" (")?;
                for (i, c) in changes.iter().enumerate() {
                    if i > 0 {
                        f.write_str("; ")?;
                    }
                    write!(
                        f,
                        "{}: {} -> {}",
                        c.field,
                        c.old.as_deref().unwrap_or("none"),
                        c.new.as_deref().unwrap_or("none")
                    )?;
                }
                f.write_str(")")
            }
            LogEvent::AccessAdded { recipient } | LogEvent::AccessRemoved { recipient } => {
                write!(f, " ({recipient})")
            }
            _ => Ok(()),
        }
    }
}

/// A store-wide revision: every write gets the next one. `Revision::ZERO` is the state
/// before any write.
///
/// ```
/// use shareguard::model::Revision;
///
/// let r: Revision = "41".parse()?;
/// assert_eq!(r.next(), Revision::new(42));
/// assert!(Revision::ZERO < r);
/// assert_eq!(serde_json::to_string(&r)?, "41");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Revision(u64);

impl Revision {
    /// Before any write.
    pub const ZERO: Revision = Revision(0);

    /// The revision with this number.
    ///
    /// ```
    /// use shareguard::model::Revision;
    /// assert_eq!(Revision::new(7).get(), 7);
    /// ```
    #[must_use]
    pub const fn new(n: u64) -> Self {
        Revision(n)
    }

    /// Its number.
    ///
    /// ```
    /// use shareguard::model::Revision;
    /// assert_eq!(Revision::ZERO.get(), 0);
    /// ```
    #[must_use]
    pub const fn get(self) -> u64 {
        self.0
    }

    /// The revision after this one (saturating: a store refuses writes past `u64::MAX`).
    ///
    /// ```
    /// use shareguard::model::Revision;
    /// assert_eq!(Revision::ZERO.next().get(), 1);
    /// ```
    #[must_use]
    pub const fn next(self) -> Self {
        Revision(self.0.saturating_add(1))
    }
}

impl std::fmt::Display for Revision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::str::FromStr for Revision {
    type Err = crate::model::ModelError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.parse().map(Revision).map_err(|_| crate::model::ModelError::Invalid {
            field: "revision",
            value: s.to_owned(),
            reason: "a revision is a whole number",
        })
    }
}
