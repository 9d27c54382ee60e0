//! iconik: a share as its Sharing panel shows it, and the administrative roles sharing
//! administration needs (seed `000_…`).
//!
//! The iconik document shows no JSON: these forms hold what its Sharing panel shows, in
//! iconik's snake_case style, and are this crate's choice of shape:
//!
//! ```json
//! {
//!   "id": "sh-1", "object_type": "assets", "object_id": "a-42",
//!   "expires": "2026-04-01T00:00:00Z", "message": "cut v2", "allow_download": true,
//!   "share_url": "https://app.iconik.io/share/assets/<token>",
//!   "users": [{"email": "ed@example.com", "last_visit": "2026-03-02T10:00:00Z", "times_used": 3}]
//! }
//! ```
//!
//! # Mapping
//!
//! An iconik share lists several users; the model has one recipient per share. A panel
//! share is therefore **a group of model shares on one resource**, one per user
//! ([`Recipient::Email`], id `{share id}:{email}`, with the user's last visit and times used
//! as its [`Usage`]), plus, when a share URL was pre-generated, one retrievable link share
//! (id `{share id}:link`) whose token is the URL's last part after `url_base`. They share the
//! sharer, creation time, expiry, message and access: `allow_download` true is viewer,
//! false the custom set {view}.
//!
//! Per-recipient emailed links are never retrievable (the document: "those links can not be
//! retrieved"). [`Share::to_shares_with_links`] makes each user's share that emailed link,
//! given by its digest, for that one person (a non-retrievable link of audience `people`,
//! SEMANTICS.md section 8); [`Share::from_shares`] writes such a link back as its user. The
//! pre-generated share URL is a retrievable link of audience `anyone`. The panel's
//! `expires` is every share's expiry. Any other link is refused, as is any other recipient
//! kind, re-share rights, or shares that disagree on what the panel shows once. The link
//! share's own usage is not shown by the panel and is not kept.
//!
//! # What this vendor cannot express
//!
//! Each is refused as [`InteropError::Inexpressible`] naming the model field:
//!
//! - a scheduled start (`starts`), a pending invitation (`pending`), a link's password
//!   (`password`) or use limit (`max_uses`): the panel shows none of them;
//! - a share URL for the organization or named people, or one link for several people
//!   (`audience`); a link that is neither retrievable nor for one person (`recipient`);
//! - levels other than viewer and view-only (`access`), re-share rights (`reshare`), and
//!   recipients other than people by email and links (`recipient`).
//!
//! The roles: "Can read shares", "Can write shares", "Can delete object shares" are the
//! model's [`AdminRight`]s over every resource kind; other roles ("Can read assets", "Can
//! search") are kept as read and do not bear on shares.
//!
//! ```
//! use shareguard::interop::iconik::AdminRoles;
//! use shareguard::model::{AdminRight, AdminRights};
//!
//! let roles = AdminRoles::from_json_str(r#"["Can read assets", "Can read shares", "Can delete object shares"]"#)?;
//! let rights = AdminRights::try_from(&roles)?;
//! assert!(rights.allows_kind(AdminRight::ReadShares, "assets"));
//! assert!(!rights.allows_kind(AdminRight::WriteShares, "assets"));
//! # Ok::<(), shareguard::interop::InteropError>(())
//! ```

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Extra, InteropError, ShareContext, json_form};
use crate::model::{
    AccessLevel, AdminRight, AdminRights, Audience, Email, LinkToken, Permissions, Recipient,
    ResourceKind, ResourceRef, ShareId, ShareLink, Usage,
};

const VENDOR: &str = "iconik";

/// One user of a share, as the panel lists them.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use shareguard::interop::{iconik, ShareContext};
/// use shareguard::model::Usage;
///
/// # let context = ShareContext { resource: "assets:a-42".parse()?, sharer: "admin".parse()?,
/// #     created: Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap() };
/// let panel = iconik::Share::from_json_str(r#"{"id": "sh-1", "object_type": "assets", "object_id": "a-42", "users": [
///     { "email": "ed@example.com", "last_visit": "2026-03-02T10:00:00Z", "times_used": 3 }]}"#)?;
/// // The user's last visit and times used are their share's usage.
/// let shares = panel.to_shares(&context, "https://app.iconik.io/share/assets/")?;
/// let last_visit = Some(Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0).unwrap());
/// assert_eq!(shares[0].usage(), Usage { last_visit, visits: 3 });
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareUser {
    /// The user's address.
    pub email: String,
    /// When they last visited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_visit: Option<DateTime<Utc>>,
    /// How many times their link has been used.
    #[serde(default)]
    pub times_used: u64,
    /// Fields this form does not know, kept as read and written back (see
    /// [Fields a form does not know](crate::interop#fields-a-form-does-not-know)).
    #[serde(flatten)]
    pub extra: super::Extra,
}

/// A share as the Sharing panel shows it.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use shareguard::interop::{iconik, ShareContext};
/// use shareguard::{AccessLevel, Permissions};
///
/// # let context = ShareContext { resource: "assets:a-42".parse()?, sharer: "admin".parse()?,
/// #     created: Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap() };
/// let panel = iconik::Share::from_json_str(r#"{"id": "sh-2", "object_type": "collections", "object_id": "c-7",
///   "allow_download": false, "users": [{"email": "ed@example.com"}]}"#)?;
/// let shares = panel.to_shares(&context, "https://app.iconik.io/share/assets/")?;
/// assert_eq!(shares[0].resource().as_str(), "collections:c-7");
/// // Without download, a recipient may only view.
/// assert_eq!(shares[0].access(), AccessLevel::Custom(Permissions::VIEW));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Share {
    /// The share's id.
    pub id: String,
    /// `assets` or `collections`: the model's resource kind.
    pub object_type: String,
    /// The asset's or collection's id.
    pub object_id: String,
    /// When the share expires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<DateTime<Utc>>,
    /// The message sent with the share.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Whether recipients may download (viewer) or only view.
    #[serde(default = "yes")]
    pub allow_download: bool,
    /// The pre-generated share URL, when one was generated at the time of sharing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub share_url: Option<String>,
    /// The users.
    #[serde(default)]
    pub users: Vec<ShareUser>,
    /// Fields this form does not know, kept as read and written back (see
    /// [Fields a form does not know](crate::interop#fields-a-form-does-not-know)).
    #[serde(flatten)]
    pub extra: super::Extra,
}

fn yes() -> bool {
    true
}

json_form!(
    Share,
    VENDOR,
    r#"{"id": "sh-1", "object_type": "assets", "object_id": "a-42", "allow_download": true, "users": [{"email": "ed@example.com", "times_used": 3}]}"#
);

fn view_only() -> AccessLevel {
    AccessLevel::Custom(Permissions::VIEW)
}

impl Share {
    /// The group of model shares this panel share stands for (see the [module docs](self)):
    /// `context.resource` is ignored in favour of `object_type:object_id`.
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use shareguard::interop::{iconik, ShareContext};
    ///
    /// # let context = ShareContext { resource: "assets:a-42".parse()?, sharer: "admin".parse()?,
    /// #     created: Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap() };
    /// let panel = iconik::Share::from_json_str(r#"{"id": "sh-1", "object_type": "assets", "object_id": "a-42",
    ///   "share_url": "https://app.iconik.io/share/assets/3f1c9a",
    ///   "users": [{ "email": "ed@example.com", "times_used": 3 }, { "email": "fay@example.com", "times_used": 0 }]}"#)?;
    /// let shares = panel.to_shares(&context, "https://app.iconik.io/share/assets/")?;
    /// let ids: Vec<&str> = shares.iter().map(|s| s.id().as_str()).collect();
    /// assert_eq!(ids, ["sh-1:ed@example.com", "sh-1:fay@example.com", "sh-1:link"]);
    /// assert_eq!(shares[2].retrievable_token()?.reveal(), "3f1c9a");
    /// // A share URL that is not under `url_base` is refused.
    /// assert_eq!(panel.to_shares(&context, "https://example.com/s/").unwrap_err().field(), "share_url");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn to_shares(
        &self,
        context: &ShareContext,
        url_base: &str,
    ) -> Result<Vec<crate::model::Share>, InteropError> {
        self.shares(context, url_base, None)
    }

    /// As [`Share::to_shares`], with each user's emailed link: `links[i]` is the link
    /// iconik emailed to `users[i]`, given by its digest (an emailed link is never
    /// retrievable, so one carrying its token is refused). Each user's share is then that
    /// link for that one person (audience `people`, SEMANTICS.md section 8) rather than an
    /// `email` grant, with the user's last visit and times used as its usage.
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use shareguard::interop::{iconik, ShareContext};
    /// use shareguard::Recipient;
    /// use shareguard::model::{Audience, LinkToken, ShareLink};
    ///
    /// # let context = ShareContext { resource: "assets:a-42".parse()?, sharer: "admin".parse()?,
    /// #     created: Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap() };
    /// # let base = "https://app.iconik.io/share/assets/";
    /// let panel = iconik::Share::from_json_str(r#"{"id": "sh-1", "object_type": "assets", "object_id": "a-42",
    ///   "users": [{ "email": "ed@example.com", "times_used": 3 }]}"#)?;
    /// let emailed = LinkToken::generate()?; // as the service emailed it; only its digest is kept
    /// let shares = panel.to_shares_with_links(&context, base, &[ShareLink::from_digest(emailed.digest())])?;
    /// let Recipient::Link(link) = shares[0].recipient() else { unreachable!() };
    /// assert_eq!(link.audience(), &Audience::people(["ed@example.com".parse()?])?);
    /// assert!(!link.is_retrievable() && link.accepts(&emailed.digest()));
    /// // Written back, the emailed link is the user again.
    /// assert_eq!(iconik::Share::from_shares("sh-1", &shares, base)?, panel);
    /// // A retrievable link is not an emailed one.
    /// let err = panel.to_shares_with_links(&context, base, &[ShareLink::new(&emailed, true)]).unwrap_err();
    /// assert_eq!(err.field(), "users[0]");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn to_shares_with_links(
        &self,
        context: &ShareContext,
        url_base: &str,
        links: &[ShareLink],
    ) -> Result<Vec<crate::model::Share>, InteropError> {
        if links.len() != self.users.len() {
            return Err(InteropError::invalid(
                VENDOR,
                "users",
                format!("{} links", links.len()),
                format!("expected one emailed link per user ({})", self.users.len()),
            ));
        }
        self.shares(context, url_base, Some(links))
    }

    fn shares(
        &self,
        context: &ShareContext,
        url_base: &str,
        links: Option<&[ShareLink]>,
    ) -> Result<Vec<crate::model::Share>, InteropError> {
        let kind = ResourceKind::new(self.object_type.clone())
            .map_err(InteropError::model(VENDOR, "object_type"))?;
        let resource = ResourceRef::new(&kind, &self.object_id)
            .map_err(InteropError::model(VENDOR, "object_id"))?;
        let access = if self.allow_download { AccessLevel::Viewer } else { view_only() };
        let make = |id: String, recipient: Recipient, field: &str| {
            let id = ShareId::new(id).map_err(InteropError::model(VENDOR, field.to_owned()))?;
            Ok::<_, InteropError>(
                crate::model::Share::new(
                    id,
                    resource.clone(),
                    context.sharer.clone(),
                    recipient,
                    access,
                    context.created,
                )
                .with_expiry(self.expires)
                .with_message(self.message.clone()),
            )
        };
        let mut out = Vec::with_capacity(self.users.len() + 1);
        // The addresses so far, to find one listed twice in linear time (a panel of many
        // users compared pairwise took minutes).
        let mut seen = std::collections::HashSet::with_capacity(self.users.len());
        for (i, user) in self.users.iter().enumerate() {
            let field = format!("users[{i}].email");
            let email =
                Email::new(user.email.clone()).map_err(InteropError::model(VENDOR, &field))?;
            // One share per recipient: the same address twice (in any case) would make two
            // shares to one recipient, the first two with one id.
            if !seen.insert(email.clone()) {
                return Err(InteropError::invalid(
                    VENDOR,
                    field,
                    &user.email,
                    "the address appears twice in `users`",
                ));
            }
            let recipient = match links.and_then(|links| links.get(i)) {
                None => Recipient::Email { email },
                Some(link) => {
                    let field = format!("users[{i}]");
                    if link.is_retrievable() {
                        return Err(InteropError::invalid(
                            VENDOR,
                            field,
                            &user.email,
                            "an emailed link is never retrievable: give it by its digest",
                        ));
                    }
                    let audience = Audience::people([email.clone()])
                        .map_err(InteropError::model(VENDOR, &field))?;
                    if link.audience() != &Audience::Anyone && link.audience() != &audience {
                        return Err(InteropError::invalid(
                            VENDOR,
                            field,
                            &user.email,
                            "the link given is for another audience than this user",
                        ));
                    }
                    Recipient::Link(link.clone().with_audience(audience))
                }
            };
            out.push(
                make(format!("{}:{}", self.id, user.email), recipient, &field)?
                    .with_usage(Usage { last_visit: user.last_visit, visits: user.times_used }),
            );
        }
        if let Some(url) = &self.share_url {
            let token = url.strip_prefix(url_base).filter(|t| !t.is_empty()).ok_or_else(|| {
                InteropError::invalid(
                    VENDOR,
                    "share_url",
                    url,
                    format!("expected `{url_base}<token>`"),
                )
            })?;
            let token =
                LinkToken::presented(token).map_err(InteropError::model(VENDOR, "share_url"))?;
            out.push(make(
                format!("{}:link", self.id),
                Recipient::Link(ShareLink::new(&token, true)),
                "id",
            )?);
        }
        Ok(out)
    }

    /// The panel share of a group of model shares on one resource, or why iconik cannot
    /// show it as one share (see the [module docs](self)).
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use shareguard::interop::{iconik, ShareContext};
    ///
    /// # let context = ShareContext { resource: "assets:a-42".parse()?, sharer: "admin".parse()?,
    /// #     created: Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap() };
    /// # let base = "https://app.iconik.io/share/assets/";
    /// let panel = iconik::Share::from_json_str(r#"{"id": "sh-1", "object_type": "assets", "object_id": "a-42",
    ///   "expires": "2026-04-01T00:00:00Z", "share_url": "https://app.iconik.io/share/assets/3f1c9a",
    ///   "users": [{ "email": "ed@example.com", "times_used": 3 }]}"#)?;
    /// let shares = panel.to_shares(&context, base)?;
    /// assert_eq!(iconik::Share::from_shares("sh-1", &shares, base)?, panel);
    /// // The shares' ids must be the panel share's.
    /// assert_eq!(iconik::Share::from_shares("sh-2", &shares, base).unwrap_err().field(), "id");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_shares(
        id: &str,
        shares: &[crate::model::Share],
        url_base: &str,
    ) -> Result<Self, InteropError> {
        let Some(first) = shares.first() else {
            return Err(InteropError::inexpressible(VENDOR, "recipient", "a share with no users"));
        };
        let allow_download = match first.access() {
            AccessLevel::Viewer => true,
            other if other == view_only() => false,
            other => {
                return Err(InteropError::inexpressible(
                    VENDOR,
                    "access",
                    format!(
                        "a share at level `{other}` (iconik shares view, with or without download)"
                    ),
                ));
            }
        };
        let mut out = Share {
            id: id.to_owned(),
            object_type: first.resource().kind_str().to_owned(),
            object_id: first.resource().id().to_owned(),
            expires: first.expires(),
            message: first.message().map(str::to_owned),
            allow_download,
            share_url: None,
            users: Vec::new(),
            extra: Extra::new(),
        };
        for share in shares {
            super::refuse_terms(VENDOR, share, super::Terms::default())?;
            let same = share.resource() == first.resource()
                && share.sharer() == first.sharer()
                && share.created() == first.created()
                && share.expires() == first.expires()
                && share.message() == first.message()
                && share.access() == first.access();
            if !same {
                return Err(InteropError::inexpressible(
                    VENDOR,
                    "id",
                    "shares that differ in resource, sharer, creation, expiry, message or access as one panel share",
                ));
            }
            if !share.reshare().is_empty() {
                return Err(InteropError::inexpressible(VENDOR, "reshare", "re-share rights"));
            }
            // A link for one person is the link iconik emailed to that user.
            let emailed = match share.recipient() {
                Recipient::Link(link) if !link.is_retrievable() => match link.audience() {
                    Audience::People(emails) if emails.len() == 1 => emails.first(),
                    Audience::People(_) => {
                        return Err(InteropError::inexpressible(
                            VENDOR,
                            "audience",
                            "a link for several people (iconik emails each user a link of their own)",
                        ));
                    }
                    _ => None,
                },
                _ => None,
            };
            let recipient = match (emailed, share.recipient()) {
                (Some(email), _) => Ok(email),
                (None, Recipient::Email { email }) => Ok(email),
                (None, other) => Err(other),
            };
            match recipient {
                Ok(email) => {
                    if share.id().as_str() != format!("{id}:{email}") {
                        return Err(InteropError::inexpressible(
                            VENDOR,
                            "id",
                            format!(
                                "the share id `{}` (iconik user shares are `{id}:<email>`)",
                                share.id()
                            ),
                        ));
                    }
                    let usage = share.usage();
                    out.users.push(ShareUser {
                        email: email.as_str().to_owned(),
                        last_visit: usage.last_visit,
                        times_used: usage.visits,
                        extra: Extra::new(),
                    });
                }
                Err(Recipient::Link(link)) => {
                    let token = link.token().ok_or_else(|| {
                        InteropError::inexpressible(
                            VENDOR,
                            "recipient",
                            "a link that cannot be retrieved and is not emailed to one person (only a pre-generated share URL is shown)",
                        )
                    })?;
                    if link.audience() != &Audience::Anyone {
                        return Err(InteropError::inexpressible(
                            VENDOR,
                            "audience",
                            format!(
                                "a share URL for {} (a pre-generated share URL admits whoever holds it)",
                                super::audience_name(link.audience())
                            ),
                        ));
                    }
                    if out.share_url.is_some() || share.id().as_str() != format!("{id}:link") {
                        return Err(InteropError::inexpressible(
                            VENDOR,
                            "id",
                            format!("the link share `{}` (one link, id `{id}:link`)", share.id()),
                        ));
                    }
                    out.share_url = Some(format!("{url_base}{}", token.reveal()));
                }
                Err(other) => {
                    return Err(InteropError::inexpressible(
                        VENDOR,
                        "recipient",
                        format!(
                            "a {} recipient (iconik shares with people by email)",
                            other.share_type()
                        ),
                    ));
                }
            }
        }
        Ok(out)
    }
}

/// The roles an iconik user holds, by the names the document gives them.
///
/// ```
/// use shareguard::interop::iconik::AdminRoles;
/// use shareguard::model::{AdminRight, AdminRights};
///
/// let rights = AdminRights::none().with(AdminRight::ReadShares).with(AdminRight::DeleteShares);
/// let roles = AdminRoles(vec!["Can read shares".to_owned(), "Can delete object shares".to_owned()]);
/// assert_eq!(AdminRoles::try_from(&rights)?, roles);
/// // iconik's roles hold for every object: a right over some kinds cannot be written.
/// let limited = AdminRights::none().with_kinds(AdminRight::WriteShares, ["assets".parse()?]);
/// assert_eq!(AdminRoles::try_from(&limited).unwrap_err().field(), "admin");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AdminRoles(pub Vec<String>);

json_form!(
    AdminRoles,
    VENDOR,
    r#"["Can read assets", "Can search", "Can read shares", "Can write shares", "Can delete object shares"]"#
);

const ROLES: [(&str, AdminRight); 3] = [
    ("Can read shares", AdminRight::ReadShares),
    ("Can write shares", AdminRight::WriteShares),
    ("Can delete object shares", AdminRight::DeleteShares),
];

impl TryFrom<&AdminRoles> for AdminRights {
    type Error = InteropError;
    /// The share rights among the roles, each over every resource kind. Unknown role names
    /// are kept by the form and ignored here.
    fn try_from(roles: &AdminRoles) -> Result<Self, Self::Error> {
        Ok(ROLES.iter().fold(AdminRights::none(), |rights, (name, right)| {
            if roles.0.iter().any(|r| r == name) { rights.with(*right) } else { rights }
        }))
    }
}

impl TryFrom<&AdminRights> for AdminRoles {
    type Error = InteropError;
    /// The share roles of the rights; a right limited to some resource kinds cannot be
    /// expressed (iconik roles hold for every object).
    fn try_from(rights: &AdminRights) -> Result<Self, Self::Error> {
        // The rights' own serde form: a name for every kind, `{right, kinds}` when limited.
        let items = serde_json::to_value(rights).unwrap_or_default();
        let mut out = Vec::new();
        for item in items.as_array().into_iter().flatten() {
            let (right, limited) = match item {
                serde_json::Value::String(name) => (name.as_str(), false),
                other => (
                    other.get("right").and_then(serde_json::Value::as_str).unwrap_or_default(),
                    other
                        .get("kinds")
                        .and_then(serde_json::Value::as_array)
                        .is_some_and(|k| !k.is_empty()),
                ),
            };
            if limited {
                return Err(InteropError::inexpressible(
                    VENDOR,
                    "admin",
                    format!("the right `{right}` limited to some resource kinds"),
                ));
            }
            if let Some((name, _)) = ROLES.iter().find(|(_, r)| r.name() == right) {
                if item.is_string() {
                    out.push((*name).to_owned());
                }
            }
        }
        Ok(AdminRoles(out))
    }
}
