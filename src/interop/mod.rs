//! Vendor interop: the share JSON of each seed product, read and written, converted to and
//! from the model (feature `interop`).
//!
//! Each product has its own module of wire forms — plain serde structs shaped exactly like the
//! product's JSON — kept apart from the model, as cedar keeps its `est` JSON form apart from
//! its `ast`:
//!
//! | module | product | forms |
//! | --- | --- | --- |
//! | [`filr`] | Micro Focus Filr REST | the Share resource (admin and client API), the paged list, the list queries |
//! | [`liquidfiles`] | LiquidFiles | `add_access` request and response, `remove_access`; 4.x access entries, admin share and share access listings |
//! | [`onlyoffice`] | ONLYOFFICE DocSpace, Workspace | room share request, room members response; file and folder shares inside `response` |
//! | [`salesforce`] | Salesforce folder shares | the share, the PATCH input, the error body, the share recipients |
//! | [`iconik`] | iconik | a share as its Sharing panel shows it, the admin roles |
//!
//! Every form parses with `from_json_str` / `from_slice`, which never panic and report a
//! malformed document as an [`InteropError`] naming the JSON path, line and column. Turning a
//! form into the model is `TryFrom` (or a method taking what the form does not carry, such as
//! the resource a request is about); turning the model into a form is `TryFrom` too when the
//! product cannot express every share, and the error then says why
//! ([`InteropError::Inexpressible`]).
//!
//! # One naming convention
//!
//! A conversion that needs nothing but the value is `TryFrom` / `From`. One that needs more is
//! a method named after the model type it makes or takes: `to_share` / `to_shares`,
//! `to_new_shares`, `to_grant_items`, `to_recipient`, `to_level`, `to_patch` toward the model,
//! `from_share`, `from_new_shares`, `from_grant_items`, `from_recipient`, `from_level` back
//! (with `_like`, `_with_link`, … when it takes one more thing). Enum spellings are serde's,
//! one `rename` per variant, in each wire form.
//!
//! # Fields a form does not know
//!
//! Vendors add fields, and a document read and written back must not lose them silently.
//! Every object of every wire form therefore keeps the fields it does not know in a public
//! `extra` map ([`Extra`]), exactly as read, and writes them back after its own fields (the
//! order of keys is not kept; JSON does not give it meaning). They stay with the wire form:
//! a conversion to the model drops them (the model has nowhere to hold them), and a
//! conversion back starts from an empty `extra` unless it takes the form it rewrites (as
//! [`salesforce::FolderShare::from_share_like`] does). A caller who wants to know what a
//! form did not understand reads `extra`.
//!
//! # Links, invitations and scheduled shares
//!
//! SEMANTICS.md sections 8 and 9 gave shares a scheduled start (`starts`), pending
//! invitations, and link audiences, passwords and use limits. Each module maps what its
//! product expresses of them, both ways, and lists under "What this vendor cannot express"
//! the rest. Writing a share that holds something its product cannot express is an
//! [`InteropError::Inexpressible`] naming the model field (`starts`, `pending`, `max_uses`,
//! `password`, `audience`): never a silent drop, since the vendor's copy would then grant
//! more than the model's (a link without its password, a scheduled share granting at once).
//!
//! | | ONLYOFFICE | Filr | iconik | LiquidFiles | Salesforce |
//! | --- | --- | --- | --- | --- | --- |
//! | expiry | links' `expirationDate` | `expiration`, `days_to_expire` | `expires` | no | no |
//! | link audience | `anyone`; `organization` (`internal`) | `anyone` (`public_link`) | `anyone` (share URL); `people` of one (emailed links) | no links | no links |
//! | link password | in clear (`sharedTo.password`) | no | no | no links | no links |
//! | use limit | no | no | no | no links | no links |
//! | pending | a user member `Pending`; an email invitation | no | no | no | no |
//! | scheduled start | no | no | no | no | no |
//! | retrievable token | no (the caller gives the link) | no (the caller gives the link) | the share URL | no links | no links |

use std::fmt;

use chrono::{DateTime, Utc};

use crate::model::{ModelError, PrincipalId, ResourceRef};

/// The fields of a vendor object that its wire form does not know, kept as read (see
/// [Fields a form does not know](self#fields-a-form-does-not-know)).
///
/// ```
/// use shareguard::interop::salesforce::FolderShare;
///
/// let json = r##"{"shareId": "004xx", "accessType": "View", "shareType": "User", "sharedWithId": "005xx", "imageColor": "#00A1E0"}"##;
/// let share = FolderShare::from_json_str(json)?;
/// assert_eq!(share.extra["imageColor"], "#00A1E0");
/// // Written back with the rest.
/// assert_eq!(share.to_json_value(), serde_json::from_str::<serde_json::Value>(json)?);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub type Extra = serde_json::Map<String, serde_json::Value>;

pub mod filr;
pub mod iconik;
pub mod liquidfiles;
pub mod onlyoffice;
pub mod salesforce;

/// Why a vendor document could not be read, or a model value could not be written in a
/// vendor's form. Every message names the vendor and the field.
///
/// ```
/// use shareguard::interop::{filr, InteropError};
///
/// let err = filr::Share::from_json_str(r#"{"id": 1, "recipient": {"type": "robot"}}"#).unwrap_err();
/// assert!(matches!(err, InteropError::Json { .. }));
/// assert_eq!(err.field(), "recipient.type");
/// assert!(err.to_string().starts_with(r#"filr: recipient.type: unknown value "robot""#));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InteropError {
    /// The document is not valid JSON, is cut short, or does not have the form's shape (a
    /// wrong type, a missing field, an unknown enum value, an integer out of range).
    #[error("{vendor}: {}{message} (line {line}, column {column})", prefix(.path))]
    Json {
        /// The product whose form was read.
        vendor: &'static str,
        /// The JSON path of the fault (`items[0].recipient.type`); empty at the top level.
        path: String,
        /// What was wrong.
        message: String,
        /// The 1-based line of the fault.
        line: usize,
        /// The 1-based column of the fault.
        column: usize,
    },
    /// A field is absent that the conversion needs.
    #[error("{vendor}: {field}: missing: {reason}")]
    Missing {
        /// The product.
        vendor: &'static str,
        /// The field's path.
        field: String,
        /// Why it is needed.
        reason: &'static str,
    },
    /// A field's value is well-formed JSON but not acceptable.
    #[error("{vendor}: {field}: invalid value \"{value}\": {reason}")]
    Invalid {
        /// The product.
        vendor: &'static str,
        /// The field's path.
        field: String,
        /// The value as given.
        value: String,
        /// Why it is refused.
        reason: String,
    },
    /// A model value cannot be expressed in this product's form.
    #[error("{vendor}: {what} cannot be expressed ({field})")]
    Inexpressible {
        /// The product.
        vendor: &'static str,
        /// The model field that cannot be expressed (under `items[i].` for a page).
        field: String,
        /// What cannot be expressed, e.g. `a share with an expiry`.
        what: String,
    },
    /// A value the model refused (an empty id, a malformed email…).
    #[error("{vendor}: {field}: {source}")]
    Model {
        /// The product.
        vendor: &'static str,
        /// The vendor field's path.
        field: String,
        /// The model's error.
        source: ModelError,
    },
}

fn prefix(path: &str) -> String {
    if path.is_empty() { String::new() } else { format!("{path}: ") }
}

impl InteropError {
    /// The product whose form was involved.
    ///
    /// ```
    /// use shareguard::interop::{liquidfiles, salesforce};
    /// use shareguard::AccessLevel;
    ///
    /// // A service taking several products' forms can tell whose form refused what.
    /// let err = liquidfiles::RemoveAccess::from_json_str(r#"{"user": "u1", "group": "g1"}"#).unwrap_err();
    /// assert_eq!(err.vendor(), "liquidfiles");
    /// let err = salesforce::AccessType::from_level(AccessLevel::Commenter).unwrap_err();
    /// assert_eq!(err.vendor(), "salesforce");
    /// ```
    #[must_use]
    pub fn vendor(&self) -> &'static str {
        match self {
            Self::Json { vendor, .. }
            | Self::Missing { vendor, .. }
            | Self::Invalid { vendor, .. }
            | Self::Inexpressible { vendor, .. }
            | Self::Model { vendor, .. } => vendor,
        }
    }

    /// The field (a JSON path of the vendor form, or the model field that cannot be
    /// expressed) the error is about.
    ///
    /// ```
    /// use shareguard::interop::filr;
    /// use shareguard::AccessLevel;
    ///
    /// // A JSON path into the document, down to the item…
    /// let page = r#"{"first": 0, "count": 1, "total": 1, "items": [{"id": "1"}]}"#;
    /// assert_eq!(filr::ShareList::from_json_str(page).unwrap_err().field(), "items[0].id");
    /// // …or the model field the product cannot express.
    /// assert_eq!(filr::Role::from_level(AccessLevel::Manager).unwrap_err().field(), "access");
    /// ```
    #[must_use]
    pub fn field(&self) -> &str {
        match self {
            Self::Json { path, .. } => path,
            Self::Missing { field, .. }
            | Self::Invalid { field, .. }
            | Self::Inexpressible { field, .. }
            | Self::Model { field, .. } => field,
        }
    }

    pub(crate) fn invalid(
        vendor: &'static str,
        field: impl Into<String>,
        value: impl fmt::Display,
        reason: impl Into<String>,
    ) -> Self {
        Self::Invalid {
            vendor,
            field: field.into(),
            value: value.to_string(),
            reason: reason.into(),
        }
    }

    pub(crate) fn inexpressible(
        vendor: &'static str,
        field: &'static str,
        what: impl Into<String>,
    ) -> Self {
        Self::Inexpressible { vendor, field: field.to_owned(), what: what.into() }
    }

    pub(crate) fn model(
        vendor: &'static str,
        field: impl Into<String>,
    ) -> impl Fn(ModelError) -> Self {
        let field = field.into();
        move |source| Self::Model { vendor, field: field.clone(), source }
    }
}

/// What of a share's terms (SEMANTICS.md sections 8 and 9) a vendor form can hold.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Terms {
    pub(crate) pending: bool,
    pub(crate) password: bool,
}

/// Refuses a share holding a term its form cannot hold, naming the model field: a scheduled
/// start, a pending invitation, a use limit or a password (no vendor form holds a start or
/// a use limit). Dropping any of them would make the vendor's share grant more.
pub(crate) fn refuse_terms(
    vendor: &'static str,
    share: &crate::model::Share,
    form: Terms,
) -> Result<(), InteropError> {
    refuse(
        vendor,
        form,
        [
            share.starts().is_some(),
            share.is_pending(),
            share.max_uses().is_some(),
            share.password().is_some(),
        ],
    )
}

/// As [`refuse_terms`], for a share to create; a retrievable link is refused too (no form
/// asks its product to keep a link's token).
pub(crate) fn refuse_new_terms(
    vendor: &'static str,
    new: &crate::model::NewShare,
    form: Terms,
) -> Result<(), InteropError> {
    refuse(
        vendor,
        form,
        [new.starts.is_some(), new.pending, new.max_uses.is_some(), new.password.is_some()],
    )?;
    if new.retrievable {
        return Err(InteropError::inexpressible(vendor, "retrievable", "a retrievable link"));
    }
    Ok(())
}

/// `held`: whether the share has a start, is pending, has a use limit, has a password.
fn refuse(vendor: &'static str, form: Terms, held: [bool; 4]) -> Result<(), InteropError> {
    let [starts, pending, max_uses, password] = held;
    let refused = [
        (starts, "starts", "a scheduled start"),
        (pending && !form.pending, "pending", "a pending invitation"),
        (max_uses, "max_uses", "a link's use limit"),
        (password && !form.password, "password", "a link's password"),
    ];
    match refused.into_iter().find(|(refuse, _, _)| *refuse) {
        Some((_, field, what)) => Err(InteropError::inexpressible(vendor, field, what)),
        None => Ok(()),
    }
}

/// How an audience is named in an error: `anyone`, `organization`, or `people`.
pub(crate) fn audience_name(audience: &crate::model::Audience) -> &'static str {
    match audience {
        crate::model::Audience::Anyone => "anyone",
        crate::model::Audience::Organization => "organization",
        crate::model::Audience::People(_) => "people",
    }
}

/// What a share needs that a vendor form may not carry: the shared resource, who shared it,
/// and when. Forms that lack them (Salesforce, ONLYOFFICE members, iconik) take one of these
/// to become model shares.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use shareguard::interop::{onlyoffice::Member, ShareContext};
///
/// let context = ShareContext {
///     resource: "room:2330".parse()?,
///     sharer: "admin".parse()?,
///     created: Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap(),
/// };
/// let member = Member::from_json_str(r#"{"access": "Read", "sharedTo": {"id": "6941feb5"}, "subjectType": "User"}"#)?;
/// let share = member.to_share("s1".parse()?, &context, None)?;
/// assert_eq!((share.resource(), share.sharer(), share.created()), (&context.resource, &context.sharer, context.created));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShareContext {
    /// The shared resource (the folder, room or asset the URL names).
    pub resource: ResourceRef,
    /// Who created the share.
    pub sharer: PrincipalId,
    /// When it was created.
    pub created: DateTime<Utc>,
}

/// Parses a vendor form, mapping serde_json's error onto [`InteropError::Json`] with the JSON
/// path of the fault (tracked by `serde_path_to_error`), its line and column.
pub(crate) fn parse<T: serde::de::DeserializeOwned>(
    vendor: &'static str,
    bytes: &[u8],
) -> Result<T, InteropError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        json_error(vendor, if path == "." { String::new() } else { path }, &e.into_inner())
    })
}

fn json_error(vendor: &'static str, mut path: String, e: &serde_json::Error) -> InteropError {
    let (line, column) = (e.line(), e.column());
    let full = e.to_string();
    let suffix = format!(" at line {line} column {column}");
    let message = full.strip_suffix(&suffix).unwrap_or(&full);
    // serde says "unknown variant `robot`, expected …": say it as the other errors do.
    let mut message =
        match message.strip_prefix("unknown variant `").and_then(|m| m.split_once('`')) {
            Some((value, rest)) => format!("unknown value \"{value}\"{rest}"),
            None => message.to_owned(),
        };
    if !e.is_data() {
        path.clear();
    }
    // serde reports a missing field at its parent (`recipient`, "missing field `type`"):
    // name the field itself (`recipient.type`).
    if e.is_data() {
        if let Some(field) =
            message.strip_prefix("missing field `").and_then(|m| m.strip_suffix('`'))
        {
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(field);
        }
    }
    // Our own deserializers name their field (`access: …`): serde reports a flattened
    // field's error at its object, so complete the path with it.
    if let Some((field, rest)) = message.split_once(": ") {
        if e.is_data() && !field.is_empty() && !field.contains(' ') {
            let (field, rest) = (field.to_owned(), rest.to_owned());
            if !(path == field || path.ends_with(&format!(".{field}"))) {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(&field);
            }
            message = rest;
        }
    }
    InteropError::Json { vendor, path, message, line, column }
}

/// Adds `from_json_str`, `from_slice`, `to_json_value` and `to_json_string` to a wire form,
/// each with an example reading `$sample`: a document of the form that writes back as read.
macro_rules! json_form {
    ($ty:ty, $vendor:expr, $sample:literal) => {
        impl $ty {
            /// Reads the form from JSON text. Never panics: a malformed document is an
            /// [`InteropError::Json`](crate::interop::InteropError::Json) naming the path,
            /// line and column of the fault.
            ///
            /// ```
            #[doc = concat!("use ", module_path!(), "::", stringify!($ty), ";")]
            /// use shareguard::interop::InteropError;
            ///
            #[doc = concat!("let json = r#\"", $sample, "\"#;")]
            #[doc = concat!(stringify!($ty), "::from_json_str(json)?;")]
            /// // The same document cut short: an error saying where, not a panic.
            #[doc = concat!("let err = ", stringify!($ty), "::from_json_str(&json[..json.len() - 1]).unwrap_err();")]
            /// assert!(matches!(err, InteropError::Json { line: 1, column, .. } if column == json.len() - 1));
            /// assert!(err.to_string().contains("EOF while parsing"));
            /// # Ok::<(), InteropError>(())
            /// ```
            pub fn from_json_str(json: &str) -> Result<Self, crate::interop::InteropError> {
                crate::interop::parse($vendor, json.as_bytes())
            }

            /// Reads the form from JSON bytes (as [`Self::from_json_str`]).
            ///
            /// ```
            #[doc = concat!("use ", module_path!(), "::", stringify!($ty), ";")]
            /// use shareguard::interop::InteropError;
            ///
            #[doc = concat!("let json = r#\"", $sample, "\"#;")]
            #[doc = concat!("assert_eq!(", stringify!($ty), "::from_slice(json.as_bytes())?, ", stringify!($ty), "::from_json_str(json)?);")]
            /// // Bytes that are not UTF-8 are refused as any other fault is.
            #[doc = concat!("let err = ", stringify!($ty), "::from_slice(b\"\\xff\").unwrap_err();")]
            /// assert!(matches!(err, InteropError::Json { line: 1, column: 1, .. }));
            /// # Ok::<(), InteropError>(())
            /// ```
            pub fn from_slice(json: &[u8]) -> Result<Self, crate::interop::InteropError> {
                crate::interop::parse($vendor, json)
            }

            /// The form as a JSON value.
            ///
            /// ```
            #[doc = concat!("use ", module_path!(), "::", stringify!($ty), ";")]
            ///
            #[doc = concat!("let json = r#\"", $sample, "\"#;")]
            #[doc = concat!("let form = ", stringify!($ty), "::from_json_str(json)?;")]
            /// // Only the fields the form holds are written: here, the document as it was read.
            /// assert_eq!(form.to_json_value(), serde_json::from_str::<serde_json::Value>(json)?);
            /// # Ok::<(), Box<dyn std::error::Error>>(())
            /// ```
            #[must_use]
            pub fn to_json_value(&self) -> serde_json::Value {
                serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
            }

            /// The form as compact JSON text.
            ///
            /// ```
            #[doc = concat!("use ", module_path!(), "::", stringify!($ty), ";")]
            ///
            #[doc = concat!("let form = ", stringify!($ty), "::from_json_str(r#\"", $sample, "\"#)?;")]
            /// let text = form.to_json_string();
            /// assert!(!text.contains(['\n', '\t']) && !text.contains(": "));
            #[doc = concat!("assert_eq!(", stringify!($ty), "::from_json_str(&text)?, form);")]
            /// # Ok::<(), shareguard::interop::InteropError>(())
            /// ```
            #[must_use]
            pub fn to_json_string(&self) -> String {
                serde_json::to_string(self).unwrap_or_default()
            }
        }
    };
}
pub(crate) use json_form;
