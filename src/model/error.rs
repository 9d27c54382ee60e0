//! Errors for malformed input to the model.

/// A value given to the model was malformed.
///
/// Every message names the offending field and quotes the offending value, so it can be shown
/// to whoever wrote the input:
///
/// ```
/// use shareguard::AccessLevel;
///
/// let err = "owner2".parse::<AccessLevel>().unwrap_err();
/// assert_eq!(err.to_string(), r#"access: unknown level "owner2""#);
/// assert_eq!(err.field(), "access");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ModelError {
    /// A permission name is not one of the fifteen of SEMANTICS.md section 1.
    #[error("{field}: unknown permission \"{value}\"")]
    UnknownPermission {
        /// The field that held the value.
        field: &'static str,
        /// The value as given.
        value: String,
    },
    /// An access level name is not one of SEMANTICS.md section 2.
    #[error("{field}: unknown level \"{value}\"")]
    UnknownLevel {
        /// The field that held the value.
        field: &'static str,
        /// The value as given.
        value: String,
    },
    /// A name is not one of the values the field accepts.
    #[error("{field}: unknown value \"{value}\", expected one of {expected}")]
    UnknownName {
        /// The field that held the value.
        field: &'static str,
        /// The value as given.
        value: String,
        /// The accepted values, for the message.
        expected: &'static str,
    },
    /// A value does not have the form the field needs.
    #[error("{field}: invalid value \"{value}\": {reason}")]
    Invalid {
        /// The field that held the value.
        field: &'static str,
        /// The value as given.
        value: String,
        /// What was expected.
        reason: &'static str,
    },
    /// An identifier is empty.
    #[error("{field}: must not be empty")]
    Empty {
        /// The field that was empty.
        field: &'static str,
    },
    /// Groups or roles refer to each other in a cycle.
    #[error("{field}: cycle {}", .cycle.join(" -> "))]
    Cycle {
        /// `groups` or `roles`.
        field: &'static str,
        /// The ids on the cycle, the first repeated at the end.
        cycle: Vec<String>,
    },
    /// The OS random number generator failed while making a link token.
    #[error("link token: the operating system's random source failed: {0}")]
    Random(String),
    /// Hashing a link password failed (the random source for its salt, or the hash itself).
    #[error("password: hashing failed: {0}")]
    Hashing(String),
}

impl ModelError {
    /// The name of the field whose value was refused.
    ///
    /// ```
    /// use shareguard::{Principal, PrincipalKind};
    /// use shareguard::model::{Email, GroupId};
    ///
    /// assert_eq!("".parse::<GroupId>().unwrap_err().field(), "group");
    /// assert_eq!("bob".parse::<Email>().unwrap_err().field(), "email");
    /// // A builder reports the first malformed value it was given.
    /// let err = Principal::builder("bob", PrincipalKind::Internal).group("").email("bob").build();
    /// assert_eq!(err.unwrap_err().field(), "group");
    /// ```
    #[must_use]
    pub fn field(&self) -> &'static str {
        match self {
            Self::UnknownPermission { field, .. }
            | Self::UnknownLevel { field, .. }
            | Self::UnknownName { field, .. }
            | Self::Invalid { field, .. }
            | Self::Empty { field }
            | Self::Cycle { field, .. } => field,
            Self::Random(_) => "token",
            Self::Hashing(_) => "password",
        }
    }
}

impl From<std::convert::Infallible> for ModelError {
    fn from(never: std::convert::Infallible) -> Self {
        match never {}
    }
}
