//! Vendor interop: the share JSON of each seed product, read and written, converted to and
//! from the model (feature `interop`).
//!
//! Each product has its own module of wire forms — plain serde structs shaped exactly like the
//! product's JSON — kept apart from the model, as cedar keeps its `est` JSON form apart from
//! its `ast`:
//!
//! | module | product | forms |
//! | --- | --- | --- |
//! | [`filr`] | Micro Focus Filr REST | the Share resource, the paged list, the list queries |
//! | [`liquidfiles`] | LiquidFiles | `add_access` request and response, `remove_access` |
//! | [`onlyoffice`] | ONLYOFFICE DocSpace | room share request, room members response |
//! | [`salesforce`] | Salesforce folder shares | the share, the PATCH input, the error body |
//! | [`iconik`] | iconik | a share as its Sharing panel shows it, the admin roles |
//!
//! Every form parses with `from_json_str` / `from_slice`, which never panic and report a
//! malformed document as an [`InteropError`] naming the JSON path, line and column. Turning a
//! form into the model is `TryFrom` (or a method taking what the form does not carry, such as
//! the resource a request is about); turning the model into a form is `TryFrom` too when the
//! product cannot express every share, and the error then says why
//! ([`InteropError::Inexpressible`]).
//!
//! Wire forms accept fields they do not know (a tolerant reader: vendors add fields), and
//! write only the fields they hold.

use std::fmt;

use chrono::{DateTime, Utc};

use crate::{ModelError, PrincipalId, ResourceRef};

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
        /// The model field that cannot be expressed.
        field: &'static str,
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
    #[must_use]
    pub fn field(&self) -> &str {
        match self {
            Self::Json { path, .. } => path,
            Self::Missing { field, .. }
            | Self::Invalid { field, .. }
            | Self::Model { field, .. } => field,
            Self::Inexpressible { field, .. } => field,
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
        Self::Inexpressible { vendor, field, what: what.into() }
    }

    pub(crate) fn model(
        vendor: &'static str,
        field: impl Into<String>,
    ) -> impl Fn(ModelError) -> Self {
        let field = field.into();
        move |source| Self::Model { vendor, field: field.clone(), source }
    }
}

/// What a share needs that a vendor form may not carry: the shared resource, who shared it,
/// and when. Forms that lack them (Salesforce, ONLYOFFICE members, iconik) take one of these
/// to become model shares.
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

/// Adds `from_json_str`, `from_slice`, `to_json_value` and `to_json_string` to a wire form.
macro_rules! json_form {
    ($ty:ty, $vendor:expr) => {
        impl $ty {
            /// Reads the form from JSON text. Never panics: a malformed document is an
            /// [`InteropError::Json`](crate::interop::InteropError::Json) naming the path,
            /// line and column of the fault.
            pub fn from_json_str(json: &str) -> Result<Self, crate::interop::InteropError> {
                crate::interop::parse($vendor, json.as_bytes())
            }

            /// Reads the form from JSON bytes (as [`Self::from_json_str`]).
            pub fn from_slice(json: &[u8]) -> Result<Self, crate::interop::InteropError> {
                crate::interop::parse($vendor, json)
            }

            /// The form as a JSON value.
            #[must_use]
            pub fn to_json_value(&self) -> serde_json::Value {
                serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
            }

            /// The form as compact JSON text.
            #[must_use]
            pub fn to_json_string(&self) -> String {
                serde_json::to_string(self).unwrap_or_default()
            }
        }
    };
}
pub(crate) use json_form;
