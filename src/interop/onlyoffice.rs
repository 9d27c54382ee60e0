//! ONLYOFFICE DocSpace: the room share request (`PUT /api/2.0/files/rooms/{id}/share`) and
//! the room security (members) response (seed `003_…`).
//!
//! # Mapping
//!
//! | ONLYOFFICE `access` | model |
//! | --- | --- |
//! | None (0) | none |
//! | ReadWrite (1), Editing (10) | editor |
//! | Read (2) | viewer |
//! | Restrict (3) | restrict |
//! | Varies (4) | refused: a display value for mixed access |
//! | Review (5) | reviewer |
//! | Comment (6) | commenter |
//! | FillForms (7) | form_filler |
//! | CustomFilter (8) | custom {view, download, edit}: see below |
//! | RoomManager (9) | manager |
//! | ContentCreator (11) | content_creator |
//!
//! | ONLYOFFICE `subjectType` | model |
//! | --- | --- |
//! | User (0) | [`Recipient::User`] of `sharedTo.id`, or [`Recipient::Email`] of `sharedTo.email` |
//! | Group (2) | [`Recipient::Group`] of `sharedTo.id` |
//! | ExternalLink (1), InvitationLink (3), PrimaryExternalLink (4) | [`Recipient::Link`] |
//!
//! `access` and `subjectType` are read both as names and as integers, and a parsed value
//! writes back in the form it was read ([`Access::form`]); values made from the model are
//! written as names. ReadWrite and Editing both map to editor: the wire value keeps which
//! was read.
//!
//! Decisions where the document is silent:
//!
//! - **CustomFilter** is a spreadsheet access: edit, seeing only one's own filter. The model
//!   has no filters, so it is the `custom` set {view, download, edit}, and only that exact set
//!   writes back as CustomFilter; any other custom set is inexpressible.
//! - **An invitation without `access`** (as the document's example) invites at Read: the
//!   least access that still grants something.
//! - **An invitation with both `id` and `email`** (as the example) names the user by `id`;
//!   the email is where DocSpace sends the invitation and is not kept by the model.
//! - **`value`**: the example wraps each invitation in `{"value": {...}}`; both the wrapped
//!   and the plain form are read, and each writes back as it was read.
//! - **Links.** `sharedTo` of a link member does not carry the link's secret in a form the
//!   model can trust, so [`Member::to_share`] takes the link from the caller.
//! - **DocSpace v1 and Workspace** list a file's or folder's shares inside `response`
//!   ([`MemberList`]) with PascalCase keys (`Access`, `SharedTo`, `IsLocked`, `IsOwner`,
//!   `CanEditAccess`) and no subject type. Keys are read in any case and written in the
//!   case of the `access` key read ([`KeyCase`]). Without a subject type, a member is read
//!   as a user only when its `sharedTo` has a `displayName` (Workspace's user, as its
//!   example shows); any other is refused naming the subject type's key: the
//!   documentation does not show how a group or a link is told apart there. DocSpace v1's
//!   example has no `SharedTo` at all: it reads, and converts to no share (the error
//!   names `SubjectType`).
//! - **What the forms cannot express.** Workspace's older access list (None … CustomFilter,
//!   0..=8) is the same numbering and reads as such; its request form (`{"share":
//!   [{"value": {"ShareTo", "Access": "0"}}]}`, the access as a digit in a string) is not
//!   a form of this module.
//! - **`sharedTo`** is untyped in the document: it is kept as JSON; the model reads its `id`
//!   (and `email`), and writes `{"id": …}` or `{"email": …}`.
//! - **Links** (SEMANTICS.md section 8). A link member's `sharedTo` is DocSpace's
//!   `FileShareLink`: its `expirationDate` (ISO 8601 text with an offset, or the request's
//!   `{"utcTime": …}`) is the share's expiry; `password`, given in clear, is hashed as it is
//!   read; `denyDownload` takes `download` out of the level (Read becomes the `custom` set
//!   {view}), and a link's `custom` set that is an ONLYOFFICE level less `download` writes
//!   back as that level with `denyDownload`; `internal` is the audience `organization`,
//!   otherwise `anyone` (ExternalLink, InvitationLink and PrimaryExternalLink alike). A
//!   link given by the caller must be of audience `anyone` or the member's. `isExpired`
//!   true without an `expirationDate` is refused: the model would make the link active.
//!   `title`, `shareLink`, `linkType`, `primary` and `requestToken` stay in the kept
//!   `sharedTo`. Written from the model, a link member is an ExternalLink whose `sharedTo`
//!   holds the share's id and only the terms it has; its password is written only by
//!   [`Member::from_share_with_password`], which is given it in clear and checks it
//!   against the hash.
//! - **Pending** (section 9). A user member whose `sharedTo.activationStatus` is Pending (2,
//!   or the name) has been invited and not joined: its share is pending, and a pending
//!   share writes `activationStatus` 2. A room share request's invitations are read as not
//!   pending (DocSpace decides; the model's `require_acceptance` may make them pending). A
//!   pending new share writes as an invitation by email (the invitee accepts by joining);
//!   a pending invitation of a user by id is refused: DocSpace lets such a user in at once.
//!
//! # What this vendor cannot express
//!
//! Each is refused as [`InteropError::Inexpressible`] naming the model field:
//!
//! - a scheduled start (`starts`), and a link's use limit (`max_uses`);
//! - a link for named people (`audience` `people`): DocSpace links admit anyone or the
//!   portal's users;
//! - a link's password without the password in clear (`password`): the model keeps only
//!   its hash (see [`Member::from_share_with_password`]);
//! - an expiry of a user or group member, or of an invitation (`expires`): only links
//!   expire in DocSpace;
//! - a pending invitation of a user by id (`pending`), re-share rights (`reshare`), a
//!   retrievable link in a request (`retrievable`), and the recipients and levels of the
//!   tables above that have no ONLYOFFICE value.
//!
//! ```
//! use shareguard::interop::onlyoffice::RoomShare;
//! use shareguard::Recipient;
//! use shareguard::model::Level;
//!
//! let request = RoomShare::from_json_str(
//!     r#"{"invitations": [{"id": "6941feb5", "access": 10}], "notify": false}"#,
//! )?;
//! let shares = request.to_new_shares(&"room:2330".parse()?)?;
//! assert_eq!(shares[0].access, Level::Editor);
//! assert_eq!(shares[0].recipient, Recipient::User { id: "6941feb5".parse()? });
//! // Written back as it was read: the integer 10 (Editing).
//! assert_eq!(request.to_json_value()["invitations"][0]["access"], 10);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use chrono::{DateTime, SecondsFormat, Utc};

use super::{Extra, InteropError, ShareContext, Terms, audience_name, json_form};
use crate::model::{
    AccessLevel, Audience, Email, GroupId, LinkPassword, NewShare, Password, Permissions,
    PrincipalId, Recipient, ResourceRef, ShareLink,
};

const VENDOR: &str = "onlyoffice";

/// The form a value was written in: a name or an integer.
///
/// ```
/// use shareguard::interop::onlyoffice::{Form, Member};
///
/// let member = Member::from_json_str(r#"{"access": 2, "sharedTo": {"id": "6941feb5"}, "subjectType": "User"}"#)?;
/// assert_eq!((member.access.form, member.subject_type.map(|s| s.form)), (Form::Number, Some(Form::Name)));
/// assert_eq!(member.to_json_value()["access"], 2);
/// # Ok::<(), shareguard::interop::InteropError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Form {
    /// `"ReadWrite"`.
    #[default]
    Name,
    /// `1`.
    Number,
}

macro_rules! vendor_enum {
    ($(#[$doc:meta])* $name:ident, $field:literal, $( $variant:ident = $n:literal : $d:literal ),* $(,)?) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $( #[doc = $d] $variant, )*
        }

        impl $name {
            /// Every value, in integer order.
            ///
            /// ```
            #[doc = concat!("use shareguard::interop::onlyoffice::", stringify!($name), ";")]
            ///
            #[doc = concat!("for (n, value) in (0..).zip(", stringify!($name), "::ALL) {")]
            ///     assert_eq!(value.number(), n);
            /// }
            /// ```
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            /// The name ONLYOFFICE gives the value.
            ///
            /// ```
            #[doc = concat!("use shareguard::interop::onlyoffice::{", stringify!($name), ", Form, Spelled};")]
            ///
            #[doc = concat!("for &value in ", stringify!($name), "::ALL {")]
            ///     // The name reads as the value, and writes back as the name.
            #[doc = concat!("    let read: Spelled<", stringify!($name), "> = serde_json::from_value(value.name().into())?;")]
            ///     assert_eq!((read.value, read.form), (value, Form::Name));
            ///     assert_eq!(serde_json::to_value(read)?, value.name());
            /// }
            /// # Ok::<(), serde_json::Error>(())
            /// ```
            #[must_use]
            pub const fn name(self) -> &'static str {
                match self { $($name::$variant => stringify!($variant),)* }
            }

            /// The integer ONLYOFFICE gives the value.
            ///
            /// ```
            #[doc = concat!("use shareguard::interop::onlyoffice::{", stringify!($name), ", Form, Spelled};")]
            ///
            #[doc = concat!("for &value in ", stringify!($name), "::ALL {")]
            ///     // The integer reads as the value, and writes back as the integer.
            #[doc = concat!("    let read: Spelled<", stringify!($name), "> = serde_json::from_value(value.number().into())?;")]
            ///     assert_eq!((read.value, read.form), (value, Form::Number));
            ///     assert_eq!(serde_json::to_value(read)?, value.number());
            /// }
            /// // One past the last is refused.
            #[doc = concat!("let past = ", stringify!($name), "::ALL.len();")]
            #[doc = concat!("assert!(serde_json::from_value::<Spelled<", stringify!($name), ">>(past.into()).is_err());")]
            /// # Ok::<(), serde_json::Error>(())
            /// ```
            #[must_use]
            pub const fn number(self) -> u8 {
                match self { $($name::$variant => $n,)* }
            }

            fn from_name(s: &str) -> Option<Self> {
                match s { $(stringify!($variant) => Some($name::$variant),)* _ => None }
            }

            fn from_number(n: u64) -> Option<Self> {
                match n { $($n => Some($name::$variant),)* _ => None }
            }
        }

        impl Serialize for Spelled<$name> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                match self.form {
                    Form::Name => s.serialize_str(self.value.name()),
                    Form::Number => s.serialize_u8(self.value.number()),
                }
            }
        }

        impl<'de> Deserialize<'de> for Spelled<$name> {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl serde::de::Visitor<'_> for V {
                    type Value = Spelled<$name>;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str(concat!("a ", $field, " name or integer"))
                    }
                    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
                        $name::from_name(v)
                            .map(|value| Spelled { value, form: Form::Name })
                            .ok_or_else(|| E::custom(format!(
                                concat!($field, ": unknown value \"{}\", expected one of {}"), v,
                                $name::ALL.iter().map(|x| x.name()).collect::<Vec<_>>().join(", ")
                            )))
                    }
                    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Self::Value, E> {
                        $name::from_number(v)
                            .map(|value| Spelled { value, form: Form::Number })
                            .ok_or_else(|| E::custom(format!(
                                concat!($field, ": out of range: {}, expected 0..={}"), v,
                                $name::ALL.len() - 1
                            )))
                    }
                    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Self::Value, E> {
                        Err(E::custom(format!(concat!($field, ": out of range: {}, expected 0..={}"), v, $name::ALL.len() - 1)))
                    }
                }
                d.deserialize_any(V)
            }
        }
    };
}

/// A vendor enum value with the form (name or integer) it was read in, so that it writes
/// back the same.
///
/// ```
/// use shareguard::interop::onlyoffice::{Access, AccessValue, Form, Spelled};
///
/// let access: Access = serde_json::from_str("10")?;
/// assert_eq!(access, Spelled { value: AccessValue::Editing, form: Form::Number });
/// assert_eq!(serde_json::to_string(&access)?, "10");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Spelled<T> {
    /// The value.
    pub value: T,
    /// How it is written.
    pub form: Form,
}

impl<T> Spelled<T> {
    /// A value written as a name.
    ///
    /// ```
    /// use shareguard::interop::onlyoffice::{AccessValue, Spelled};
    ///
    /// let access = Spelled::name(AccessValue::ReadWrite);
    /// assert_eq!(serde_json::to_string(&access)?, r#""ReadWrite""#);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn name(value: T) -> Self {
        Spelled { value, form: Form::Name }
    }
}

vendor_enum! {
    /// ONLYOFFICE's access values.
    ///
    /// ```
    /// use shareguard::interop::onlyoffice::{AccessValue, Member};
    ///
    /// let member = Member::from_json_str(r#"{"access": 9, "sharedTo": {"id": "6941feb5"}, "subjectType": 0}"#)?;
    /// assert_eq!(member.access.value, AccessValue::RoomManager);
    /// // Names and integers alike; past ContentCreator (11), an error naming the field.
    /// let err = Member::from_json_str(r#"{"access": 12, "subjectType": 0}"#).unwrap_err();
    /// assert_eq!(err.field(), "access");
    /// # Ok::<(), shareguard::interop::InteropError>(())
    /// ```
    AccessValue, "access",
    None = 0 : "No access.",
    ReadWrite = 1 : "Read and write.",
    Read = 2 : "Read.",
    Restrict = 3 : "Restrict.",
    Varies = 4 : "Varies: a display value for mixed access, refused on input.",
    Review = 5 : "Review.",
    Comment = 6 : "Comment.",
    FillForms = 7 : "Fill forms.",
    CustomFilter = 8 : "Custom filter.",
    RoomManager = 9 : "Room manager.",
    Editing = 10 : "Editing.",
    ContentCreator = 11 : "Content creator.",
}

vendor_enum! {
    /// ONLYOFFICE's subject types.
    ///
    /// ```
    /// use shareguard::interop::onlyoffice::{Member, SubjectType};
    ///
    /// let member = Member::from_json_str(r#"{"access": "Read", "sharedTo": {"id": "6941feb5"}, "subjectType": "PrimaryExternalLink"}"#)?;
    /// assert_eq!(member.subject_type.map(|s| s.value), Some(SubjectType::PrimaryExternalLink));
    /// let err = Member::from_json_str(r#"{"access": "Read", "subjectType": "Robot"}"#).unwrap_err();
    /// assert_eq!(err.field(), "subjectType");
    /// # Ok::<(), shareguard::interop::InteropError>(())
    /// ```
    SubjectType, "subjectType",
    User = 0 : "A user.",
    ExternalLink = 1 : "An external link.",
    Group = 2 : "A group.",
    InvitationLink = 3 : "An invitation link.",
    PrimaryExternalLink = 4 : "The primary external link.",
}

/// An `access` value as read or to be written.
///
/// ```
/// use shareguard::interop::onlyoffice::{Access, AccessValue};
/// use shareguard::AccessLevel;
///
/// // ReadWrite and Editing are both the model's editor, which is written as ReadWrite.
/// let editing: Access = serde_json::from_str(r#""Editing""#)?;
/// assert_eq!(editing.to_level("access")?, AccessLevel::Editor);
/// assert_eq!(Access::from_level(AccessLevel::Editor)?.value, AccessValue::ReadWrite);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub type Access = Spelled<AccessValue>;

/// The `custom` set ONLYOFFICE's CustomFilter stands for (see the [module docs](self)).
///
/// ```
/// use shareguard::interop::onlyoffice::{Access, AccessValue, CUSTOM_FILTER};
/// use shareguard::{AccessLevel, Permissions};
///
/// assert_eq!(Access::from_level(AccessLevel::Custom(CUSTOM_FILTER))?.value, AccessValue::CustomFilter);
/// // Any other `custom` set cannot be written.
/// assert!(Access::from_level(AccessLevel::Custom(Permissions::VIEW | Permissions::EDIT)).is_err());
/// # Ok::<(), shareguard::interop::InteropError>(())
/// ```
pub const CUSTOM_FILTER: Permissions =
    Permissions::VIEW.union(Permissions::DOWNLOAD).union(Permissions::EDIT);

impl Access {
    /// The model level, refusing Varies (`field` names where it was read).
    ///
    /// ```
    /// use shareguard::interop::onlyoffice::{AccessValue, Spelled};
    /// use shareguard::AccessLevel;
    ///
    /// assert_eq!(Spelled::name(AccessValue::FillForms).to_level("access")?, AccessLevel::FormFiller);
    /// let err = Spelled::name(AccessValue::Varies).to_level("members[3].access").unwrap_err();
    /// assert_eq!(err.field(), "members[3].access");
    /// # Ok::<(), shareguard::interop::InteropError>(())
    /// ```
    pub fn to_level(self, field: &str) -> Result<AccessLevel, InteropError> {
        Ok(match self.value {
            AccessValue::None => AccessLevel::None,
            AccessValue::ReadWrite | AccessValue::Editing => AccessLevel::Editor,
            AccessValue::Read => AccessLevel::Viewer,
            AccessValue::Restrict => AccessLevel::Restrict,
            AccessValue::Varies => {
                return Err(InteropError::invalid(
                    VENDOR,
                    field,
                    "Varies",
                    "a display value for mixed access: it cannot be set or read in",
                ));
            }
            AccessValue::Review => AccessLevel::Reviewer,
            AccessValue::Comment => AccessLevel::Commenter,
            AccessValue::FillForms => AccessLevel::FormFiller,
            AccessValue::CustomFilter => AccessLevel::Custom(CUSTOM_FILTER),
            AccessValue::RoomManager => AccessLevel::Manager,
            AccessValue::ContentCreator => AccessLevel::ContentCreator,
        })
    }

    /// The access of a model level, written as a name (editor as ReadWrite).
    ///
    /// ```
    /// use shareguard::interop::onlyoffice::Access;
    /// use shareguard::AccessLevel;
    ///
    /// assert_eq!(serde_json::to_value(Access::from_level(AccessLevel::Manager)?)?, "RoomManager");
    /// // ONLYOFFICE has no contributor.
    /// assert_eq!(Access::from_level(AccessLevel::Contributor).unwrap_err().field(), "access");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_level(level: AccessLevel) -> Result<Self, InteropError> {
        let value = match level {
            AccessLevel::None => AccessValue::None,
            AccessLevel::Viewer => AccessValue::Read,
            AccessLevel::Commenter => AccessValue::Comment,
            AccessLevel::Reviewer => AccessValue::Review,
            AccessLevel::FormFiller => AccessValue::FillForms,
            AccessLevel::Editor => AccessValue::ReadWrite,
            AccessLevel::ContentCreator => AccessValue::ContentCreator,
            AccessLevel::Manager => AccessValue::RoomManager,
            AccessLevel::Restrict => AccessValue::Restrict,
            AccessLevel::Custom(set) if set == CUSTOM_FILTER => AccessValue::CustomFilter,
            other @ (AccessLevel::Contributor | AccessLevel::Custom(_)) => {
                return Err(InteropError::inexpressible(
                    VENDOR,
                    "access",
                    format!("the level `{other}`"),
                ));
            }
        };
        Ok(Spelled::name(value))
    }

    /// As [`Access::from_level`], in the form (and ReadWrite / Editing choice) of `like`
    /// when `like` maps to the same level.
    ///
    /// ```
    /// use shareguard::interop::onlyoffice::Access;
    /// use shareguard::AccessLevel;
    ///
    /// let read: Access = serde_json::from_str("10")?; // Editing, as an integer
    /// // The same level is written as it was read: Editing, not ReadWrite.
    /// assert_eq!(Access::from_level_like(AccessLevel::Editor, Some(read))?, read);
    /// // Another level is written in the same form.
    /// assert_eq!(serde_json::to_value(Access::from_level_like(AccessLevel::Viewer, Some(read))?)?, 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_level_like(level: AccessLevel, like: Option<Access>) -> Result<Self, InteropError> {
        match like {
            Some(like) if like.to_level("access").ok() == Some(level) => Ok(like),
            Some(like) => Ok(Spelled { form: like.form, ..Self::from_level(level)? }),
            None => Self::from_level(level),
        }
    }
}

/// `EmployeeActivationStatus` Pending: a person invited who has not joined yet.
const PENDING: u64 = 2;

const ACTIVATION_VALUES: &str = "expected an activation status: NotActivated (0), Activated (1), Pending (2), AutoGenerated (4)";

/// A link's `expirationDate`: ISO 8601 text with an offset, as the members response writes
/// it, or the request's `{"utcTime": …}` object; `null` for none.
fn expiration(
    value: &serde_json::Value,
    field: &str,
) -> Result<Option<DateTime<Utc>>, InteropError> {
    let invalid = |reason: &str| InteropError::invalid(VENDOR, field, value, reason);
    let text = match value {
        serde_json::Value::Null => return Ok(None),
        serde_json::Value::String(text) => text,
        serde_json::Value::Object(o) => match o.get("utcTime") {
            Some(serde_json::Value::String(text)) => text,
            Some(serde_json::Value::Null) | None => return Ok(None),
            Some(_) => return Err(invalid("expected `utcTime` as date-time text")),
        },
        _ => return Err(invalid("expected date-time text or `{\"utcTime\": …}`")),
    };
    let at = DateTime::parse_from_rfc3339(text)
        .map_err(|e| invalid(&format!("not a date-time with an offset: {e}")))?
        .with_timezone(&Utc);
    crate::model::check_time("expires", at).map_err(InteropError::model(VENDOR, field))?;
    Ok(Some(at))
}

/// The level a `custom` set is with download denied (`denyDownload`), if it is one of
/// ONLYOFFICE's levels less download.
fn without_download(access: AccessLevel) -> Option<AccessLevel> {
    let AccessLevel::Custom(set) = access else { return None };
    if set.contains(Permissions::DOWNLOAD) {
        return None;
    }
    [
        AccessLevel::Viewer,
        AccessLevel::Commenter,
        AccessLevel::Reviewer,
        AccessLevel::FormFiller,
        AccessLevel::Editor,
        AccessLevel::ContentCreator,
        AccessLevel::Manager,
        AccessLevel::Custom(CUSTOM_FILTER),
    ]
    .into_iter()
    .find(|level| {
        level.permissions().contains(Permissions::DOWNLOAD)
            && level.permissions() - Permissions::DOWNLOAD == set
    })
}

/// One invitation: a user by `id` or a person by `email`, at an `access`.
///
/// ```
/// use shareguard::interop::onlyoffice::Invitation;
///
/// let json = r#"{"value": {"email": "Nathanael.Mayer55@gmail.com", "id": "6941feb5-054e-4164-9706-a2acfb484098"}}"#;
/// let invitation: Invitation = serde_json::from_str(json)?;
/// assert!(invitation.wrapped && invitation.access.is_none());
/// // Written back as it was read, inside `value`.
/// assert_eq!(serde_json::to_value(&invitation)?, serde_json::from_str::<serde_json::Value>(json)?);
/// // Wrapped or plain, not both.
/// assert!(serde_json::from_str::<Invitation>(r#"{"value": {"id": "a"}, "id": "b"}"#).is_err());
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    /// The invitee's address.
    pub email: Option<String>,
    /// The invitee's user id (a UUID).
    pub id: Option<String>,
    /// The access to give.
    pub access: Option<Access>,
    /// Whether it was (and is to be) written inside `{"value": {...}}`, as the document's
    /// example shows it.
    pub wrapped: bool,
    /// Fields this form does not know, beside `email`, `id` and `access` (inside `value`
    /// when wrapped), kept as read and written back (see
    /// [Fields a form does not know](crate::interop#fields-a-form-does-not-know)).
    pub extra: Extra,
    /// When wrapped, the fields beside `value`, kept and written back likewise.
    pub wrapper_extra: Extra,
}

#[derive(Serialize, Deserialize)]
struct InvitationFields {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    access: Option<Access>,
    #[serde(flatten)]
    extra: Extra,
}

#[derive(Deserialize)]
struct InvitationWire {
    #[serde(default)]
    value: Option<InvitationFields>,
    #[serde(flatten)]
    fields: InvitationFields,
}

#[derive(Serialize)]
struct Wrapped<'a> {
    value: &'a InvitationFields,
    #[serde(flatten)]
    extra: &'a Extra,
}

impl Serialize for Invitation {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let fields = InvitationFields {
            email: self.email.clone(),
            id: self.id.clone(),
            access: self.access,
            extra: self.extra.clone(),
        };
        if self.wrapped {
            Wrapped { value: &fields, extra: &self.wrapper_extra }.serialize(s)
        } else {
            fields.serialize(s)
        }
    }
}

impl<'de> Deserialize<'de> for Invitation {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let wire = InvitationWire::deserialize(d)?;
        let plain = wire.fields;
        match wire.value {
            Some(inner) => {
                if plain.email.is_some() || plain.id.is_some() || plain.access.is_some() {
                    return Err(serde::de::Error::custom(
                        "value: an invitation is either wrapped in `value` or plain, not both",
                    ));
                }
                Ok(Invitation {
                    email: inner.email,
                    id: inner.id,
                    access: inner.access,
                    wrapped: true,
                    extra: inner.extra,
                    wrapper_extra: plain.extra,
                })
            }
            None => Ok(Invitation {
                email: plain.email,
                id: plain.id,
                access: plain.access,
                wrapped: false,
                extra: plain.extra,
                wrapper_extra: Extra::new(),
            }),
        }
    }
}

impl Invitation {
    fn to_new_share(&self, room: &ResourceRef, field: &str) -> Result<NewShare, InteropError> {
        let recipient = match (&self.id, &self.email) {
            (Some(id), _) => Recipient::User {
                id: PrincipalId::new(id.clone())
                    .map_err(InteropError::model(VENDOR, format!("{field}.id")))?,
            },
            (None, Some(email)) => Recipient::Email {
                email: Email::new(email.clone())
                    .map_err(InteropError::model(VENDOR, format!("{field}.email")))?,
            },
            (None, None) => {
                return Err(InteropError::Missing {
                    vendor: VENDOR,
                    field: format!("{field}.id"),
                    reason: "an invitation names a user `id` or an `email`",
                });
            }
        };
        let access = match self.access {
            Some(access) => access.to_level(&format!("{field}.access"))?,
            None => AccessLevel::Viewer,
        };
        Ok(NewShare::new(room.clone(), recipient, access))
    }

    /// The invitation of a new share (a user by id or a person by email), or why there is
    /// none.
    ///
    /// ```
    /// use chrono::Utc;
    /// use shareguard::interop::onlyoffice::Invitation;
    /// use shareguard::{AccessLevel, NewShare, Recipient};
    ///
    /// let email = "Nathanael.Mayer55@gmail.com".parse()?;
    /// let new = NewShare::new("room:2330".parse()?, Recipient::Email { email }, AccessLevel::Commenter);
    /// let invitation = Invitation::from_new_share(&new)?;
    /// assert_eq!(serde_json::to_string(&invitation)?, r#"{"email":"Nathanael.Mayer55@gmail.com","access":"Comment"}"#);
    /// // An invitation holds no expiry.
    /// assert_eq!(Invitation::from_new_share(&new.expires(Utc::now())).unwrap_err().field(), "expires");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_new_share(new: &NewShare) -> Result<Self, InteropError> {
        let access = AccessLevel::from_parts(new.access, new.permissions)
            .map_err(InteropError::model(VENDOR, "access"))?;
        let (id, email) = match &new.recipient {
            Recipient::User { id } => (Some(id.as_str().to_owned()), None),
            Recipient::Email { email } => (None, Some(email.as_str().to_owned())),
            other => {
                return Err(InteropError::inexpressible(
                    VENDOR,
                    "recipient",
                    format!("an invitation of a {} recipient", other.share_type()),
                ));
            }
        };
        super::refuse_new_terms(VENDOR, new, Terms { pending: true, password: false })?;
        // An invitation by email is one its invitee accepts by joining; a user named by id
        // is let in at once.
        if new.pending && email.is_none() {
            return Err(InteropError::inexpressible(
                VENDOR,
                "pending",
                "a pending invitation of a user by id (ONLYOFFICE lets a user by id in at once)",
            ));
        }
        if new.expires.is_some() {
            return Err(InteropError::inexpressible(
                VENDOR,
                "expires",
                "an invitation with an expiry",
            ));
        }
        if new.reshare.is_some_and(|r| !r.is_empty()) {
            return Err(InteropError::inexpressible(VENDOR, "reshare", "re-share rights"));
        }
        Ok(Invitation {
            email,
            id,
            access: Some(Access::from_level(access)?),
            wrapped: false,
            extra: Extra::new(),
            wrapper_extra: Extra::new(),
        })
    }
}

/// The room share request: `{"invitations": [...], "notify", "message", "culture"}`.
///
/// ```
/// use shareguard::interop::onlyoffice::RoomShare;
/// use shareguard::Recipient;
/// use shareguard::model::Level;
///
/// let request = RoomShare::from_json_str(r#"{"invitations": [{"value": {"email": "Nathanael.Mayer55@gmail.com", "id": "6941feb5-054e-4164-9706-a2acfb484098"}}], "notify": true, "message": "some text", "culture": "some text"}"#)?;
/// let shares = request.to_new_shares(&"room:2330".parse()?)?;
/// // Named by id (the email is where the invitation goes), at Read as no access is given.
/// assert_eq!(shares[0].recipient, Recipient::User { id: "6941feb5-054e-4164-9706-a2acfb484098".parse()? });
/// assert_eq!(shares[0].access, Level::Viewer);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomShare {
    /// The invitations.
    pub invitations: Vec<Invitation>,
    /// Whether to notify the invitees.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify: Option<bool>,
    /// The message sent with the notification.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The culture (language) of the notification.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub culture: Option<String>,
    /// Fields this form does not know, kept as read and written back (see
    /// [Fields a form does not know](crate::interop#fields-a-form-does-not-know)).
    #[serde(flatten)]
    pub extra: super::Extra,
}

json_form!(
    RoomShare,
    VENDOR,
    r#"{"invitations": [{"value": {"email": "Nathanael.Mayer55@gmail.com", "id": "6941feb5-054e-4164-9706-a2acfb484098"}}], "notify": true, "message": "some text", "culture": "some text"}"#
);

impl RoomShare {
    /// The new shares the request asks for on `room`, in order, each with the message.
    ///
    /// ```
    /// use shareguard::interop::onlyoffice::RoomShare;
    ///
    /// let room = "room:2330".parse()?;
    /// let request = RoomShare::from_json_str(r#"{"invitations": [{"id": "u1"}, {"email": "ann@example.com"}], "message": "welcome"}"#)?;
    /// let shares = request.to_new_shares(&room)?;
    /// assert!(shares.iter().all(|s| s.resource == room && s.message.as_deref() == Some("welcome")));
    /// // A fault names its invitation.
    /// let request = RoomShare::from_json_str(r#"{"invitations": [{"id": "u1"}, {"id": "u2", "access": "Varies"}]}"#)?;
    /// assert_eq!(request.to_new_shares(&room).unwrap_err().field(), "invitations[1].access");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn to_new_shares(&self, room: &ResourceRef) -> Result<Vec<NewShare>, InteropError> {
        self.invitations
            .iter()
            .enumerate()
            .map(|(i, inv)| {
                let mut new = inv.to_new_share(room, &format!("invitations[{i}]"))?;
                new.message = self.message.clone();
                Ok(new)
            })
            .collect()
    }

    /// The request for new shares (the first one's message is the request's), notifying.
    ///
    /// ```
    /// use shareguard::interop::onlyoffice::RoomShare;
    /// use shareguard::{AccessLevel, NewShare, Recipient, ResourceRef};
    ///
    /// let room: ResourceRef = "room:2330".parse()?;
    /// let shares = [
    ///     NewShare::new(room.clone(), Recipient::User { id: "u1".parse()? }, AccessLevel::Editor).message("welcome"),
    ///     NewShare::new(room, Recipient::Email { email: "ann@example.com".parse()? }, AccessLevel::Viewer),
    /// ];
    /// let request = RoomShare::from_new_shares(&shares)?;
    /// assert_eq!(request.to_json_string(), r#"{"invitations":[{"id":"u1","access":"ReadWrite"},{"email":"ann@example.com","access":"Read"}],"notify":true,"message":"welcome"}"#);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_new_shares(shares: &[NewShare]) -> Result<Self, InteropError> {
        Ok(RoomShare {
            invitations: shares.iter().map(Invitation::from_new_share).collect::<Result<_, _>>()?,
            notify: Some(true),
            message: shares.first().and_then(|s| s.message.clone()),
            culture: None,
            extra: Extra::new(),
        })
    }
}

/// One member (a share of a room, file or folder), as DocSpace's room security response
/// lists it, or as DocSpace v1 and Workspace list a file's or folder's shares inside
/// `response` ([`MemberList`]). Keys are read in any case (`sharedTo`, `SharedTo`), and
/// written in the case of the `access` key read ([`Member::case`]).
///
/// ```
/// use shareguard::interop::onlyoffice::{AccessValue, Member, SubjectType};
///
/// // Fields the form does not know are kept, and written back.
/// let member = Member::from_json_str(r#"{"access": 9, "sharedTo": {"id": "6941feb5", "displayName": "Ann"},
///   "isOwner": true, "canEditAccess": false, "subjectType": 0, "isDefault": true}"#)?;
/// assert_eq!((member.access.value, member.subject_type.map(|s| s.value)), (AccessValue::RoomManager, Some(SubjectType::User)));
/// assert_eq!((member.is_owner, member.can_edit_access), (Some(true), Some(false)));
/// assert_eq!(member.extra["isDefault"], true);
/// assert_eq!(member.to_json_value()["isDefault"], true);
/// # Ok::<(), shareguard::interop::InteropError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The member's access.
    pub access: Access,
    /// Who: a user, group or link object (untyped in the document).
    pub shared_to: Option<serde_json::Value>,
    /// Whether the file is locked by this member.
    pub is_locked: Option<bool>,
    /// Whether the member owns the room.
    pub is_owner: Option<bool>,
    /// Whether the member's access can be edited.
    pub can_edit_access: Option<bool>,
    /// The kind of member. DocSpace's room members carry it; DocSpace v1's and Workspace's
    /// file and folder shares do not (see [`Member::to_share`]).
    pub subject_type: Option<Spelled<SubjectType>>,
    /// The case the keys are written in: that of the `access` key read.
    pub case: KeyCase,
    /// Fields this form does not know, kept as read and written back (see
    /// [Fields a form does not know](crate::interop#fields-a-form-does-not-know)).
    pub extra: Extra,
}

/// The case of a member's keys: `sharedTo` (DocSpace) or `SharedTo` (DocSpace v1,
/// Workspace).
///
/// ```
/// use shareguard::interop::onlyoffice::{KeyCase, Member};
///
/// let member = Member::from_json_str(r#"{"Access": 2, "SharedTo": {"id": "u1", "displayName": "Ann"}, "IsOwner": false}"#)?;
/// assert_eq!(member.case, KeyCase::Pascal);
/// assert_eq!(member.to_json_value()["SharedTo"]["id"], "u1");
/// # Ok::<(), shareguard::interop::InteropError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum KeyCase {
    /// `access`, `sharedTo`, `isLocked`, …
    #[default]
    Camel,
    /// `Access`, `SharedTo`, `IsLocked`, …
    Pascal,
}

impl KeyCase {
    fn key(self, camel: &'static str) -> String {
        match self {
            KeyCase::Camel => camel.to_owned(),
            KeyCase::Pascal => {
                let mut chars = camel.chars();
                chars.next().map_or_else(String::new, |c| {
                    c.to_ascii_uppercase().to_string() + chars.as_str()
                })
            }
        }
    }
}

fn member_field<T: serde::de::DeserializeOwned, E: serde::de::Error>(
    key: &str,
    value: serde_json::Value,
) -> Result<T, E> {
    T::deserialize(value).map_err(|e| {
        let message = e.to_string();
        // Our enums name their field in camelCase: name it as the document spells it.
        let message = match message.split_once(": ") {
            Some((field, rest)) if field.eq_ignore_ascii_case(key) => rest.to_owned(),
            _ => message,
        };
        E::custom(format!("{key}: {message}"))
    })
}

impl<'de> Deserialize<'de> for Member {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut map = Extra::deserialize(d)?;
        let mut take = |name: &str| {
            let key = map.keys().find(|k| k.eq_ignore_ascii_case(name))?.clone();
            map.remove_entry(&key)
        };
        let (access_key, access) =
            take("access").ok_or_else(|| serde::de::Error::missing_field("access"))?;
        let case = if access_key.starts_with('A') { KeyCase::Pascal } else { KeyCase::Camel };
        let access = member_field(&access_key, access)?;
        let shared_to = take("sharedTo").map(|(_, v)| v);
        let mut flag = |name: &str| -> Result<Option<bool>, D::Error> {
            take(name).map(|(k, v)| member_field(&k, v)).transpose()
        };
        let is_locked = flag("isLocked")?;
        let is_owner = flag("isOwner")?;
        let can_edit_access = flag("canEditAccess")?;
        let subject_type = take("subjectType").map(|(k, v)| member_field(&k, v)).transpose()?;
        Ok(Member {
            access,
            shared_to,
            is_locked,
            is_owner,
            can_edit_access,
            subject_type,
            case,
            extra: map,
        })
    }
}

impl Serialize for Member {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let c = self.case;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry(&c.key("access"), &self.access)?;
        if let Some(v) = &self.shared_to {
            m.serialize_entry(&c.key("sharedTo"), v)?;
        }
        for (name, v) in [
            ("isLocked", self.is_locked),
            ("isOwner", self.is_owner),
            ("canEditAccess", self.can_edit_access),
        ] {
            if let Some(v) = v {
                m.serialize_entry(&c.key(name), &v)?;
            }
        }
        if let Some(v) = &self.subject_type {
            m.serialize_entry(&c.key("subjectType"), v)?;
        }
        for (k, v) in &self.extra {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

/// A file's or folder's shares as DocSpace v1 and Workspace return them: the members
/// inside `response` (`{"status": 0, "response": [...]}`), from
/// `GET api/2.0/files/file/{fileId}/share` or `…/folder/{folderId}/share`. `status` and
/// the envelope's other fields are kept in `extra`.
///
/// ```
/// use shareguard::interop::onlyoffice::{AccessValue, MemberList};
///
/// let list = MemberList::from_json_str(r#"{"status": 0, "response": [{"Access": "ReadWrite", "IsLocked": true, "IsOwner": true, "CanEditAccess": true}]}"#)?;
/// assert_eq!(list.response[0].access.value, AccessValue::ReadWrite);
/// // A wrong leaf is named as the document spells it.
/// let err = MemberList::from_json_str(r#"{"response": [{"Access": 1, "IsOwner": "yes"}]}"#).unwrap_err();
/// assert_eq!(err.field(), "response[0].IsOwner");
/// # Ok::<(), shareguard::interop::InteropError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberList {
    /// The members.
    pub response: Vec<Member>,
    /// Fields this form does not know (`status`, `count`, `links`, …), kept as read and
    /// written back (see
    /// [Fields a form does not know](crate::interop#fields-a-form-does-not-know)).
    #[serde(flatten)]
    pub extra: Extra,
}

json_form!(
    MemberList,
    VENDOR,
    r#"{"status": 0, "response": [{"Access": 1, "SharedTo": {"id": "00000000-0000-0000-0000-000000000000", "displayName": "Mike Zanyatski"}, "IsLocked": false, "IsOwner": true}]}"#
);

/// The room security response: `{"members": [...], "warning"}`.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use shareguard::interop::{onlyoffice::RoomSecurity, ShareContext};
/// use shareguard::{AccessLevel, Recipient};
///
/// # let context = ShareContext { resource: "room:2330".parse()?, sharer: "admin".parse()?,
/// #     created: Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap() };
/// let security = RoomSecurity::from_json_str(r#"{"members": [{"access": 9, "sharedTo": {"id": "u1"}, "subjectType": 0},
///   {"access": "Comment", "sharedTo": {"id": "g1"}, "subjectType": "Group"}]}"#)?;
/// let group = security.members[1].to_share("s2".parse()?, &context, None)?;
/// assert_eq!((group.recipient(), group.access()), (&Recipient::Group { id: "g1".parse()? }, AccessLevel::Commenter));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomSecurity {
    /// The members.
    pub members: Vec<Member>,
    /// A warning.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
    /// Fields this form does not know, kept as read and written back (see
    /// [Fields a form does not know](crate::interop#fields-a-form-does-not-know)).
    #[serde(flatten)]
    pub extra: super::Extra,
}

json_form!(
    RoomSecurity,
    VENDOR,
    r#"{"members": [{"access": 2, "sharedTo": {"id": "6941feb5"}, "subjectType": 0}]}"#
);
json_form!(
    Member,
    VENDOR,
    r#"{"access": "RoomManager", "sharedTo": {"id": "6941feb5"}, "isOwner": true, "subjectType": "User"}"#
);

impl Member {
    fn shared_to_str(&self, key: &str) -> Option<&str> {
        self.shared_to.as_ref().and_then(|v| v.get(key)).and_then(serde_json::Value::as_str)
    }

    /// The model share this member stands for, with the link a link member needs.
    /// `id` is the share's id.
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use shareguard::interop::{onlyoffice::Member, ShareContext};
    /// use shareguard::Recipient;
    /// use shareguard::model::{LinkToken, ShareLink};
    ///
    /// # let context = ShareContext { resource: "room:2330".parse()?, sharer: "admin".parse()?,
    /// #     created: Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap() };
    /// let member = Member::from_json_str(r#"{"access": "Read", "sharedTo": {"id": "l1"}, "subjectType": "ExternalLink"}"#)?;
    /// // A link member's token comes from the caller.
    /// assert_eq!(member.to_share("s3".parse()?, &context, None).unwrap_err().field(), "sharedTo");
    /// let link = ShareLink::new(&LinkToken::generate()?, false);
    /// let share = member.to_share("s3".parse()?, &context, Some(&link))?;
    /// assert_eq!(share.recipient(), &Recipient::Link(link));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn to_share(
        &self,
        id: crate::model::ShareId,
        context: &ShareContext,
        link: Option<&ShareLink>,
    ) -> Result<crate::model::Share, InteropError> {
        let access = self.access.to_level(&self.case.key("access"))?;
        let missing = |field: &str, reason| InteropError::Missing {
            vendor: VENDOR,
            field: field.to_owned(),
            reason,
        };
        let shared_to = self.case.key("sharedTo");
        let subject = match (&self.subject_type, &self.shared_to) {
            (Some(s), _) => s.value,
            // Workspace's shares carry no subject type; its example's user has a
            // `displayName` (a group has a `name`): only that is read as a user.
            (None, Some(to)) if to.get("displayName").is_some() => SubjectType::User,
            (None, _) => {
                return Err(missing(
                    &self.case.key("subjectType"),
                    "a member without a subject type is read as a user only when its `sharedTo` has a `displayName`",
                ));
            }
        };
        let recipient = match subject {
            SubjectType::User => match (self.shared_to_str("id"), self.shared_to_str("email")) {
                (Some(id), _) => Recipient::User {
                    id: PrincipalId::new(id)
                        .map_err(InteropError::model(VENDOR, format!("{shared_to}.id")))?,
                },
                (None, Some(email)) => Recipient::Email {
                    email: Email::new(email)
                        .map_err(InteropError::model(VENDOR, format!("{shared_to}.email")))?,
                },
                (None, None) => {
                    return Err(missing(&format!("{shared_to}.id"), "a user member names its id"));
                }
            },
            SubjectType::Group => Recipient::Group {
                id: GroupId::new(self.shared_to_str("id").ok_or_else(|| {
                    missing(&format!("{shared_to}.id"), "a group member names its id")
                })?)
                .map_err(InteropError::model(VENDOR, format!("{shared_to}.id")))?,
            },
            SubjectType::ExternalLink
            | SubjectType::InvitationLink
            | SubjectType::PrimaryExternalLink => {
                let link = link.ok_or_else(|| {
                    missing(&shared_to, "a link member's token must be supplied by the caller")
                })?;
                return self.link_share(id, context, link, access, &shared_to);
            }
        };
        let pending = subject == SubjectType::User && self.is_pending_user(&shared_to)?;
        Ok(crate::model::Share::new(
            id,
            context.resource.clone(),
            context.sharer.clone(),
            recipient,
            access,
            context.created,
        )
        .with_pending(pending))
    }

    /// Whether a user member's `sharedTo.activationStatus` is Pending (2, or the name): a
    /// person invited who has not joined yet.
    fn is_pending_user(&self, shared_to: &str) -> Result<bool, InteropError> {
        let field = || format!("{shared_to}.activationStatus");
        match self.shared_to.as_ref().and_then(|to| to.get("activationStatus")) {
            None | Some(serde_json::Value::Null) => Ok(false),
            Some(serde_json::Value::Number(n)) => match n.as_u64() {
                Some(0 | 1 | 4) => Ok(false),
                Some(PENDING) => Ok(true),
                _ => Err(InteropError::invalid(VENDOR, field(), n, ACTIVATION_VALUES)),
            },
            Some(serde_json::Value::String(name)) => match name.as_str() {
                "NotActivated" | "Activated" | "AutoGenerated" => Ok(false),
                "Pending" => Ok(true),
                _ => Err(InteropError::invalid(VENDOR, field(), name, ACTIVATION_VALUES)),
            },
            Some(other) => Err(InteropError::invalid(VENDOR, field(), other, ACTIVATION_VALUES)),
        }
    }

    /// The share of a link member: the caller's link with the member's audience (`internal`),
    /// and `sharedTo`'s `expirationDate`, `password` and `denyDownload`.
    fn link_share(
        &self,
        id: crate::model::ShareId,
        context: &ShareContext,
        link: &ShareLink,
        access: AccessLevel,
        shared_to: &str,
    ) -> Result<crate::model::Share, InteropError> {
        let get = |key: &str| self.shared_to.as_ref().and_then(|to| to.get(key));
        let flag = |key: &str| -> Result<bool, InteropError> {
            match get(key) {
                None | Some(serde_json::Value::Null) => Ok(false),
                Some(serde_json::Value::Bool(b)) => Ok(*b),
                Some(other) => Err(InteropError::invalid(
                    VENDOR,
                    format!("{shared_to}.{key}"),
                    other,
                    "expected true or false",
                )),
            }
        };
        let audience = if flag("internal")? { Audience::Organization } else { Audience::Anyone };
        if link.audience() != &Audience::Anyone && link.audience() != &audience {
            return Err(InteropError::invalid(
                VENDOR,
                shared_to,
                audience_name(link.audience()),
                format!(
                    "the link given is for {}, the member's for {}",
                    audience_name(link.audience()),
                    audience_name(&audience)
                ),
            ));
        }
        let expires = match get("expirationDate") {
            None => None,
            Some(value) => expiration(value, &format!("{shared_to}.expirationDate"))?,
        };
        // `isExpired` is the portal's reading of the date: without a date, the model would
        // make an expired link active again.
        if flag("isExpired")? && expires.is_none() {
            return Err(InteropError::invalid(
                VENDOR,
                format!("{shared_to}.isExpired"),
                true,
                "an expired link without an `expirationDate`: the model would make it active",
            ));
        }
        let password = match get("password") {
            None | Some(serde_json::Value::Null) => None,
            Some(serde_json::Value::String(text)) if text.is_empty() => None,
            Some(serde_json::Value::String(text)) => {
                let field = format!("{shared_to}.password");
                let clear =
                    Password::new(text.clone()).map_err(InteropError::model(VENDOR, &field))?;
                Some(LinkPassword::hash(&clear).map_err(InteropError::model(VENDOR, &field))?)
            }
            Some(_) => {
                return Err(InteropError::invalid(
                    VENDOR,
                    format!("{shared_to}.password"),
                    "<redacted>",
                    "expected a string",
                ));
            }
        };
        let access =
            if flag("denyDownload")? && access.permissions().contains(Permissions::DOWNLOAD) {
                AccessLevel::Custom(access.permissions() - Permissions::DOWNLOAD)
            } else {
                access
            };
        Ok(crate::model::Share::new(
            id,
            context.resource.clone(),
            context.sharer.clone(),
            crate::model::Recipient::Link(link.clone().with_audience(audience)),
            access,
            context.created,
        )
        .with_expiry(expires)
        .with_password(password))
    }

    /// The member that stands for a room's owner (written with names): a user at
    /// RoomManager, `isOwner` true. The model keeps owners in the resource tree, not as
    /// shares, so a service listing a room's members adds this one itself.
    ///
    /// ```
    /// use shareguard::interop::onlyoffice::Member;
    ///
    /// let owner = Member::owner(&"6941feb5".parse()?).to_json_value();
    /// assert_eq!(owner, serde_json::json!({"access": "RoomManager", "sharedTo": {"id": "6941feb5"},
    ///     "isLocked": false, "isOwner": true, "canEditAccess": true, "subjectType": "User"}));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn owner(id: &PrincipalId) -> Self {
        Member {
            access: Spelled::name(AccessValue::RoomManager),
            shared_to: Some(serde_json::json!({ "id": id.as_str() })),
            is_locked: Some(false),
            is_owner: Some(true),
            can_edit_access: Some(true),
            subject_type: Some(Spelled::name(SubjectType::User)),
            case: KeyCase::Camel,
            extra: Extra::new(),
        }
    }

    /// The member of a model share (written with names), or why there is none.
    ///
    /// ```
    /// use chrono::{Duration, TimeZone, Utc};
    /// use shareguard::interop::onlyoffice::Member;
    /// use shareguard::{AccessLevel, Recipient, Share};
    ///
    /// let created = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    /// let share = Share::new("s1".parse()?, "room:2330".parse()?, "admin".parse()?,
    ///     Recipient::Group { id: "g1".parse()? }, AccessLevel::Reviewer, created);
    /// let member = Member::from_share(&share)?.to_json_value();
    /// assert_eq!((&member["access"], &member["subjectType"], &member["sharedTo"]["id"]), (&"Review".into(), &"Group".into(), &"g1".into()));
    /// // A member holds no expiry.
    /// let expiring = share.with_expiry(Some(created + Duration::days(7)));
    /// assert_eq!(Member::from_share(&expiring).unwrap_err().field(), "expires");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_share(share: &crate::model::Share) -> Result<Self, InteropError> {
        Self::from_share_with_password(share, None)
    }

    /// As [`Member::from_share`], writing a link's password in clear as ONLYOFFICE keeps
    /// it: the model keeps only a hash, so the caller gives the password, which must be the
    /// one hashed. Without it, a link with a password is refused rather than written
    /// without one.
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use shareguard::interop::onlyoffice::Member;
    /// use shareguard::{AccessLevel, Recipient, Share};
    /// use shareguard::model::{LinkPassword, LinkToken, Password, ShareLink};
    ///
    /// let created = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
    /// let link = ShareLink::new(&LinkToken::generate()?, false);
    /// let secret = Password::new("jAhP23oUeu")?;
    /// let share = Share::new("l1".parse()?, "room:2330".parse()?, "admin".parse()?,
    ///     Recipient::Link(link), AccessLevel::Viewer, created)
    ///     .with_password(Some(LinkPassword::hash(&secret)?));
    /// assert_eq!(Member::from_share(&share).unwrap_err().field(), "password");
    /// let member = Member::from_share_with_password(&share, Some(&secret))?;
    /// assert_eq!(member.to_json_value()["sharedTo"]["password"], "jAhP23oUeu");
    /// // Another password than the one hashed is refused.
    /// let wrong = Password::new("guess")?;
    /// assert_eq!(Member::from_share_with_password(&share, Some(&wrong)).unwrap_err().field(), "password");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_share_with_password(
        share: &crate::model::Share,
        password: Option<&Password>,
    ) -> Result<Self, InteropError> {
        super::refuse_terms(VENDOR, share, Terms { pending: true, password: password.is_some() })?;
        let is_link = matches!(share.recipient(), Recipient::Link(_));
        if share.expires().is_some() && !is_link {
            return Err(InteropError::inexpressible(VENDOR, "expires", "a member with an expiry"));
        }
        if !share.reshare().is_empty() {
            return Err(InteropError::inexpressible(VENDOR, "reshare", "re-share rights"));
        }
        let mut access = Access::from_level(share.access());
        let (subject, mut shared_to) = match share.recipient() {
            Recipient::User { id } => (SubjectType::User, serde_json::json!({ "id": id.as_str() })),
            Recipient::Email { email } => {
                (SubjectType::User, serde_json::json!({ "email": email.as_str() }))
            }
            Recipient::Group { id } => {
                (SubjectType::Group, serde_json::json!({ "id": id.as_str() }))
            }
            Recipient::Link(link) => {
                let mut to = serde_json::Map::new();
                to.insert("id".into(), share.id().as_str().into());
                match link.audience() {
                    Audience::Anyone => {}
                    Audience::Organization => {
                        to.insert("internal".into(), true.into());
                    }
                    Audience::People(_) => {
                        return Err(InteropError::inexpressible(
                            VENDOR,
                            "audience",
                            "a link for named people (ONLYOFFICE links admit anyone, or the portal's users)",
                        ));
                    }
                }
                if let Some(at) = share.expires() {
                    to.insert(
                        "expirationDate".into(),
                        at.to_rfc3339_opts(SecondsFormat::AutoSi, true).into(),
                    );
                }
                if let Some(level) = without_download(share.access()) {
                    access = Access::from_level(level);
                    to.insert("denyDownload".into(), true.into());
                }
                (SubjectType::ExternalLink, serde_json::Value::Object(to))
            }
            other => {
                return Err(InteropError::inexpressible(
                    VENDOR,
                    "recipient",
                    format!("a {} recipient", other.share_type()),
                ));
            }
        };
        match (share.password(), password) {
            (Some(kept), Some(given)) if kept.verify(given) => {}
            (None, None) => {}
            (kept, Some(_)) => {
                return Err(InteropError::invalid(
                    VENDOR,
                    "password",
                    "<redacted>",
                    if kept.is_some() {
                        "not the password the share's hash was made of"
                    } else {
                        "the share has no password"
                    },
                ));
            }
            (Some(_), None) => {
                return Err(InteropError::inexpressible(VENDOR, "password", "a link's password"));
            }
        }
        if let Some(to) = shared_to.as_object_mut() {
            if let Some(given) = password {
                to.insert("password".into(), given.reveal().into());
            }
            if share.is_pending() {
                to.insert("activationStatus".into(), PENDING.into());
            }
        }
        Ok(Member {
            access: access?,
            shared_to: Some(shared_to),
            is_locked: Some(false),
            is_owner: Some(false),
            can_edit_access: Some(true),
            subject_type: Some(Spelled::name(subject)),
            case: KeyCase::Camel,
            extra: Extra::new(),
        })
    }
}
