//! What the SQL adapters share: how a recipient is kept in a row.

use chrono::{DateTime, Utc};

use crate::model::{ModelError, Recipient, ResourceRef, Revision, ShareId, ShareLink};
use crate::policy::ShareList;

use super::{PathReader, PathShares, StoreError};

/// A recipient as a row keeps it: its JSON — but a retrievable link with its token, which no
/// serde output of the model carries, so that it reads back retrievable.
pub(crate) fn recipient_json(recipient: &Recipient) -> Result<String, StoreError> {
    let encoded = match recipient {
        Recipient::Link(link) => match link.token() {
            Some(token) => serde_json::to_string(&serde_json::json!({
                "type": "link",
                "token": token.reveal(),
                "audience": link.audience(),
            })),
            None => serde_json::to_string(recipient),
        },
        other => serde_json::to_string(other),
    };
    encoded
        .map_err(|e| StoreError::Backend(format!("store: cannot encode a share's recipient: {e}")))
}

/// An instant as (seconds, nanoseconds) since the epoch: exact for every `DateTime<Utc>`
/// (a leap second's nanoseconds run past 10⁹), and ordered as a row value.
pub(crate) fn instant(at: DateTime<Utc>) -> (i64, i64) {
    (at.timestamp(), i64::from(at.timestamp_subsec_nanos()))
}

pub(crate) fn from_instant(secs: i64, nanos: i64) -> Result<DateTime<Utc>, StoreError> {
    u32::try_from(nanos)
        .ok()
        .and_then(|nanos| DateTime::from_timestamp(secs, nanos))
        .ok_or_else(|| corrupt("instant", format!("{secs}.{nanos}")))
}

pub(crate) fn optional_instant(at: Option<DateTime<Utc>>) -> (Option<i64>, Option<i64>) {
    at.map(instant).map_or((None, None), |(s, n)| (Some(s), Some(n)))
}

pub(crate) fn from_optional_instant(
    secs: Option<i64>,
    nanos: Option<i64>,
) -> Result<Option<DateTime<Utc>>, StoreError> {
    match (secs, nanos) {
        (Some(s), Some(n)) => from_instant(s, n).map(Some),
        (None, None) => Ok(None),
        (s, n) => Err(corrupt("instant", format!("{s:?}.{n:?}"))),
    }
}

pub(crate) fn to_sql_u64(n: u64, what: &str) -> Result<i64, StoreError> {
    i64::try_from(n).map_err(|_| too_large(what))
}

pub(crate) fn from_sql_u64(n: i64, what: &str) -> Result<u64, StoreError> {
    u64::try_from(n).map_err(|e| corrupt(what, e))
}

/// A recipient's index key: its type and, for the kinds that have one, its id, its email in
/// ASCII lower case or its link's digest in hex.
pub(crate) fn recipient_key(recipient: &Recipient) -> (&'static str, String) {
    let key = match recipient {
        Recipient::User { id } => id.as_str().to_owned(),
        Recipient::Group { id } => id.as_str().to_owned(),
        Recipient::Role { id }
        | Recipient::RoleAndSubordinates { id }
        | Recipient::RoleAndInternalSubordinates { id } => id.as_str().to_owned(),
        Recipient::Email { email } => email.normalized(),
        Recipient::Link(link) => link.digest().to_hex(),
        Recipient::Organization
        | Recipient::PartnerUsers
        | Recipient::CustomerUsers
        | Recipient::Public => String::new(),
    };
    (recipient.share_type().name(), key)
}

/// The recipient an index key stands for, as far as matching goes (an email in lower case, a
/// link by its digest).
pub(crate) fn recipient_from_key(rtype: &str, rkey: &str) -> Result<Recipient, StoreError> {
    let bad = |e: ModelError| corrupt("recipient key", format!("{rtype} `{rkey}`: {e}"));
    Ok(match rtype {
        "user" => Recipient::User { id: rkey.parse().map_err(bad)? },
        "group" => Recipient::Group { id: rkey.parse().map_err(bad)? },
        "role" => Recipient::Role { id: rkey.parse().map_err(bad)? },
        "role_and_subordinates" => {
            Recipient::RoleAndSubordinates { id: rkey.parse().map_err(bad)? }
        }
        "role_and_internal_subordinates" => {
            Recipient::RoleAndInternalSubordinates { id: rkey.parse().map_err(bad)? }
        }
        "organization" => Recipient::Organization,
        "partner_users" => Recipient::PartnerUsers,
        "customer_users" => Recipient::CustomerUsers,
        "email" => Recipient::Email { email: rkey.parse().map_err(bad)? },
        "public" => Recipient::Public,
        "link" => Recipient::Link(ShareLink::from_digest(rkey.parse().map_err(bad)?)),
        other => return Err(corrupt("recipient type", other)),
    })
}

/// A stored value that does not read back.
fn corrupt(what: &str, detail: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(format!("store: unreadable {what} in the database: {detail}"))
}

/// A value the database cannot hold.
fn too_large(what: &str) -> StoreError {
    StoreError::Backend(format!("store: {what} too large for the database"))
}

/// Hands the shares read for a path to the port's reader, one view per resource.
pub(crate) fn hand_over(
    resources: &[ResourceRef],
    lists: &[(ShareList, Revision)],
    read: &mut PathReader<'_>,
) {
    let views: Vec<PathShares<'_>> = resources
        .iter()
        .zip(lists)
        .map(|(resource, (shares, revision))| PathShares { resource, shares, revision: *revision })
        .collect();
    read(&views);
}

/// A log entry's share as the SQL adapters keep it: its id, or the empty string (which no
/// share id can be) for an entry about the resource itself.
pub(crate) fn log_share(share: Option<&ShareId>) -> &str {
    share.map_or("", ShareId::as_str)
}

/// [`log_share`] read back.
pub(crate) fn parse_log_share(text: &str) -> Result<Option<ShareId>, ModelError> {
    if text.is_empty() { Ok(None) } else { text.parse().map(Some) }
}
