//! Times on the wire: RFC 3339, to the nanosecond, with an error that says so.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serializer};

fn parse<E: serde::de::Error>(text: &str) -> Result<DateTime<Utc>, E> {
    DateTime::parse_from_rfc3339(text).map(|t| t.with_timezone(&Utc)).map_err(|e| {
        E::custom(format!(
            "invalid time \"{text}\" ({e}): expected an RFC 3339 time such as 2026-03-01T12:00:00Z"
        ))
    })
}

/// `DateTime<Utc>` as RFC 3339.
pub(crate) mod rfc3339 {
    use super::{DateTime, Deserialize, Deserializer, Serializer, Utc};

    pub(crate) fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        serde::Serialize::serialize(t, s)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        super::parse(&String::deserialize(d)?)
    }
}

/// `Option<DateTime<Utc>>` as RFC 3339 or `null`.
pub(crate) mod rfc3339_option {
    use super::{DateTime, Deserialize, Deserializer, Serializer, Utc};

    pub(crate) fn serialize<S: Serializer>(
        t: &Option<DateTime<Utc>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        serde::Serialize::serialize(t, s)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<DateTime<Utc>>, D::Error> {
        Option::<String>::deserialize(d)?.map(|t| super::parse(&t)).transpose()
    }
}

/// `Option<Option<DateTime<Utc>>>` for a change: absent leaves the field, `null` removes it.
pub(crate) mod rfc3339_change {
    use super::{DateTime, Deserialize, Deserializer, Serializer, Utc};

    pub(crate) fn serialize<S: Serializer>(
        t: &Option<Option<DateTime<Utc>>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        serde::Serialize::serialize(&t.flatten(), s)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Option<DateTime<Utc>>>, D::Error> {
        Ok(Some(Option::<String>::deserialize(d)?.map(|t| super::parse(&t)).transpose()?))
    }
}
