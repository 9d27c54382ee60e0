//! Micro Focus (Novell) Filr REST: the Share resource, the paged list form and the list
//! queries (seed `002_…`), as the admin API (`/rest/admin/shares`) and the client API
//! (`/rest/shares/by_user/{id}`, `/rest/folders/{id}/shares`, …) return them.
//!
//! # Mapping
//!
//! | Filr | model |
//! | --- | --- |
//! | `id` (long) | [`ShareId`] of its decimal digits |
//! | `sharer.id` (long) | [`PrincipalId`] of its decimal digits |
//! | `shared_entity` `{id, type}` | [`ResourceRef`] `type:id` (`folderEntry:10`) |
//! | `sharing_date` | `created` (required) |
//! | `expiration`, or else `sharing_date` + `days_to_expire` days | `expires` |
//! | `comment` | `message` |
//! | `role` VIEWER / EDITOR / CONTRIBUTOR, or `access.role` alone (the client API) | viewer / editor / contributor |
//! | `access.sharing` internal / external / public / public_link / grant_reshare | [`ReshareRights`] internal / external / public / link / grant |
//! | `recipient.type` user / group | [`Recipient::User`] / [`Recipient::Group`] of `recipient.id` |
//! | `recipient.type` external_user | [`Recipient::Email`] of `recipient.email` |
//! | `recipient.type` public | [`Recipient::Public`] |
//! | `recipient.type` public_link | [`Recipient::Link`]: see below |
//!
//! Decisions where the document is silent:
//!
//! - **Links.** Filr's JSON never carries a public link's token, and the model's link is the
//!   digest of one. Inventing a token from the share id would make a guessable link, so
//!   [`Share::to_share`] refuses a `public_link` share unless the caller passes the link
//!   (from wherever it keeps Filr's link URLs) with [`Share::to_share_with_link`].
//! - **What the model does not keep.** An external user's Filr `id`, and `days_to_expire`,
//!   are not kept: converting back writes `expiration` only. The `href`s are rebuilt from the
//!   ids in Filr's own scheme (`/users/{id}`, `/groups/{id}`, `/admin/shares/{id}`,
//!   `/folder_entries/{id}` for a `folderEntry`, `/folders/{id}` for a `folder`);
//!   `can_share` is written as whether the share carries any re-share right.
//! - **The client API's share** has no top-level `role` (nor `can_share`): the role is
//!   only `access.role`. Either is read; both, when given, must agree. Written from the
//!   model, a share carries both (the admin form).
//! - **What the forms cannot express.** `access.role` NONE and ACCESS (values the Filr
//!   schema lists for other contexts) are refused as unknown values. The client schema's
//!   JSON example shows `sharing_date` and `expiration` as numbers; the documented list
//!   response writes them as ISO 8601 text, which is what is read: a number is refused at
//!   its path. `sharing.all_internal` / `all_external`, `permalinks`, `links` and the
//!   list's `next` have no place in the model: they are kept in `extra` and written back.
//! - **`days_to_expire`** counts days from `sharing_date`. A negative count (an expiry
//!   before the share was made) is refused, as is a count whose expiry falls past the last
//!   time the model can hold: both are an [`InteropError::Invalid`] naming `days_to_expire`.
//! - **Levels.** Only viewer, editor and contributor have Filr roles; any other level (and
//!   a `custom` set, `none` or `restrict`) is refused as inexpressible. Only users, groups,
//!   external people by email, the public and links are Filr recipients: a role, the
//!   organisation or a portal audience is refused.
//! - **Public links** (SEMANTICS.md section 8) admit whoever holds them: a `public_link` is
//!   a link of audience `anyone`. The link given to [`Share::to_share_with_link`] must be
//!   one (a narrower audience is refused as [`InteropError::Invalid`] naming `recipient`).
//!   Filr's JSON carries no public link's password or use limit.
//! - **Queries.** `shared_by=N` filters on the sharer `N`; `shared_with=N` on the recipient
//!   user `N` (Filr's recipient ids are user ids; a group recipient is named with
//!   [`ListQuery::to_filter_with`]); `/admin/shares/public` is [`ShareFilter::public_only`].
//!
//! # What this vendor cannot express
//!
//! Each is refused as [`InteropError::Inexpressible`] naming the model field:
//!
//! - a scheduled start (`starts`) and a pending invitation (`pending`): a Filr share grants
//!   from its sharing date;
//! - a link's password (`password`) or use limit (`max_uses`), and a link for the
//!   organization or named people (`audience`): a Filr public link admits anyone holding it;
//! - levels other than viewer, editor and contributor (`access`), and recipients other than
//!   users, groups, external users, the public and links (`recipient`); ids that are not
//!   longs (`id`, `sharer`, `resource`, `recipient`).
//!
//! ```
//! use shareguard::interop::filr;
//! use shareguard::{AccessLevel, Recipient};
//!
//! let json = r#"{"id": 7, "sharer": {"id": 20}, "sharing_date": "2015-12-22T17:31:12Z",
//!   "recipient": {"type": "group", "id": 4}, "shared_entity": {"id": 10, "type": "folder"},
//!   "role": "EDITOR"}"#;
//! let share = filr::Share::from_json_str(json)?.to_share()?;
//! assert_eq!(share.access(), AccessLevel::Editor);
//! assert_eq!(share.recipient(), &Recipient::Group { id: "4".parse()? });
//! assert_eq!(filr::Share::try_from(&share)?.role, Some(filr::Role::Editor));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::{Extra, InteropError, audience_name, json_form};
use crate::model::{
    AccessLevel, Audience, Email, GroupId, PrincipalId, Recipient, ReshareRights, ResourceKind,
    ResourceRef, ShareId, ShareLink,
};
use crate::store::{Paged, ShareFilter};

const VENDOR: &str = "filr";

/// A Filr `LongIdLinkPair`: an id and the href of its resource.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use shareguard::interop::filr::{self, LinkPair};
/// use shareguard::{AccessLevel, Recipient, Share};
///
/// let share = Share::new("1".parse()?, "folderEntry:10".parse()?, "20".parse()?,
///     Recipient::User { id: "140".parse()? }, AccessLevel::Viewer, Utc.with_ymd_and_hms(2015, 12, 22, 17, 31, 12).unwrap());
/// // Written in Filr's form, the sharer's href is rebuilt from its id.
/// let sharer = filr::Share::try_from(&share)?.sharer;
/// assert_eq!((sharer.id, sharer.href.as_deref()), (20, Some("/users/20")));
/// assert!(sharer.extra.is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkPair {
    /// The id.
    pub id: i64,
    /// The resource's href.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub href: Option<String>,
    /// Fields this form does not know, kept as read and written back (see
    /// [Fields a form does not know](crate::interop#fields-a-form-does-not-know)).
    #[serde(flatten)]
    pub extra: super::Extra,
}

/// The kind of a Filr share recipient.
///
/// ```
/// use shareguard::interop::filr::RecipientType;
///
/// assert_eq!(serde_json::to_value(RecipientType::ExternalUser)?, "external_user");
/// assert_eq!(serde_json::from_str::<RecipientType>(r#""public_link""#)?, RecipientType::PublicLink);
/// assert!(serde_json::from_str::<RecipientType>(r#""role""#).is_err());
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecipientType {
    /// An internal user.
    User,
    /// A group.
    Group,
    /// A person outside, by email.
    ExternalUser,
    /// Everyone.
    Public,
    /// Whoever holds the public link.
    PublicLink,
}

/// A Filr `ShareRecipient`.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use shareguard::interop::filr::{self, RecipientType};
/// use shareguard::{AccessLevel, Recipient, Share};
///
/// let share = Share::new("1".parse()?, "folderEntry:10".parse()?, "20".parse()?,
///     Recipient::Email { email: "siguat@gmail.com".parse()? }, AccessLevel::Viewer,
///     Utc.with_ymd_and_hms(2015, 12, 22, 17, 31, 12).unwrap());
/// // A person outside is an external user, known by email alone.
/// let recipient = filr::Share::try_from(&share)?.recipient;
/// assert_eq!(recipient.kind, RecipientType::ExternalUser);
/// assert_eq!((recipient.id, recipient.email.as_deref()), (None, Some("siguat@gmail.com")));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareRecipient {
    /// The kind of recipient.
    #[serde(rename = "type")]
    pub kind: RecipientType,
    /// The user's or group's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    /// The external user's address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The recipient's href.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub href: Option<String>,
    /// Fields this form does not know, kept as read and written back (see
    /// [Fields a form does not know](crate::interop#fields-a-form-does-not-know)).
    #[serde(flatten)]
    pub extra: super::Extra,
}

/// A Filr `EntityId`: the shared folder or entry.
///
/// ```
/// use shareguard::interop::filr;
///
/// let json = r#"{"id": 1, "sharer": {"id": 20}, "sharing_date": "2015-12-22T17:31:12Z",
///   "recipient": {"id": 140, "type": "user"}, "role": "VIEWER",
///   "shared_entity": {"id": 10, "type": "folderEntry", "href": "/folder_entries/10"}}"#;
/// let wire = filr::Share::from_json_str(json)?;
/// assert_eq!((wire.shared_entity.id, wire.shared_entity.kind.as_str()), (10, "folderEntry"));
/// // The type is the model resource's kind.
/// assert_eq!(wire.to_share()?.resource().as_str(), "folderEntry:10");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntityId {
    /// The entity's id.
    pub id: i64,
    /// The entity's type (`folderEntry`, `folder`, …): the model's resource kind.
    #[serde(rename = "type")]
    pub kind: String,
    /// The entity's href.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub href: Option<String>,
    /// Fields this form does not know, kept as read and written back (see
    /// [Fields a form does not know](crate::interop#fields-a-form-does-not-know)).
    #[serde(flatten)]
    pub extra: super::Extra,
}

/// A Filr share role.
///
/// ```
/// use shareguard::interop::filr::Role;
/// use shareguard::AccessLevel;
///
/// let role: Role = serde_json::from_str(r#""CONTRIBUTOR""#)?;
/// assert_eq!(role.level(), AccessLevel::Contributor);
/// assert!(serde_json::from_str::<Role>(r#""MANAGER""#).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Role {
    /// The model's viewer.
    Viewer,
    /// The model's contributor.
    Contributor,
    /// The model's editor.
    Editor,
}

impl Role {
    /// The model level of this role.
    ///
    /// ```
    /// use shareguard::interop::filr::Role;
    /// use shareguard::AccessLevel;
    ///
    /// assert_eq!(Role::Viewer.level(), AccessLevel::Viewer);
    /// assert_eq!(Role::Contributor.level(), AccessLevel::Contributor);
    /// assert_eq!(Role::Editor.level(), AccessLevel::Editor);
    /// ```
    #[must_use]
    pub fn level(self) -> AccessLevel {
        match self {
            Role::Viewer => AccessLevel::Viewer,
            Role::Contributor => AccessLevel::Contributor,
            Role::Editor => AccessLevel::Editor,
        }
    }

    /// The role of a model level, if Filr has one.
    ///
    /// ```
    /// use shareguard::interop::{filr::Role, InteropError};
    /// use shareguard::AccessLevel;
    ///
    /// assert_eq!(Role::from_level(AccessLevel::Editor)?, Role::Editor);
    /// let err = Role::from_level(AccessLevel::Commenter).unwrap_err();
    /// assert!(matches!(&err, InteropError::Inexpressible { field, .. } if field == "access"));
    /// assert!(err.to_string().contains("the level `commenter`"));
    /// # Ok::<(), InteropError>(())
    /// ```
    pub fn from_level(level: AccessLevel) -> Result<Self, InteropError> {
        match level {
            AccessLevel::Viewer => Ok(Role::Viewer),
            AccessLevel::Contributor => Ok(Role::Contributor),
            AccessLevel::Editor => Ok(Role::Editor),
            other => Err(InteropError::inexpressible(
                VENDOR,
                "access",
                format!("the level `{other}` (Filr has VIEWER, EDITOR and CONTRIBUTOR)"),
            )),
        }
    }
}

/// Filr's re-share flags.
///
/// ```
/// use shareguard::interop::filr::Sharing;
/// use shareguard::ReshareRights;
///
/// // Flags left out are false.
/// let flags: Sharing = serde_json::from_str(r#"{"internal": true, "grant_reshare": true}"#)?;
/// assert_eq!(ReshareRights::from(flags), ReshareRights::INTERNAL | ReshareRights::GRANT);
/// assert_eq!(Sharing::from(ReshareRights::LINK), Sharing { public_link: true, ..Sharing::default() });
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Sharing {
    /// May share on with internal users and groups.
    #[serde(default)]
    pub internal: bool,
    /// May share on with external users.
    #[serde(default)]
    pub external: bool,
    /// May share on with the public.
    #[serde(default)]
    pub public: bool,
    /// May create public links.
    #[serde(default)]
    pub public_link: bool,
    /// May give re-share rights to others.
    #[serde(default)]
    pub grant_reshare: bool,
    /// Fields this form does not know, kept as read and written back (see
    /// [Fields a form does not know](crate::interop#fields-a-form-does-not-know)).
    #[serde(flatten)]
    pub extra: super::Extra,
}

impl From<Sharing> for ReshareRights {
    fn from(s: Sharing) -> Self {
        let mut r = ReshareRights::empty();
        r.set(ReshareRights::INTERNAL, s.internal);
        r.set(ReshareRights::EXTERNAL, s.external);
        r.set(ReshareRights::PUBLIC, s.public);
        r.set(ReshareRights::LINK, s.public_link);
        r.set(ReshareRights::GRANT, s.grant_reshare);
        r
    }
}

impl From<ReshareRights> for Sharing {
    fn from(r: ReshareRights) -> Self {
        Sharing {
            internal: r.contains(ReshareRights::INTERNAL),
            external: r.contains(ReshareRights::EXTERNAL),
            public: r.contains(ReshareRights::PUBLIC),
            public_link: r.contains(ReshareRights::LINK),
            grant_reshare: r.contains(ReshareRights::GRANT),
            extra: Extra::new(),
        }
    }
}

/// A Filr `Access` resource: the role and the re-share flags.
///
/// ```
/// use shareguard::interop::filr;
/// use shareguard::ReshareRights;
///
/// let json = r#"{"id": 1, "sharer": {"id": 20}, "sharing_date": "2015-12-22T17:31:12Z",
///   "recipient": {"id": 140, "type": "user"}, "shared_entity": {"id": 10, "type": "folderEntry"},
///   "role": "VIEWER", "access": {"role": "VIEWER", "sharing": {"external": true}}}"#;
/// let mut wire = filr::Share::from_json_str(json)?;
/// assert_eq!(wire.to_share()?.reshare(), ReshareRights::EXTERNAL);
/// // Its role must be the share's own.
/// wire.role = Some(filr::Role::Editor);
/// assert_eq!(wire.to_share().unwrap_err().field(), "access.role");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Access {
    /// The role (the same as the share's `role`).
    pub role: Role,
    /// The re-share flags.
    #[serde(default)]
    pub sharing: Sharing,
    /// Fields this form does not know, kept as read and written back (see
    /// [Fields a form does not know](crate::interop#fields-a-form-does-not-know)).
    #[serde(flatten)]
    pub extra: super::Extra,
}

/// A Filr Share resource, exactly as `/admin/shares` returns it.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use shareguard::interop::filr;
///
/// let json = r#"{"id": 1, "sharer": {"id": 20}, "sharing_date": "2015-12-22T17:31:12Z", "days_to_expire": 30,
///   "recipient": {"id": 140, "type": "user"}, "shared_entity": {"id": 10, "type": "folderEntry"}, "role": "VIEWER"}"#;
/// let share = filr::Share::from_json_str(json)?.to_share()?;
/// assert_eq!(share.expires(), Some(Utc.with_ymd_and_hms(2016, 1, 21, 17, 31, 12).unwrap()));
/// // Written back, the expiry is an `expiration`: `days_to_expire` is not kept.
/// let back = filr::Share::try_from(&share)?;
/// assert_eq!((back.days_to_expire, back.expiration), (None, share.expires()));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Share {
    /// The share's id.
    pub id: i64,
    /// The sharer's comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Who shared.
    pub sharer: LinkPair,
    /// When.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sharing_date: Option<DateTime<Utc>>,
    /// Days from the sharing date to expiry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days_to_expire: Option<i32>,
    /// When the share expires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiration: Option<DateTime<Utc>>,
    /// Who it is for.
    pub recipient: ShareRecipient,
    /// What is shared.
    pub shared_entity: EntityId,
    /// The role, as the admin API writes it beside `access`. The client API
    /// (`/rest/shares/by_user/{id}`, `/rest/folders/{id}/shares`, …) leaves it out: the role
    /// is then only `access.role`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    /// The role and the re-share flags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access: Option<Access>,
    /// The share's href.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub href: Option<String>,
    /// Whether the recipient may share on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub can_share: Option<bool>,
    /// Fields this form does not know, kept as read and written back (see
    /// [Fields a form does not know](crate::interop#fields-a-form-does-not-know)).
    #[serde(flatten)]
    pub extra: super::Extra,
}

json_form!(
    Share,
    VENDOR,
    r#"{"id": 1, "sharer": {"id": 20}, "sharing_date": "2015-12-22T17:31:12Z", "recipient": {"id": 140, "type": "user"}, "shared_entity": {"id": 10, "type": "folderEntry"}, "role": "VIEWER"}"#
);

fn long_id(field: &'static str, id: &str) -> Result<i64, InteropError> {
    id.parse::<i64>().map_err(|_| {
        InteropError::inexpressible(VENDOR, field, format!("the id `{id}` (Filr ids are longs)"))
    })
}

/// `created` plus `days` days: a negative count (an expiry before the share was made) and a
/// time past what the model can hold are refused naming `days_to_expire`, never a panic.
fn expiry_after(created: DateTime<Utc>, days: i32) -> Result<DateTime<Utc>, InteropError> {
    if days < 0 {
        return Err(InteropError::invalid(
            VENDOR,
            "days_to_expire",
            days,
            "a count of days to expiry cannot be negative",
        ));
    }
    Duration::try_days(i64::from(days))
        .and_then(|span| created.checked_add_signed(span))
        .ok_or_else(|| {
            InteropError::invalid(
                VENDOR,
                "days_to_expire",
                days,
                "the expiry would fall past the last representable time",
            )
        })
}

fn entity_href(kind: &str, id: i64) -> Option<String> {
    match kind {
        "folderEntry" => Some(format!("/folder_entries/{id}")),
        "folder" => Some(format!("/folders/{id}")),
        _ => None,
    }
}

impl Share {
    /// The model share, refusing a `public_link` share (Filr carries no link token: see the
    /// [module docs](self)).
    ///
    /// ```
    /// use shareguard::interop::{filr, InteropError};
    ///
    /// let json = r#"{"id": 2, "sharer": {"id": 20}, "sharing_date": "2015-12-22T17:31:12Z",
    ///   "recipient": {"type": "public_link"}, "shared_entity": {"id": 10, "type": "folderEntry"}, "role": "VIEWER"}"#;
    /// let err = filr::Share::from_json_str(json)?.to_share().unwrap_err();
    /// assert!(matches!(err, InteropError::Missing { .. }));
    /// assert_eq!(err.field(), "recipient");
    /// # Ok::<(), InteropError>(())
    /// ```
    pub fn to_share(&self) -> Result<crate::model::Share, InteropError> {
        self.to_share_with_link(None)
    }

    /// The model share, with the link of a `public_link` share supplied by the caller.
    ///
    /// ```
    /// use shareguard::interop::filr;
    /// use shareguard::Recipient;
    /// use shareguard::model::{LinkToken, ShareLink};
    ///
    /// let json = r#"{"id": 2, "sharer": {"id": 20}, "sharing_date": "2015-12-22T17:31:12Z",
    ///   "recipient": {"type": "public_link"}, "shared_entity": {"id": 10, "type": "folderEntry"}, "role": "VIEWER"}"#;
    /// // The token from wherever the service keeps Filr's link URLs.
    /// let token = LinkToken::presented("3f1c9a")?;
    /// let share = filr::Share::from_json_str(json)?.to_share_with_link(Some(&ShareLink::new(&token, false)))?;
    /// assert!(matches!(share.recipient(), Recipient::Link(link) if link.accepts(&token.digest())));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn to_share_with_link(
        &self,
        link: Option<&ShareLink>,
    ) -> Result<crate::model::Share, InteropError> {
        let id = ShareId::new(self.id.to_string()).map_err(InteropError::model(VENDOR, "id"))?;
        let sharer = PrincipalId::new(self.sharer.id.to_string())
            .map_err(InteropError::model(VENDOR, "sharer.id"))?;
        let kind = ResourceKind::new(self.shared_entity.kind.clone())
            .map_err(InteropError::model(VENDOR, "shared_entity.type"))?;
        let resource = ResourceRef::new(&kind, &self.shared_entity.id.to_string())
            .map_err(InteropError::model(VENDOR, "shared_entity.id"))?;
        let created = self.sharing_date.ok_or(InteropError::Missing {
            vendor: VENDOR,
            field: "sharing_date".into(),
            reason: "the model needs the time a share was made",
        })?;
        let expires = match (self.expiration, self.days_to_expire) {
            (Some(at), _) => Some(at),
            (None, Some(days)) => Some(expiry_after(created, days)?),
            (None, None) => None,
        };
        let role = self.level()?;
        let reshare =
            self.access.as_ref().map_or(ReshareRights::empty(), |a| a.sharing.clone().into());
        let recipient = self.recipient_to_model(link)?;
        Ok(crate::model::Share::new(id, resource, sharer, recipient, role.level(), created)
            .with_reshare(reshare)
            .with_expiry(expires)
            .with_message(self.comment.clone()))
    }

    /// The share's role: `role`, or `access.role` where the client API gives only that;
    /// the two must agree when both are given.
    fn level(&self) -> Result<Role, InteropError> {
        match (self.role, self.access.as_ref().map(|a| a.role)) {
            (Some(role), Some(inner)) if role != inner => Err(InteropError::invalid(
                VENDOR,
                "access.role",
                format!("{inner:?}").to_uppercase(),
                format!("differs from `role` {}", format!("{role:?}").to_uppercase()),
            )),
            (Some(role), _) | (None, Some(role)) => Ok(role),
            (None, None) => Err(InteropError::Missing {
                vendor: VENDOR,
                field: "access.role".into(),
                reason: "a share names its role in `role` or `access.role`",
            }),
        }
    }

    fn recipient_to_model(&self, link: Option<&ShareLink>) -> Result<Recipient, InteropError> {
        let r = &self.recipient;
        let need_id = || {
            r.id.ok_or(InteropError::Missing {
                vendor: VENDOR,
                field: "recipient.id".into(),
                reason: "a user or group recipient is named by its id",
            })
        };
        Ok(match r.kind {
            RecipientType::User => Recipient::User {
                id: PrincipalId::new(need_id()?.to_string())
                    .map_err(InteropError::model(VENDOR, "recipient.id"))?,
            },
            RecipientType::Group => Recipient::Group {
                id: GroupId::new(need_id()?.to_string())
                    .map_err(InteropError::model(VENDOR, "recipient.id"))?,
            },
            RecipientType::ExternalUser => {
                let email = r.email.clone().ok_or(InteropError::Missing {
                    vendor: VENDOR,
                    field: "recipient.email".into(),
                    reason: "an external user is known by email",
                })?;
                Recipient::Email {
                    email: Email::new(email)
                        .map_err(InteropError::model(VENDOR, "recipient.email"))?,
                }
            }
            RecipientType::Public => Recipient::Public,
            RecipientType::PublicLink => {
                let link = link.ok_or(InteropError::Missing {
                    vendor: VENDOR,
                    field: "recipient".into(),
                    reason: "Filr JSON carries no link token: pass the link with `to_share_with_link`",
                })?;
                // A public link admits whoever holds it: a narrower audience given with the
                // link is not Filr's, and a wider one would not be either.
                if link.audience() != &Audience::Anyone {
                    return Err(InteropError::invalid(
                        VENDOR,
                        "recipient",
                        audience_name(link.audience()),
                        "a Filr public link admits anyone holding it: give a link of audience `anyone`",
                    ));
                }
                Recipient::Link(link.clone())
            }
        })
    }
}

impl TryFrom<&Share> for crate::model::Share {
    type Error = InteropError;
    /// As [`Share::to_share`].
    fn try_from(share: &Share) -> Result<Self, Self::Error> {
        share.to_share()
    }
}

impl TryFrom<&crate::model::Share> for Share {
    type Error = InteropError;
    /// The Filr form of a model share, or why Filr cannot express it.
    fn try_from(share: &crate::model::Share) -> Result<Self, Self::Error> {
        super::refuse_terms(VENDOR, share, super::Terms::default())?;
        let role = Role::from_level(share.access())?;
        let id = long_id("id", share.id().as_str())?;
        let sharer = long_id("sharer", share.sharer().as_str())?;
        let entity = long_id("resource", share.resource().id())?;
        let kind = share.resource().kind_str().to_owned();
        let recipient = match share.recipient() {
            Recipient::User { id } => {
                let id = long_id("recipient", id.as_str())?;
                ShareRecipient {
                    kind: RecipientType::User,
                    id: Some(id),
                    email: None,
                    href: Some(format!("/users/{id}")),
                    extra: Extra::new(),
                }
            }
            Recipient::Group { id } => {
                let id = long_id("recipient", id.as_str())?;
                ShareRecipient {
                    kind: RecipientType::Group,
                    id: Some(id),
                    email: None,
                    href: Some(format!("/groups/{id}")),
                    extra: Extra::new(),
                }
            }
            Recipient::Email { email } => ShareRecipient {
                kind: RecipientType::ExternalUser,
                id: None,
                email: Some(email.as_str().to_owned()),
                href: None,
                extra: Extra::new(),
            },
            Recipient::Public => ShareRecipient {
                kind: RecipientType::Public,
                id: None,
                email: None,
                href: None,
                extra: Extra::new(),
            },
            Recipient::Link(link) if link.audience() != &Audience::Anyone => {
                return Err(InteropError::inexpressible(
                    VENDOR,
                    "audience",
                    format!(
                        "a link for {} (a Filr public link admits whoever holds it)",
                        audience_name(link.audience())
                    ),
                ));
            }
            Recipient::Link(_) => ShareRecipient {
                kind: RecipientType::PublicLink,
                id: None,
                email: None,
                href: None,
                extra: Extra::new(),
            },
            other => {
                return Err(InteropError::inexpressible(
                    VENDOR,
                    "recipient",
                    format!("a {} recipient", other.share_type()),
                ));
            }
        };
        Ok(Share {
            id,
            comment: share.message().map(str::to_owned),
            sharer: LinkPair {
                id: sharer,
                href: Some(format!("/users/{sharer}")),
                extra: Extra::new(),
            },
            sharing_date: Some(share.created()),
            days_to_expire: None,
            expiration: share.expires(),
            recipient,
            shared_entity: EntityId {
                id: entity,
                href: entity_href(&kind, entity),
                kind,
                extra: Extra::new(),
            },
            role: Some(role),
            access: Some(Access { role, sharing: share.reshare().into(), extra: Extra::new() }),
            href: Some(format!("/admin/shares/{id}")),
            can_share: Some(!share.reshare().is_empty()),
            extra: Extra::new(),
        })
    }
}

/// Filr's paged list: `{first, count, total, items}`.
///
/// ```
/// use shareguard::interop::filr::ShareList;
/// use shareguard::Share;
/// use shareguard::store::Paged;
///
/// let page = ShareList::from_json_str(r#"{"first": 0, "count": 1, "total": 1, "items": [{"id": 1,
///   "sharer": {"id": 20}, "recipient": {"id": 140, "type": "user"}, "shared_entity": {"id": 10, "type": "folderEntry"},
///   "role": "VIEWER"}]}"#)?;
/// // A fault names its item.
/// let err = Paged::<Share>::try_from(&page).unwrap_err();
/// assert_eq!(err.field(), "items[0].sharing_date");
/// # Ok::<(), shareguard::interop::InteropError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareList {
    /// The index of the first item.
    pub first: usize,
    /// How many items this page holds.
    pub count: usize,
    /// How many there are in all.
    pub total: usize,
    /// The shares.
    pub items: Vec<Share>,
    /// Fields this form does not know, kept as read and written back (see
    /// [Fields a form does not know](crate::interop#fields-a-form-does-not-know)).
    #[serde(flatten)]
    pub extra: super::Extra,
}

json_form!(ShareList, VENDOR, r#"{"first": 0, "count": 0, "total": 0, "items": []}"#);

impl TryFrom<&ShareList> for Paged<crate::model::Share> {
    type Error = InteropError;
    /// Every item as a model share (see [`Share::to_share`]); a fault names its item.
    fn try_from(list: &ShareList) -> Result<Self, Self::Error> {
        let items = list
            .items
            .iter()
            .enumerate()
            .map(|(i, s)| s.to_share().map_err(|e| in_item(e, i)))
            .collect::<Result<Vec<_>, _>>()?;
        // Filr pages by offset, the model by cursor: the page read carries no cursor on.
        Ok(Paged { items, total: list.total, next: None })
    }
}

impl ShareList {
    /// A page of the model's shares in Filr's form, as the items from index `first` of the
    /// whole list (Filr pages by offset), or why one cannot be; a fault names its item.
    ///
    /// ```
    /// use chrono::Utc;
    /// use shareguard::{AccessLevel, Recipient, Share};
    /// use shareguard::interop::filr::ShareList;
    /// use shareguard::store::{Page, Paged};
    ///
    /// let share = Share::new("1".parse()?, "folderEntry:10".parse()?, "20".parse()?,
    ///     Recipient::User { id: "140".parse()? }, AccessLevel::Viewer, Utc::now());
    /// let page = Paged::of_sorted(vec![share], |s| s.id().to_string(), &Page::default());
    /// let list = ShareList::from_page(0, &page)?;
    /// assert_eq!((list.first, list.count, list.total), (0, 1, 1));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_page(
        first: usize,
        page: &Paged<crate::model::Share>,
    ) -> Result<Self, InteropError> {
        let items = page
            .items
            .iter()
            .enumerate()
            .map(|(i, s)| Share::try_from(s).map_err(|e| in_item(e, i)))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ShareList { first, count: items.len(), total: page.total, items, extra: Extra::new() })
    }
}

fn in_item(e: InteropError, i: usize) -> InteropError {
    match e {
        InteropError::Missing { vendor, field, reason } => {
            InteropError::Missing { vendor, field: format!("items[{i}].{field}"), reason }
        }
        InteropError::Invalid { vendor, field, value, reason } => {
            InteropError::Invalid { vendor, field: format!("items[{i}].{field}"), value, reason }
        }
        InteropError::Model { vendor, field, source } => {
            InteropError::Model { vendor, field: format!("items[{i}].{field}"), source }
        }
        InteropError::Inexpressible { vendor, field, what } => {
            InteropError::Inexpressible { vendor, field: format!("items[{i}].{field}"), what }
        }
        other => other,
    }
}

/// Filr's offset paging of a list: `first` and `count` (see [`ListQuery::from_paged_query`]).
/// Unlike the model's cursor pages, an offset page may repeat or skip an item when the list
/// changes between two requests (SEMANTICS.md section 11 allows an offset where a vendor's
/// form needs one, without that promise).
///
/// ```
/// use shareguard::interop::filr::Offset;
///
/// let page = Offset { first: 1, count: Some(2) }.cut(vec!["a", "b", "c", "d"]);
/// assert_eq!((page.items, page.total), (vec!["b", "c"], 4));
/// // Past the end: an empty page, the total still counted.
/// assert_eq!(Offset { first: 9, count: None }.cut(vec!["a"]).total, 1);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Offset {
    /// The index of the first item.
    pub first: usize,
    /// How many items at most; `None` for all the rest.
    pub count: Option<usize>,
}

impl Offset {
    /// The page of a whole list (already in order) that this offset asks for, `total`
    /// counting the whole list; give it to [`ShareList::from_page`] with [`Offset::first`].
    ///
    /// ```
    /// use chrono::Utc;
    /// use shareguard::interop::filr::{ListQuery, ShareList};
    /// use shareguard::{AccessLevel, Recipient, Share};
    ///
    /// let shares: Vec<Share> = (1..=3).map(|id| Ok(Share::new(id.to_string().parse()?, "folderEntry:10".parse()?,
    ///     "20".parse()?, Recipient::User { id: "140".parse()? }, AccessLevel::Viewer, Utc::now())))
    ///     .collect::<Result<_, shareguard::ModelError>>()?;
    /// let (_, offset) = ListQuery::from_paged_query("first=2&count=5")?;
    /// let list = ShareList::from_page(offset.first, &offset.cut(shares))?;
    /// assert_eq!((list.first, list.count, list.total, list.items[0].id), (2, 1, 3, 3));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn cut<T>(&self, all: Vec<T>) -> Paged<T> {
        let total = all.len();
        let items =
            all.into_iter().skip(self.first).take(self.count.unwrap_or(usize::MAX)).collect();
        Paged { items, total, next: None }
    }
}

/// The query of a Filr list request: `/admin/shares?shared_by=20&shared_with=140`, or
/// `/admin/shares/public`.
///
/// ```
/// use shareguard::interop::filr::ListQuery;
///
/// let query = ListQuery::from_query("shared_by=20&shared_with=140")?;
/// assert_eq!(query, ListQuery { shared_by: Some(20), shared_with: Some(140), public: false });
/// assert_eq!(ListQuery::from_query("sort=date").unwrap_err().field(), "query");
/// # Ok::<(), shareguard::interop::InteropError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ListQuery {
    /// `shared_by`: the sharer's id.
    pub shared_by: Option<i64>,
    /// `shared_with`: the recipient user's id.
    pub shared_with: Option<i64>,
    /// Whether the path was `/admin/shares/public`.
    pub public: bool,
}

impl ListQuery {
    /// Reads a query string (`shared_by=20&shared_with=140`, with or without a leading
    /// `?`). An id that is not a long is refused naming its parameter; an unknown parameter
    /// is refused as field `query`, with the parameter's name as the value.
    ///
    /// ```
    /// use shareguard::interop::filr::ListQuery;
    ///
    /// let filter = ListQuery::from_query("?shared_by=20")?.to_filter();
    /// assert_eq!(filter.shared_by.map(|p| p.to_string()), Some("20".to_owned()));
    /// assert_eq!(ListQuery::from_query("shared_with=x").unwrap_err().field(), "shared_with");
    /// # Ok::<(), shareguard::interop::InteropError>(())
    /// ```
    pub fn from_query(query: &str) -> Result<Self, InteropError> {
        let mut q = ListQuery::default();
        for pair in query.trim_start_matches('?').split('&').filter(|p| !p.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let slot = match name {
                "shared_by" => &mut q.shared_by,
                "shared_with" => &mut q.shared_with,
                other => {
                    return Err(InteropError::invalid(
                        VENDOR,
                        "query",
                        other,
                        "expected `shared_by` or `shared_with`",
                    ));
                }
            };
            *slot =
                Some(value.parse().map_err(|_| {
                    InteropError::invalid(VENDOR, name, value, "expected a long id")
                })?);
        }
        Ok(q)
    }

    /// Reads a list request's query as [`ListQuery::from_query`] does, taking Filr's offset
    /// paging out of it first: `first` (the index of the first item, default 0) and `count`
    /// (how many, default all). A value that is not a count is refused naming its parameter.
    ///
    /// ```
    /// use shareguard::interop::filr::{ListQuery, Offset};
    ///
    /// let (query, offset) = ListQuery::from_paged_query("shared_by=20&first=1&count=2")?;
    /// assert_eq!(query, ListQuery { shared_by: Some(20), ..ListQuery::default() });
    /// assert_eq!(offset, Offset { first: 1, count: Some(2) });
    /// assert_eq!(ListQuery::from_paged_query("count=-1").unwrap_err().field(), "count");
    /// assert_eq!(ListQuery::from_paged_query("sort=date").unwrap_err().field(), "query");
    /// # Ok::<(), shareguard::interop::InteropError>(())
    /// ```
    pub fn from_paged_query(query: &str) -> Result<(Self, Offset), InteropError> {
        let mut offset = Offset::default();
        let mut rest = Vec::new();
        for pair in query.trim_start_matches('?').split('&').filter(|p| !p.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let count = || {
                value.parse::<usize>().map_err(|_| {
                    InteropError::invalid(VENDOR, name, value, "expected a count (0 or more)")
                })
            };
            match name {
                "first" => offset.first = count()?,
                "count" => offset.count = Some(count()?),
                _ => rest.push(pair),
            }
        }
        Ok((Self::from_query(&rest.join("&"))?, offset))
    }

    /// The query of `/admin/shares/public`.
    ///
    /// ```
    /// use shareguard::interop::filr::ListQuery;
    /// use shareguard::store::ShareFilter;
    ///
    /// assert_eq!(ListQuery::public().to_filter(), ShareFilter { public_only: true, ..ShareFilter::default() });
    /// ```
    #[must_use]
    pub fn public() -> Self {
        ListQuery { public: true, ..ListQuery::default() }
    }

    /// The store filter: `shared_by` on the sharer, `shared_with` on a user recipient.
    ///
    /// ```
    /// use shareguard::interop::filr::ListQuery;
    /// use shareguard::Recipient;
    ///
    /// let filter = ListQuery::from_query("shared_by=20&shared_with=140")?.to_filter();
    /// assert_eq!(filter.shared_by, Some("20".parse()?));
    /// assert_eq!(filter.recipient, Some(Recipient::User { id: "140".parse()? }));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn to_filter(&self) -> ShareFilter {
        self.to_filter_with(
            self.shared_with
                .and_then(|id| PrincipalId::new(id.to_string()).ok())
                .map(|id| Recipient::User { id }),
        )
    }

    /// The store filter with the `shared_with` recipient named by the caller (a group, say).
    ///
    /// ```
    /// use shareguard::interop::filr::ListQuery;
    /// use shareguard::Recipient;
    ///
    /// // The service knows that 4 is a group.
    /// let group = Recipient::Group { id: "4".parse()? };
    /// let filter = ListQuery::from_query("shared_with=4")?.to_filter_with(Some(group.clone()));
    /// assert_eq!(filter.recipient, Some(group));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn to_filter_with(&self, recipient: Option<Recipient>) -> ShareFilter {
        ShareFilter {
            shared_by: self.shared_by.and_then(|id| PrincipalId::new(id.to_string()).ok()),
            recipient,
            public_only: self.public,
            ..ShareFilter::default()
        }
    }
}
