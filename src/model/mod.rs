//! The model: the vocabulary every other layer stands on — ids, principals, recipients,
//! access levels and permissions, shares and their changes, link tokens, the share log and
//! the organisation's settings. It knows nothing of policy or store.

mod access;
mod directory;
mod error;
mod event;
mod id;
mod link;
mod password;
mod permissions;
mod principal;
mod recipient;
mod settings;
mod share;
mod tag_index;
pub(crate) mod time;

pub use access::{AccessLevel, Level, ReshareRights};
pub use directory::Directory;
pub use error::ModelError;
pub use event::{LogEntry, LogEvent, Revision};
pub(crate) use id::{ANYONE, ById, Tagged, filter_index};
pub use id::{Email, GroupId, PrincipalId, ResourceKind, ResourceRef, RoleId, ShareId};
pub use link::{Audience, LinkDigest, LinkToken, ShareLink};
pub use password::{LinkPassword, LinkUnlock, Password};
pub use permissions::{Permission, Permissions};
pub use principal::{AdminRight, AdminRights, Principal, PrincipalBuilder, PrincipalKind};
pub use recipient::{Recipient, RecipientClass, ShareType};
pub use settings::{EmailDomains, RequireAcceptance, Settings};
pub use share::{FieldChange, NewShare, Share, SharePatch, ShareState, Usage};
pub(crate) use tag_index::TagIndex;
pub use time::{EARLIEST_TIME, LATEST_TIME, check_time};
