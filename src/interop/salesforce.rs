//! Salesforce Analytics folder shares: the share representation, the PATCH input, the
//! error body (seed `004_…`), and the share recipients listing
//! (`/folders/<folderId>/share-recipients`: [`ShareRecipients`], candidate recipients with
//! their `shareWithId`, `shareWithLabel`, `shareType`, `imageUrl`, `imageColor`; the model
//! keeps only the recipient).
//!
//! # Mapping
//!
//! | `accessType` | model |
//! | --- | --- |
//! | View / Edit / Manage (any case: the document's example writes `manage`) | viewer / editor / manager |
//!
//! | `shareType` (any case) | model recipient of `sharedWithId` |
//! | --- | --- |
//! | User, PartnerUser, CustomerPortalUser | [`Recipient::User`] |
//! | Group, ChannelProgramGroup | [`Recipient::Group`] |
//! | Role, PortalRole | [`Recipient::Role`] |
//! | RoleAndSubordinates, PortalRoleAndSubordinates | [`Recipient::RoleAndSubordinates`] |
//! | RoleAndSubordinatesInternal | [`Recipient::RoleAndInternalSubordinates`] |
//! | Organization | [`Recipient::Organization`] |
//! | AllPrmUsers | [`Recipient::PartnerUsers`] |
//! | AllCspUsers | [`Recipient::CustomerUsers`] |
//!
//! Where the model loses the vendor's exact type (PartnerUser and User are both users),
//! [`FolderShare::from_share_like`] keeps the type, its spelling, the label, the url and the
//! `sharedWithId` of an audience from the share it is rewriting; [`FolderShare::try_from`]
//! writes the first type of the table and its canonical spelling.
//!
//! A folder share holds no expiry, no re-share rights, no `custom` set and no level but
//! viewer, editor and manager: such a share is refused, saying why. Nor does it hold the
//! sharer or creation time: [`FolderShare::to_share`] takes them in a [`ShareContext`].
//!
//! # What this vendor cannot express
//!
//! Each is refused as [`InteropError::Inexpressible`] naming the model field: a scheduled
//! start (`starts`) and a pending invitation (`pending`), which a folder share granting at
//! once would drop (SEMANTICS.md section 9); an expiry (`expires`); re-share rights
//! (`reshare`); levels other than viewer, editor and manager (`access`); links and the
//! public (`recipient`): Salesforce shares folders with users, groups, roles and audiences,
//! never through a link, so no audience, password or use limit arises.
//!
//! Error bodies (`[{"errorCode", "message"}]`): a missing share is 404 `NOT_FOUND`; a
//! policy denial is 403 `FUNCTIONALITY_NOT_ENABLED` (the document's code for a missing
//! permission), with the denial's reason code in the message, except a malformed request
//! (reason `invalid`), which is 400 `INVALID_INPUT`.
//!
//! ```
//! use shareguard::interop::salesforce::FolderShare;
//! use shareguard::interop::ShareContext;
//! use shareguard::{AccessLevel, Recipient};
//!
//! let json = r#"{"shareId": "004xx", "accessType": "manage", "shareType": "PartnerUser", "sharedWithId": "005xx"}"#;
//! let wire = FolderShare::from_json_str(json)?;
//! let context = ShareContext {
//!     resource: "folder:00lxx".parse()?,
//!     sharer: "005admin".parse()?,
//!     created: chrono::DateTime::UNIX_EPOCH,
//! };
//! let share = wire.to_share(&context)?;
//! assert_eq!(share.access(), AccessLevel::Manager);
//! assert_eq!(share.recipient(), &Recipient::User { id: "005xx".parse()? });
//! assert_eq!(FolderShare::from_share_like(&share, Some(&wire))?, wire);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{Extra, InteropError, ShareContext, json_form};
use crate::model::{
    AccessLevel, GroupId, Level, PrincipalId, Recipient, RoleId, ShareId, SharePatch,
};

const VENDOR: &str = "salesforce";

/// A value read case-insensitively, with the spelling it was read in (written back as read).
///
/// ```
/// use shareguard::interop::salesforce::{AccessType, Spelled};
///
/// let read: Spelled<AccessType> = serde_json::from_str(r#""manage""#)?;
/// assert_eq!(read, Spelled { value: AccessType::Manage, text: "manage".to_owned() });
/// assert_eq!(serde_json::to_string(&read)?, r#""manage""#);
/// // Made from a value, it has the canonical spelling.
/// assert_eq!(Spelled::from(AccessType::Manage).text, "Manage");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Spelled<T> {
    /// The value.
    pub value: T,
    /// The spelling, as read or canonical.
    pub text: String,
}

macro_rules! sf_enum {
    ($(#[$doc:meta])* $name:ident, $field:literal, $($variant:ident : $d:literal),* $(,)?) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $(#[doc = $d] $variant,)*
        }

        impl $name {
            /// Every value.
            ///
            /// ```
            #[doc = concat!("use shareguard::interop::salesforce::{", stringify!($name), ", Spelled};")]
            ///
            /// // What a spelling that is none of them is told to be.
            #[doc = concat!("let err = serde_json::from_str::<Spelled<", stringify!($name), ">>(r#\"\"nope\"\"#).unwrap_err();")]
            #[doc = concat!("let names: Vec<&str> = ", stringify!($name), "::ALL.iter().map(|v| v.name()).collect();")]
            /// assert!(err.to_string().contains(&names.join(", ")));
            /// ```
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            /// The canonical spelling.
            ///
            /// ```
            #[doc = concat!("use shareguard::interop::salesforce::{", stringify!($name), ", Spelled};")]
            ///
            #[doc = concat!("for &value in ", stringify!($name), "::ALL {")]
            ///     // What a value made from the model is written as.
            ///     assert_eq!(serde_json::to_value(Spelled::from(value))?, value.name());
            /// }
            /// # Ok::<(), serde_json::Error>(())
            /// ```
            #[must_use]
            pub const fn name(self) -> &'static str {
                match self { $($name::$variant => stringify!($variant),)* }
            }

            /// Reads a spelling, ignoring ASCII case.
            ///
            /// ```
            #[doc = concat!("use shareguard::interop::salesforce::", stringify!($name), ";")]
            ///
            #[doc = concat!("for &value in ", stringify!($name), "::ALL {")]
            #[doc = concat!("    assert_eq!(", stringify!($name), "::parse(&value.name().to_lowercase()), Some(value));")]
            #[doc = concat!("    assert_eq!(", stringify!($name), "::parse(&value.name().to_uppercase()), Some(value));")]
            /// }
            #[doc = concat!("assert_eq!(", stringify!($name), "::parse(\"nope\"), None);")]
            /// ```
            #[must_use]
            pub fn parse(s: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.name().eq_ignore_ascii_case(s))
            }
        }

        impl From<$name> for Spelled<$name> {
            fn from(value: $name) -> Self {
                Spelled { value, text: value.name().to_owned() }
            }
        }

        impl Serialize for Spelled<$name> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.text)
            }
        }

        impl<'de> Deserialize<'de> for Spelled<$name> {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = String::deserialize(d)?;
                match $name::parse(&text) {
                    Some(value) => Ok(Spelled { value, text }),
                    None => Err(serde::de::Error::custom(format!(
                        concat!($field, ": unknown value \"{}\", expected one of {}"), text,
                        $name::ALL.iter().map(|v| v.name()).collect::<Vec<_>>().join(", ")
                    ))),
                }
            }
        }
    };
}

sf_enum! {
    /// `ConnectFolderAccessTypeEnum`.
    ///
    /// ```
    /// use shareguard::interop::salesforce::{AccessType, FolderShareInput};
    ///
    /// let input = FolderShareInput::from_json_str(r#"{ "accessType" : "manage", "shareType" : "user", "shareWithId" : "005R0000000Kg8yIAC" }"#)?;
    /// assert_eq!((input.access_type.value, input.access_type.text.as_str()), (AccessType::Manage, "manage"));
    /// # Ok::<(), shareguard::interop::InteropError>(())
    /// ```
    AccessType, "accessType",
    View: "View: the model's viewer.",
    Edit: "Edit: the model's editor.",
    Manage: "Manage: the model's manager.",
}

sf_enum! {
    /// `ConnectFolderShareTypeEnum`: all thirteen share types.
    ///
    /// ```
    /// use shareguard::interop::salesforce::{FolderShare, ShareType};
    ///
    /// assert_eq!(ShareType::ALL.len(), 13);
    /// let share = FolderShare::from_json_str(r#"{ "shareId" : "004xx000001Sy1GAAS", "accessType" : "manage", "shareType" : "user", "sharedWithId" : "005xx000001Sy1GAAS", "sharedWithLabel" : "User1" }"#)?;
    /// assert_eq!(share.share_type.value, ShareType::User);
    /// let err = FolderShare::from_json_str(r#"{"shareId": "004xx", "accessType": "View", "shareType": "Team", "sharedWithId": "005xx"}"#).unwrap_err();
    /// assert_eq!(err.field(), "shareType");
    /// # Ok::<(), shareguard::interop::InteropError>(())
    /// ```
    ShareType, "shareType",
    Group: "Users in a specified public group.",
    Role: "Users with a specified role.",
    RoleAndSubordinates: "A role and the roles subordinate to it.",
    RoleAndSubordinatesInternal: "As RoleAndSubordinates, except portal users.",
    Organization: "All internal users.",
    AllPrmUsers: "All PRM (partner) portal users.",
    User: "One user.",
    PartnerUser: "One partner portal user.",
    AllCspUsers: "All customer portal users.",
    CustomerPortalUser: "One customer portal user.",
    PortalRole: "Users with a role in a portal.",
    PortalRoleAndSubordinates: "A portal role and its subordinates.",
    ChannelProgramGroup: "PRM portal users in a channel program group.",
}

impl AccessType {
    /// The model level.
    ///
    /// ```
    /// use shareguard::interop::salesforce::AccessType;
    /// use shareguard::AccessLevel;
    ///
    /// assert_eq!(AccessType::View.level(), AccessLevel::Viewer);
    /// assert_eq!(AccessType::Edit.level(), AccessLevel::Editor);
    /// assert_eq!(AccessType::Manage.level(), AccessLevel::Manager);
    /// ```
    #[must_use]
    pub fn level(self) -> AccessLevel {
        match self {
            AccessType::View => AccessLevel::Viewer,
            AccessType::Edit => AccessLevel::Editor,
            AccessType::Manage => AccessLevel::Manager,
        }
    }

    /// The access type of a model level, or why there is none.
    ///
    /// ```
    /// use shareguard::interop::{salesforce::AccessType, InteropError};
    /// use shareguard::{AccessLevel, Permissions};
    ///
    /// assert_eq!(AccessType::from_level(AccessLevel::Editor)?, AccessType::Edit);
    /// let err = AccessType::from_level(AccessLevel::Custom(Permissions::VIEW)).unwrap_err();
    /// assert!(matches!(&err, InteropError::Inexpressible { field, .. } if field == "access"));
    /// assert_eq!(err.to_string(), "salesforce: a share with a custom set cannot be expressed (access)");
    /// # Ok::<(), InteropError>(())
    /// ```
    pub fn from_level(level: AccessLevel) -> Result<Self, InteropError> {
        match level {
            AccessLevel::Viewer => Ok(AccessType::View),
            AccessLevel::Editor => Ok(AccessType::Edit),
            AccessLevel::Manager => Ok(AccessType::Manage),
            AccessLevel::Custom(_) => {
                Err(InteropError::inexpressible(VENDOR, "access", "a share with a custom set"))
            }
            other => Err(InteropError::inexpressible(
                VENDOR,
                "access",
                format!("a share at level `{other}` (Salesforce has View, Edit and Manage)"),
            )),
        }
    }
}

impl ShareType {
    /// The model recipient of this type for `sharedWithId` (`field` names it in errors).
    ///
    /// ```
    /// use shareguard::interop::salesforce::ShareType;
    /// use shareguard::Recipient;
    ///
    /// let recipient = ShareType::PortalRoleAndSubordinates.recipient("00Exx", "sharedWithId")?;
    /// assert_eq!(recipient, Recipient::RoleAndSubordinates { id: "00Exx".parse()? });
    /// // An audience names no one: the id is not read.
    /// assert_eq!(ShareType::AllCspUsers.recipient("", "sharedWithId")?, Recipient::CustomerUsers);
    /// assert_eq!(ShareType::User.recipient("", "sharedWithId").unwrap_err().field(), "sharedWithId");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn recipient(self, id: &str, field: &str) -> Result<Recipient, InteropError> {
        let bad = InteropError::model(VENDOR, field);
        Ok(match self {
            ShareType::User | ShareType::PartnerUser | ShareType::CustomerPortalUser => {
                Recipient::User { id: PrincipalId::new(id).map_err(bad)? }
            }
            ShareType::Group | ShareType::ChannelProgramGroup => {
                Recipient::Group { id: GroupId::new(id).map_err(bad)? }
            }
            ShareType::Role | ShareType::PortalRole => {
                Recipient::Role { id: RoleId::new(id).map_err(bad)? }
            }
            ShareType::RoleAndSubordinates | ShareType::PortalRoleAndSubordinates => {
                Recipient::RoleAndSubordinates { id: RoleId::new(id).map_err(bad)? }
            }
            ShareType::RoleAndSubordinatesInternal => {
                Recipient::RoleAndInternalSubordinates { id: RoleId::new(id).map_err(bad)? }
            }
            ShareType::Organization => Recipient::Organization,
            ShareType::AllPrmUsers => Recipient::PartnerUsers,
            ShareType::AllCspUsers => Recipient::CustomerUsers,
        })
    }

    /// The canonical type of a model recipient and its `sharedWithId` (empty for the
    /// audiences, which the model does not name), or why there is none.
    ///
    /// ```
    /// use shareguard::interop::salesforce::ShareType;
    /// use shareguard::Recipient;
    ///
    /// let user = Recipient::User { id: "005xx".parse()? };
    /// assert_eq!(ShareType::of(&user)?, (ShareType::User, "005xx".to_owned()));
    /// assert_eq!(ShareType::of(&Recipient::Organization)?, (ShareType::Organization, String::new()));
    /// assert_eq!(ShareType::of(&Recipient::Public).unwrap_err().field(), "recipient");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn of(recipient: &Recipient) -> Result<(Self, String), InteropError> {
        Ok(match recipient {
            Recipient::User { id } => (ShareType::User, id.as_str().to_owned()),
            Recipient::Group { id } => (ShareType::Group, id.as_str().to_owned()),
            Recipient::Role { id } => (ShareType::Role, id.as_str().to_owned()),
            Recipient::RoleAndSubordinates { id } => {
                (ShareType::RoleAndSubordinates, id.as_str().to_owned())
            }
            Recipient::RoleAndInternalSubordinates { id } => {
                (ShareType::RoleAndSubordinatesInternal, id.as_str().to_owned())
            }
            Recipient::Organization => (ShareType::Organization, String::new()),
            Recipient::PartnerUsers => (ShareType::AllPrmUsers, String::new()),
            Recipient::CustomerUsers => (ShareType::AllCspUsers, String::new()),
            other => {
                return Err(InteropError::inexpressible(
                    VENDOR,
                    "recipient",
                    format!("a share with a {} recipient", other.share_type()),
                ));
            }
        })
    }

    fn names_recipient(self) -> bool {
        !matches!(self, ShareType::Organization | ShareType::AllPrmUsers | ShareType::AllCspUsers)
    }
}

/// `FolderShareRepresentation`: one folder share.
///
/// ```
/// use shareguard::interop::{salesforce::FolderShare, ShareContext};
///
/// # let context = ShareContext { resource: "folder:00lxx".parse()?, sharer: "005admin".parse()?,
/// #     created: chrono::DateTime::UNIX_EPOCH };
/// let wire = FolderShare::from_json_str(r#"{ "shareId" : "004xx000001Sy1GAAS", "accessType" : "manage", "shareType" : "user", "sharedWithId" : "005xx000001Sy1GAAS", "sharedWithLabel" : "User1" }"#)?;
/// assert_eq!(wire.shared_with_label.as_deref(), Some("User1"));
/// // Written from the model share alone: canonical spellings, and no label.
/// let share = wire.to_share(&context)?;
/// assert_eq!(FolderShare::try_from(&share)?.to_json_string(),
///     r#"{"shareId":"004xx000001Sy1GAAS","accessType":"Manage","shareType":"User","sharedWithId":"005xx000001Sy1GAAS"}"#);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FolderShare {
    /// The share's id.
    pub share_id: String,
    /// View, Edit or Manage.
    pub access_type: Spelled<AccessType>,
    /// The kind of recipient.
    pub share_type: Spelled<ShareType>,
    /// The recipient's id.
    pub shared_with_id: String,
    /// The recipient's label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shared_with_label: Option<String>,
    /// The share's URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Fields this form does not know, kept as read and written back (see
    /// [Fields a form does not know](crate::interop#fields-a-form-does-not-know)).
    #[serde(flatten)]
    pub extra: super::Extra,
}

json_form!(
    FolderShare,
    VENDOR,
    r#"{ "shareId" : "004xx000001Sy1GAAS", "accessType" : "manage", "shareType" : "user", "sharedWithId" : "005xx000001Sy1GAAS", "sharedWithLabel" : "User1" }"#
);

impl FolderShare {
    /// The model share, with what the representation does not carry.
    ///
    /// ```
    /// use shareguard::interop::{salesforce::FolderShare, ShareContext};
    /// use shareguard::{AccessLevel, Recipient};
    ///
    /// # let context = ShareContext { resource: "folder:00lxx".parse()?, sharer: "005admin".parse()?,
    /// #     created: chrono::DateTime::UNIX_EPOCH };
    /// let wire = FolderShare::from_json_str(r#"{"shareId": "004xx", "accessType": "View",
    ///   "shareType": "RoleAndSubordinatesInternal", "sharedWithId": "00Exx"}"#)?;
    /// let share = wire.to_share(&context)?;
    /// assert_eq!(share.recipient(), &Recipient::RoleAndInternalSubordinates { id: "00Exx".parse()? });
    /// assert_eq!((share.access(), share.resource(), share.sharer()), (AccessLevel::Viewer, &context.resource, &context.sharer));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn to_share(&self, context: &ShareContext) -> Result<crate::model::Share, InteropError> {
        let id =
            ShareId::new(self.share_id.clone()).map_err(InteropError::model(VENDOR, "shareId"))?;
        let recipient = self.share_type.value.recipient(&self.shared_with_id, "sharedWithId")?;
        Ok(crate::model::Share::new(
            id,
            context.resource.clone(),
            context.sharer.clone(),
            recipient,
            self.access_type.value.level(),
            context.created,
        ))
    }

    /// The representation of a model share, keeping from `like` (the representation it
    /// rewrites) the exact share type and spellings, the label, the url, an audience's
    /// `sharedWithId`, and (for the same `shareId`) the fields the form does not know, where
    /// they agree with the share.
    ///
    /// ```
    /// use shareguard::interop::{salesforce::FolderShare, ShareContext};
    /// use shareguard::model::{Level, SharePatch};
    ///
    /// # let context = ShareContext { resource: "folder:00lxx".parse()?, sharer: "005admin".parse()?,
    /// #     created: chrono::DateTime::UNIX_EPOCH };
    /// let wire = FolderShare::from_json_str(r#"{ "shareId" : "004xx000001Sy1GAAS", "accessType" : "manage", "shareType" : "user", "sharedWithId" : "005xx000001Sy1GAAS", "sharedWithLabel" : "User1" }"#)?;
    /// let share = wire.to_share(&context)?;
    /// let (viewer, _) = share.patched(&SharePatch { access: Some(Level::Viewer), ..SharePatch::default() })?;
    /// // The access changed, and is written canonically; the rest is kept as it was.
    /// let out = FolderShare::from_share_like(&viewer, Some(&wire))?;
    /// assert_eq!((out.access_type.text.as_str(), out.share_type.text.as_str()), ("View", "user"));
    /// assert_eq!(out.shared_with_label.as_deref(), Some("User1"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_share_like(
        share: &crate::model::Share,
        like: Option<&FolderShare>,
    ) -> Result<Self, InteropError> {
        super::refuse_terms(VENDOR, share, super::Terms::default())?;
        if share.expires().is_some() {
            return Err(InteropError::inexpressible(VENDOR, "expires", "a share with an expiry"));
        }
        if !share.reshare().is_empty() {
            return Err(InteropError::inexpressible(
                VENDOR,
                "reshare",
                "a share with re-share rights",
            ));
        }
        let access = AccessType::from_level(share.access())?;
        let (share_type, id) = ShareType::of(share.recipient())?;
        let mut out = FolderShare {
            share_id: share.id().as_str().to_owned(),
            access_type: access.into(),
            share_type: share_type.into(),
            shared_with_id: id,
            shared_with_label: None,
            url: None,
            extra: Extra::new(),
        };
        if let Some(like) = like {
            if like.access_type.value == access {
                out.access_type = like.access_type.clone();
            }
            let same_recipient = like
                .share_type
                .value
                .recipient(&like.shared_with_id, "sharedWithId")
                .is_ok_and(|r| &r == share.recipient());
            if same_recipient {
                out.share_type = like.share_type.clone();
                if !like.share_type.value.names_recipient() {
                    out.shared_with_id.clone_from(&like.shared_with_id);
                }
                out.shared_with_label.clone_from(&like.shared_with_label);
            }
            if like.share_id == out.share_id {
                out.url.clone_from(&like.url);
                out.extra.clone_from(&like.extra);
            }
        }
        Ok(out)
    }
}

impl TryFrom<&crate::model::Share> for FolderShare {
    type Error = InteropError;
    /// As [`FolderShare::from_share_like`] with nothing to keep.
    fn try_from(share: &crate::model::Share) -> Result<Self, Self::Error> {
        FolderShare::from_share_like(share, None)
    }
}

/// `FolderShareInputRepresentation`: the PATCH body. The document spells the recipient
/// `shareWithId` here (and `sharedWithId` in the representation).
///
/// ```
/// use chrono::Utc;
/// use shareguard::interop::salesforce::FolderShareInput;
/// use shareguard::{AccessLevel, Recipient, Share};
///
/// let input = FolderShareInput::from_json_str(r#"{ "accessType" : "manage", "shareType" : "user", "shareWithId" : "005R0000000Kg8yIAC" }"#)?;
/// let share = Share::new("004xx".parse()?, "folder:00lxx".parse()?, "005admin".parse()?,
///     Recipient::User { id: "005R0000000Kg8yIAC".parse()? }, AccessLevel::Viewer, Utc::now());
/// let (patched, _) = share.patched(&input.to_patch()?)?;
/// assert_eq!(patched.access(), AccessLevel::Manager);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FolderShareInput {
    /// The new access.
    pub access_type: Spelled<AccessType>,
    /// The recipient's type (it cannot change).
    pub share_type: Spelled<ShareType>,
    /// The recipient's id (it cannot change).
    pub share_with_id: String,
    /// Fields this form does not know, kept as read and written back (see
    /// [Fields a form does not know](crate::interop#fields-a-form-does-not-know)).
    #[serde(flatten)]
    pub extra: super::Extra,
}

json_form!(
    FolderShareInput,
    VENDOR,
    r#"{ "accessType" : "manage", "shareType" : "user", "shareWithId" : "005R0000000Kg8yIAC" }"#
);

impl FolderShareInput {
    /// The patch: the new level, naming the recipient so that a change of recipient is
    /// refused by [`Share::patched`](crate::model::Share::patched).
    ///
    /// ```
    /// use chrono::Utc;
    /// use shareguard::interop::salesforce::FolderShareInput;
    /// use shareguard::{AccessLevel, Recipient, Share};
    /// use shareguard::model::Level;
    ///
    /// let patch = FolderShareInput::from_json_str(r#"{ "accessType" : "manage", "shareType" : "user", "shareWithId" : "005R0000000Kg8yIAC" }"#)?.to_patch()?;
    /// assert_eq!(patch.access, Some(Level::Manager));
    /// // Applied to another recipient's share, it is refused.
    /// let other = Share::new("004yy".parse()?, "folder:00lxx".parse()?, "005admin".parse()?,
    ///     Recipient::User { id: "005xx000001Sy1GAAS".parse()? }, AccessLevel::Viewer, Utc::now());
    /// assert_eq!(other.patched(&patch).unwrap_err().field(), "recipient");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn to_patch(&self) -> Result<SharePatch, InteropError> {
        Ok(SharePatch {
            access: Some(self.access_type.value.level().level()),
            recipient: Some(self.share_type.value.recipient(&self.share_with_id, "shareWithId")?),
            ..SharePatch::default()
        })
    }

    /// The input setting a share's access to `access` (viewer, editor or manager).
    ///
    /// ```
    /// use chrono::Utc;
    /// use shareguard::interop::salesforce::FolderShareInput;
    /// use shareguard::{AccessLevel, Recipient, Share};
    /// use shareguard::model::Level;
    ///
    /// let share = Share::new("004xx".parse()?, "folder:00lxx".parse()?, "005admin".parse()?,
    ///     Recipient::Group { id: "00Gxx".parse()? }, AccessLevel::Viewer, Utc::now());
    /// let input = FolderShareInput::for_share(&share, Level::Editor)?;
    /// assert_eq!(input.to_json_string(), r#"{"accessType":"Edit","shareType":"Group","shareWithId":"00Gxx"}"#);
    /// assert_eq!(FolderShareInput::for_share(&share, Level::Commenter).unwrap_err().field(), "access");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn for_share(share: &crate::model::Share, access: Level) -> Result<Self, InteropError> {
        let level =
            AccessLevel::from_parts(access, None).map_err(InteropError::model(VENDOR, "access"))?;
        let (share_type, id) = ShareType::of(share.recipient())?;
        Ok(FolderShareInput {
            access_type: AccessType::from_level(level)?.into(),
            share_type: share_type.into(),
            share_with_id: id,
            extra: Extra::new(),
        })
    }
}

/// One item of an error body.
///
/// ```
/// use shareguard::interop::salesforce::ErrorBody;
///
/// let body = ErrorBody::from_json_str(r#"[ { "errorCode" : "FUNCTIONALITY_NOT_ENABLED", "message" : "<message>]"}]"#)?;
/// let item = &body.items[0];
/// assert_eq!((item.error_code.as_str(), item.message.as_str()), ("FUNCTIONALITY_NOT_ENABLED", "<message>]"));
/// # Ok::<(), shareguard::interop::InteropError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorItem {
    /// The error code (`FUNCTIONALITY_NOT_ENABLED`, `NOT_FOUND`, …).
    pub error_code: String,
    /// The message.
    pub message: String,
    /// Fields this form does not know, kept as read and written back (see
    /// [Fields a form does not know](crate::interop#fields-a-form-does-not-know)).
    #[serde(flatten)]
    pub extra: super::Extra,
}

/// An error body: `[{"errorCode", "message"}]`, with the HTTP status it goes with (not part
/// of the JSON).
///
/// ```
/// use shareguard::interop::salesforce::ErrorBody;
///
/// let body = ErrorBody::denied("expired");
/// assert_eq!(body.status, 403);
/// assert_eq!(body.to_json_string(), r#"[{"errorCode":"FUNCTIONALITY_NOT_ENABLED","message":"access denied (expired)"}]"#);
/// // Read from JSON, there is no status to read.
/// assert_eq!(ErrorBody::from_json_str(&body.to_json_string())?.status, 0);
/// # Ok::<(), shareguard::interop::InteropError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ErrorBody {
    /// The items.
    pub items: Vec<ErrorItem>,
    /// The HTTP status: 403, 404 or 400.
    #[serde(skip)]
    pub status: u16,
}

json_form!(
    ErrorBody,
    VENDOR,
    r#"[ { "errorCode" : "FUNCTIONALITY_NOT_ENABLED", "message" : "<message>]"}]"#
);

impl ErrorBody {
    fn one(status: u16, code: &str, message: String) -> Self {
        ErrorBody {
            items: vec![ErrorItem { error_code: code.to_owned(), message, extra: Extra::new() }],
            status,
        }
    }

    /// A body of one error, with its HTTP status: for the answers the document leaves to
    /// the service (Salesforce's own `INVALID_SESSION_ID` for a missing or unknown token, a
    /// malformed body's `INVALID_INPUT` naming the field, …).
    ///
    /// ```
    /// use shareguard::interop::salesforce::{ErrorBody, FolderShareInput};
    ///
    /// let body = ErrorBody::new(401, "INVALID_SESSION_ID", "Session expired or invalid");
    /// assert_eq!(body.to_json_string(), r#"[{"errorCode":"INVALID_SESSION_ID","message":"Session expired or invalid"}]"#);
    /// // A malformed PATCH body, answered naming its field.
    /// let err = FolderShareInput::from_json_str(r#"{"accessType": "Own", "shareType": "User", "shareWithId": "005xx"}"#).unwrap_err();
    /// let body = ErrorBody::new(400, "INVALID_INPUT", err.to_string());
    /// assert!(body.items[0].message.starts_with("salesforce: accessType: "));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn new(status: u16, code: &str, message: impl Into<String>) -> Self {
        Self::one(status, code, message.into())
    }

    /// 404 for a share that does not exist.
    ///
    /// ```
    /// use shareguard::interop::salesforce::ErrorBody;
    ///
    /// let body = ErrorBody::not_found("004xx");
    /// assert_eq!((body.status, body.items[0].error_code.as_str()), (404, "NOT_FOUND"));
    /// assert_eq!(body.items[0].message, "no folder share `004xx`");
    /// ```
    #[must_use]
    pub fn not_found(share: &str) -> Self {
        Self::one(404, "NOT_FOUND", format!("no folder share `{share}`"))
    }

    /// The body of a policy denial (see the [module docs](self) for the mapping); `None`
    /// when the decision allowed.
    ///
    /// ```
    /// use chrono::Utc;
    /// use shareguard::interop::salesforce::ErrorBody;
    /// use shareguard::{AccessLevel, Permission, Policy, Principal, PrincipalKind, Recipient, Share};
    /// use shareguard::policy::Node;
    ///
    /// let (now, folder) = (Utc::now(), "folder:00lxx".parse()?);
    /// let shares = [Share::new("004xx".parse()?, "folder:00lxx".parse()?, "005admin".parse()?,
    ///     Recipient::User { id: "005xx".parse()? }, AccessLevel::Viewer, now)];
    /// let path = [Node::new(&folder, None, &shares)];
    /// let user = Principal::builder("005xx", PrincipalKind::Internal).build()?;
    /// assert_eq!(ErrorBody::from_decision(&Policy::default().check(&user, Permission::View, &path, now)), None);
    /// let body = ErrorBody::from_decision(&Policy::default().check(&user, Permission::Edit, &path, now)).ok_or("allowed")?;
    /// assert_eq!((body.status, body.items[0].message.as_str()), (403, "access denied (insufficient)"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn from_decision(decision: &crate::policy::Decision) -> Option<Self> {
        (!decision.is_allowed()).then(|| Self::denied(decision.reason().code()))
    }

    /// The body of a policy denial with reason code `reason` (see the
    /// [module docs](self) for the mapping).
    ///
    /// ```
    /// use shareguard::interop::salesforce::ErrorBody;
    ///
    /// let body = ErrorBody::denied("escalation");
    /// assert_eq!((body.status, body.items[0].error_code.as_str()), (403, "FUNCTIONALITY_NOT_ENABLED"));
    /// // A malformed request is the caller's fault: 400.
    /// let body = ErrorBody::denied("invalid");
    /// assert_eq!((body.status, body.items[0].error_code.as_str()), (400, "INVALID_INPUT"));
    /// ```
    #[must_use]
    pub fn denied(reason: &str) -> Self {
        if reason == "invalid" {
            Self::one(400, "INVALID_INPUT", format!("invalid request ({reason})"))
        } else {
            Self::one(403, "FUNCTIONALITY_NOT_ENABLED", format!("access denied ({reason})"))
        }
    }
}

/// `FolderShareRecipientRepresentation`: someone a folder can be shared with, as the
/// share recipients listing returns it. It is a candidate recipient, not a share: it has
/// no access and no share id.
///
/// ```
/// use shareguard::interop::salesforce::ShareRecipient;
/// use shareguard::Recipient;
///
/// let r: ShareRecipient = serde_json::from_str(r#"{"shareWithId": "00Gxx", "shareWithLabel": "Sales", "shareType": "Group"}"#)?;
/// assert_eq!(r.to_recipient("")?, Recipient::Group { id: "00Gxx".parse()? });
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShareRecipient {
    /// The recipient's id.
    pub share_with_id: String,
    /// The recipient's label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub share_with_label: Option<String>,
    /// The kind of recipient.
    pub share_type: Spelled<ShareType>,
    /// The URL of the recipient's image (API 42.0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    /// The colour of the recipient's image (API 42.0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_color: Option<String>,
    /// Fields this form does not know, kept as read and written back (see
    /// [Fields a form does not know](crate::interop#fields-a-form-does-not-know)).
    #[serde(flatten)]
    pub extra: Extra,
}

impl ShareRecipient {
    /// The model recipient. `field` is the entry's path ending in `.`
    /// (`"shareRecipients[2]."`), or empty: an error names `{field}shareWithId`.
    ///
    /// ```
    /// use shareguard::interop::salesforce::ShareRecipient;
    ///
    /// let r: ShareRecipient = serde_json::from_str(r#"{"shareWithId": "", "shareType": "User"}"#)?;
    /// assert_eq!(r.to_recipient("shareRecipients[2].").unwrap_err().field(), "shareRecipients[2].shareWithId");
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn to_recipient(&self, field: &str) -> Result<Recipient, InteropError> {
        self.share_type.value.recipient(&self.share_with_id, &format!("{field}shareWithId"))
    }
}

/// The share recipients listing (`GET /services/data/vXX.X/folders/<folderId>/share-recipients`):
/// `{"shareRecipients": [...]}`.
///
/// ```
/// use shareguard::interop::salesforce::ShareRecipients;
/// use shareguard::Recipient;
///
/// let list = ShareRecipients::from_json_str(r#"{"shareRecipients": [{"shareWithId": "005xx", "shareWithLabel": "User1", "shareType": "User"}]}"#)?;
/// assert_eq!(list.to_recipients()?, [Recipient::User { id: "005xx".parse()? }]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShareRecipients {
    /// The recipients.
    pub share_recipients: Vec<ShareRecipient>,
    /// Fields this form does not know, kept as read and written back (see
    /// [Fields a form does not know](crate::interop#fields-a-form-does-not-know)).
    #[serde(flatten)]
    pub extra: Extra,
}

json_form!(
    ShareRecipients,
    VENDOR,
    r#"{"shareRecipients": [{"shareWithId": "005xx000001Sy1GAAS", "shareWithLabel": "User1", "shareType": "User"}]}"#
);

impl ShareRecipients {
    /// Every entry as a model recipient, in order; a fault names its entry.
    ///
    /// ```
    /// use shareguard::interop::salesforce::ShareRecipients;
    ///
    /// let list = ShareRecipients::from_json_str(r#"{"shareRecipients": [{"shareWithId": "005xx", "shareType": "User"}, {"shareWithId": "", "shareType": "Role"}]}"#)?;
    /// assert_eq!(list.to_recipients().unwrap_err().field(), "shareRecipients[1].shareWithId");
    /// # Ok::<(), shareguard::interop::InteropError>(())
    /// ```
    pub fn to_recipients(&self) -> Result<Vec<Recipient>, InteropError> {
        self.share_recipients
            .iter()
            .enumerate()
            .map(|(i, r)| r.to_recipient(&format!("shareRecipients[{i}].")))
            .collect()
    }
}
