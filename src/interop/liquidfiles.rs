//! LiquidFiles share access admin API: `add_access` and its per-item response, and
//! `remove_access` (seed `001_…`), mapped onto the store's batch grant and revoke.
//!
//! # Mapping
//!
//! | LiquidFiles | model |
//! | --- | --- |
//! | `"user": id` / `"group": id` | [`Recipient::User`] / [`Recipient::Group`] |
//! | `write: false` (the default) / `true` | viewer / editor |
//! | `view_log: true` (default false) | [`GrantItem::view_log`] |
//! | `result` `success` / `error`, `message` | [`BatchOutcome`] created / updated / error |
//!
//! Decisions where the document is silent:
//!
//! - An entry naming both `user` and `group`, or neither, is refused.
//! - Written back, `write` is always present and `view_log` only when true (the document's
//!   own example omits it when false).
//! - A success message is `Created User`, `Updated User`, `Created Group` or `Updated Group`
//!   (the document shows `Updated Group` and `Updated User`); an error result carries the
//!   store's message and no `write` / `view_log`.
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

use super::{InteropError, json_form};
use crate::{AccessLevel, BatchOutcome, GrantItem, GroupId, Permissions, PrincipalId, Recipient};

const VENDOR: &str = "liquidfiles";

/// Who an entry is about: `"user": id` or `"group": id`.
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
    /// The model recipient: a user or a group.
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
}

/// The `add_access` request: `{"accesses": [...]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddAccess {
    /// The entries, applied in order.
    pub accesses: Vec<AccessRequest>,
}

json_form!(
    AddAccess,
    VENDOR,
    r#"{"accesses":[{"group":"admins", "write":true, "view_log":true},{"user":"user-company-com", "write":false}]}"#
);

impl AccessRequest {
    /// The batch item: viewer or editor, with `view_log`.
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
        })
    }
}

impl AddAccess {
    /// The batch items, in order, for [`ShareStore::grant_batch`](crate::ShareStore::grant_batch).
    pub fn to_grant_items(&self) -> Result<Vec<GrantItem>, InteropError> {
        self.accesses
            .iter()
            .enumerate()
            .map(|(i, a)| a.to_grant_item(&format!("accesses[{i}].")))
            .collect()
    }

    /// The request for batch items, or why one cannot be written.
    pub fn from_grant_items(items: &[GrantItem]) -> Result<Self, InteropError> {
        Ok(AddAccess {
            accesses: items.iter().map(AccessRequest::try_from).collect::<Result<_, _>>()?,
        })
    }
}

/// Whether an entry succeeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ResultKind {
    /// It did.
    Success,
    /// It failed and changed nothing.
    Error,
}

/// One entry of the `add_access` response.
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
}

/// The `add_access` response: one result per request entry, in order.
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
    #[must_use]
    pub fn from_outcome(subject: Subject, outcome: &BatchOutcome) -> Self {
        let success = |verb: &str, share: &crate::Share| {
            let set: Permissions = share.permissions();
            AccessResult {
                message: format!("{verb} {}", subject.noun()),
                subject: subject.clone(),
                result: ResultKind::Success,
                write: Some(set.contains(Permissions::EDIT)),
                view_log: Some(set.contains(Permissions::VIEW_LOG)),
            }
        };
        match outcome {
            BatchOutcome::Created { share } => success("Created", share),
            BatchOutcome::Updated { share } => success("Updated", share),
            // remove_access answers with no body; a removal is reported as a plain success.
            BatchOutcome::Removed { .. } => AccessResult {
                message: format!("Removed {}", subject.noun()),
                subject: subject.clone(),
                result: ResultKind::Success,
                write: None,
                view_log: None,
            },
            BatchOutcome::Error { message } => AccessResult {
                subject,
                result: ResultKind::Error,
                message: message.clone(),
                write: None,
                view_log: None,
            },
        }
    }

    /// What a success result says the recipient now holds, as a batch item (viewer or
    /// editor, with `view_log`); `None` for an error result.
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RemoveAccess {
    /// The user or group to remove.
    pub subject: Subject,
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
        Ok(RemoveAccess { subject: Subject::from_recipient(r)? })
    }
}
