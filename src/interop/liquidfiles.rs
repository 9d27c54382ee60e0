//! LiquidFiles share access admin API: `add_access` and its per-item response, and
//! `remove_access` (seed `001_…`, the 3.x form), mapped onto the store's batch grant and
//! revoke; and 4.x's access entries ([`ShareAccess`]) in the admin share listing
//! ([`AdminShares`]) and the share access listing ([`ShareAccesses`]).
//!
//! # Mapping
//!
//! | LiquidFiles | model |
//! | --- | --- |
//! | `"user": id` / `"group": id` | [`Recipient::User`] / [`Recipient::Group`] |
//! | `write: false` (the default) / `true` | viewer / editor |
//! | `view_log: true` (default false) | [`GrantItem::view_log`] |
//! | `result` `success` / `error`, `message` | [`BatchOutcome`] created / updated / error |
//! | 4.x `type` user / group (any case) with `user_id` / `group_id` (4.1+) or `id` (4.0) | [`Recipient::User`] / [`Recipient::Group`] |
//! | 4.x `access` `read` / `write` (4.1+), or `read_only` / `write` (4.0) | viewer / editor |
//!
//! What the 4.x forms hold and the model does not: a share's `name`, `revisions`, `quota`,
//! `empty_trash`, `public`, `public_discoverable` and dates, kept in [`AdminShare::extra`].
//! A share marked `public` is not turned into a public recipient: the document does not
//! say what a public share lets an outsider do. Nor is the single-share view
//! (`{"share": {...}}`) a form of its own: read its inner object as an [`AdminShare`].
//!
//! # What this vendor cannot express
//!
//! An access entry is a user or group at a level: the forms map the store's
//! [`GrantItem`]s, which hold no expiry, message, re-share rights, scheduled start
//! (`starts`), pending invitation, link, link password or use limit (SEMANTICS.md sections
//! 8 and 9). LiquidFiles shares have no link recipients. Levels other than viewer and editor
//! (with or without `view_log`) are refused as inexpressible (`access`); a share holding a
//! start, pending, a password or a use limit has no grant item to become (the CLI's
//! `convert` leaves such a share out rather than write it without them).
//!
//! Decisions where the document is silent:
//!
//! - An entry naming both `user` and `group`, or neither, is refused.
//! - Written back, `write` is always present and `view_log` only when true (the document's
//!   own example omits it when false).
//! - A success message is `Created User`, `Updated User`, `Created Group` or `Updated Group`
//!   (the document shows `Updated Group` and `Updated User`), and for `remove_access`
//!   `Removed User` or `Removed Group` (the document shows no response for it: ours follows
//!   `add_access`'s form); an error result carries the store's message and no `write` /
//!   `view_log`.
//! - A success's `write` is whether the resulting share holds `edit`, its `view_log` whether
//!   it holds `view_log`.
//!
//! ```
//! use shareguard::interop::liquidfiles::AddAccess;
//! use shareguard::{AccessLevel, Recipient};
//!
//! let request = AddAccess::from_json_str(r#"{"accesses":[{"group":"admins", "write":true, "view_log":true}]}"#)?;
//! let items = request.to_grant_items()?;
//! assert_eq!(items[0].recipient, Recipient::Group { id: "admins".parse()? });
//! assert_eq!(items[0].access, AccessLevel::Editor);
//! assert!(items[0].view_log);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use serde::{Deserialize, Serialize};

use super::{Extra, InteropError, json_form};
use crate::model::{AccessLevel, GroupId, Permissions, PrincipalId, Recipient};
use crate::store::{BatchOutcome, GrantItem};

const VENDOR: &str = "liquidfiles";

/// Who an entry is about: `"user": id` or `"group": id`.
///
/// ```
/// use shareguard::interop::liquidfiles::{RemoveAccess, Subject};
///
/// let request = RemoveAccess::from_json_str(r#"{"user":"user-company-com"}"#)?;
/// assert_eq!(request.subject, Subject::User("user-company-com".to_owned()));
/// // An entry names a user or a group: not both, and not neither.
/// let err = RemoveAccess::from_json_str(r#"{"user":"u1", "group":"g1"}"#).unwrap_err();
/// assert_eq!(err.field(), "user/group");
/// assert!(RemoveAccess::from_json_str("{}").is_err());
/// # Ok::<(), shareguard::interop::InteropError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Subject {
    /// A user's id.
    User(String),
    /// A group's id.
    Group(String),
}

#[derive(Serialize, Deserialize)]
struct SubjectWire {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    user: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    group: Option<String>,
}

impl TryFrom<SubjectWire> for Subject {
    type Error = String;
    fn try_from(w: SubjectWire) -> Result<Self, String> {
        match (w.user, w.group) {
            (Some(u), None) => Ok(Subject::User(u)),
            (None, Some(g)) => Ok(Subject::Group(g)),
            (Some(_), Some(_)) => Err("user/group: name a `user` or a `group`, not both".into()),
            (None, None) => Err("user/group: missing: name a `user` or a `group`".into()),
        }
    }
}

impl From<Subject> for SubjectWire {
    fn from(s: Subject) -> Self {
        match s {
            Subject::User(u) => SubjectWire { user: Some(u), group: None },
            Subject::Group(g) => SubjectWire { user: None, group: Some(g) },
        }
    }
}

impl Serialize for Subject {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        SubjectWire::from(self.clone()).serialize(s)
    }
}

impl<'de> Deserialize<'de> for Subject {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Subject::try_from(SubjectWire::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

impl Subject {
    /// The model recipient: a user or a group. `field` is the path of the entry, ending in
    /// `.` (`"accesses[1]."`), or empty: an error names `{field}user` or `{field}group`.
    ///
    /// ```
    /// use shareguard::interop::liquidfiles::Subject;
    /// use shareguard::Recipient;
    ///
    /// let group = Subject::Group("admins".to_owned());
    /// assert_eq!(group.to_recipient("")?, Recipient::Group { id: "admins".parse()? });
    /// // `field` is the path an error names the field under.
    /// let err = Subject::User(String::new()).to_recipient("accesses[1].").unwrap_err();
    /// assert_eq!(err.field(), "accesses[1].user");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn to_recipient(&self, field: &str) -> Result<Recipient, InteropError> {
        Ok(match self {
            Subject::User(id) => Recipient::User {
                id: PrincipalId::new(id.clone())
                    .map_err(InteropError::model(VENDOR, format!("{field}user")))?,
            },
            Subject::Group(id) => Recipient::Group {
                id: GroupId::new(id.clone())
                    .map_err(InteropError::model(VENDOR, format!("{field}group")))?,
            },
        })
    }

    /// The subject of a model recipient, if LiquidFiles can name it.
    ///
    /// ```
    /// use shareguard::interop::{liquidfiles::Subject, InteropError};
    /// use shareguard::Recipient;
    ///
    /// let user = Recipient::User { id: "johan-allard-nu".parse()? };
    /// assert_eq!(Subject::from_recipient(&user)?, Subject::User("johan-allard-nu".to_owned()));
    /// let err = Subject::from_recipient(&Recipient::Public).unwrap_err();
    /// assert!(matches!(&err, InteropError::Inexpressible { field, .. } if field == "recipient"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_recipient(recipient: &Recipient) -> Result<Self, InteropError> {
        match recipient {
            Recipient::User { id } => Ok(Subject::User(id.as_str().to_owned())),
            Recipient::Group { id } => Ok(Subject::Group(id.as_str().to_owned())),
            other => Err(InteropError::inexpressible(
                VENDOR,
                "recipient",
                format!("a {} recipient (LiquidFiles names a user or a group)", other.share_type()),
            )),
        }
    }

    fn noun(&self) -> &'static str {
        match self {
            Subject::User(_) => "User",
            Subject::Group(_) => "Group",
        }
    }
}

/// One entry of an `add_access` request.
///
/// ```
/// use shareguard::interop::liquidfiles::AccessRequest;
/// use shareguard::{AccessLevel, Recipient};
/// use shareguard::store::GrantItem;
///
/// let item = GrantItem { recipient: Recipient::User { id: "user-company-com".parse()? },
///     access: AccessLevel::Viewer, view_log: false };
/// // Written, `write` is always present and `view_log` only when true.
/// let entry = AccessRequest::try_from(&item)?;
/// assert_eq!(serde_json::to_string(&entry)?, r#"{"user":"user-company-com","write":false}"#);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessRequest {
    /// The user or group.
    #[serde(flatten)]
    pub subject: Subject,
    /// Write access (default false: read-only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub write: Option<bool>,
    /// May view the share log (default false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub view_log: Option<bool>,
    /// Fields this form does not know, kept as read and written back (see
    /// [Fields a form does not know](crate::interop#fields-a-form-does-not-know)).
    #[serde(flatten)]
    pub extra: super::Extra,
}

/// The `add_access` request: `{"accesses": [...]}`.
///
/// ```
/// use shareguard::interop::liquidfiles::AddAccess;
///
/// let request = AddAccess::from_json_str(r#"{"accesses":[{"group":"admins", "write":true, "view_log":true},{"user":"user-company-com", "write":false}]}"#)?;
/// let items = request.to_grant_items()?;
/// assert_eq!(items.len(), 2);
/// assert_eq!(AddAccess::from_grant_items(&items)?, request);
/// # Ok::<(), shareguard::interop::InteropError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddAccess {
    /// The entries, applied in order.
    pub accesses: Vec<AccessRequest>,
    /// Fields this form does not know, kept as read and written back (see
    /// [Fields a form does not know](crate::interop#fields-a-form-does-not-know)).
    #[serde(flatten)]
    pub extra: super::Extra,
}

json_form!(
    AddAccess,
    VENDOR,
    r#"{"accesses":[{"group":"admins", "write":true, "view_log":true},{"user":"user-company-com", "write":false}]}"#
);

impl AccessRequest {
    /// The batch item: viewer or editor, with `view_log`. `field` is the entry's path ending
    /// in `.`, as for [`Subject::to_recipient`]: an error names the field under it.
    ///
    /// ```
    /// use shareguard::interop::liquidfiles::AccessRequest;
    /// use shareguard::{AccessLevel, Recipient};
    /// use shareguard::store::GrantItem;
    ///
    /// // Without `write`, read-only.
    /// let entry: AccessRequest = serde_json::from_str(r#"{"user":"user-company-com"}"#)?;
    /// let item = GrantItem { recipient: Recipient::User { id: "user-company-com".parse()? },
    ///     access: AccessLevel::Viewer, view_log: false };
    /// assert_eq!(entry.to_grant_item("accesses[0].")?, item);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn to_grant_item(&self, field: &str) -> Result<GrantItem, InteropError> {
        Ok(GrantItem {
            recipient: self.subject.to_recipient(field)?,
            access: if self.write.unwrap_or(false) {
                AccessLevel::Editor
            } else {
                AccessLevel::Viewer
            },
            view_log: self.view_log.unwrap_or(false),
        })
    }
}

impl TryFrom<&GrantItem> for AccessRequest {
    type Error = InteropError;
    /// The entry of a batch item: only users and groups, at viewer or editor.
    fn try_from(item: &GrantItem) -> Result<Self, Self::Error> {
        let write = match item.access {
            AccessLevel::Viewer => false,
            AccessLevel::Editor => true,
            other => {
                return Err(InteropError::inexpressible(
                    VENDOR,
                    "access",
                    format!("the level `{other}` (LiquidFiles has read-only and write)"),
                ));
            }
        };
        Ok(AccessRequest {
            subject: Subject::from_recipient(&item.recipient)?,
            write: Some(write),
            view_log: item.view_log.then_some(true),
            extra: Extra::new(),
        })
    }
}

impl AddAccess {
    /// The batch items, in order, for [`ShareStore::grant_batch`](crate::ShareStore::grant_batch).
    ///
    /// ```
    /// use shareguard::interop::liquidfiles::AddAccess;
    /// use shareguard::AccessLevel;
    ///
    /// let request = AddAccess::from_json_str(r#"{"accesses":[{"group":"admins", "write":true, "view_log":true},{"user":"user-company-com", "write":false}]}"#)?;
    /// let items = request.to_grant_items()?;
    /// assert_eq!((items[1].access, items[1].view_log), (AccessLevel::Viewer, false));
    /// // A fault names its entry.
    /// let err = AddAccess::from_json_str(r#"{"accesses":[{"group":"admins"},{"user":""}]}"#)?.to_grant_items().unwrap_err();
    /// assert_eq!(err.field(), "accesses[1].user");
    /// # Ok::<(), shareguard::interop::InteropError>(())
    /// ```
    pub fn to_grant_items(&self) -> Result<Vec<GrantItem>, InteropError> {
        self.accesses
            .iter()
            .enumerate()
            .map(|(i, a)| a.to_grant_item(&format!("accesses[{i}].")))
            .collect()
    }

    /// The request for batch items, or why one cannot be written.
    ///
    /// ```
    /// use shareguard::interop::liquidfiles::AddAccess;
    /// use shareguard::{AccessLevel, Recipient};
    /// use shareguard::store::GrantItem;
    ///
    /// let mut item = GrantItem { recipient: Recipient::Group { id: "admins".parse()? },
    ///     access: AccessLevel::Editor, view_log: true };
    /// let request = AddAccess::from_grant_items(std::slice::from_ref(&item))?;
    /// assert_eq!(request.to_json_string(), r#"{"accesses":[{"group":"admins","write":true,"view_log":true}]}"#);
    /// // LiquidFiles has read-only and write: no other level.
    /// item.access = AccessLevel::Commenter;
    /// assert_eq!(AddAccess::from_grant_items(&[item]).unwrap_err().field(), "access");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_grant_items(items: &[GrantItem]) -> Result<Self, InteropError> {
        Ok(AddAccess {
            accesses: items.iter().map(AccessRequest::try_from).collect::<Result<_, _>>()?,
            extra: Extra::new(),
        })
    }
}

/// Whether an entry succeeded.
///
/// ```
/// use shareguard::interop::liquidfiles::ResultKind;
///
/// assert_eq!(serde_json::from_str::<ResultKind>(r#""success""#)?, ResultKind::Success);
/// assert_eq!(serde_json::to_value(ResultKind::Error)?, "error");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ResultKind {
    /// It did.
    Success,
    /// It failed and changed nothing.
    Error,
}

/// One entry of the `add_access` response.
///
/// ```
/// use shareguard::interop::liquidfiles::{AccessResult, ResultKind, Subject};
///
/// let result: AccessResult = serde_json::from_str(
///     r#"{"user":"johan-allard-nu", "result":"success", "message":"Updated User", "write":false, "view_log":true}"#,
/// )?;
/// assert_eq!(result.subject, Subject::User("johan-allard-nu".to_owned()));
/// assert_eq!((result.result, result.message.as_str()), (ResultKind::Success, "Updated User"));
/// assert_eq!((result.write, result.view_log), (Some(false), Some(true)));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessResult {
    /// The user or group of the request entry.
    #[serde(flatten)]
    pub subject: Subject,
    /// `success` or `error`.
    pub result: ResultKind,
    /// `Created User`, `Updated Group`, … or the error.
    pub message: String,
    /// The resulting write access, on success.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub write: Option<bool>,
    /// The resulting view_log right, on success.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub view_log: Option<bool>,
    /// Fields this form does not know, kept as read and written back (see
    /// [Fields a form does not know](crate::interop#fields-a-form-does-not-know)).
    #[serde(flatten)]
    pub extra: super::Extra,
}

/// The `add_access` response: one result per request entry, in order.
///
/// ```
/// use chrono::Utc;
/// use shareguard::interop::liquidfiles::{AddAccess, AddAccessResponse};
/// use shareguard::{MemoryStore, ShareStore};
///
/// let request = AddAccess::from_json_str(r#"{"accesses":[{"group":"admins", "write":true, "view_log":true},{"user":"user-company-com", "write":false}]}"#)?;
/// let (store, folder, alice) = (MemoryStore::new(), "folder:f1".parse()?, "alice".parse()?);
/// let items = request.to_grant_items()?;
/// let grant = || pollster::block_on(store.grant_batch(&folder, &alice, &items, &alice, Utc::now()));
/// let first = AddAccessResponse::from_outcomes(&request, &grant()?);
/// assert_eq!(first.0[0].message, "Created Group");
/// // The same request again updates the shares it made.
/// let again = AddAccessResponse::from_outcomes(&request, &grant()?);
/// assert_eq!(again.to_json_string(), r#"[{"group":"admins","result":"success","message":"Updated Group","write":true,"view_log":true},{"user":"user-company-com","result":"success","message":"Updated User","write":false,"view_log":false}]"#);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AddAccessResponse(pub Vec<AccessResult>);

json_form!(
    AddAccessResponse,
    VENDOR,
    r#"[{"group":"admins", "result":"success", "message":"Updated Group", "write":true, "view_log":true}]"#
);

impl AccessResult {
    /// The result of one batch outcome for the entry about `subject`.
    ///
    /// ```
    /// use chrono::Utc;
    /// use shareguard::interop::liquidfiles::{AccessResult, ResultKind, Subject};
    /// use shareguard::{AccessLevel, Recipient, Share};
    /// use shareguard::store::BatchOutcome;
    ///
    /// let share = Share::new("s1".parse()?, "folder:f1".parse()?, "alice".parse()?,
    ///     Recipient::User { id: "u1".parse()? }, AccessLevel::Editor, Utc::now());
    /// let result = AccessResult::from_outcome(Subject::User("u1".to_owned()), &BatchOutcome::Created { share, revision: shareguard::model::Revision::new(1) });
    /// assert_eq!(result.message, "Created User");
    /// assert_eq!((result.write, result.view_log), (Some(true), Some(false)));
    /// // An error carries the store's message, and no `write` or `view_log`.
    /// let failed = AccessResult::from_outcome(Subject::User("u1".to_owned()), &BatchOutcome::Error { message: "no".to_owned() });
    /// assert_eq!((failed.result, failed.write), (ResultKind::Error, None));
    /// # Ok::<(), shareguard::ModelError>(())
    /// ```
    #[must_use]
    pub fn from_outcome(subject: Subject, outcome: &BatchOutcome) -> Self {
        let success = |verb: &str, share: &crate::model::Share| {
            let set: Permissions = share.permissions();
            AccessResult {
                message: format!("{verb} {}", subject.noun()),
                subject: subject.clone(),
                result: ResultKind::Success,
                write: Some(set.contains(Permissions::EDIT)),
                view_log: Some(set.contains(Permissions::VIEW_LOG)),
                extra: Extra::new(),
            }
        };
        match outcome {
            BatchOutcome::Created { share, .. } => success("Created", share),
            BatchOutcome::Updated { share, .. } => success("Updated", share),
            // remove_access answers with no body; a removal is reported as a plain success.
            BatchOutcome::Removed { .. } => AccessResult {
                message: format!("Removed {}", subject.noun()),
                subject: subject.clone(),
                result: ResultKind::Success,
                write: None,
                view_log: None,
                extra: Extra::new(),
            },
            BatchOutcome::Denied { decision } => AccessResult {
                subject,
                result: ResultKind::Error,
                message: format!("denied: {decision}"),
                write: None,
                view_log: None,
                extra: Extra::new(),
            },
            BatchOutcome::Error { message } => AccessResult {
                subject,
                result: ResultKind::Error,
                message: message.clone(),
                write: None,
                view_log: None,
                extra: Extra::new(),
            },
        }
    }

    /// What a success result says the recipient now holds, as a batch item (viewer or
    /// editor, with `view_log`); `None` for an error result.
    ///
    /// ```
    /// use shareguard::interop::liquidfiles::AddAccessResponse;
    /// use shareguard::{AccessLevel, Recipient};
    /// use shareguard::store::GrantItem;
    ///
    /// let response = AddAccessResponse::from_json_str(r#"[{"user":"johan-allard-nu", "result":"success",
    ///   "message":"Updated User", "write":false, "view_log":true}, {"group":"g1", "result":"error", "message":"No such group"}]"#)?;
    /// let item = GrantItem { recipient: Recipient::User { id: "johan-allard-nu".parse()? },
    ///     access: AccessLevel::Viewer, view_log: true };
    /// assert_eq!(response.0[0].to_grant_item()?, Some(item));
    /// assert_eq!(response.0[1].to_grant_item()?, None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn to_grant_item(&self) -> Result<Option<GrantItem>, InteropError> {
        if self.result == ResultKind::Error {
            return Ok(None);
        }
        Ok(Some(GrantItem {
            recipient: self.subject.to_recipient("")?,
            access: if self.write.unwrap_or(false) {
                AccessLevel::Editor
            } else {
                AccessLevel::Viewer
            },
            view_log: self.view_log.unwrap_or(false),
        }))
    }
}

impl AddAccessResponse {
    /// The response to a request, from the store's outcomes (one per entry, in order).
    /// Entries without an outcome (a store that answered fewer) are reported as errors.
    ///
    /// ```
    /// use shareguard::interop::liquidfiles::{AddAccess, AddAccessResponse, ResultKind};
    ///
    /// let request = AddAccess::from_json_str(r#"{"accesses":[{"group":"admins", "write":true, "view_log":true},{"user":"user-company-com", "write":false}]}"#)?;
    /// let response = AddAccessResponse::from_outcomes(&request, &[]);
    /// assert_eq!(response.0.len(), 2);
    /// assert!(response.0.iter().all(|r| r.result == ResultKind::Error && r.message == "No result"));
    /// # Ok::<(), shareguard::interop::InteropError>(())
    /// ```
    #[must_use]
    pub fn from_outcomes(request: &AddAccess, outcomes: &[BatchOutcome]) -> Self {
        AddAccessResponse(
            request
                .accesses
                .iter()
                .enumerate()
                .map(|(i, entry)| match outcomes.get(i) {
                    Some(outcome) => AccessResult::from_outcome(entry.subject.clone(), outcome),
                    None => AccessResult::from_outcome(
                        entry.subject.clone(),
                        &BatchOutcome::Error { message: "No result".into() },
                    ),
                })
                .collect(),
        )
    }
}

/// The `remove_access` request: `{"user": id}` or `{"group": id}`.
///
/// ```
/// use shareguard::interop::liquidfiles::RemoveAccess;
/// use shareguard::Recipient;
///
/// let request = RemoveAccess::from_json_str(r#"{"user":"user-company-com"}"#)?;
/// assert_eq!(Recipient::try_from(&request)?, Recipient::User { id: "user-company-com".parse()? });
/// // Only a user or a group can be named.
/// assert!(RemoveAccess::try_from(&Recipient::Organization).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoveAccess {
    /// The user or group to remove.
    #[serde(flatten)]
    pub subject: Subject,
    /// Fields this form does not know, kept as read and written back (see
    /// [Fields a form does not know](crate::interop#fields-a-form-does-not-know)).
    #[serde(flatten)]
    pub extra: Extra,
}

json_form!(RemoveAccess, VENDOR, r#"{"user":"user-company-com"}"#);

impl TryFrom<&RemoveAccess> for Recipient {
    type Error = InteropError;
    /// The recipient whose access to remove ([`ShareStore::revoke_batch`](crate::ShareStore::revoke_batch)).
    fn try_from(r: &RemoveAccess) -> Result<Self, Self::Error> {
        r.subject.to_recipient("")
    }
}

impl TryFrom<&Recipient> for RemoveAccess {
    type Error = InteropError;
    /// The request removing a user's or group's access.
    fn try_from(r: &Recipient) -> Result<Self, Self::Error> {
        Ok(RemoveAccess { subject: Subject::from_recipient(r)?, extra: Extra::new() })
    }
}

/// One access entry of LiquidFiles 4.x: an element of `accesses` in the admin share
/// listing (`GET /admin/shares`) and the share access listing
/// (`GET /admin/shares/:share_id/accesses`), and the body of
/// `POST /admin/shares/:share_id/accesses/users` (or `/groups`). Two documented forms are
/// read, and each writes back as read:
///
/// - 4.1 and later: `{"type": "user", "user_id": "…", "access": "read", "view_log": true}`
///   (`group_id` for a group; `access` is `read` or `write`);
/// - 4.0: `{"id": "…", "type": "User", "read_only": true, "write": false, "view_log": true}`.
///
/// The create request names the recipient `id` and leaves `type` to its URL: set `kind`
/// before converting it. Without `access`, `write` or `read_only` the entry is read-only
/// (the document: "if not specified, it will default to false").
///
/// ```
/// use shareguard::interop::liquidfiles::ShareAccess;
/// use shareguard::{AccessLevel, Recipient};
///
/// let v41: ShareAccess = serde_json::from_str(r#"{"type":"group","group_id":"sysadmins","access":"write","view_log":true}"#)?;
/// let v40: ShareAccess = serde_json::from_str(r#"{"id":"sysadmins","type":"Group","read_only":false,"write":true,"view_log":true}"#)?;
/// assert_eq!(v41.to_grant_item("")?, v40.to_grant_item("")?);
/// assert_eq!(v41.to_grant_item("")?.access, AccessLevel::Editor);
/// // A fault names the field under the entry's path.
/// let bad: ShareAccess = serde_json::from_str(r#"{"type":"user","user_id":"u","access":"own"}"#)?;
/// assert_eq!(bad.to_grant_item("accesses[2].").unwrap_err().field(), "accesses[2].access");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareAccess {
    /// `user` or `group` (4.1 and later), `User` or `Group` (4.0); read in any case.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The user's or group's id (4.0, and the create request).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The user's id (4.1 and later).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// The group's id (4.1 and later).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_id: Option<String>,
    /// `read` or `write` (4.1 and later).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access: Option<String>,
    /// Read-only access (4.0; the opposite of `write`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_only: Option<bool>,
    /// Write access (4.0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub write: Option<bool>,
    /// May view the share log.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub view_log: Option<bool>,
    /// Fields this form does not know, kept as read and written back (see
    /// [Fields a form does not know](crate::interop#fields-a-form-does-not-know)).
    #[serde(flatten)]
    pub extra: Extra,
}

impl ShareAccess {
    /// The batch item: a user or group, viewer or editor, with `view_log`. `field` is the
    /// entry's path ending in `.` (`"shares[0].accesses[1]."`), or empty: an error names
    /// the field under it (`type`, `user_id`, `group_id`, `id`, `access`, `read_only`).
    ///
    /// ```
    /// use shareguard::interop::liquidfiles::ShareAccess;
    /// use shareguard::Recipient;
    ///
    /// let entry: ShareAccess = serde_json::from_str(r#"{"type":"user","user_id":"user-mycompany-com","access":"read","view_log":true}"#)?;
    /// assert_eq!(entry.to_grant_item("")?.recipient, Recipient::User { id: "user-mycompany-com".parse()? });
    /// // 4.0's two flags must not contradict each other.
    /// let both: ShareAccess = serde_json::from_str(r#"{"id":"u","type":"User","read_only":true,"write":true}"#)?;
    /// assert_eq!(both.to_grant_item("").unwrap_err().field(), "read_only");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn to_grant_item(&self, field: &str) -> Result<GrantItem, InteropError> {
        let missing = |name: &str, reason| InteropError::Missing {
            vendor: VENDOR,
            field: format!("{field}{name}"),
            reason,
        };
        let kind = self.kind.as_deref().ok_or_else(|| {
            missing(
                "type",
                "an access entry is a `user` or a `group` (for a create request, its URL's)",
            )
        })?;
        let group = if kind.eq_ignore_ascii_case("group") {
            true
        } else if kind.eq_ignore_ascii_case("user") {
            false
        } else {
            return Err(InteropError::invalid(
                VENDOR,
                format!("{field}type"),
                kind,
                "expected `user` or `group`",
            ));
        };
        let (own, other, own_name, other_name) = if group {
            (&self.group_id, &self.user_id, "group_id", "user_id")
        } else {
            (&self.user_id, &self.group_id, "user_id", "group_id")
        };
        if let Some(other) = other {
            return Err(InteropError::invalid(
                VENDOR,
                format!("{field}{other_name}"),
                other,
                format!("a {kind} entry is named by `{own_name}`"),
            ));
        }
        let id = match (own, &self.id) {
            (Some(a), Some(b)) if a != b => {
                return Err(InteropError::invalid(
                    VENDOR,
                    format!("{field}id"),
                    b,
                    format!("differs from `{own_name}` `{a}`"),
                ));
            }
            (Some(a), _) | (None, Some(a)) => a,
            (None, None) => {
                return Err(missing(own_name, "an access entry names its user or group"));
            }
        };
        let write = self.writes(field)?;
        let subject = if group { Subject::Group(id.clone()) } else { Subject::User(id.clone()) };
        let name = if self.id.is_some() && own.is_none() { "id" } else { own_name };
        let recipient = match subject.to_recipient("") {
            Ok(r) => r,
            Err(InteropError::Model { source, .. }) => {
                return Err(InteropError::Model {
                    vendor: VENDOR,
                    field: format!("{field}{name}"),
                    source,
                });
            }
            Err(other) => return Err(other),
        };
        Ok(GrantItem {
            recipient,
            access: if write { AccessLevel::Editor } else { AccessLevel::Viewer },
            view_log: self.view_log.unwrap_or(false),
        })
    }

    fn writes(&self, field: &str) -> Result<bool, InteropError> {
        let access = match self.access.as_deref() {
            None => None,
            Some(a) if a.eq_ignore_ascii_case("write") => Some(true),
            Some(a) if a.eq_ignore_ascii_case("read") => Some(false),
            Some(a) => {
                return Err(InteropError::invalid(
                    VENDOR,
                    format!("{field}access"),
                    a,
                    "expected `read` or `write`",
                ));
            }
        };
        if let (Some(write), Some(read_only)) = (self.write, self.read_only) {
            if write == read_only {
                return Err(InteropError::invalid(
                    VENDOR,
                    format!("{field}read_only"),
                    read_only,
                    format!(
                        "contradicts `write` {write}: read-only and write are mutually exclusive"
                    ),
                ));
            }
        }
        let flags = self.write.or(self.read_only.map(|r| !r));
        match (access, flags) {
            (Some(a), Some(f)) if a != f => Err(InteropError::invalid(
                VENDOR,
                format!("{field}access"),
                self.access.as_deref().unwrap_or_default(),
                format!(
                    "contradicts `write` / `read_only` ({})",
                    if f { "write" } else { "read-only" }
                ),
            )),
            (Some(w), _) | (None, Some(w)) => Ok(w),
            (None, None) => Ok(false),
        }
    }
}

impl TryFrom<&GrantItem> for ShareAccess {
    type Error = InteropError;
    /// The 4.1 form of a batch item: only users and groups, at viewer or editor.
    fn try_from(item: &GrantItem) -> Result<Self, Self::Error> {
        let request = AccessRequest::try_from(item)?;
        let (kind, user_id, group_id) = match request.subject {
            Subject::User(id) => ("user", Some(id), None),
            Subject::Group(id) => ("group", None, Some(id)),
        };
        Ok(ShareAccess {
            kind: Some(kind.to_owned()),
            id: None,
            user_id,
            group_id,
            access: Some(if request.write == Some(true) { "write" } else { "read" }.to_owned()),
            read_only: None,
            write: None,
            view_log: Some(item.view_log),
            extra: Extra::new(),
        })
    }
}

fn items_of(accesses: &[ShareAccess], field: &str) -> Result<Vec<GrantItem>, InteropError> {
    accesses
        .iter()
        .enumerate()
        .map(|(i, a)| a.to_grant_item(&format!("{field}accesses[{i}].")))
        .collect()
}

/// The share access listing of 4.1 and later: `{"accesses": [...]}`
/// (`GET /admin/shares/:share_id/accesses`; the document prints it as the example body).
///
/// ```
/// use shareguard::interop::liquidfiles::ShareAccesses;
/// use shareguard::AccessLevel;
///
/// let list = ShareAccesses::from_json_str(r#"{"accesses":[{"type":"group","group_id":"admins","access":"write","view_log":true}]}"#)?;
/// let items = list.to_grant_items()?;
/// assert_eq!(items[0].access, AccessLevel::Editor);
/// assert_eq!(ShareAccesses::from_grant_items(&items)?, list);
/// # Ok::<(), shareguard::interop::InteropError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareAccesses {
    /// The entries.
    pub accesses: Vec<ShareAccess>,
    /// Fields this form does not know, kept as read and written back (see
    /// [Fields a form does not know](crate::interop#fields-a-form-does-not-know)).
    #[serde(flatten)]
    pub extra: Extra,
}

json_form!(
    ShareAccesses,
    VENDOR,
    r#"{"accesses":[{"type":"group","group_id":"admins","access":"write","view_log":true},{"type":"user","user_id":"user-company-com","access":"read","view_log":true}]}"#
);

impl ShareAccesses {
    /// The batch items, in order; a fault names its entry (`accesses[1].user_id`).
    ///
    /// ```
    /// use shareguard::interop::liquidfiles::ShareAccesses;
    ///
    /// let list = ShareAccesses::from_json_str(r#"{"accesses":[{"type":"group","group_id":"g"},{"type":"user"}]}"#)?;
    /// assert_eq!(list.to_grant_items().unwrap_err().field(), "accesses[1].user_id");
    /// # Ok::<(), shareguard::interop::InteropError>(())
    /// ```
    pub fn to_grant_items(&self) -> Result<Vec<GrantItem>, InteropError> {
        items_of(&self.accesses, "")
    }

    /// The listing of batch items, in the 4.1 form, or why one cannot be written.
    ///
    /// ```
    /// use shareguard::interop::liquidfiles::ShareAccesses;
    /// use shareguard::{AccessLevel, Recipient};
    /// use shareguard::store::GrantItem;
    ///
    /// let item = GrantItem { recipient: Recipient::Public, access: AccessLevel::Viewer, view_log: false };
    /// assert_eq!(ShareAccesses::from_grant_items(&[item]).unwrap_err().field(), "recipient");
    /// ```
    pub fn from_grant_items(items: &[GrantItem]) -> Result<Self, InteropError> {
        Ok(ShareAccesses {
            accesses: items.iter().map(ShareAccess::try_from).collect::<Result<_, _>>()?,
            extra: Extra::new(),
        })
    }
}

/// One share of the 4.x admin share listing: its `id` and `accesses`; the rest (`name`,
/// `quota`, `created_at`, …) is not the model's and is kept in `extra`.
///
/// ```
/// use shareguard::interop::liquidfiles::AdminShare;
///
/// let share: AdminShare = serde_json::from_str(r#"{"id":"alpha","name":"Project Alpha","accesses":[]}"#)?;
/// assert_eq!((share.id.as_str(), &share.extra["name"]), ("alpha", &serde_json::json!("Project Alpha")));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminShare {
    /// The share's id.
    pub id: String,
    /// Who has access to it.
    #[serde(default)]
    pub accesses: Vec<ShareAccess>,
    /// Fields this form does not know (`name`, `revisions`, `quota`, `created_at`, …), kept
    /// as read and written back (see
    /// [Fields a form does not know](crate::interop#fields-a-form-does-not-know)).
    #[serde(flatten)]
    pub extra: Extra,
}

/// The 4.x admin share listing: `{"shares": [...]}` (`GET /admin/shares`), in either
/// access entry form ([`ShareAccess`]).
///
/// ```
/// use shareguard::interop::liquidfiles::AdminShares;
///
/// let list = AdminShares::from_json_str(r#"{"shares":[{"id":"alpha","accesses":[{"type":"user","user_id":"u1","access":"read","view_log":true}]}]}"#)?;
/// let shares = list.to_grant_items()?;
/// assert_eq!((shares[0].0.as_str(), shares[0].1.len()), ("alpha", 1));
/// // A fault names its share and entry.
/// let bad = AdminShares::from_json_str(r#"{"shares":[{"id":"alpha","accesses":[{"type":"robot","id":"r"}]}]}"#)?;
/// assert_eq!(bad.to_grant_items().unwrap_err().field(), "shares[0].accesses[0].type");
/// # Ok::<(), shareguard::interop::InteropError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminShares {
    /// The shares.
    pub shares: Vec<AdminShare>,
    /// Fields this form does not know, kept as read and written back (see
    /// [Fields a form does not know](crate::interop#fields-a-form-does-not-know)).
    #[serde(flatten)]
    pub extra: Extra,
}

json_form!(
    AdminShares,
    VENDOR,
    r#"{"shares":[{"id":"alpha","name":"Project Alpha","accesses":[{"id":"sysadmins","type":"Group","read_only":false,"write":true,"view_log":true}]}]}"#
);

impl AdminShares {
    /// Each share's id with its accesses as batch items, in order.
    ///
    /// ```
    /// use shareguard::interop::liquidfiles::AdminShares;
    /// use shareguard::AccessLevel;
    ///
    /// let list = AdminShares::from_json_str(r#"{"shares":[{"id":"alpha","accesses":[{"id":"u1","type":"User","read_only":true,"write":false}]}]}"#)?;
    /// assert_eq!(list.to_grant_items()?[0].1[0].access, AccessLevel::Viewer);
    /// # Ok::<(), shareguard::interop::InteropError>(())
    /// ```
    pub fn to_grant_items(&self) -> Result<Vec<(String, Vec<GrantItem>)>, InteropError> {
        self.shares
            .iter()
            .enumerate()
            .map(|(i, s)| Ok((s.id.clone(), items_of(&s.accesses, &format!("shares[{i}]."))?)))
            .collect()
    }
}
