//! Shares: one grant (or one restriction) of a resource to one recipient.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::time::{check_time, check_time_option, rfc3339, rfc3339_change, rfc3339_option};

use crate::model::{
    AccessLevel, Audience, Level, LinkPassword, LinkToken, ModelError, Permissions, Principal,
    PrincipalId, Recipient, ReshareRights, ResourceRef, ShareId, ShareLink,
};

/// A share's state (SEMANTICS.md section 9), the first that holds of: expired (used up
/// included), pending, scheduled (not started), active.
///
/// ```
/// use shareguard::model::ShareState;
/// assert_eq!(serde_json::to_string(&ShareState::Scheduled)?, r#""scheduled""#);
/// assert_eq!(ShareState::Pending.name(), "pending");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShareState {
    /// Grants what it gives.
    Active,
    /// Waits for its recipient to accept it: grants nothing yet.
    Pending,
    /// Has not started yet: grants nothing yet.
    Scheduled,
    /// Expired (at or after its expiry) or used up: grants nothing.
    Expired,
}

impl ShareState {
    /// Every state, in the order SEMANTICS.md section 9 tries them (expired first).
    pub const ALL: [ShareState; 4] =
        [ShareState::Expired, ShareState::Pending, ShareState::Scheduled, ShareState::Active];

    /// The state's name as written in JSON.
    ///
    /// ```
    /// use shareguard::model::ShareState;
    /// assert_eq!(ShareState::Expired.name(), "expired");
    /// ```
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            ShareState::Active => "active",
            ShareState::Pending => "pending",
            ShareState::Scheduled => "scheduled",
            ShareState::Expired => "expired",
        }
    }
}

impl std::fmt::Display for ShareState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// How a share has been used (iconik's share panel: last visit, times used).
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use shareguard::model::Usage;
///
/// let at = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
/// let usage = Usage { last_visit: Some(at), visits: 2 };
/// let json = serde_json::to_string(&usage)?;
/// assert_eq!(json, r#"{"last_visit":"2026-03-01T12:00:00Z","visits":2}"#);
/// assert_eq!(serde_json::from_str::<Usage>(&json)?, usage);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Usage {
    /// When the recipient last visited through the share.
    #[serde(default, with = "rfc3339_option")]
    pub last_visit: Option<DateTime<Utc>>,
    /// How many times the share has been used (0 when absent from JSON).
    #[serde(default)]
    pub visits: u64,
}

/// One share: a resource shared by a sharer with exactly one recipient, at one access level,
/// with optional expiry, message, re-share rights, usage and a version for optimistic
/// concurrency.
///
/// The recipient never changes after creation: there is no setter, and a
/// [`SharePatch`] that names a different recipient is refused. To reach someone else, create
/// another share.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use shareguard::{AccessLevel, Permissions, Recipient, ReshareRights, Share};
///
/// let created = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
/// let share = Share::new(
///     "s1".parse()?,
///     "folder:f1".parse()?,
///     "alice".parse()?,
///     Recipient::Group { id: "eng".parse()? },
///     AccessLevel::Viewer,
///     created,
/// )
/// .with_reshare(ReshareRights::INTERNAL)
/// .with_expiry(Some(created + chrono::Duration::days(30)));
///
/// assert_eq!(share.permissions(), Permissions::VIEW | Permissions::DOWNLOAD | Permissions::RESHARE_INTERNAL);
/// assert!(share.is_active(created));
/// assert!(!share.is_active(created + chrono::Duration::days(30)));
/// # Ok::<(), shareguard::ModelError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "ShareWire", into = "ShareWire")]
// In this order: what a decision reads of every share that reaches the principal (recipient,
// extra, expiry, access) fills the first 58 bytes, so it costs one or two cache lines, not three.
#[repr(C)]
pub struct Share {
    recipient: Recipient,
    // What most shares never have, boxed so that a store holding a million shares pays a
    // pointer for it rather than forty bytes.
    extra: Option<Box<Extra>>,
    expires: Option<DateTime<Utc>>,
    access: AccessLevel,
    reshare: ReshareRights,
    created: DateTime<Utc>,
    id: ShareId,
    resource: ResourceRef,
    sharer: PrincipalId,
    version: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct Extra {
    message: Option<Box<str>>,
    usage: Usage,
    starts: Option<DateTime<Utc>>,
    pending: bool,
    max_uses: Option<u64>,
    password: Option<LinkPassword>,
}

/// How a share is written: every field flat, as SEMANTICS.md names them.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ShareWire {
    id: ShareId,
    resource: ResourceRef,
    sharer: PrincipalId,
    recipient: Recipient,
    access: AccessLevel,
    #[serde(default, skip_serializing_if = "ReshareRights::is_empty")]
    reshare: ReshareRights,
    #[serde(default, with = "rfc3339_option", skip_serializing_if = "Option::is_none")]
    expires: Option<DateTime<Utc>>,
    #[serde(with = "rfc3339")]
    created: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    message: Option<Box<str>>,
    #[serde(default)]
    usage: Usage,
    #[serde(default = "first_version")]
    version: u64,
    #[serde(default, with = "rfc3339_option", skip_serializing_if = "Option::is_none")]
    starts: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "is_false")]
    pending: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    max_uses: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    password: Option<LinkPassword>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// A share read from JSON is held to what `NewShare` and `SharePatch` are: no empty
/// `custom` set, no re-share rights on a `restrict` share, and times in the model's range
/// ([`check_time`]).
impl TryFrom<ShareWire> for Share {
    type Error = ModelError;
    fn try_from(w: ShareWire) -> Result<Self, ModelError> {
        check_time("created", w.created)?;
        check_time_option("expires", w.expires)?;
        check_time_option("last_visit", w.usage.last_visit)?;
        check_time_option("starts", w.starts)?;
        let access = w.access.validated()?;
        if access.is_restrict() && !w.reshare.is_empty() {
            return Err(restrict_with_rights());
        }
        let mut share = Share::new(w.id, w.resource, w.sharer, w.recipient, access, w.created)
            .with_reshare(w.reshare)
            .with_expiry(w.expires)
            .with_usage(w.usage)
            .with_version(w.version)
            .with_start(w.starts)
            .with_pending(w.pending)
            .with_max_uses(w.max_uses)
            .with_password(w.password);
        share.set_extra(|e| e.message = w.message);
        share.check_terms()?;
        Ok(share)
    }
}

impl From<Share> for ShareWire {
    fn from(s: Share) -> Self {
        let Extra { message, usage, starts, pending, max_uses, password } =
            s.extra.map(|e| *e).unwrap_or_default();
        Self {
            id: s.id,
            resource: s.resource,
            sharer: s.sharer,
            recipient: s.recipient,
            access: s.access,
            reshare: s.reshare,
            expires: s.expires,
            created: s.created,
            message,
            usage,
            version: s.version,
            starts,
            pending,
            max_uses,
            password,
        }
    }
}

fn first_version() -> u64 {
    1
}

impl Share {
    /// A share at version 1, with no expiry, message, re-share rights or usage.
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use shareguard::{AccessLevel, Recipient, Share};
    /// use shareguard::model::Usage;
    ///
    /// let created = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    /// let share = Share::new("s1".parse()?, "folder:f1".parse()?, "alice".parse()?,
    ///     Recipient::Group { id: "eng".parse()? }, AccessLevel::Viewer, created);
    /// assert_eq!(share.version(), 1);
    /// assert!(share.expires().is_none() && share.message().is_none());
    /// assert!(share.reshare().is_empty() && share.usage() == Usage::default());
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn new(
        id: ShareId,
        resource: ResourceRef,
        sharer: PrincipalId,
        recipient: Recipient,
        access: AccessLevel,
        created: DateTime<Utc>,
    ) -> Self {
        Self {
            id,
            resource,
            sharer,
            recipient,
            access,
            reshare: ReshareRights::empty(),
            expires: None,
            created,
            version: 1,
            extra: None,
        }
    }

    /// Changes the rarely set fields, keeping no box when they are all empty.
    fn set_extra(&mut self, change: impl FnOnce(&mut Extra)) {
        let mut extra = self.extra.take().map(|e| *e).unwrap_or_default();
        change(&mut extra);
        if extra != Extra::default() {
            self.extra = Some(Box::new(extra));
        }
    }

    /// Makes the share a new share asks for, after checking its form
    /// ([`NewShare::access_and_reshare`]) and that its times, `created` and `expires`, are
    /// in the model's range ([`check_time`]).
    ///
    /// ```
    /// use chrono::Utc;
    /// use shareguard::{AccessLevel, NewShare, Recipient, ReshareRights, Share};
    ///
    /// let doc = "document:d1".parse()?;
    /// let new = NewShare::new(doc, Recipient::Organization, AccessLevel::Viewer).message("fyi");
    /// let share = Share::from_new("s1".parse()?, "alice".parse()?, &new, Utc::now())?;
    /// assert_eq!((share.sharer().as_str(), share.message()), ("alice", Some("fyi")));
    ///
    /// let deny = NewShare::new(new.resource.clone(), Recipient::Public, AccessLevel::Restrict);
    /// let with_rights = deny.reshare(ReshareRights::empty()); // named, even empty
    /// let err = Share::from_new("s2".parse()?, "alice".parse()?, &with_rights, Utc::now());
    /// assert_eq!(err.unwrap_err().field(), "access");
    ///
    /// let too_late = new.clone().expires(shareguard::model::LATEST_TIME + chrono::Duration::seconds(1));
    /// let err = Share::from_new("s3".parse()?, "alice".parse()?, &too_late, Utc::now());
    /// assert_eq!(err.unwrap_err().field(), "expires");
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    pub fn from_new(
        id: ShareId,
        sharer: PrincipalId,
        new: &NewShare,
        created: DateTime<Utc>,
    ) -> Result<Self, ModelError> {
        check_time("created", created)?;
        check_time_option("expires", new.expires)?;
        check_time_option("starts", new.starts)?;
        let (access, reshare) = new.access_and_reshare()?;
        let recipient = match (&new.recipient, new.retrievable) {
            (Recipient::Link(link), true) => {
                let token = link.token().ok_or_else(|| ModelError::Invalid {
                    field: "retrievable",
                    value: "true".to_owned(),
                    reason: "a link given by its digest has no token to keep",
                })?;
                Recipient::Link(ShareLink::new(token, true).with_audience(link.audience().clone()))
            }
            (Recipient::Link(link), false) => Recipient::Link(
                ShareLink::from_digest(*link.digest()).with_audience(link.audience().clone()),
            ),
            (_, true) => return Err(not_a_link("retrievable")),
            (other, false) => other.clone(),
        };
        let share = Self::new(id, new.resource.clone(), sharer, recipient, access, created)
            .with_reshare(reshare)
            .with_expiry(new.expires)
            .with_message(new.message.clone())
            .with_start(new.starts)
            .with_pending(new.pending)
            .with_max_uses(new.max_uses)
            .with_password(new.password.clone());
        share.check_terms()?;
        Ok(share)
    }

    /// Sets the re-share rights (a `restrict` share keeps none).
    ///
    /// ```
    /// use chrono::Utc;
    /// use shareguard::{AccessLevel, Recipient, ReshareRights, Share};
    ///
    /// let share = |access| -> Result<Share, shareguard::ModelError> {
    ///     Ok(Share::new("s1".parse()?, "folder:f1".parse()?, "alice".parse()?,
    ///         Recipient::Organization, access, Utc::now()))
    /// };
    /// let viewer = share(AccessLevel::Viewer)?.with_reshare(ReshareRights::INTERNAL);
    /// assert_eq!(viewer.reshare(), ReshareRights::INTERNAL);
    /// let restrict = share(AccessLevel::Restrict)?.with_reshare(ReshareRights::INTERNAL);
    /// assert!(restrict.reshare().is_empty());
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn with_reshare(mut self, reshare: ReshareRights) -> Self {
        self.reshare = if self.access.is_restrict() { ReshareRights::empty() } else { reshare };
        self
    }

    /// Sets the expiry.
    ///
    /// ```
    /// # use chrono::{TimeZone, Utc};
    /// # use shareguard::{AccessLevel, Recipient, Share};
    /// # let created = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    /// # let share = Share::new("s1".parse()?, "folder:f1".parse()?, "alice".parse()?,
    /// #     Recipient::Group { id: "eng".parse()? }, AccessLevel::Viewer, created);
    /// let in_a_week = created + chrono::Duration::days(7);
    /// let expiring = share.with_expiry(Some(in_a_week));
    /// assert_eq!(expiring.expires(), Some(in_a_week));
    /// assert_eq!(expiring.with_expiry(None).expires(), None);
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn with_expiry(mut self, expires: Option<DateTime<Utc>>) -> Self {
        self.expires = expires;
        self
    }

    /// Sets the message or comment.
    ///
    /// ```
    /// # use chrono::{TimeZone, Utc};
    /// # use shareguard::{AccessLevel, Recipient, Share};
    /// # let created = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    /// # let share = Share::new("s1".parse()?, "folder:f1".parse()?, "alice".parse()?,
    /// #     Recipient::Group { id: "eng".parse()? }, AccessLevel::Viewer, created);
    /// let noted = share.with_message(Some("for the launch".to_owned()));
    /// assert_eq!(noted.message(), Some("for the launch"));
    /// assert_eq!(noted.with_message(None).message(), None);
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn with_message(mut self, message: Option<String>) -> Self {
        self.set_extra(|e| e.message = message.map(String::into_boxed_str));
        self
    }

    /// Sets the usage counters (as a store reads them back).
    ///
    /// ```
    /// # use chrono::{TimeZone, Utc};
    /// # use shareguard::{AccessLevel, Recipient, Share};
    /// # use shareguard::model::Usage;
    /// # let created = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    /// # let share = Share::new("s1".parse()?, "folder:f1".parse()?, "alice".parse()?,
    /// #     Recipient::Group { id: "eng".parse()? }, AccessLevel::Viewer, created);
    /// let usage = Usage { last_visit: Some(created), visits: 4 };
    /// assert_eq!(share.with_usage(usage).usage(), usage);
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn with_usage(mut self, usage: Usage) -> Self {
        self.set_extra(|e| e.usage = usage);
        self
    }

    /// Sets when the share starts granting (SEMANTICS.md section 9); `None`: at once.
    ///
    /// ```
    /// # use chrono::{TimeZone, Utc};
    /// # use shareguard::{AccessLevel, Recipient, Share};
    /// # let created = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    /// # let share = Share::new("s1".parse()?, "folder:f1".parse()?, "alice".parse()?,
    /// #     Recipient::Group { id: "eng".parse()? }, AccessLevel::Viewer, created);
    /// let monday = created + chrono::Duration::days(2);
    /// let share = share.with_start(Some(monday));
    /// assert!(!share.is_active(created) && share.is_active(monday));
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn with_start(mut self, starts: Option<DateTime<Utc>>) -> Self {
        self.set_extra(|e| e.starts = starts);
        self
    }

    /// Marks the share pending (an invitation its recipient has not yet accepted) or not.
    ///
    /// ```
    /// # use chrono::{TimeZone, Utc};
    /// # use shareguard::{AccessLevel, Recipient, Share};
    /// # let created = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    /// # let share = Share::new("s1".parse()?, "folder:f1".parse()?, "alice".parse()?,
    /// #     Recipient::User { id: "bob".parse()? }, AccessLevel::Viewer, created);
    /// assert!(share.with_pending(true).is_pending());
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn with_pending(mut self, pending: bool) -> Self {
        self.set_extra(|e| e.pending = pending);
        self
    }

    /// Sets a link's use limit (SEMANTICS.md section 8).
    ///
    /// ```
    /// # use chrono::{TimeZone, Utc};
    /// # use shareguard::{AccessLevel, Recipient, Share};
    /// # use shareguard::model::{LinkToken, ShareLink};
    /// # let created = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    /// let link = Recipient::Link(ShareLink::new(&LinkToken::presented("tok-1")?, false));
    /// let share = Share::new("s1".parse()?, "folder:f1".parse()?, "alice".parse()?, link,
    ///     AccessLevel::Viewer, created).with_max_uses(Some(1));
    /// assert_eq!(share.max_uses(), Some(1));
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn with_max_uses(mut self, max_uses: Option<u64>) -> Self {
        self.set_extra(|e| e.max_uses = max_uses);
        self
    }

    /// Sets a link's password, as its hash (SEMANTICS.md section 8).
    ///
    /// ```
    /// # use chrono::{TimeZone, Utc};
    /// # use shareguard::{AccessLevel, Recipient, Share};
    /// # use shareguard::model::{LinkPassword, LinkToken, Password, ShareLink};
    /// # let created = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    /// let link = Recipient::Link(ShareLink::new(&LinkToken::presented("tok-1")?, false));
    /// let kept = LinkPassword::hash(&Password::new("s3cret")?)?;
    /// let share = Share::new("s1".parse()?, "folder:f1".parse()?, "alice".parse()?, link,
    ///     AccessLevel::Viewer, created).with_password(Some(kept.clone()));
    /// assert_eq!(share.password(), Some(&kept));
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn with_password(mut self, password: Option<LinkPassword>) -> Self {
        self.set_extra(|e| e.password = password);
        self
    }

    /// Sets the version (as a store reads it back).
    ///
    /// ```
    /// # use chrono::{TimeZone, Utc};
    /// # use shareguard::{AccessLevel, Recipient, Share};
    /// # let created = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    /// # let share = Share::new("s1".parse()?, "folder:f1".parse()?, "alice".parse()?,
    /// #     Recipient::Group { id: "eng".parse()? }, AccessLevel::Viewer, created);
    /// assert_eq!(share.with_version(7).version(), 7);
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn with_version(mut self, version: u64) -> Self {
        self.version = version;
        self
    }

    /// The share's id.
    ///
    /// ```
    /// # use chrono::{TimeZone, Utc};
    /// # use shareguard::{AccessLevel, Recipient, Share};
    /// # let created = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    /// # let share = Share::new("s1".parse()?, "folder:f1".parse()?, "alice".parse()?,
    /// #     Recipient::Group { id: "eng".parse()? }, AccessLevel::Viewer, created);
    /// assert_eq!(share.id().as_str(), "s1");
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn id(&self) -> &ShareId {
        &self.id
    }
    /// The shared resource.
    ///
    /// ```
    /// # use chrono::{TimeZone, Utc};
    /// # use shareguard::{AccessLevel, Recipient, Share};
    /// # let created = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    /// # let share = Share::new("s1".parse()?, "folder:f1".parse()?, "alice".parse()?,
    /// #     Recipient::Group { id: "eng".parse()? }, AccessLevel::Viewer, created);
    /// assert_eq!(share.resource().to_string(), "folder:f1");
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn resource(&self) -> &ResourceRef {
        &self.resource
    }
    /// Who created the share.
    ///
    /// ```
    /// # use chrono::{TimeZone, Utc};
    /// # use shareguard::{AccessLevel, Recipient, Share};
    /// # let created = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    /// # let share = Share::new("s1".parse()?, "folder:f1".parse()?, "alice".parse()?,
    /// #     Recipient::Group { id: "eng".parse()? }, AccessLevel::Viewer, created);
    /// assert_eq!(share.sharer().as_str(), "alice");
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn sharer(&self) -> &PrincipalId {
        &self.sharer
    }
    /// Who the share is for. It never changes.
    ///
    /// ```
    /// # use chrono::{TimeZone, Utc};
    /// # use shareguard::{AccessLevel, Recipient, Share};
    /// # let created = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    /// # let share = Share::new("s1".parse()?, "folder:f1".parse()?, "alice".parse()?,
    /// #     Recipient::Group { id: "eng".parse()? }, AccessLevel::Viewer, created);
    /// assert_eq!(share.recipient(), &Recipient::Group { id: "eng".parse()? });
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn recipient(&self) -> &Recipient {
        &self.recipient
    }
    /// The access level.
    ///
    /// ```
    /// # use chrono::{TimeZone, Utc};
    /// # use shareguard::{AccessLevel, Recipient, Share};
    /// # let created = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    /// # let share = Share::new("s1".parse()?, "folder:f1".parse()?, "alice".parse()?,
    /// #     Recipient::Group { id: "eng".parse()? }, AccessLevel::Viewer, created);
    /// assert_eq!(share.access(), AccessLevel::Viewer);
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn access(&self) -> AccessLevel {
        self.access
    }
    /// The re-share rights given on the share.
    ///
    /// ```
    /// # use chrono::{TimeZone, Utc};
    /// # use shareguard::{AccessLevel, Recipient, ReshareRights, Share};
    /// # let created = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    /// # let share = Share::new("s1".parse()?, "folder:f1".parse()?, "alice".parse()?,
    /// #     Recipient::Group { id: "eng".parse()? }, AccessLevel::Viewer, created);
    /// assert!(share.reshare().is_empty());
    /// let share = share.with_reshare(ReshareRights::INTERNAL | ReshareRights::LINK);
    /// assert_eq!(share.reshare().to_string(), "internal, link");
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn reshare(&self) -> ReshareRights {
        self.reshare
    }
    /// When the share expires, if ever.
    ///
    /// ```
    /// # use chrono::{TimeZone, Utc};
    /// # use shareguard::{AccessLevel, Recipient, Share};
    /// # let created = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    /// # let share = Share::new("s1".parse()?, "folder:f1".parse()?, "alice".parse()?,
    /// #     Recipient::Group { id: "eng".parse()? }, AccessLevel::Viewer, created);
    /// assert_eq!(share.expires(), None);
    /// let end = created + chrono::Duration::days(30);
    /// assert_eq!(share.with_expiry(Some(end)).expires(), Some(end));
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn expires(&self) -> Option<DateTime<Utc>> {
        self.expires
    }
    /// When the share was created.
    ///
    /// ```
    /// # use chrono::{TimeZone, Utc};
    /// # use shareguard::{AccessLevel, Recipient, Share};
    /// # let created = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    /// # let share = Share::new("s1".parse()?, "folder:f1".parse()?, "alice".parse()?,
    /// #     Recipient::Group { id: "eng".parse()? }, AccessLevel::Viewer, created);
    /// assert_eq!(share.created().to_rfc3339(), "2026-03-01T12:00:00+00:00");
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn created(&self) -> DateTime<Utc> {
        self.created
    }
    /// The message or comment given with the share.
    ///
    /// ```
    /// # use chrono::{TimeZone, Utc};
    /// # use shareguard::{AccessLevel, Recipient, Share};
    /// # let created = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    /// # let share = Share::new("s1".parse()?, "folder:f1".parse()?, "alice".parse()?,
    /// #     Recipient::Group { id: "eng".parse()? }, AccessLevel::Viewer, created);
    /// assert_eq!(share.message(), None);
    /// assert_eq!(share.with_message(Some("hi".into())).message(), Some("hi"));
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn message(&self) -> Option<&str> {
        self.extra.as_ref().and_then(|e| e.message.as_deref())
    }
    /// How the share has been used.
    ///
    /// ```
    /// # use chrono::{TimeZone, Utc};
    /// # use shareguard::{AccessLevel, Recipient, Share};
    /// # use shareguard::model::Usage;
    /// # let created = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    /// # let share = Share::new("s1".parse()?, "folder:f1".parse()?, "alice".parse()?,
    /// #     Recipient::Group { id: "eng".parse()? }, AccessLevel::Viewer, created);
    /// assert_eq!(share.usage().visits, 0);
    /// let mut share = share;
    /// share.record_visit(created);
    /// assert_eq!(share.usage(), Usage { last_visit: Some(created), visits: 1 });
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn usage(&self) -> Usage {
        self.extra.as_ref().map_or_else(Usage::default, |e| e.usage)
    }
    /// The version, bumped by every change; updates name the version they expect.
    ///
    /// ```
    /// # use chrono::{TimeZone, Utc};
    /// # use shareguard::{AccessLevel, Recipient, Share};
    /// # use shareguard::model::SharePatch;
    /// # let created = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    /// # let share = Share::new("s1".parse()?, "folder:f1".parse()?, "alice".parse()?,
    /// #     Recipient::Group { id: "eng".parse()? }, AccessLevel::Viewer, created);
    /// assert_eq!(share.version(), 1);
    /// // `patched` leaves it: the store bumps it when it applies the change.
    /// let (changed, _) = share.patched(&SharePatch::to_access(AccessLevel::Editor))?;
    /// assert_eq!(changed.version(), 1);
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn version(&self) -> u64 {
        self.version
    }

    /// When the share starts granting, if it was scheduled.
    ///
    /// ```
    /// # use chrono::Utc;
    /// # use shareguard::{AccessLevel, Recipient, Share};
    /// let share = Share::new("s1".parse()?, "folder:f1".parse()?, "alice".parse()?,
    ///     Recipient::Public, AccessLevel::Viewer, Utc::now());
    /// assert_eq!(share.starts(), None);
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn starts(&self) -> Option<DateTime<Utc>> {
        self.extra.as_ref().and_then(|e| e.starts)
    }

    /// Whether the share waits for its recipient to accept it (SEMANTICS.md section 9).
    ///
    /// ```
    /// # use chrono::Utc;
    /// # use shareguard::{AccessLevel, Recipient, Share};
    /// let share = Share::new("s1".parse()?, "folder:f1".parse()?, "alice".parse()?,
    ///     Recipient::User { id: "bob".parse()? }, AccessLevel::Viewer, Utc::now());
    /// assert!(!share.is_pending());
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn is_pending(&self) -> bool {
        self.extra.as_ref().is_some_and(|e| e.pending)
    }

    /// A link's use limit, if it has one. Its uses so far are `usage().visits`.
    ///
    /// ```
    /// # use chrono::Utc;
    /// # use shareguard::{AccessLevel, Recipient, Share};
    /// let share = Share::new("s1".parse()?, "folder:f1".parse()?, "alice".parse()?,
    ///     Recipient::Public, AccessLevel::Viewer, Utc::now());
    /// assert_eq!(share.max_uses(), None);
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn max_uses(&self) -> Option<u64> {
        self.extra.as_ref().and_then(|e| e.max_uses)
    }

    /// A link's password hash, if it has one (never shown by `Debug` or serde).
    ///
    /// ```
    /// # use chrono::Utc;
    /// # use shareguard::{AccessLevel, Recipient, Share};
    /// let share = Share::new("s1".parse()?, "folder:f1".parse()?, "alice".parse()?,
    ///     Recipient::Public, AccessLevel::Viewer, Utc::now());
    /// assert!(share.password().is_none());
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn password(&self) -> Option<&LinkPassword> {
        self.extra.as_ref().and_then(|e| e.password.as_ref())
    }

    /// Whether a link's uses have reached its limit (SEMANTICS.md section 8): used up counts
    /// as expired.
    ///
    /// ```
    /// # use chrono::Utc;
    /// # use shareguard::{AccessLevel, Recipient, Share};
    /// # use shareguard::model::{LinkToken, ShareLink, Usage};
    /// let link = Recipient::Link(ShareLink::new(&LinkToken::presented("tok-1")?, false));
    /// let share = Share::new("s1".parse()?, "folder:f1".parse()?, "alice".parse()?, link,
    ///     AccessLevel::Viewer, Utc::now()).with_max_uses(Some(2));
    /// assert!(!share.is_used_up());
    /// let share = share.with_usage(Usage { last_visit: None, visits: 2 });
    /// assert!(share.is_used_up() && !share.is_active(Utc::now()));
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn is_used_up(&self) -> bool {
        self.extra.as_ref().is_some_and(|e| e.max_uses.is_some_and(|max| e.usage.visits >= max))
    }

    /// Whether the share has started at `now` (no `starts`, or `starts <= now`).
    ///
    /// ```
    /// # use chrono::{Duration, Utc};
    /// # use shareguard::{AccessLevel, Recipient, Share};
    /// let now = Utc::now();
    /// let share = Share::new("s1".parse()?, "folder:f1".parse()?, "alice".parse()?,
    ///     Recipient::Public, AccessLevel::Viewer, now).with_start(Some(now));
    /// assert!(share.has_started(now), "a start at exactly now has started");
    /// assert!(!share.has_started(now - Duration::nanoseconds(1)));
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn has_started(&self, now: DateTime<Utc>) -> bool {
        self.starts().is_none_or(|starts| starts <= now)
    }

    /// Whether the share has expired at `now`: its expiry is at or before `now`, or it is a
    /// used-up link.
    ///
    /// ```
    /// # use chrono::{Duration, Utc};
    /// # use shareguard::{AccessLevel, Recipient, Share};
    /// let now = Utc::now();
    /// let share = Share::new("s1".parse()?, "folder:f1".parse()?, "alice".parse()?,
    ///     Recipient::Public, AccessLevel::Viewer, now).with_expiry(Some(now));
    /// assert!(share.has_expired(now));
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn has_expired(&self, now: DateTime<Utc>) -> bool {
        self.expires.is_some_and(|expires| now >= expires) || self.is_used_up()
    }

    /// The share's state at `now` (SEMANTICS.md section 9): the first of expired (used up
    /// included), pending, scheduled, active that holds.
    ///
    /// ```
    /// # use chrono::{Duration, Utc};
    /// # use shareguard::{AccessLevel, Recipient, Share};
    /// use shareguard::model::ShareState;
    /// let now = Utc::now();
    /// let share = Share::new("s1".parse()?, "folder:f1".parse()?, "alice".parse()?,
    ///     Recipient::User { id: "bob".parse()? }, AccessLevel::Viewer, now);
    /// assert_eq!(share.state(now), ShareState::Active);
    /// assert_eq!(share.clone().with_pending(true).state(now), ShareState::Pending);
    /// let later = share.with_start(Some(now + Duration::days(1)));
    /// assert_eq!(later.state(now), ShareState::Scheduled);
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn state(&self, now: DateTime<Utc>) -> ShareState {
        if self.has_expired(now) {
            ShareState::Expired
        } else if self.is_pending() {
            ShareState::Pending
        } else if !self.has_started(now) {
            ShareState::Scheduled
        } else {
            ShareState::Active
        }
    }

    /// Whether `principal` presents this link unlocked: true for any share without a
    /// password, and for a password-protected link when the principal carries an unlock made
    /// against its current hash (SEMANTICS.md section 8).
    ///
    /// ```
    /// # use chrono::Utc;
    /// # use shareguard::{AccessLevel, Principal, PrincipalKind, Recipient, Share};
    /// # use shareguard::model::{LinkPassword, LinkToken, LinkUnlock, Password, ShareLink};
    /// let token = LinkToken::presented("tok-1")?;
    /// let kept = LinkPassword::hash(&Password::new("s3cret")?)?;
    /// let share = Share::new("s1".parse()?, "folder:f1".parse()?, "alice".parse()?,
    ///     Recipient::Link(ShareLink::new(&token, false)), AccessLevel::Viewer, Utc::now())
    ///     .with_password(Some(kept.clone()));
    /// let visitor = Principal::builder("v", PrincipalKind::Anonymous).link_token(&token).build()?;
    /// assert!(!share.is_unlocked_for(&visitor));
    /// let visitor = Principal::builder("v", PrincipalKind::Anonymous).link_token(&token)
    ///     .unlocked(LinkUnlock::new(token.digest(), &kept)).build()?;
    /// assert!(share.is_unlocked_for(&visitor));
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn is_unlocked_for(&self, principal: &Principal) -> bool {
        match (self.password(), &self.recipient) {
            (Some(password), Recipient::Link(link)) => unlocks(principal, password, link),
            _ => true,
        }
    }

    /// The SEMANTICS.md 6.2 rules on the terms a share holds together (those that need no
    /// `now`): a start before the expiry; pending only on a `user` or `email` grant; a use
    /// limit of at least 1, and a use limit or password only on a link grant; a retrievable
    /// link not addressed to `people`.
    pub(crate) fn check_terms(&self) -> Result<(), ModelError> {
        if let (Some(starts), Some(expires)) = (self.starts(), self.expires) {
            if starts >= expires {
                return Err(ModelError::Invalid {
                    field: "starts",
                    value: starts.to_rfc3339(),
                    reason: "a share starts before it expires",
                });
            }
        }
        let link = match &self.recipient {
            Recipient::Link(link) => Some(link),
            _ => None,
        };
        if self.is_pending()
            && (self.is_restrict()
                || !matches!(self.recipient, Recipient::User { .. } | Recipient::Email { .. }))
        {
            return Err(ModelError::Invalid {
                field: "pending",
                value: "true".to_owned(),
                reason: "only a grant to a `user` or `email` recipient may be pending",
            });
        }
        if let Some(max) = self.max_uses() {
            if max < 1 {
                return Err(ModelError::Invalid {
                    field: "max_uses",
                    value: max.to_string(),
                    reason: "a use limit is at least 1",
                });
            }
        }
        for (field, named) in
            [("max_uses", self.max_uses().is_some()), ("password", self.password().is_some())]
        {
            if named && link.is_none() {
                return Err(not_a_link(field));
            }
            if named && self.is_restrict() {
                return Err(ModelError::Invalid {
                    field,
                    value: "restrict".to_owned(),
                    reason: "a `restrict` share has no use limit and no password",
                });
            }
        }
        if let Some(link) = link {
            if link.is_retrievable() && matches!(link.audience(), Audience::People(_)) {
                return Err(ModelError::Invalid {
                    field: "retrievable",
                    value: "true".to_owned(),
                    reason: "a link to `people` cannot be retrieved (iconik)",
                });
            }
        }
        Ok(())
    }

    /// Makes the share hold the given copies of its resource, sharer and recipient (which
    /// must equal its own), so that a store can keep one copy of each text for many shares.
    pub(crate) fn share_text(
        &mut self,
        resource: Option<&ResourceRef>,
        sharer: Option<&PrincipalId>,
        recipient: Option<&Recipient>,
    ) {
        if let Some(r) = resource.filter(|r| **r == self.resource) {
            self.resource = r.clone();
        }
        if let Some(s) = sharer.filter(|s| **s == self.sharer) {
            self.sharer = s.clone();
        }
        if let Some(r) = recipient.filter(|r| **r == self.recipient) {
            self.recipient = r.clone();
        }
    }

    /// The share with any link token taken out (the link keeps its digest): what every read
    /// path but the `token` share action returns, so that reading a share never shows a token.
    ///
    /// ```
    /// use chrono::Utc;
    /// use shareguard::{AccessLevel, Recipient, Share};
    /// use shareguard::model::{LinkToken, ShareLink};
    ///
    /// let token = LinkToken::generate()?;
    /// let link = Share::new("s1".parse()?, "document:d1".parse()?, "alice".parse()?,
    ///     Recipient::Link(ShareLink::new(&token, true)), AccessLevel::Viewer, Utc::now());
    /// assert!(link.retrievable_token().is_ok());
    /// let read = link.without_token();
    /// assert!(read.retrievable_token().is_err());
    /// assert_eq!(read.recipient(), link.recipient(), "the same link, compared by digest");
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn without_token(&self) -> Share {
        let mut share = self.clone();
        if let Recipient::Link(link) = &self.recipient {
            if link.token().is_some() {
                share.recipient = Recipient::Link(ShareLink::from_digest(*link.digest()));
            }
        }
        share
    }

    /// The token of a retrievable link share, or why there is none: the share is not a link,
    /// or its link was not made retrievable, so its token was never kept.
    ///
    /// ```
    /// use chrono::Utc;
    /// use shareguard::{AccessLevel, Recipient, ResourceRef, Share};
    /// use shareguard::model::{LinkToken, PrincipalId, ShareId, ShareLink};
    ///
    /// let token = LinkToken::generate()?;
    /// let (id, doc, alice): (ShareId, ResourceRef, PrincipalId) =
    ///     ("s1".parse()?, "document:d1".parse()?, "alice".parse()?);
    /// let link = |retrievable| Share::new(id.clone(), doc.clone(), alice.clone(),
    ///     Recipient::Link(ShareLink::new(&token, retrievable)), AccessLevel::Viewer, Utc::now());
    /// assert_eq!(link(true).retrievable_token()?.reveal(), token.reveal());
    /// assert_eq!(link(false).retrievable_token().map(|_| ()).map_err(|e| e.field()), Err("share"));
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    pub fn retrievable_token(&self) -> Result<&LinkToken, ModelError> {
        match &self.recipient {
            Recipient::Link(link) => link.token(),
            _ => None,
        }
        .ok_or_else(|| ModelError::Invalid {
            field: "share",
            value: self.id.to_string(),
            reason: "not a retrievable link share: its token was never kept",
        })
    }

    /// Whether this is a `restrict` share.
    ///
    /// ```
    /// use chrono::Utc;
    /// use shareguard::{AccessLevel, Recipient, Share};
    ///
    /// let deny = Share::new("s1".parse()?, "folder:f1".parse()?, "alice".parse()?,
    ///     Recipient::User { id: "bob".parse()? }, AccessLevel::Restrict, Utc::now());
    /// assert!(deny.is_restrict());
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn is_restrict(&self) -> bool {
        self.access.is_restrict()
    }

    /// The permissions the share grants: its level's set plus its re-share rights; nothing
    /// for a `restrict` share.
    ///
    /// ```
    /// use chrono::Utc;
    /// use shareguard::{AccessLevel, Permissions, Recipient, ReshareRights, Share};
    ///
    /// let share = |access| -> Result<Share, shareguard::ModelError> {
    ///     Ok(Share::new("s1".parse()?, "folder:f1".parse()?, "alice".parse()?,
    ///         Recipient::Organization, access, Utc::now()).with_reshare(ReshareRights::LINK))
    /// };
    /// let custom = share(AccessLevel::Custom(Permissions::VIEW | Permissions::COMMENT))?;
    /// let expected = Permissions::VIEW | Permissions::COMMENT | Permissions::RESHARE_LINK;
    /// assert_eq!(custom.permissions(), expected);
    /// assert!(share(AccessLevel::Restrict)?.permissions().is_empty());
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn permissions(&self) -> Permissions {
        if self.access.is_restrict() {
            Permissions::empty()
        } else {
            self.access.permissions() | self.reshare.permissions()
        }
    }

    /// Whether the share is active at `now`: no expiry, or `now` strictly before it.
    ///
    /// ```
    /// # use chrono::{TimeZone, Utc};
    /// # use shareguard::{AccessLevel, Recipient, Share};
    /// # let created = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    /// # let share = Share::new("s1".parse()?, "folder:f1".parse()?, "alice".parse()?,
    /// #     Recipient::Group { id: "eng".parse()? }, AccessLevel::Viewer, created);
    /// let end = created + chrono::Duration::days(30);
    /// let share = share.with_expiry(Some(end));
    /// assert!(share.is_active(end - chrono::Duration::seconds(1)));
    /// assert!(!share.is_active(end)); // expired at the instant itself
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    #[inline]
    pub fn is_active(&self, now: DateTime<Utc>) -> bool {
        self.expires.is_none_or(|expires| now < expires)
            && self.extra.as_ref().is_none_or(|e| {
                e.starts.is_none_or(|starts| starts <= now)
                    && e.max_uses.is_none_or(|max| e.usage.visits < max)
            })
    }

    /// Records one visit at `at`.
    ///
    /// ```
    /// # use chrono::{TimeZone, Utc};
    /// # use shareguard::{AccessLevel, Recipient, Share};
    /// # let created = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    /// # let share = Share::new("s1".parse()?, "folder:f1".parse()?, "alice".parse()?,
    /// #     Recipient::Group { id: "eng".parse()? }, AccessLevel::Viewer, created);
    /// let mut share = share;
    /// share.record_visit(created);
    /// share.record_visit(created + chrono::Duration::hours(1));
    /// assert_eq!(share.usage().visits, 2);
    /// assert_eq!(share.usage().last_visit, Some(created + chrono::Duration::hours(1)));
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    pub fn record_visit(&mut self, at: DateTime<Utc>) {
        self.set_extra(|e| {
            e.usage.last_visit = Some(at);
            e.usage.visits = e.usage.visits.saturating_add(1);
        });
    }

    /// The share as the patch would leave it (same id and version) and the fields that
    /// changed, or the malformation that refuses the patch (SEMANTICS.md 6.2, but the time
    /// rule, which needs `now`), an expiry outside the model's range ([`check_time`])
    /// included.
    ///
    /// ```
    /// use chrono::Utc;
    /// use shareguard::{AccessLevel, Recipient, Share};
    /// use shareguard::model::{Level, SharePatch};
    ///
    /// let share = Share::new("s1".parse()?, "document:d1".parse()?, "alice".parse()?,
    ///     Recipient::User { id: "bob".parse()? }, AccessLevel::Viewer, Utc::now());
    /// let (changed, fields) = share.patched(&SharePatch { access: Some(Level::Editor), ..SharePatch::default() })?;
    /// assert_eq!(changed.access(), AccessLevel::Editor);
    /// assert_eq!(fields[0].field, "access");
    ///
    /// let other = SharePatch { recipient: Some(Recipient::User { id: "carol".parse()? }), ..SharePatch::default() };
    /// assert_eq!(share.patched(&other).unwrap_err().field(), "recipient");
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    pub fn patched(&self, patch: &SharePatch) -> Result<(Share, Vec<FieldChange>), ModelError> {
        check_time_option("expires", patch.expires.flatten())?;
        check_time_option("starts", patch.starts.flatten())?;
        for (field, named) in [
            ("pending", patch.pending),
            ("uses", patch.uses.is_some()),
            ("retrievable", patch.retrievable),
        ] {
            if named {
                return Err(ModelError::Invalid {
                    field,
                    value: "named".to_owned(),
                    reason: "a change may not name it (pending ends by `accept`, uses by openings, a token is kept or not when the link is made)",
                });
            }
        }
        if let Some(recipient) = &patch.recipient {
            if *recipient != self.recipient {
                return Err(ModelError::Invalid {
                    field: "recipient",
                    value: recipient.to_string(),
                    reason: "a share's recipient never changes: create another share",
                });
            }
        }
        let level = patch.access.unwrap_or(self.access.level());
        let (access, reshare) = match level {
            Level::Restrict => {
                if patch.permissions.is_some() || patch.reshare.is_some() {
                    return Err(restrict_with_rights());
                }
                if matches!(patch.max_uses, Some(Some(_)))
                    || matches!(patch.password, Some(Some(_)))
                {
                    return Err(ModelError::Invalid {
                        field: if matches!(patch.password, Some(Some(_))) {
                            "password"
                        } else {
                            "max_uses"
                        },
                        value: "restrict".to_owned(),
                        reason: "a `restrict` share has no use limit and no password",
                    });
                }
                (AccessLevel::Restrict, ReshareRights::empty())
            }
            Level::Custom => {
                let set = patch.permissions.or(self.access.custom_set());
                (
                    AccessLevel::from_parts(Level::Custom, set)?,
                    patch.reshare.unwrap_or(self.reshare),
                )
            }
            level => (
                AccessLevel::from_parts(level, patch.permissions)?,
                patch.reshare.unwrap_or(self.reshare),
            ),
        };
        let mut next = self.clone();
        next.access = access;
        next.reshare = reshare;
        if let Some(expires) = patch.expires {
            next.expires = expires;
        }
        if let Some(message) = &patch.message {
            next.set_extra(|e| e.message = message.as_deref().map(Box::from));
        }
        if let Some(starts) = patch.starts {
            next = next.with_start(starts);
        }
        if let Some(max_uses) = patch.max_uses {
            next = next.with_max_uses(max_uses);
        }
        if let Some(password) = &patch.password {
            next = next.with_password(password.clone());
        }
        if next.access.is_restrict() {
            // Changing to `restrict` discards what only a grant has (SEMANTICS.md 6.2).
            next = next.with_password(None).with_max_uses(None);
        }
        next.check_terms()?;
        let mut changes = Vec::new();
        let mut note = |field: &'static str, old: Option<String>, new: Option<String>| {
            if old != new {
                changes.push(FieldChange { field: field.to_owned(), old, new });
            }
        };
        note("access", Some(self.access.to_string()), Some(next.access.to_string()));
        note("reshare", Some(self.reshare.to_string()), Some(next.reshare.to_string()));
        note("expires", self.expires.map(|t| t.to_rfc3339()), next.expires.map(|t| t.to_rfc3339()));
        note("message", self.message().map(str::to_owned), next.message().map(str::to_owned));
        note(
            "starts",
            self.starts().map(|t| t.to_rfc3339()),
            next.starts().map(|t| t.to_rfc3339()),
        );
        note(
            "max_uses",
            self.max_uses().map(|n| n.to_string()),
            next.max_uses().map(|n| n.to_string()),
        );
        // A password is never shown, even as a hash: the log says it was set, changed or removed.
        if self.password() != next.password() {
            let shown = |p: Option<&LinkPassword>| p.map(|_| "set".to_owned());
            changes.push(FieldChange {
                field: "password".to_owned(),
                old: shown(self.password()),
                new: shown(next.password()),
            });
        }
        Ok((next, changes))
    }
}

fn not_a_link(field: &'static str) -> ModelError {
    ModelError::Invalid {
        field,
        value: "set".to_owned(),
        reason: "only a link share has a use limit, a password or a retrievable token",
    }
}

fn restrict_with_rights() -> ModelError {
    ModelError::Invalid {
        field: "access",
        value: "restrict".to_owned(),
        reason: "a `restrict` share takes no `permissions` and no `reshare`",
    }
}

/// A share to create: what the actor asks for. The sharer is the actor, and the store gives
/// the id.
///
/// The level and a `custom` set are named apart, as requests name them, so that a malformed
/// request (a set with a level that takes none) can be refused as `invalid` by the policy.
///
/// ```
/// use shareguard::{AccessLevel, NewShare, Recipient, ReshareRights};
///
/// let new = NewShare::new("document:d1".parse()?, Recipient::User { id: "carol".parse()? }, AccessLevel::Viewer)
///     .reshare(ReshareRights::INTERNAL)
///     .message("for the review");
/// assert_eq!(new.access_and_reshare()?, (AccessLevel::Viewer, ReshareRights::INTERNAL));
/// # Ok::<(), shareguard::ModelError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewShare {
    /// The resource to share.
    pub resource: ResourceRef,
    /// Who to share it with.
    pub recipient: Recipient,
    /// The level's name.
    pub access: Level,
    /// The set of a `custom` level; named with any other level, it makes the request invalid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permissions: Option<Permissions>,
    /// Re-share rights; named (even empty) with `restrict`, they make the request invalid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reshare: Option<ReshareRights>,
    /// When the share expires.
    #[serde(default, with = "rfc3339_option", skip_serializing_if = "Option::is_none")]
    pub expires: Option<DateTime<Utc>>,
    /// A message or comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// When the share starts granting (SEMANTICS.md section 9); `None`: at once.
    #[serde(default, with = "rfc3339_option", skip_serializing_if = "Option::is_none")]
    pub starts: Option<DateTime<Utc>>,
    /// Make it an invitation its recipient must accept (a `user` or `email` grant only).
    /// `require_acceptance` may make it pending whatever this says.
    #[serde(default, skip_serializing_if = "is_false")]
    pub pending: bool,
    /// A link's use limit (at least 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_uses: Option<u64>,
    /// A link's password, already hashed: JSON gives it in clear and it is hashed as it is
    /// read; serde writes `"<redacted>"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<LinkPassword>,
    /// Keep a link's token so that those allowed the `token` share action can read it again
    /// (the recipient must carry the token, not only its digest). Otherwise only its digest
    /// is kept.
    #[serde(default, skip_serializing_if = "is_false")]
    pub retrievable: bool,
}

impl NewShare {
    /// A request for a share at an access level, with nothing else.
    ///
    /// ```
    /// use shareguard::{AccessLevel, NewShare, Permissions, Recipient};
    /// use shareguard::model::Level;
    ///
    /// let access = AccessLevel::Custom(Permissions::VIEW);
    /// let new = NewShare::new("document:d1".parse()?, Recipient::Public, access);
    /// // The level and a custom set are named apart, as requests name them.
    /// assert_eq!((new.access, new.permissions), (Level::Custom, Some(Permissions::VIEW)));
    /// assert!(new.reshare.is_none() && new.expires.is_none() && new.message.is_none());
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn new(resource: ResourceRef, recipient: Recipient, access: AccessLevel) -> Self {
        Self {
            resource,
            recipient,
            access: access.level(),
            permissions: access.custom_set(),
            reshare: None,
            expires: None,
            message: None,
            starts: None,
            pending: false,
            max_uses: None,
            password: None,
            retrievable: false,
        }
    }

    /// Gives re-share rights.
    ///
    /// ```
    /// use shareguard::{AccessLevel, NewShare, Recipient, ReshareRights};
    ///
    /// let new = NewShare::new("folder:f1".parse()?, Recipient::Organization, AccessLevel::Editor)
    ///     .reshare(ReshareRights::INTERNAL | ReshareRights::GRANT);
    /// assert_eq!(new.reshare, Some(ReshareRights::INTERNAL | ReshareRights::GRANT));
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn reshare(mut self, reshare: ReshareRights) -> Self {
        self.reshare = Some(reshare);
        self
    }

    /// Sets the expiry.
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use shareguard::{AccessLevel, NewShare, Recipient};
    ///
    /// let end = Utc.with_ymd_and_hms(2026, 4, 1, 0, 0, 0).unwrap();
    /// let new = NewShare::new("folder:f1".parse()?, Recipient::Public, AccessLevel::Viewer)
    ///     .expires(end);
    /// assert_eq!(new.expires, Some(end));
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn expires(mut self, expires: DateTime<Utc>) -> Self {
        self.expires = Some(expires);
        self
    }

    /// Sets the message.
    ///
    /// ```
    /// use shareguard::{AccessLevel, NewShare, Recipient};
    ///
    /// let new = NewShare::new("folder:f1".parse()?, Recipient::Organization, AccessLevel::Viewer)
    ///     .message("the Q3 figures");
    /// assert_eq!(new.message.as_deref(), Some("the Q3 figures"));
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn message(mut self, message: impl Into<String>) -> Self {
        self.message = Some(message.into());
        self
    }

    /// The request that would make `share` again (its id, sharer, creation time, version and
    /// usage aside).
    ///
    /// ```
    /// use chrono::Utc;
    /// use shareguard::{AccessLevel, NewShare, Recipient, Share};
    ///
    /// let share = Share::new("s1".parse()?, "document:d1".parse()?, "alice".parse()?,
    ///     Recipient::Organization, AccessLevel::Commenter, Utc::now()).with_message(Some("fyi".into()));
    /// let again = NewShare::again(&share);
    /// assert_eq!((again.access, again.message.as_deref()), (share.access().level(), Some("fyi")));
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn again(share: &Share) -> Self {
        let access = share.access();
        Self {
            resource: share.resource().clone(),
            recipient: share.recipient().clone(),
            access: access.level(),
            permissions: access.custom_set(),
            reshare: (!share.reshare().is_empty()).then(|| share.reshare()),
            expires: share.expires(),
            message: share.message().map(str::to_owned),
            starts: share.starts(),
            pending: share.is_pending(),
            max_uses: share.max_uses(),
            password: share.password().cloned(),
            retrievable: matches!(share.recipient(), Recipient::Link(link) if link.is_retrievable()),
        }
    }

    /// The access and re-share rights the request resolves to, or why it is malformed.
    ///
    /// ```
    /// use shareguard::{AccessLevel, NewShare, Permissions, Recipient, ReshareRights};
    ///
    /// let mut new = NewShare::new("document:d1".parse()?, Recipient::Public, AccessLevel::Viewer);
    /// assert_eq!(new.access_and_reshare()?, (AccessLevel::Viewer, ReshareRights::empty()));
    /// // A set named with a level that takes none.
    /// new.permissions = Some(Permissions::EDIT);
    /// assert_eq!(new.access_and_reshare().unwrap_err().field(), "permissions");
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    pub fn access_and_reshare(&self) -> Result<(AccessLevel, ReshareRights), ModelError> {
        if self.access == Level::Restrict && (self.reshare.is_some() || self.permissions.is_some())
        {
            return Err(restrict_with_rights());
        }
        Ok((
            AccessLevel::from_parts(self.access, self.permissions)?,
            self.reshare.unwrap_or_default(),
        ))
    }
}

/// A change to a share: only the fields named change. `expires: Some(None)` removes the
/// expiry; `reshare` replaces the whole set; naming a different recipient is refused.
///
/// Changing the level away from `custom` discards the stored set; changing it to `restrict`
/// discards the set and the re-share rights.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use shareguard::{AccessLevel, Recipient, Share};
/// use shareguard::model::SharePatch;
///
/// let created = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
/// let share = Share::new("s1".parse()?, "folder:f1".parse()?, "alice".parse()?,
///     Recipient::Organization, AccessLevel::Viewer, created)
///     .with_expiry(Some(created + chrono::Duration::days(7)));
/// // `null` removes the expiry; the fields left out stay as they are.
/// let patch: SharePatch = serde_json::from_str(r#"{"expires": null}"#)?;
/// assert_eq!(patch.expires, Some(None));
/// let (patched, changes) = share.patched(&patch)?;
/// assert_eq!((patched.expires(), patched.access()), (None, AccessLevel::Viewer));
/// assert_eq!(changes.len(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SharePatch {
    /// A new level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access: Option<Level>,
    /// A new `custom` set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permissions: Option<Permissions>,
    /// New re-share rights, replacing the old.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reshare: Option<ReshareRights>,
    /// A new expiry (`Some(None)` removes it).
    #[serde(default, with = "rfc3339_change", skip_serializing_if = "Option::is_none")]
    pub expires: Option<Option<DateTime<Utc>>>,
    /// A new message (`Some(None)` removes it).
    #[serde(default, with = "double_option", skip_serializing_if = "Option::is_none")]
    pub message: Option<Option<String>>,
    /// The recipient, if the caller names it: it must be the share's own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient: Option<Recipient>,
    /// `Some(None)` removes the start; `Some(Some(t))` schedules it.
    #[serde(default, with = "rfc3339_change", skip_serializing_if = "Option::is_none")]
    pub starts: Option<Option<DateTime<Utc>>>,
    /// `Some(None)` removes a link's use limit; `Some(Some(n))` sets it.
    #[serde(default, with = "double_option", skip_serializing_if = "Option::is_none")]
    pub max_uses: Option<Option<u64>>,
    /// `Some(None)` removes a link's password; `Some(Some(p))` sets it (given in clear in JSON,
    /// hashed as it is read). Setting it, even to the same text, locks every earlier unlock out.
    #[serde(default, with = "double_option", skip_serializing_if = "Option::is_none")]
    pub password: Option<Option<LinkPassword>>,
    /// Never allowed in a change (only the `accept` share action ends pending): `true` makes
    /// the patch malformed. Present so that a request naming it is refused rather than lost.
    #[serde(default, skip_serializing_if = "is_false")]
    pub pending: bool,
    /// Never allowed in a change (uses are recorded by openings): any value makes the patch
    /// malformed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uses: Option<u64>,
    /// Never allowed in a change (the token is kept or not when the link is made): `true`
    /// makes the patch malformed.
    #[serde(default, skip_serializing_if = "is_false")]
    pub retrievable: bool,
}

impl SharePatch {
    /// A change of the access level alone (with its set, for `custom`).
    ///
    /// ```
    /// use shareguard::{AccessLevel, Permissions};
    /// use shareguard::model::{Level, SharePatch};
    ///
    /// let patch = SharePatch::to_access(AccessLevel::Custom(Permissions::VIEW));
    /// assert_eq!((patch.access, patch.permissions), (Some(Level::Custom), Some(Permissions::VIEW)));
    /// ```
    #[must_use]
    pub fn to_access(access: AccessLevel) -> Self {
        Self { access: Some(access.level()), permissions: access.custom_set(), ..Self::default() }
    }
}

mod double_option {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub(super) fn serialize<T: Serialize, S: Serializer>(
        value: &Option<Option<T>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(inner) => inner.serialize(s),
            None => s.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Option<T>>, D::Error> {
        Option::<T>::deserialize(d).map(Some)
    }
}

/// One field a change altered, with its old and new values as text.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use shareguard::{AccessLevel, Recipient, Share};
/// use shareguard::model::{FieldChange, SharePatch};
///
/// let created = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
/// let share = Share::new("s1".parse()?, "folder:f1".parse()?, "alice".parse()?,
///     Recipient::Organization, AccessLevel::Viewer, created);
/// let in_a_week = Some(created + chrono::Duration::days(7));
/// let patch = SharePatch { expires: Some(in_a_week), ..SharePatch::default() };
/// let (_, changes) = share.patched(&patch)?;
/// // `None` stands for no value: the share had no expiry.
/// let new = Some("2026-03-08T12:00:00+00:00".to_owned());
/// assert_eq!(changes, [FieldChange { field: "expires".into(), old: None, new }]);
/// # Ok::<(), shareguard::ModelError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    /// `access`, `reshare`, `expires` or `message`.
    pub field: String,
    /// The value before.
    pub old: Option<String>,
    /// The value after.
    pub new: Option<String>,
}

/// Whether one of the principal's unlocks opens a link's password. Not inlined, so that a
/// decision's walk does not load the principal's unlocks (another cache line) for the
/// shares (nearly all) that have no password.
#[inline(never)]
fn unlocks(principal: &Principal, password: &LinkPassword, link: &ShareLink) -> bool {
    principal.unlocked().iter().any(|u| password.is_unlocked_by(link.digest(), u))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use chrono::Utc;

    use super::Share;
    use crate::model::{AccessLevel, PrincipalId, Recipient, ResourceRef};

    /// `share_text` takes the store's copy of each text that equals the share's own (longer
    /// than 16 bytes, a text is shared, so taking it is what saves the memory) and ignores one
    /// that differs.
    #[test]
    fn a_share_takes_the_stores_copy_of_an_equal_text_only() {
        let long = |text: &str| format!("{text}-with-a-text-longer-than-sixteen-bytes");
        let resource =
            |id: &str| -> ResourceRef { format!("folder:{}", long(id)).parse().unwrap() };
        let sharer = |id: &str| -> PrincipalId { long(id).parse().unwrap() };
        let recipient = |id: &str| Recipient::User { id: long(id).parse().unwrap() };
        let share = || {
            Share::new(
                "s1".parse().unwrap(),
                resource("f1"),
                sharer("alice"),
                recipient("bob"),
                AccessLevel::Viewer,
                Utc::now(),
            )
        };
        let at = |s: &str| s.as_ptr();
        let user = |r: &Recipient| match r {
            Recipient::User { id } => at(id.as_str()),
            _ => std::ptr::null(),
        };

        let (kept_resource, kept_sharer, kept_recipient) =
            (resource("f1"), sharer("alice"), recipient("bob"));
        let mut taken = share();
        assert_ne!(
            at(taken.resource().as_str()),
            at(kept_resource.as_str()),
            "separate copies to begin with"
        );
        taken.share_text(Some(&kept_resource), Some(&kept_sharer), Some(&kept_recipient));
        assert_eq!(at(taken.resource().as_str()), at(kept_resource.as_str()));
        assert_eq!(at(taken.sharer().as_str()), at(kept_sharer.as_str()));
        assert_eq!(user(taken.recipient()), user(&kept_recipient));

        let mut kept = share();
        kept.share_text(Some(&resource("f2")), Some(&sharer("carol")), Some(&recipient("dave")));
        assert_eq!(
            (kept.resource(), kept.sharer(), kept.recipient()),
            (&resource("f1"), &sharer("alice"), &recipient("bob"))
        );
    }
}
