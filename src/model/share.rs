//! Shares: one grant (or one restriction) of a resource to one recipient.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::time::{check_time, check_time_option, rfc3339, rfc3339_change, rfc3339_option};

use crate::model::{
    AccessLevel, Level, LinkToken, ModelError, Permissions, PrincipalId, Recipient, ReshareRights,
    ResourceRef, ShareId, ShareLink,
};

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
pub struct Share {
    id: ShareId,
    resource: ResourceRef,
    sharer: PrincipalId,
    recipient: Recipient,
    access: AccessLevel,
    reshare: ReshareRights,
    expires: Option<DateTime<Utc>>,
    created: DateTime<Utc>,
    version: u64,
    // What most shares never have, boxed so that a store holding a million shares pays a
    // pointer for it rather than forty bytes.
    extra: Option<Box<Extra>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct Extra {
    message: Option<Box<str>>,
    usage: Usage,
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
        let access = w.access.validated()?;
        if access.is_restrict() && !w.reshare.is_empty() {
            return Err(restrict_with_rights());
        }
        let mut share = Share::new(w.id, w.resource, w.sharer, w.recipient, access, w.created)
            .with_reshare(w.reshare)
            .with_expiry(w.expires)
            .with_usage(w.usage)
            .with_version(w.version);
        share.set_extra(|e| e.message = w.message);
        Ok(share)
    }
}

impl From<Share> for ShareWire {
    fn from(s: Share) -> Self {
        let Extra { message, usage } = s.extra.map(|e| *e).unwrap_or_default();
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
        let (access, reshare) = new.access_and_reshare()?;
        Ok(Self::new(id, new.resource.clone(), sharer, new.recipient.clone(), access, created)
            .with_reshare(reshare)
            .with_expiry(new.expires)
            .with_message(new.message.clone()))
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
    pub fn is_active(&self, now: DateTime<Utc>) -> bool {
        self.expires.is_none_or(|expires| now < expires)
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
        Ok((next, changes))
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
